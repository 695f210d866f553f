"""Low-confidence messages as Rasa NLU training data, for annotators to correct and add."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from insights.events import Event


def nlu_yaml(messages: Sequence[Event]) -> str:
    """Rasa 3 NLU YAML grouping the (redacted) texts under the intent the NLU guessed.

    The guesses are only a starting point: annotators move each example to its right intent.
    Repeated texts appear once.
    """
    by_intent: dict[str, dict[str, None]] = defaultdict(dict)
    for event in messages:
        text = " ".join(str(event.data.get("text") or "").split())
        if text:
            by_intent[str(event.data.get("intent") or "nlu_fallback")][text] = None
    lines = ['version: "3.1"',
             "# Low-confidence messages exported by `python -m insights export-nlu` for review:",
             "# each sits under the intent the assistant guessed; move it where it belongs.",
             "nlu:"]
    for intent in sorted(by_intent):
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {_example(text)}" for text in by_intent[intent]]
    return "\n".join(lines) + "\n"


def _example(text: str) -> str:
    """One example line of a block scalar; ``](`` would start Rasa's entity markup."""
    return text.replace("](", "] (").replace("]{", "] {")
