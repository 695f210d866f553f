"""A store's own pages (shipping, returns, privacy…) from a folder of Markdown or HTML files.

Each ``*.md`` / ``*.html`` file is one page: its id is the file name without the suffix, its
title the first ``# `` / ``<h1>`` heading (else the id, capitalised). Pages are split at their
headings into :class:`PolicySection` items, exactly as the Luma CMS pages are, so grounded
answers cite them and the commerce rules read the return window and delivery speeds from them
(:mod:`commerce.policy`). :func:`replace_store_pages` writes them as the store's policy
sections, replacing the ones a previous import wrote.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import delete, insert
from sqlalchemy.engine import Engine

from aisle.db import make_engine
from catalog.domain import ImportIssue, PolicySection
from catalog.importers.html_text import page_sections
from catalog.schema import Base, PolicySectionRow

MARKDOWN = (".md", ".markdown")
HTML = (".html", ".htm")
MAX_PAGE_BYTES = 1_000_000
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_MD_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")
_MD_INLINE = re.compile(r"\*\*|__|`|\[([^\]]*)\]\([^)]*\)")
_HTML_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")


class StorePagesError(ValueError):
    """The pages folder cannot be read at all (missing, not a folder, no page in it)."""


def markdown_to_html(text: str) -> str:
    """The small Markdown subset store pages use (headings, paragraphs, lists) as HTML.

    Text is escaped; links keep their words; emphasis marks are dropped.
    """
    out: list[str] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            out.append(f"<p>{' '.join(paragraph)}</p>")
            paragraph.clear()

    for raw in text.splitlines():
        line = _MD_INLINE.sub(lambda m: m.group(1) or "", raw).strip()
        heading, item = _MD_HEADING.match(line), _MD_ITEM.match(line)
        if not line:
            flush()
        elif heading:
            flush()
            level = len(heading.group(1))
            out.append(f"<h{level}>{html.escape(heading.group(2))}</h{level}>")
        elif item:
            flush()
            out.append(f"<li>{html.escape(item.group(1))}</li>")
        else:
            paragraph.append(html.escape(line))
    flush()
    return "\n".join(out)


def read_page(path: Path) -> list[PolicySection]:
    """The headed sections of one page file (Markdown or HTML)."""
    text = path.read_text(encoding="utf-8-sig")
    page_html = markdown_to_html(text) if path.suffix.lower() in MARKDOWN else text
    page_id = path.stem
    title_match = _HTML_H1.search(page_html)
    title = (html.unescape(_TAGS.sub("", title_match.group(1))).strip() if title_match else "")
    title = title or page_id.replace("-", " ").replace("_", " ").capitalize()
    if title_match:  # the title is the page's name, not a section of it
        page_html = page_html[: title_match.start()] + page_html[title_match.end():]
    return page_sections(page_html, page_id, title)


def read_store_pages(folder: Path) -> tuple[list[PolicySection], list[ImportIssue]]:
    """Every page of ``folder`` (sorted by file name); unreadable pages become issues.

    Raises:
        StorePagesError: ``folder`` is missing, not a folder, or holds no page.
    """
    if not folder.is_dir():
        raise StorePagesError(f"store pages folder {folder} does not exist or is not a folder")
    files = sorted(p for p in folder.iterdir()
                   if p.is_file() and p.suffix.lower() in MARKDOWN + HTML)
    if not files:
        raise StorePagesError(f"no store pages (*.md, *.html) in {folder}")
    sections: list[PolicySection] = []
    issues: list[ImportIssue] = []
    for path in files:
        if path.is_symlink():  # a link could pull in any file the importing user can read
            issues.append(ImportIssue(path.name, 0, "a symbolic link, not read"))
            continue
        if path.stat().st_size > MAX_PAGE_BYTES:
            issues.append(ImportIssue(path.name, 0, f"larger than {MAX_PAGE_BYTES} bytes"))
            continue
        try:
            page = read_page(path)
        except (UnicodeDecodeError, OSError) as error:
            issues.append(ImportIssue(path.name, 0, f"cannot be read as UTF-8 text ({error})"))
            continue
        if not page:
            issues.append(ImportIssue(path.name, 0, "no text"))
        sections.extend(page)
    return sections, issues


def replace_store_pages(engine: Engine, store: str, sections: list[PolicySection]) -> int:
    """Make ``sections`` the store's policy sections (one transaction); return their count."""
    Base.metadata.create_all(engine, tables=[PolicySectionRow.__table__])
    rows = [{"store": store, "page_id": s.page_id[:128], "page_title": s.page_title[:255],
             "heading": s.heading[:255], "text": s.text} for s in sections]
    with engine.begin() as connection:
        connection.execute(delete(PolicySectionRow).where(PolicySectionRow.store == store))
        if rows:
            connection.execute(insert(PolicySectionRow), rows)
    return len(rows)


def import_store_pages(folder: Path, store: str, url: str,
                       on_issue: Callable[[ImportIssue], None] | None = None) -> list[str]:
    """Read ``folder``'s pages and make them ``store``'s policy sections; summary lines.

    The folder is read in full before the database is touched, so a folder that cannot be
    read leaves the store's earlier pages in place.

    Raises:
        StorePagesError: the folder is missing or holds no page.
    """
    return save_store_pages(folder, read_store_pages(folder), store, url, on_issue)


def save_store_pages(folder: Path, read: tuple[list[PolicySection], list[ImportIssue]],
                     store: str, url: str,
                     on_issue: Callable[[ImportIssue], None] | None = None) -> list[str]:
    """Write pages :func:`read_store_pages` read from ``folder``; summary lines."""
    sections, issues = read
    for issue in issues:
        if on_issue is not None:
            on_issue(issue)
    engine = make_engine(url)
    try:
        count = replace_store_pages(engine, store, sections)
    finally:
        engine.dispose()
    pages = len({s.page_id for s in sections})
    lines = [f"store pages: {pages} pages, {count} sections from {folder}"]
    if issues:
        lines.append(f"store pages skipped: {len(issues)} (listed above)")
    return lines
