"""Marked sections of docs/benchmarks.md that one command measures and another keeps."""

from __future__ import annotations

import re
from pathlib import Path


def markers(name: str) -> tuple[str, str]:
    """The ``<!-- name:start -->`` and ``<!-- name:end -->`` lines around a section."""
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def replace_section(path: Path, name: str, text: str) -> None:
    """Put ``text`` (which starts and ends with ``name``'s markers) in place of that section,
    or at the end of the file when it has none yet."""
    start, end = markers(name)
    old = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.DOTALL)
    new = pattern.sub(lambda _: text, old) if pattern.search(old) else old.rstrip() + "\n\n" + text
    path.write_text(new.rstrip() + "\n")


def publish(text: str, name: str, path: Path | None) -> None:
    """Print a measured section, and put it in ``path`` (docs/benchmarks.md) when given."""
    print(text)
    if path is not None:
        replace_section(path, name, text)
