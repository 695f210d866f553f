"""The product finder: when a request is too broad, ask for whom and what kind, checked against
what the catalog actually carries."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol, runtime_checkable

from catalog.domain import Product
from catalog.text import lemma, tokens
from dialogue.reply import Reply
from dialogue.turn import Turn

#: Words that name no product at all ("I need clothes", "something to wear").
GENERIC_WORDS = frozenset(
    """clothes clothing something stuff wear wearing outfit outfits gear things thing shopping
    buy get need needs want looking look find show me i im i'm a an some any for to the new
    please help shop store items item products product anything else what do you have sell""".split()  # noqa: SIM905
)
_GENDER_WORDS = {
    "men": {"men", "man", "mens", "men's", "male", "guy", "guys", "him", "husband", "boyfriend",
            "dad", "father", "son", "brother", "boy", "gentleman", "gentlemen"},
    "women": {"women", "woman", "womens", "women's", "female", "lady", "ladies", "her", "wife",
              "girlfriend", "mom", "mum", "mother", "daughter", "sister", "girl"},
    "unisex": {"unisex", "anyone", "either", "both", "everyone", "doesn't", "matter", "whoever",
               "gear", "equipment"},
}


@cache
def _generic_lemmas() -> frozenset[str]:
    return frozenset(lemma(w) for w in GENERIC_WORDS)


def is_too_broad(text: str, has_constraints: bool) -> bool:
    """True when the request names no product, audience, activity or detail ("I need clothes")."""
    if has_constraints:
        return False
    generic = _generic_lemmas()
    meaningful = [w for w in tokens(text) if lemma(w) not in generic and len(w) > 1]
    return not meaningful


def read_gender(text: str) -> str | None:
    """``men``, ``women`` or ``unisex`` from an answer like "for my husband", else None."""
    said = set(tokens(text))
    for gender in ("women", "men", "unisex"):
        if said & _GENDER_WORDS[gender]:
            return gender
    return None


@dataclass(frozen=True)
class TypeChoice:
    """The product type an answer names (None if the catalog has none such for the audience),
    and the types the catalog offers that audience, most plentiful first."""

    product_type: str | None
    offered: tuple[str, ...]
    carried_for_others: bool = False


@runtime_checkable
class CarriedTypes(Protocol):
    """What a catalog carries, by kind: the SQL catalog counts it in its database."""

    def offered_types(self, gender: str | None) -> list[str]:
        """Product types in stock for ``gender``, most products first (ties: catalog order)."""
        ...


def offered_types(products: Sequence[Product], gender: str | None) -> list[str]:
    """Product types carried for ``gender`` (unisex and ungendered items count for everyone)."""
    counts = Counter(p.product_type for p in products if p.product_type and p.in_stock and (
        gender in (None, "unisex") or (p.gender or "unisex") in (gender, "unisex")))
    return [t for t, _ in counts.most_common()]


@dataclass(frozen=True)
class ProductsCarried:
    """:class:`CarriedTypes` counted from products in memory (catalogs without a database)."""

    products: Sequence[Product]

    def offered_types(self, gender: str | None) -> list[str]:
        return offered_types(self.products, gender)


def choose_type(answer: str, carried: CarriedTypes, gender: str | None) -> TypeChoice:
    """Match an answer ("a jacket", "hoodies", "bra") to a product type offered for ``gender``."""
    offered = carried.offered_types(gender)
    said = {lemma(w) for w in tokens(answer)}

    def named(product_type: str) -> bool:
        return bool(said & {lemma(w) for w in tokens(product_type)})

    for product_type in offered:
        if named(product_type):
            return TypeChoice(product_type, tuple(offered))
    elsewhere = any(named(t) for t in carried.offered_types(None))
    return TypeChoice(None, tuple(offered), carried_for_others=elsewhere)


AUDIENCE = {"men": "men", "women": "women", "any": "everyone"}
MAX_BUTTONS = 6


def _gender(turn: Turn) -> str | None:
    gender = turn.slot("gender")
    return None if gender in (None, "any", "unisex") else gender


def _audience(turn: Turn) -> str:
    return AUDIENCE.get(turn.slot("gender") or "any", "everyone")


def _type_buttons(types: Sequence[str]) -> list[dict[str, str]]:
    return [{"title": t, "payload": t} for t in types[:MAX_BUTTONS]]


def gender_answer(value: Any) -> Reply:
    """The finder's "for whom" answer as the ``gender`` slot, or the question again."""
    gender = read_gender(str(value or ""))
    if gender is None:
        return Reply(slots=[("gender", None)]).say(
            response="utter_ask_product_finder_form_gender")
    return Reply(slots=[("gender", "any" if gender == "unisex" else gender)])


def product_type_answer(turn: Turn, value: Any, carried: CarriedTypes) -> Reply:
    """The finder's "what kind" answer as a product type the catalog carries for the audience,
    or what it does carry."""
    choice = choose_type(str(value or ""), carried, _gender(turn))
    if choice.product_type:
        return Reply(slots=[("product_type", choice.product_type)])
    audience = _audience(turn)
    offered = ", ".join(t.lower() for t in choice.offered[:MAX_BUTTONS])
    lead = (f"We don't carry that for {audience}." if choice.carried_for_others
            else f"Sorry, we don't carry “{value}”.")
    return Reply(slots=[("product_type", None)]).say(
        f"{lead} For {audience} we have {offered}. Which would you like?",
        buttons=_type_buttons(choice.offered))


def ask_product_type(turn: Turn, carried: CarriedTypes) -> Reply:
    """Ask what kind of item, offering the types the catalog has for the chosen audience."""
    types = carried.offered_types(_gender(turn))
    return Reply().say(
        f"What kind of item are you after? For {_audience(turn)} we have "
        f"{', '.join(t.lower() for t in types[:MAX_BUTTONS])}.", buttons=_type_buttons(types))
