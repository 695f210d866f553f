"""Plain value types of the catalog, shared by importers, the store, search and answers.

They carry no database or Chroma state, so services and tests can pass them around freely.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Variant:
    """One purchasable size x colour of a parent product."""

    sku: str
    product_id: str
    size: str | None
    color: str | None
    qty: float
    in_stock: bool
    price: float | None = None


@dataclass(frozen=True)
class Review:
    """A shopper review of a parent product."""

    product_id: str
    rating: int
    title: str
    text: str
    reviewer: str = ""


@dataclass(frozen=True)
class Product:
    """A parent product as the shopper sees it.

    ``category`` is the main category path without the root, e.g. ``Women/Tops/Jackets``;
    ``product_type`` is its leaf (``Jackets``). Prices are absent for catalogs without them
    (the Amazon Scientific catalog).
    """

    id: str
    name: str
    description: str
    category: str
    categories: tuple[str, ...] = ()
    product_type: str = ""
    gender: str | None = None
    price: float | None = None
    regular_price: float | None = None
    currency: str = "USD"
    colors: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()
    materials: tuple[str, ...] = ()
    climates: tuple[str, ...] = ()
    activities: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    eco_friendly: bool = False
    performance_fabric: bool = False
    in_stock: bool = True
    image: str | None = None
    brand: str | None = None
    rating: float | None = None
    review_count: int = 0
    variants: tuple[Variant, ...] = ()

    @property
    def has_prices(self) -> bool:
        return self.price is not None

    def attribute_lines(self) -> list[str]:
        """Key attributes as short sentences, used for embeddings and cited answers."""
        lines: list[str] = []
        if self.materials:
            lines.append(f"Material: {', '.join(self.materials)}.")
        if self.climates:
            lines.append(f"Climate: {', '.join(self.climates)}.")
        if self.activities:
            lines.append(f"Activity: {', '.join(self.activities)}.")
        if self.patterns:
            lines.append(f"Pattern: {', '.join(self.patterns)}.")
        if self.eco_friendly:
            lines.append("Part of the Eco Friendly collection.")
        if self.performance_fabric:
            lines.append("Made of performance fabric.")
        if self.colors:
            lines.append(f"Available colours: {', '.join(self.colors)}.")
        if self.sizes:
            lines.append(f"Available sizes: {', '.join(self.sizes)}.")
        return lines


@dataclass(frozen=True)
class PolicySection:
    """One headed section of a store page (Customer Service, Privacy Policy, About us)."""

    page_id: str
    page_title: str
    heading: str
    text: str


@dataclass(frozen=True)
class ProductLink:
    """A merchandiser link between products: ``related``, ``upsell`` or ``crosssell``."""

    product_id: str
    linked_id: str
    kind: str


@dataclass
class ImportIssue:
    """A skipped row, reported as ``file:line: reason``."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass
class ImportSummary:
    """What an import did: counts per kind and the rows it skipped."""

    imported: dict[str, int] = field(default_factory=dict)
    issues: list[ImportIssue] = field(default_factory=list)
    changed: bool = False

    @property
    def skipped(self) -> int:
        return len(self.issues)

    def lines(self) -> list[str]:
        counts = ", ".join(f"{n} {kind}" for kind, n in self.imported.items())
        head = f"imported {counts}; skipped {self.skipped} rows"
        head += "" if self.changed else " (catalog unchanged)"
        return [head, *(str(issue) for issue in self.issues)]


class CatalogReader(Protocol):
    """Read access to an imported catalog; the SQL catalog implements it, tests may fake it."""

    def products(self) -> list[Product]:
        """Every parent product, variants included."""
        ...

    def product(self, product_id: str) -> Product | None:
        """One parent product by id (SKU or ASIN), or ``None``."""
        ...

    def reviews(self, product_id: str | None = None) -> list[Review]:
        """Reviews of one product, or of all products when ``product_id`` is ``None``."""
        ...

    def policy_sections(self) -> list[PolicySection]:
        """The store pages as headed sections."""
        ...

    def links(self, product_id: str) -> list[ProductLink]:
        """Merchandiser links from one product."""
        ...
