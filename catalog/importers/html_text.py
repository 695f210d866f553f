"""HTML from the shop's CMS and product descriptions, turned into clean sentences.

Uses only the standard library's :mod:`html.parser`. Block elements (paragraphs, list
items, ``<br />`` lines, headings) and ``&bull;`` bullets each become a sentence ending with
a period; tables become one sentence per row (``Merchandise total up to $200: Standard
(5–7 day shipping) $16, ...``), so answers can quote them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from catalog.domain import PolicySection

_BLOCK_TAGS = {
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "br",
    "tr",
    "table",
    "section",
    "blockquote",
    "dd",
    "dt",
}
_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_SKIP_TAGS = {"script", "style", "caption"}
_SPACES = re.compile(r"\s+")
_NUMBER_DASH = re.compile(r"(\d)\s*[—–]\s*(\d)")


@dataclass
class _Block:
    kind: str  # "text", "heading" or "table"
    text: str = ""
    rows: list[list[list[str]]] = field(default_factory=list)  # row -> cell -> lines


class _BlockParser(HTMLParser):
    """Splits HTML into text blocks, headings and tables (cells keep their ``<br />`` lines)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[_Block] = []
        self._buffer: list[str] = []
        self._heading = False
        self._skip = 0
        self._table: _Block | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag == "table":
            self._flush()
            self._table = _Block("table")
        elif self._table is not None:
            if tag == "tr":
                self._table.rows.append([])
            elif tag in {"td", "th"}:
                self._cell = [""]
                if not self._table.rows:
                    self._table.rows.append([])
                self._table.rows[-1].append(self._cell)
            elif tag == "br" and self._cell is not None:
                self._cell.append("")
        elif tag in _HEADING_TAGS:
            self._flush()
            self._heading = True
        elif tag in _BLOCK_TAGS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag == "table" and self._table is not None:
            self.blocks.append(self._table)
            self._table, self._cell = None, None
        elif self._table is not None:
            if tag in {"td", "th"}:
                self._cell = None
        elif tag in _HEADING_TAGS:
            self._flush()
            self._heading = False
        elif tag in _BLOCK_TAGS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._table is not None:
            if self._cell is not None:
                self._cell[-1] += data
            return
        self._buffer.append(data)

    def close(self) -> None:
        super().close()
        self._flush()

    def _flush(self) -> None:
        text = _clean("".join(self._buffer))
        self._buffer = []
        if text:
            self.blocks.append(_Block("heading" if self._heading else "text", text))


def _clean(text: str) -> str:
    """Collapse whitespace and turn digit ranges written with dashes into en dashes."""
    text = _SPACES.sub(" ", text.replace("\xa0", " ")).strip()
    return _NUMBER_DASH.sub(r"\1–\2", text)


def _sentence(text: str) -> str:
    """One clean sentence: no footnote asterisks, ends with a period (or ``:``, ``?``, ``!``)."""
    text = _clean(text)
    stripped = text.strip("* ").strip()
    if stripped != text and stripped:
        stripped = stripped[0].upper() + stripped[1:]
    text = stripped
    if text and text[-1] not in ".!?:":
        text += "."
    return text


def _sentences(block: str) -> list[str]:
    """Sentences of one text block; ``•`` bullets inside it become sentences of their own."""
    return [s for s in (_sentence(part) for part in block.split("•")) if s]


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _cell_label(lines: list[str]) -> str:
    """``STANDARD`` / ``5—7 day shipping **`` becomes ``Standard (5–7 day shipping)``."""
    parts = [_clean(line).strip("* ").strip() for line in lines]
    parts = [p for p in parts if p]
    if not parts:
        return ""
    head = parts[0].capitalize() if parts[0].isupper() else parts[0]
    rest = ", ".join(_lower_first(p) for p in parts[1:])
    return f"{head} ({rest})" if rest else head


def _table_sentences(rows: list[list[list[str]]]) -> list[str]:
    """One sentence per body row: ``<row header>: <column> <value>, ...``."""
    if not rows:
        return []
    header = [_cell_label(cell) for cell in rows[0]]
    sentences: list[str] = []
    for row in rows[1:]:
        cells = [_cell_label(cell) for cell in row]
        if not any(cells):
            continue
        lead = cells[0]
        if header and header[0]:
            lead = f"{header[0]} {_lower_first(lead)}".strip()
        values = [
            f"{header[i]} {value}".strip() if i < len(header) else value
            for i, value in enumerate(cells[1:], start=1)
            if value
        ]
        sentences.append(f"{lead}: {', '.join(values)}." if values else _sentence(lead))
    return sentences


def _parse(html: str) -> list[_Block]:
    parser = _BlockParser()
    parser.feed(html or "")
    parser.close()
    return parser.blocks


def _block_sentences(block: _Block) -> list[str]:
    if block.kind == "table":
        return _table_sentences(block.rows)
    return _sentences(block.text)


def html_to_text(html: str) -> str:
    """Clean text of an HTML fragment: tags stripped, entities unescaped, one sentence per block.

    >>> html_to_text("<p>Warm.</p><p>&bull; Two-tone.<br />&bull; Hood</p>")
    'Warm. Two-tone. Hood.'
    """
    return " ".join(s for block in _parse(html) for s in _block_sentences(block))


def page_sections(html: str, page_id: str, page_title: str) -> list[PolicySection]:
    """Split a CMS page at its ``<h2>``/``<h3>`` headings into :class:`PolicySection` items.

    Text before the first heading belongs to a section headed with the page title; headings
    with no text of their own are dropped.
    """
    sections: list[PolicySection] = []
    heading, sentences = page_title, []

    def close() -> None:
        if sentences:
            sections.append(PolicySection(page_id, page_title, heading, " ".join(sentences)))

    for block in _parse(html):
        if block.kind == "heading":
            close()
            heading, sentences = block.text.rstrip("."), []
        else:
            sentences.extend(_block_sentences(block))
    close()
    return sections
