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


def test_a_measured_section_replaces_its_old_self_or_is_appended(tmp_path) -> None:  # noqa: ANN001
    from scripts.benchmark_doc import markers, replace_section

    doc = tmp_path / "benchmarks.md"
    start, end = markers("first-start")
    doc.write_text(f"# Benchmarks\n\n{start}\nold: 58 min\n{end}\n\n<!-- nlu:start -->\nkept\n"
                   "<!-- nlu:end -->\n")
    replace_section(doc, "first-start", f"{start}\nnew: 15 min\n{end}")
    assert doc.read_text() == (f"# Benchmarks\n\n{start}\nnew: 15 min\n{end}\n\n"
                               "<!-- nlu:start -->\nkept\n<!-- nlu:end -->\n")
    replace_section(doc, "turn-profile", "<!-- turn-profile:start -->\nx\n<!-- turn-profile:end -->")
    assert doc.read_text().endswith("kept\n<!-- nlu:end -->\n\n"
                                    "<!-- turn-profile:start -->\nx\n<!-- turn-profile:end -->\n")
