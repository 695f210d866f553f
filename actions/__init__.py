"""Rasa custom actions. Thin: read slots, call one service, send the reply, return events.

rasa-sdk imports every module here and instantiates every Action with no arguments, so no
module does work at import time; services are built once per process by `actions.services`.
"""
