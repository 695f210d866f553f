"""Passages: the small, citable pieces of catalog text that grounded answers quote.

Each product yields its description sentences, its attribute lines and its reviews (chunked
by sentences when long); each policy section yields chunks of one to three sentences. Ids are
derived from the owner, the source and the text, so re-running over an unchanged catalog
produces the same ids and ingest can skip what it already holds.

Product metadata for Chroma filtering (Chroma 1.x; list values with ``$contains`` need
chromadb >= 1.1): ``price`` (float, omitted when unknown), ``in_stock`` (bool), ``gender``
(lowercase, omitted when unknown), ``product_type`` and ``category`` (catalog case), and
lowercased string lists ``colors``, ``sizes``, ``materials`` (whole values and their words) and
``categories`` (every prefix and segment of every category path), each omitted when empty
because Chroma rejects empty lists.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from catalog.domain import CatalogReader, PolicySection, Product, Review
from catalog.search_index import category_keys, material_keys

SOURCES = ("description", "review", "attribute", "policy")
MAX_CHUNK_SENTENCES = 3
MAX_CHUNK_CHARS = 360
# Store pages state a rule over a whole paragraph ("...unworn, unwashed... within 30 days"),
# so their chunks are longer: a quote then carries the rule with its conditions.
POLICY_CHUNK_SENTENCES = 6
POLICY_CHUNK_CHARS = 640

_BLOCK_TAGS = re.compile(r"<\s*(?:br|/p|/li|/div|/h\d|li|p|ul|/ul)\b[^>]*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t\r\f\v]+")


@dataclass(frozen=True)
class Passage:
    """A citable piece of catalog text.

    ``source`` is one of :data:`SOURCES`; ``product_id`` is ``None`` for policy passages;
    ``title`` is the product name, or ``"<page title> — <heading>"`` for policy passages.
    ``metadata`` holds scalar extras (page id, position) stored next to the vector.
    """

    id: str
    text: str
    source: str
    product_id: str | None
    title: str
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        """Hash of everything stored for this passage except the vector."""
        return content_hash(self.text, self.title, self.source, self.product_id or "",
                            sorted(self.metadata.items()))


def content_hash(*parts: object) -> str:
    """A short, stable hash of ``parts`` (their ``repr``), used to detect changed documents."""
    digest = hashlib.sha1(repr(parts).encode("utf-8"))
    return digest.hexdigest()[:16]


@lru_cache(maxsize=1)
def _sentencizer() -> Any:
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def clean_text(text: str) -> str:
    """Plain text from catalog HTML: block tags become line breaks, entities are decoded."""
    if "<" in text:
        text = _ANY_TAG.sub(" ", _BLOCK_TAGS.sub("\n", text))
    text = html.unescape(text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``; line breaks (bullets, paragraphs) always end a sentence."""
    nlp = _sentencizer()
    sentences: list[str] = []
    for line in clean_text(text).splitlines():
        sentences.extend(s.text.strip() for s in nlp(line).sents if s.text.strip())
    return sentences


def chunk_sentences(sentences: Iterable[str], max_sentences: int = MAX_CHUNK_SENTENCES,
                    max_chars: int = MAX_CHUNK_CHARS) -> list[str]:
    """Greedy chunks of 1..``max_sentences`` consecutive sentences of at most ~``max_chars``."""
    chunks: list[str] = []
    current: list[str] = []
    for sentence in sentences:
        too_long = sum(len(s) + 1 for s in current) + len(sentence) > max_chars
        if current and (len(current) >= max_sentences or too_long):
            chunks.append(" ".join(current))
            current = []
        current.append(sentence)
    if current:
        chunks.append(" ".join(current))
    return chunks


