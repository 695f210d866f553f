"""The traffic replayer: sends a corpus of shopper conversations through Rasa's REST channel.

Replayed traffic is labelled twice: its sender ids start with ``replay-`` (so every event
derived from it has ``replayed=True``), and each message carries ``{"replayed": true}``
metadata in the tracker.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

from insights.recording import REPLAY_PREFIX

DEFAULT_CORPUS = Path(__file__).with_name("replay_corpus.yml")


@dataclass(frozen=True)
class Conversation:
    """One scripted shopper: a name and what they type, in order."""

    name: str
    turns: tuple[str, ...]


@dataclass(frozen=True)
class ReplayReport:
    """What a replay sent: the sender ids used, messages, bot replies and time taken."""

    senders: tuple[str, ...]
    messages: int
    replies: int
    seconds: float


def load_corpus(path: Path = DEFAULT_CORPUS) -> list[Conversation]:
    """Read a corpus file: ``conversations: [{name, turns: [text, ...]}, ...]``."""
    try:
        document = yaml.safe_load(path.read_text())
        conversations = [Conversation(str(item["name"]), tuple(str(t) for t in item["turns"]))
                         for item in document["conversations"]]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as error:
        raise ValueError(f"{path} is not a replay corpus ({error})") from error
    if not conversations or any(not c.turns for c in conversations):
        raise ValueError(f"{path}: every conversation needs at least one turn")
    return conversations


def sender_id(run_id: str, conversation: Conversation) -> str:
    return f"{REPLAY_PREFIX}{run_id}-{conversation.name}"


def replay(conversations: list[Conversation], rasa_url: str, client: httpx.Client,
           run_id: str | None = None) -> ReplayReport:
    """Send every conversation's turns in order and wait for each reply."""
    run_id = run_id or uuid.uuid4().hex[:8]
    started = time.perf_counter()
    senders, messages, replies = [], 0, 0
    for conversation in conversations:
        sender = sender_id(run_id, conversation)
        senders.append(sender)
        for text in conversation.turns:
            response = client.post(f"{rasa_url}/webhooks/rest/webhook", json={
                "sender": sender, "message": text, "metadata": {"replayed": True}})
            response.raise_for_status()
            messages += 1
            replies += len(response.json())
    return ReplayReport(tuple(senders), messages, replies, time.perf_counter() - started)
