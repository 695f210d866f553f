"""The documented product record any store can bring (docs/catalog-schema.md).

:class:`ProductRecord` validates one product of a JSONL or CSV catalog file;
:func:`to_product` turns a valid record into the catalog's :class:`Product` plus the
attributes that have no column of their own. ``python -m catalog.importers.record`` prints
the JSON Schema generated from the model.
"""

from __future__ import annotations

import json
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeFloat,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from catalog.domain import Product, Variant
from catalog.importers.luma_rows import ordered_sizes

#: Version of the record format written in a file's header line.
FORMAT = "aisle-catalog"
VERSION = 1

Text64 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
AttributeValue = bool | int | float | str | list[str]

#: Attributes stored in a column of their own (search filters read these columns).
LIST_ATTRIBUTES = {
    "material": "materials",
    "climate": "climates",
    "activity": "activities",
    "pattern": "patterns",
    "color": "colors",
    "size": "sizes",
}
FLAG_ATTRIBUTES = ("eco_friendly", "performance_fabric")
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0", ""}


class VariantRecord(BaseModel):
    """One purchasable colour x size of a product."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    sku: Text64
    color: Annotated[str, StringConstraints(max_length=64)] | None = None
    size: Annotated[str, StringConstraints(max_length=32)] | None = None
    stock: NonNegativeFloat = 0
    in_stock: bool | None = Field(default=None, description="default: stock > 0")
    price: NonNegativeFloat | None = Field(default=None, description="default: the product's")

    @field_validator("color", "size")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None


class ProductRecord(BaseModel):
    """One product: required ``id`` and ``name``; everything else optional."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    id: Text64
    name: Annotated[str, StringConstraints(min_length=1, max_length=512)]
    description: str = ""
    category: Annotated[str, StringConstraints(max_length=512)] = Field(
        default="", description="main category path, levels joined by '/': Women/Tops/Jackets"
    )
    categories: list[Annotated[str, StringConstraints(max_length=512)]] = Field(
        default_factory=list, description="further category paths the product is listed under"
    )
    brand: Annotated[str, StringConstraints(max_length=255)] | None = None
    price: NonNegativeFloat | None = Field(default=None, description="the price a shopper pays")
    regular_price: NonNegativeFloat | None = Field(
        default=None, description="list price when `price` is a reduced one"
    )
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] = "USD"
    image: Annotated[str, StringConstraints(max_length=255)] | None = Field(
        default=None, description="image URL or path"
    )
    in_stock: bool | None = Field(
        default=None, description="default: any variant in stock (true without variants)"
    )
    attributes: dict[
        Annotated[str, StringConstraints(min_length=1, max_length=64)], AttributeValue
    ] = Field(default_factory=dict)
    variants: list[VariantRecord] = Field(default_factory=list)

    @field_validator("category")
    @classmethod
    def _clean_path(cls, value: str) -> str:
        return _path(value)

    @field_validator("categories")
    @classmethod
    def _clean_paths(cls, values: list[str]) -> list[str]:
        return [p for p in (_path(v) for v in values) if p]

    @field_validator("image", "brand")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("attributes")
    @classmethod
    def _known_attributes(cls, values: dict[str, AttributeValue]) -> dict[str, AttributeValue]:
        for name in FLAG_ATTRIBUTES:
            if name in values:
                _flag(values[name], name)
        for name, value in values.items():
            if any(len(_text(v)) > 255 for v in (value if isinstance(value, list) else [value])):
                raise ValueError(f"attribute {name}: a value is longer than 255 characters")
        gender = values.get("gender")
        if gender is not None and (not isinstance(gender, str) or len(gender) > 16):
            raise ValueError("gender must be a word of at most 16 letters (men, women, unisex)")
        return values

    @model_validator(mode="after")
    def _consistent(self) -> ProductRecord:
        skus = [v.sku for v in self.variants]
        repeated = sorted({s for s in skus if skus.count(s) > 1})
        if repeated:
            raise ValueError(f"variant SKU {', '.join(repeated)} given twice")
        prices = (self.price, self.regular_price)
        if prices[0] is not None and prices[1] is not None and prices[1] < prices[0]:
            raise ValueError("regular_price is below price")
        return self


