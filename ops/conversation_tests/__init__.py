"""Conversation scripts: a YAML format for what a shopper writes and must get back, and the
runner that plays them against the whole assistant (``docs/conversation-tests.md``)."""
