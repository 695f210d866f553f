"""`make bench` rewrites docs/benchmarks.md but keeps the sections other commands measured."""

from __future__ import annotations

from scripts.bench import kept_sections


def test_marked_sections_are_kept_and_the_rest_is_not() -> None:
    text = ("# Benchmarks\n\n## Retrieval\nold numbers\n\n"
            "<!-- nlu:start -->\n## NLU\nmacro F1 0.939\n<!-- nlu:end -->\n\n"
            "<!-- load-test:start -->\n## Load\n4000 turns\n<!-- load-test:end -->\n"
            "<!-- fuzz:start -->\nunterminated\n")
    kept = kept_sections(text)
    assert kept == ["<!-- nlu:start -->\n## NLU\nmacro F1 0.939\n<!-- nlu:end -->\n",
                    "<!-- load-test:start -->\n## Load\n4000 turns\n<!-- load-test:end -->\n"]
    assert not any("old numbers" in block for block in kept)
