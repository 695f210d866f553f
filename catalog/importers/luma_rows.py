"""Field-level parsing of Magento rows: prices, categories, attributes, sizes.

Kept apart from the file walking in :mod:`catalog.importers.luma` so each rule is easy to
test on its own.
"""

from __future__ import annotations

import html
from pathlib import PurePosixPath

_SIZE_ORDER = {"XXS": 0, "XS": 1, "S": 2, "M": 3, "L": 4, "XL": 5, "XXL": 6, "XXXL": 7}
_ROOT = "Default Category"
_GENDERS = {"Men": "men", "Women": "women"}
_NON_MAIN_ROOTS = {"Collections", "Promotions"}
# Top-level category names that start a new path in the gear files' newline-separated lists.
GEAR_ROOTS = {"Gear", "Collections", "Promotions", "Men", "Women", "Training", "What's New", "Sale"}


class RowError(ValueError):
    """A row that cannot be imported; the message is the reason shown to the person importing."""


def parse_price(raw: str, column: str = "price") -> float | None:
    """A price from a Magento cell: ``None`` when empty, :class:`RowError` when unparsable."""
    raw = (raw or "").strip().replace(",", "")
    if not raw:
        return None
    try:
        value = float(raw.lstrip("$"))
    except ValueError:
        raise RowError(f"unparsable {column} {raw!r}") from None
    if value < 0:
        raise RowError(f"negative {column} {raw!r}")
    return value


def shop_prices(price_raw: str, special_raw: str) -> tuple[float, float]:
    """``(price, regular_price)``: the special price wins when set; the list price is kept."""
    regular = parse_price(price_raw)
    if regular is None:
        raise RowError("missing price")
    special = parse_price(special_raw, "special_price")
    return (special if special is not None else regular), regular


def parse_qty(raw: str) -> float:
    """Stock quantity; an empty or odd cell counts as zero."""
    try:
        return float((raw or "0").strip() or 0)
    except ValueError:
        return 0.0


def parse_flag(raw: str) -> bool:
    """Magento's Yes/No, 1/0 attribute values."""
    return (raw or "").strip().lower() in {"yes", "1", "true", "y"}


def split_values(raw: str, sep: str = "|") -> tuple[str, ...]:
    """Multi-value cell (``Nylon|Polyester`` or newline-separated) as a tuple, blanks dropped."""
    return tuple(html.unescape(v.strip()) for v in (raw or "").split(sep) if v.strip())


def parse_attributes(raw: str) -> dict[str, str]:
    """``additional_attributes`` (``key=value`` joined by commas) as a dict.

    A piece without ``=`` continues the previous value: Magento does not escape commas.
    """
    attributes: dict[str, str] = {}
    last: str | None = None
    for piece in (raw or "").split(","):
        key, eq, value = piece.partition("=")
        if eq:
            last = key.strip()
            attributes[last] = value.strip()
        elif last is not None and piece.strip():
            attributes[last] += "," + piece
    return attributes


def parse_variations(raw: str) -> list[dict[str, str]]:
    """``configurable_variations`` (``sku=..,size=..,color=..`` joined by ``|``) as dicts."""
    return [parse_attributes(entry) for entry in (raw or "").split("|") if entry.strip()]


def category_paths(raw: str) -> tuple[str, ...]:
    """Comma-separated Magento category paths without the ``Default Category`` root."""
    paths: list[str] = []
    for path in (raw or "").split(","):
        path = path.strip()
        if path.startswith(_ROOT + "/"):
            path = path[len(_ROOT) + 1 :]
        elif path == _ROOT:
            continue
        if path and path not in paths:
            paths.append(path)
    return tuple(paths)


def gear_category_paths(raw: str) -> tuple[str, ...]:
    """The gear files' newline-separated names (``Gear\\nBags\\nCollections\\nNew``) as paths."""
    paths: list[list[str]] = []
    for name in split_values(raw, "\n"):
        if name in GEAR_ROOTS or not paths:
            paths.append([name])
        else:
            paths[-1].append(name)
    return tuple(dict.fromkeys("/".join(p) for p in paths))


def main_category(paths: tuple[str, ...]) -> str:
    """The most specific shopping path: gendered first, never Collections/Promotions if avoidable."""
    if not paths:
        return ""

    def rank(path: str) -> tuple[int, int, int]:
        root = path.split("/", 1)[0]
        return (root in _GENDERS, root not in _NON_MAIN_ROOTS, path.count("/"))

    return max(paths, key=rank)


def leaf(path: str) -> str:
    """Last segment of a category path: the product type (``Jackets``)."""
    return path.rsplit("/", 1)[-1] if path else ""


def gender_of(path: str) -> str | None:
    """``men``/``women`` from a gendered category path, else ``None``."""
    return _GENDERS.get(path.split("/", 1)[0]) if path else None


def gender_from_column(raw: str) -> str | None:
    """The gear ``gender`` column: one value lower-cased, several mean ``unisex``."""
    values = split_values(raw, "\n")
    if not values:
        return None
    return values[0].lower() if len(values) == 1 else "unisex"


def image_name(raw: str) -> str | None:
    """``/m/h/mh01-gray_main.jpg`` -> ``mh01-gray_main.jpg`` (the thumbnail's file name)."""
    raw = (raw or "").strip()
    return PurePosixPath(raw).name if raw and raw != "no_selection" else None


def size_key(size: str) -> tuple[int, float, str]:
    """Sort key: letter sizes XS..XL first in wearing order, then numeric sizes ascending."""
    upper = size.upper()
    if upper in _SIZE_ORDER:
        return (0, _SIZE_ORDER[upper], "")
    number = size.split()[0] if size.split() else size
    try:
        return (1, float(number), size)
    except ValueError:
        return (2, 0.0, size)


def ordered_sizes(sizes: list[str]) -> tuple[str, ...]:
    """Distinct sizes in shopping order."""
    return tuple(sorted(dict.fromkeys(s for s in sizes if s), key=size_key))
