"""What a streamed catalog import did, and the rule for store names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from catalog.domain import ImportIssue

#: Issues kept in the summary; every one is still passed to ``on_issue`` as it is found.
MAX_ISSUES = 1000
STORE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


@dataclass
class StreamSummary:
    """What a streamed import did."""

    store: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    variants_written: int = 0
    synthetic: int = 0
    removed: int | None = None  # None: removing products absent from the file was not asked
    not_pruned: str = ""  # why products absent from the file were kept although asked
    issues: list[ImportIssue] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.new + self.updated

    def lines(self, *, issues: bool = True) -> list[str]:
        """The summary line, a note on synthetic products, then (``issues``) the issues kept."""
        head = (
            f"store {self.store}: {self.changed} changed ({self.new} new, {self.updated} "
            f"updated; {self.variants_written} variants written), {self.unchanged} unchanged, "
            f"{self.skipped} skipped"
        )
        if self.removed is not None:
            head += f", {self.removed} removed (not in the file)"
        lines = [head]
        if self.not_pruned:
            lines.append(f"nothing removed: {self.not_pruned}")
        if self.synthetic:
            lines.append(f"{self.synthetic} products are marked synthetic: use them for scale "
                         "and latency tests only, never for quality claims")
        if not issues:
            return lines
        lines.extend(str(issue) for issue in self.issues)
        if self.skipped > len(self.issues):
            lines.append(f"... and {self.skipped - len(self.issues)} more skipped rows")
        return lines


def check_store_name(store: str) -> str:
    """``store`` if it is a valid store name (lower-case letters, digits, ``-``, ``_``; 1-32)."""
    if not STORE_NAME.match(store):
        raise ValueError(f"store name {store!r} must be 1-32 lower-case letters, digits, - or _")
    return store
