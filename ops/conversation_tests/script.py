"""The conversation script format (``docs/conversation-tests.md``): typed, strict, loaded from YAML.

A file holds one or more scripts; a script is a list of turns; a turn is what the shopper
writes and what they must get back. Unknown keys are refused, so a typo in an assertion is a
clear error naming the file, the script and the key, never a check that silently passes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from aisle.settings import STORE_NAME

#: Any store's name (luma, scientific, or one imported from a file).
Store = Annotated[str, StringConstraints(pattern=STORE_NAME.pattern)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Count(Strict):
    """A number of things: at least ``min``, at most ``max``."""

    min: int = 0
    max: int | None = None

    def holds(self, value: int) -> bool:
        return value >= self.min and (self.max is None or value <= self.max)

    def __str__(self) -> str:
        if self.max is None:
            return f"at least {self.min}"
        return f"exactly {self.min}" if self.min == self.max else f"{self.min} to {self.max}"


def _count(value: Any) -> Any:
    """``3`` means exactly three; ``{min: 1}`` at least one; ``{min: 1, max: 6}`` a range."""
    return {"min": value, "max": value} if isinstance(value, int) else value


class CardRule(Strict):
    """What every card must be, checked against the catalog database (not the card's text).

    ``category`` is words of a segment of one of the product's category paths (``Hoodies``
    matches ``Men/Tops/Hoodies & Sweatshirts``) or a path prefix (``Men/Tops``); ``color`` and ``size`` need a variant
    in stock (together: one variant in that colour and size); ``material`` one of its materials.
    Text compares case-insensitively.
    """

    category: str | None = None
    gender: str | None = None
    price_min: float | None = None
    price_max: float | None = None
    color: str | None = None
    size: str | None = None
    material: str | None = None
    brand: str | None = None
    activity: str | None = None
    eco_friendly: bool | None = None


class ProductsExpect(Strict):
    """Product cards (a ``products`` payload: search results or recommendations)."""

    count: Count | None = None
    each: CardRule | None = None
    names: list[str] | None = Field(
        None, description="The first cards are these products, in this order.")
    includes: list[str] | None = Field(None, description="These products are among the cards.")
    excludes: list[str] | None = Field(None, description="None of these products is shown.")
    ids: list[str] | None = Field(None, description="The first cards have these product ids.")

    _count = field_validator("count", mode="before")(_count)


class AnswerExpect(Strict):
    """A grounded answer (``answer`` payload). Every citation's quote is always checked
    verbatim against its source in the catalog database."""

    grounded: bool | None = None
    source: Literal["description", "attribute", "review", "policy"] | None = Field(
        None, description="At least one citation comes from this kind of source.")
    product: str | None = Field(
        None, description="The product asked about and every product citation (name or id).")
    words: list[str] = Field(default_factory=list,
                             description="Each appears in the answer text (case-insensitive).")


class ComparisonExpect(Strict):
    count: Count | None = None
    names: list[str] | None = Field(None, description="The compared products, in order.")
    attributes: list[str] = Field(default_factory=list, description="Rows that must be there.")

    _count = field_validator("count", mode="before")(_count)


class LineExpect(Strict):
    """One cart or order line; only the given fields are compared."""

    name: str | None = None
    sku: str | None = None
    size: str | None = None
    color: str | None = None
    quantity: int | None = None


class CartExpect(Strict):
    """A ``cart`` payload (or ``quote`` at checkout)."""

    items: list[LineExpect] | None = Field(None, description="Exactly these lines, in order.")
    count: Count | None = Field(None, description="Number of lines.")
    total: float | None = None
    subtotal: float | None = None
    shipping_method: str | None = Field(None, description="Quote only: the chosen method.")

    _count = field_validator("count", mode="before")(_count)


class OrderExpect(Strict):
    number: str | None = None
    status: str | None = None
    items: Count | None = None
    return_status: str | None = Field(None, description="``return.status`` after a return request.")

    _count = field_validator("items", mode="before")(_count)


class ShopExpect(Strict):
    """Side effects in the shop database after the turn, for this conversation."""

    cart_lines: int | None = Field(None, description="Rows in this conversation's cart.")
    orders_placed: int | None = Field(None, description="Orders this conversation placed.")
    order_status: dict[str, str] = Field(default_factory=dict,
                                         description="Order number → status in the database.")
    return_recorded: list[str] = Field(default_factory=list,
                                       description="Order numbers with a recorded return.")


class Expect(Strict):
    """What the shopper gets back from one turn. Every key is optional; all given ones must hold."""

    intent: str | list[str] | None = Field(None, description="As Rasa parsed the message.")
    entities: dict[str, Any] | None = Field(
        None, description="Entity → value found in the message (value `*`: any value).")
    products: ProductsExpect | None = None
    no_results: bool | None = Field(None, description="A search that found nothing.")
    answer: AnswerExpect | None = None
    comparison: ComparisonExpect | None = None
    cart: CartExpect | None = None
    quote: CartExpect | None = None
    order: OrderExpect | None = None
    promotions: Count | None = None
    handoff: bool | None = Field(None, description="The conversation is flagged for a person.")
    says: list[str] = Field(default_factory=list,
                            description="Each appears in the bot's text (case-insensitive).")
    not_says: list[str] = Field(default_factory=list, description="None appears in the text.")
    payloads: list[str] | None = Field(
        None, description="Exactly these payload types, in order (`[]`: text only).")
    silent: bool | None = Field(None, description="The bot sends nothing.")
    slots: dict[str, Any] = Field(default_factory=dict, description="Slot values after the turn.")
    shop: ShopExpect | None = None

    _promotions = field_validator("promotions", mode="before")(_count)


class Turn(Strict):
    user: str = Field(description="What the shopper writes (a button's payload, e.g. "
                                   "`/affirm`, is sent as written).")
    expect: Expect = Field(default_factory=Expect)
    budget_s: float | None = Field(None, description="Reply time budget, reported, never failing.")

    @field_validator("user", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        if isinstance(value, bool | int | float) or value is None:
            raise ValueError(f"YAML read this as {value!r}, not text: quote it "
                             "(user: \"yes\", user: \"no\", user: \"1\")")
        return value.strip() if isinstance(value, str) else value


class Script(Strict):
    name: str
    turns: list[Turn] = Field(min_length=1)
    tags: list[str] = Field(default_factory=list)
    known_issue: str | None = Field(
        None, description="A known failure (say which issue); reported, not failing the run. "
                          "A known issue that passes is reported so the mark can be removed.")


class ScriptFile(Strict):
    store: Store = "luma"
    scripts: list[Script] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> ScriptFile:
        names = [s.name for s in self.scripts]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"script names must be unique in a file: {duplicates}")
        return self


class ScriptError(ValueError):
    """A script file that cannot be read, with the file and the offending place."""


def _where(data: Any, loc: tuple[int | str, ...]) -> str:
    """``script 'name', turn 2, expect.products.each.colour`` for a pydantic location."""
    parts: list[str] = []
    rest = list(loc)
    if len(rest) >= 2 and rest[0] == "scripts" and isinstance(rest[1], int):
        index = rest[1]
        scripts = data.get("scripts") if isinstance(data, dict) else None
        name = (scripts[index].get("name") if isinstance(scripts, list) and index < len(scripts)
                and isinstance(scripts[index], dict) else None)
        parts.append(f"script {name!r}" if name else f"script #{index + 1}")
        rest = rest[2:]
        if len(rest) >= 2 and rest[0] == "turns" and isinstance(rest[1], int):
            parts.append(f"turn {rest[1] + 1}")
            rest = rest[2:]
    if rest:
        parts.append(".".join(str(p) for p in rest))
    return ", ".join(parts) or "(file)"


def parse_script_file(text: str, source: str) -> ScriptFile:
    """Parse one YAML file's text; raise :class:`ScriptError` naming ``source`` and the place."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ScriptError(f"{source}: not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise ScriptError(f"{source}: a script file is a mapping with a `scripts` list")
    try:
        return ScriptFile.model_validate(data)
    except ValidationError as error:
        problems = [f"{source}: {_where(data, tuple(e['loc']))}: {e['msg']}"
                    for e in error.errors()]
        raise ScriptError("\n".join(problems)) from None


def script_files(paths: list[Path]) -> list[Path]:
    """The ``*.yml``/``*.yaml`` files named or found (recursively) under ``paths``, sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in {".yml", ".yaml"})
        elif path.exists():
            found.append(path)
        else:
            raise ScriptError(f"{path}: no such file or folder")
    return found


def load_scripts(paths: list[Path]) -> list[tuple[Path, ScriptFile]]:
    """Every script file under ``paths``, parsed; all problems of all files in one error."""
    loaded: list[tuple[Path, ScriptFile]] = []
    problems: list[str] = []
    for path in script_files(paths):
        try:
            loaded.append((path, parse_script_file(path.read_text(encoding="utf-8"), str(path))))
        except ScriptError as error:
            problems.append(str(error))
    if problems:
        raise ScriptError("\n".join(problems))
    return loaded