class FileHeader(BaseModel):
    """Optional first line of a JSONL file: ``{"catalog": {...}}``."""

    model_config = ConfigDict(extra="allow")

    format: str = FORMAT
    version: int = VERSION
    synthetic: bool = False
    note: str = ""

    @model_validator(mode="after")
    def _readable(self) -> FileHeader:
        if self.format != FORMAT:
            raise ValueError(f"format {self.format!r} is not {FORMAT!r}")
        if not 1 <= self.version <= VERSION:
            raise ValueError(f"version {self.version} is not one this importer reads "
                             f"(1 to {VERSION})")
        return self


def _path(value: str) -> str:
    return "/".join(level.strip() for level in value.split("/") if level.strip())


def _flag(value: AttributeValue, name: str) -> bool:
    text = str(value).strip().lower()
    if isinstance(value, bool) or text in _TRUE | _FALSE:
        return value if isinstance(value, bool) else text in _TRUE
    raise ValueError(f"{name} must be true or false, not {value!r}")


def _values(value: AttributeValue) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    return tuple(dict.fromkeys(_text(v) for v in items if _text(v)))


def _text(value: bool | int | float | str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def validation_reason(error: ValidationError) -> str:
    """A pydantic error as one short line: ``price: Input should be ...; variants.1.sku: ...``."""
    parts = []
    for item in error.errors(include_url=False):
        where = ".".join(str(p) for p in item["loc"])
        message = str(item["msg"]).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def to_product(record: ProductRecord) -> tuple[Product, tuple[tuple[str, str], ...]]:
    """The catalog product of a valid record, and its other attributes as ``(name, value)``.

    Variant colours and sizes make the product's lists; ``color``/``size`` attributes add to
    them (products sold without variants). ``gender`` is lower-cased.
    """
    attrs = record.attributes
    variants = tuple(
        Variant(
            sku=v.sku,
            product_id=record.id,
            size=v.size,
            color=v.color,
            qty=float(v.stock),
            in_stock=v.in_stock if v.in_stock is not None else v.stock > 0,
            price=v.price if v.price is not None else record.price,
        )
        for v in record.variants
    )
    lists = {column: _values(attrs[name]) for name, column in LIST_ATTRIBUTES.items()
             if name in attrs}
    colors = tuple(dict.fromkeys([*(v.color for v in variants if v.color),
                                  *lists.pop("colors", ())]))
    sizes = ordered_sizes([*(v.size for v in variants if v.size), *lists.pop("sizes", ())])
    in_stock = record.in_stock
    if in_stock is None:
        in_stock = any(v.in_stock for v in variants) if variants else True
    gender = attrs.get("gender")
    product = Product(
        id=record.id,
        name=record.name,
        description=record.description,
        category=record.category,
        categories=tuple(p for p in dict.fromkeys([record.category, *record.categories]) if p),
        product_type=record.category.rsplit("/", 1)[-1],
        gender=(str(gender).strip().lower() or None) if gender is not None else None,
        price=record.price,
        regular_price=record.regular_price,
        currency=record.currency,
        colors=colors,
        sizes=sizes,
        eco_friendly=_flag(attrs.get("eco_friendly", False), "eco_friendly"),
        performance_fabric=_flag(attrs.get("performance_fabric", False), "performance_fabric"),
        in_stock=in_stock,
        image=record.image,
        brand=record.brand,
        variants=variants,
        **lists,
    )
    known = {*LIST_ATTRIBUTES, *FLAG_ATTRIBUTES, "gender"}
    others = tuple(
        (name, value)
        for name in sorted(attrs)
        if name not in known
        for value in _values(attrs[name])
    )
    return product, others


def json_schema() -> dict[str, object]:
    """The JSON Schema of one product record."""
    return ProductRecord.model_json_schema()


if __name__ == "__main__":
    print(json.dumps(json_schema(), indent=2))