class _IdMaker:
    """Stable ids ``<source>:<owner>:<text hash>``, with a suffix for repeated texts."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def __call__(self, source: str, owner: str, text: str) -> str:
        base = f"{source}:{owner}:{content_hash(text)[:12]}"
        n = self._seen.get(base, 0) + 1
        self._seen[base] = n
        return base if n == 1 else f"{base}-{n}"


def _normalised(text: str) -> str:
    return " ".join("".join(ch for ch in text.lower() if ch.isalnum() or ch.isspace()).split())


def product_passages(product: Product, reviews: Iterable[Review] = ()) -> list[Passage]:
    """Description sentences, attribute lines and review chunks of one product."""
    make_id = _IdMaker()
    passages: list[Passage] = []

    def add(source: str, text: str, **extra: Any) -> None:
        passages.append(Passage(
            id=make_id(source, product.id, text), text=text, source=source,
            product_id=product.id, title=product.name,
            metadata={"position": len(passages), **extra},
        ))

    for sentence in split_sentences(product.description):
        add("description", sentence)
    for line in product.attribute_lines():
        add("attribute", line)
    for review in reviews:
        for i, chunk in enumerate(chunk_sentences(split_sentences(review.text))):
            # The review title is part of the shopper's words, so it stays in the quote.
            title = review.title.strip()
            repeats_title = _normalised(chunk).startswith(_normalised(title))
            text = f"{title} — {chunk}" if i == 0 and title and not repeats_title else chunk
            add("review", text, rating=int(review.rating))
    return passages


def policy_passages(section: PolicySection) -> list[Passage]:
    """Chunks of up to six sentences of one policy section, titled by page and heading."""
    title = f"{section.page_title} — {section.heading}" if section.heading else section.page_title
    make_id = _IdMaker()
    owner = f"{section.page_id}/{section.heading}"
    return [
        Passage(
            id=make_id("policy", owner, chunk), text=chunk, source="policy", product_id=None,
            title=title,
            metadata={"page_id": section.page_id, "heading": section.heading, "position": i},
        )
        for i, chunk in enumerate(chunk_sentences(
            split_sentences(section.text), POLICY_CHUNK_SENTENCES, POLICY_CHUNK_CHARS))
    ]


def catalog_passages(catalog: CatalogReader,
                     products: list[Product] | None = None) -> Iterator[Passage]:
    """Every passage of ``catalog``: products first (with their reviews), then policies."""
    reviews_by_product: dict[str, list[Review]] = {}
    for review in catalog.reviews():
        reviews_by_product.setdefault(review.product_id, []).append(review)
    for product in products if products is not None else catalog.products():
        yield from product_passages(product, reviews_by_product.get(product.id, ()))
    for section in catalog.policy_sections():
        yield from policy_passages(section)


def product_metadata(product: Product) -> dict[str, Any]:
    """Filterable metadata of one product (no ``None`` values, no empty lists)."""
    meta: dict[str, Any] = {
        "product_id": product.id, "name": product.name, "category": product.category,
        "product_type": product.product_type, "in_stock": bool(product.in_stock),
        "eco_friendly": bool(product.eco_friendly),
        "source": "product",
        "colors": sorted({c.lower() for c in product.colors}
                         | {v.color.lower() for v in product.variants if v.color}),
        "sizes": sorted({s.lower() for s in product.sizes}
                        | {v.size.lower() for v in product.variants if v.size}),
        "materials": material_keys(product.materials),
        "categories": category_keys([product.category, *product.categories]),
    }
    if product.price is not None:
        meta["price"] = float(product.price)
    if product.gender:
        meta["gender"] = product.gender.lower()
    return {k: v for k, v in meta.items() if v not in ([], None)}


def passage_metadata(passage: Passage) -> dict[str, Any]:
    """Metadata stored with a passage."""
    meta = {"source": passage.source, "title": passage.title, **passage.metadata}
    if passage.product_id is not None:
        meta["product_id"] = passage.product_id
    return {k: v for k, v in meta.items() if v is not None}


def product_document(product: Product) -> str:
    """The text embedded for a product in the ``products`` collection."""
    parts = [product.name, product.category.replace("/", " > ")]
    if product.brand:
        parts.append(f"Brand: {product.brand}.")
    description = " ".join(clean_text(product.description).splitlines())
    if description:
        parts.append(description)
    parts.extend(product.attribute_lines())
    return "\n".join(p for p in parts if p)
