"""Which user turns are word for word in the NLU training data (and so test no understanding)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

#: ``[text](entity)``, ``[text]{"entity": ...}`` annotations of Rasa's training format.
ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


def normalise(text: str) -> str:
    """Lower case, annotations replaced by their text, whitespace and end punctuation dropped."""
    plain = ANNOTATION.sub(r"\1", text)
    return " ".join(plain.lower().split()).strip(" .!?,")


def training_examples(nlu_dir: Path) -> set[str]:
    """Every intent example of the Rasa NLU files under ``nlu_dir``, normalised."""
    examples: set[str] = set()
    for path in sorted(nlu_dir.rglob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            if isinstance(block, dict) and "intent" in block:
                for line in str(block.get("examples") or "").splitlines():
                    line = line.strip()
                    if line.startswith("- "):
                        examples.add(normalise(line[2:]))
    return examples
