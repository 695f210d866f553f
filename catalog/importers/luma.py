"""Importer of the Magento "Luma" sample store files in ``<data_dir>/luma``.

Reads configurable parents and their simple variants, the simple gear products, reviews,
merchandiser links and CMS pages. Rows that cannot be imported are reported as
:class:`ImportIssue` with the CSV's physical line number and skipped.
"""

from __future__ import annotations

import html
from dataclasses import replace
from pathlib import Path

from catalog.domain import ImportIssue, PolicySection, Product, ProductLink, Review, Variant
from catalog.importers import luma_rows as rows
from catalog.importers.base import CatalogSourceMissing, ParsedCatalog, read_csv, require
from catalog.importers.html_text import html_to_text, page_sections
from catalog.importers.luma_rows import RowError

CONFIGURABLE_FILE = "products_configurable.csv"


def parse_luma(luma_dir: Path) -> ParsedCatalog:
    """Parse every Luma source file in ``luma_dir`` into one :class:`ParsedCatalog`."""
    if not luma_dir.is_dir():
        raise CatalogSourceMissing(f"Luma data folder not found: {luma_dir}")
    catalog = ParsedCatalog(store="luma")
    products = _configurable_products(require(luma_dir / CONFIGURABLE_FILE), catalog.issues)
    for path in sorted(luma_dir.glob("products_gear_*.csv")):
        products.extend(_gear_products(path, catalog.issues, {p.id for p in products}))
    variant_parent = {v.sku: p.id for p in products for v in p.variants}
    known = {p.id for p in products}
    catalog.reviews = _reviews(luma_dir / "reviews.csv", variant_parent, catalog.issues)
    catalog.products = _with_ratings(products, catalog.reviews)
    catalog.links = _links(luma_dir / "links", known, catalog.issues)
    catalog.sections = _sections(luma_dir / "cms_pages.csv")
    return catalog


def _row_problem(row: dict[str, str]) -> str | None:
    if not row.get("sku", "").strip():
        return "missing SKU"
    if not row.get("name", "").strip():
        return f"missing name for SKU {row['sku'].strip()}"
    return None


def _configurable_products(path: Path, issues: list[ImportIssue]) -> list[Product]:
    """Configurable parents with their simple variants attached."""
    parents: dict[str, tuple[int, dict[str, str]]] = {}
    simples: list[tuple[int, dict[str, str]]] = []
    seen: set[str] = set()
    for line, row in read_csv(path):
        sku = row.get("sku", "").strip()
        problem = _row_problem(row) or (f"duplicate SKU {sku}" if sku in seen else None)
        seen.add(sku)
        if problem:
            issues.append(ImportIssue(path.name, line, problem))
        elif row.get("product_type", "").strip() == "configurable":
            parents[sku] = (line, row)
        else:
            simples.append((line, row))

    parent_of = {
        entry["sku"]: parent_sku
        for parent_sku, (_, row) in parents.items()
        for entry in rows.parse_variations(row.get("configurable_variations", ""))
        if entry.get("sku")
    }
    by_length = sorted(parents, key=len, reverse=True)
    variants: dict[str, list[Variant]] = {sku: [] for sku in parents}
    for line, row in simples:
        sku = row["sku"].strip()
        parent = parent_of.get(sku) or next((p for p in by_length if sku.startswith(p + "-")), None)
        if parent is None:
            issues.append(ImportIssue(path.name, line, f"variant {sku} has no parent product"))
            continue
        try:
            variants[parent].append(_variant(sku, parent, row))
        except RowError as error:
            issues.append(ImportIssue(path.name, line, f"{error} for SKU {sku}"))

    products: list[Product] = []
    for sku, (line, row) in parents.items():
        try:
            products.append(_parent(sku, row, variants[sku]))
        except RowError as error:
            issues.append(ImportIssue(path.name, line, f"{error} for SKU {sku}"))
    return products


def _variant(sku: str, parent: str, row: dict[str, str]) -> Variant:
    attributes = rows.parse_attributes(row.get("additional_attributes", ""))
    special = rows.parse_price(row.get("special_price", ""), "special_price")
    return Variant(
        sku=sku,
        product_id=parent,
        size=attributes.get("size") or None,
        color=attributes.get("color") or None,
        qty=rows.parse_qty(row.get("qty", "")),
        in_stock=rows.parse_flag(row.get("is_in_stock", "")),
        price=special if special is not None else rows.parse_price(row.get("price", "")),
    )


def _parent(sku: str, row: dict[str, str], variants: list[Variant]) -> Product:
    price, regular = rows.shop_prices(row.get("price", ""), row.get("special_price", ""))
    attributes = rows.parse_attributes(row.get("additional_attributes", ""))
    paths = rows.category_paths(row.get("categories", ""))
    main = rows.main_category(paths)
    in_stock = (
        any(v.in_stock for v in variants)
        if variants
        else rows.parse_flag(row.get("is_in_stock", ""))
    )
    return Product(
        id=sku,
        name=html.unescape(row["name"].strip()),
        description=html_to_text(row.get("description", "")),
        category=main,
        categories=paths,
        product_type=rows.leaf(main),
        gender=rows.gender_of(main),
        price=price,
        regular_price=regular,
        colors=tuple(dict.fromkeys(v.color for v in variants if v.color)),
        sizes=rows.ordered_sizes([v.size for v in variants if v.size]),
        materials=rows.split_values(attributes.get("material", "")),
        climates=rows.split_values(attributes.get("climate", "")),
        activities=rows.split_values(attributes.get("activity", "")),
        patterns=rows.split_values(attributes.get("pattern", "")),
        eco_friendly=rows.parse_flag(attributes.get("eco_collection", "")),
        performance_fabric=rows.parse_flag(attributes.get("performance_fabric", "")),
        in_stock=in_stock,
        image=rows.image_name(row.get("base_image", "")),
        variants=tuple(variants),
    )


