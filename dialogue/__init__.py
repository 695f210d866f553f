"""Turn logic on plain values (no rasa-sdk import): the layer between Rasa's actions and the
services, and the one payload contract every reader parses."""