def _gear_products(path: Path, issues: list[ImportIssue], seen: set[str]) -> list[Product]:
    """Simple gear products: one product per row, multi-values separated by newlines."""
    products: list[Product] = []
    for line, row in read_csv(path):
        sku = row.get("sku", "").strip()
        problem = _row_problem(row) or (f"duplicate SKU {sku}" if sku in seen else None)
        if problem:
            issues.append(ImportIssue(path.name, line, problem))
            continue
        try:
            price, regular = rows.shop_prices(row.get("price", ""), row.get("special_price", ""))
        except RowError as error:
            issues.append(ImportIssue(path.name, line, f"{error} for SKU {sku}"))
            continue
        paths = rows.gear_category_paths(row.get("category", ""))
        main = rows.main_category(
            tuple(p for p in paths if p.startswith("Gear/"))
        ) or rows.main_category(paths)
        qty = rows.parse_qty(row.get("qty", ""))
        seen.add(sku)
        products.append(
            Product(
                id=sku,
                name=html.unescape(row["name"].strip()),
                description=html_to_text(row.get("description", "")),
                category=main,
                categories=paths,
                product_type=rows.leaf(main),
                gender=rows.gender_from_column(row.get("gender", "")),
                price=price,
                regular_price=regular,
                colors=rows.split_values(row.get("color", ""), "\n"),
                sizes=rows.ordered_sizes(list(rows.split_values(row.get("size", ""), "\n"))),
                materials=rows.split_values(row.get("material", ""), "\n"),
                activities=rows.split_values(row.get("activity", ""), "\n"),
                patterns=rows.split_values(row.get("pattern", ""), "\n"),
                eco_friendly=rows.parse_flag(row.get("eco_collection", "")),
                performance_fabric=rows.parse_flag(row.get("performance_fabric", "")),
                in_stock=qty > 0,
            )
        )
    return products


def _reviews(path: Path, variant_parent: dict[str, str], issues: list[ImportIssue]) -> list[Review]:
    """Every rated review; a review of a variant SKU counts for its parent."""
    reviews: list[Review] = []
    for line, row in read_csv(require(path)):
        sku = row.get("sku", "").strip()
        # Reviews of SKUs missing from the sample catalog are kept under their own SKU.
        product_id = variant_parent.get(sku, sku)
        try:
            rating = int(float(row.get("rating_value", "").strip()))
        except ValueError:
            rating = 0
        if not product_id:
            issues.append(ImportIssue(path.name, line, "review without SKU"))
        elif not 1 <= rating <= 5:
            issues.append(
                ImportIssue(path.name, line, f"rating {row.get('rating_value')!r} is not 1-5")
            )
        else:
            # The email column is never kept: reviews are quoted to other shoppers.
            reviews.append(
                Review(
                    product_id=product_id,
                    rating=rating,
                    title=row.get("title", "").strip(),
                    text=row.get("review", "").strip(),
                    reviewer=row.get("reviewer", "").strip(),
                )
            )
    return reviews


def _with_ratings(products: list[Product], reviews: list[Review]) -> list[Product]:
    ratings: dict[str, list[int]] = {}
    for review in reviews:
        ratings.setdefault(review.product_id, []).append(review.rating)
    return [
        replace(p, rating=round(sum(r) / len(r), 2), review_count=len(r))
        if (r := ratings.get(p.id))
        else p
        for p in products
    ]


def _links(folder: Path, known: set[str], issues: list[ImportIssue]) -> list[ProductLink]:
    """Links from ``<group>_<kind>.csv`` files: one SKU to newline-separated linked SKUs."""
    links: list[ProductLink] = []
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        kind = path.stem.rsplit("_", 1)[-1]
        for line, row in read_csv(path):
            sku = row.get("sku", "").strip()
            if sku not in known:
                issues.append(
                    ImportIssue(path.name, line, f"link from unknown product {sku or '(no SKU)'}")
                )
                continue
            linked = rows.split_values(row.get("linked_sku", ""), "\n")
            missing = [s for s in linked if s not in known]
            if missing:
                issues.append(
                    ImportIssue(path.name, line, f"links to unknown products {', '.join(missing)}")
                )
            links.extend(ProductLink(sku, other, kind) for other in linked if other in known)
    return links


def _sections(path: Path) -> list[PolicySection]:
    """Headed sections of every non-empty CMS page."""
    sections: list[PolicySection] = []
    for _, row in read_csv(require(path)) if path.exists() else []:
        content = row.get("content", "")
        if not content.strip():
            continue
        page_id = row.get("identifier", "").strip()
        title = row.get("title", "").strip() or page_id
        sections.extend(page_sections(content, page_id, title))
    return sections
