"""The one contract of the typed ``custom`` payloads a bot message carries.

Every payload is a JSON object whose ``type`` names its model below; the widget
(``web/frontend/src/render.js``), the terminal chat, the load test, insights and the agent
console read them. The models accept exactly what the builders produce: unknown keys are
refused (``extra="forbid"``), so a renamed key fails :func:`parse_payload` and the tests that
validate every payload of the end-to-end conversations.

Two kinds of "optional" appear, as the builders produce them:

* a field that is always present but may be ``null`` (``price`` of a catalog without prices,
  ``shipping`` where the method does not ship) is typed ``X | None`` and is required;
* a field that is present only in some replies (``search`` after a search, ``product_id`` of
  an answer about one product, ``reason`` of a complaint's handoff, ``return`` of an order
  after a return request) is :data:`Omittable`: left out when it has no value, never ``null``.

``docs/payloads.schema.json`` and ``docs/payloads.md`` are generated from these models by
``python -m scripts.payload_schema``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import Field, TypeAdapter, ValidationError, field_validator

from dialogue.payload_base import Omittable, PayloadPart, given, iso_checked

__all__ = ["given"]  # builders take it from here, with the models

# ---------------------------------------------------------------------------------- parts


class ProductCard(PayloadPart):
    """One product as a card (``dialogue.cards.product_card``)."""

    id: str = Field(description="Catalog product id (the parent product, e.g. `MH01`).")
    name: str = Field(description="Product name, shown as text (never as HTML).")
    price: float | None = Field(description="Price; `null` when the catalog has no prices.")
    currency: str = Field(description="ISO 4217 currency code of `price`.")
    category: str = Field(description="Main category path without the root, e.g. `Men/Tops/Hoodies`.")
    colors: list[str] = Field(description="Colours the product comes in (may be empty).")
    sizes: list[str] = Field(description="Sizes the product comes in (may be empty).")
    image: str | None = Field(description="Same-origin image path under `/images/`, or `null`.")
    reason: str = Field(description="Why the card was shown (may be empty).")


class SearchConstraints(PayloadPart):
    """The shopper's constraints a search used (slot name → value; unset ones left out)."""

    gender: Omittable[str] = Field(None, description="`men`, `women`, or another audience.")
    color: Omittable[str] = Field(None, description="Colour.")
    material: Omittable[str] = Field(None, description="Material.")
    activity: Omittable[str] = Field(None, description="Activity, e.g. `yoga`.")
    product_type: Omittable[str] = Field(None, description="Product type, e.g. `jacket`.")
    size: Omittable[str] = Field(None, description="Size.")
    price_min: Omittable[float] = Field(None, description="Lowest price.")
    price_max: Omittable[float] = Field(None, description="Highest price.")
    eco_friendly: Omittable[bool] = Field(None, description="Only eco-friendly products.")


class SearchSummary(PayloadPart):
    """What a search asked and found, for insights (``dialogue.cards.search_summary``)."""

    constraints: SearchConstraints = Field(description="The constraints searched with.")
    query: str = Field(description="The words ranked by.")
    results: int = Field(description="How many cards the search returned.")
    top_score: float | None = Field(description="Score of the best hit (4 decimals); `null` when none.")


class Citation(PayloadPart):
    """A verbatim quote from the catalog or the store's pages (``dialogue.cards.citation``, from
    a ``knowledge.answers.Citation``)."""

    source: Literal["description", "attribute", "review", "policy"] = Field(
        description="Where the quote comes from.")
    product_id: str | None = Field(description="The product quoted; `null` for store pages.")
    title: str = Field(description="Product name or store page title.")
    quote: str = Field(description="The quoted sentence(s), verbatim.")


class ComparisonRow(PayloadPart):
    """One attribute across the compared products."""

    attribute: str = Field(description="Attribute name, e.g. `Price`, `Material`.")
    values: list[str] = Field(description="One display value per product, in product order.")
    differs: bool = Field(description="Whether the values are not all the same.")


class CartItem(PayloadPart):
    """One cart line as priced."""

    sku: str = Field(description="Variant SKU.")
    product_id: str = Field(description="Parent product id.")
    name: str = Field(description="Product name.")
    size: str | None = Field(description="Chosen size, or `null`.")
    color: str | None = Field(description="Chosen colour, or `null`.")
    quantity: int = Field(description="Quantity.")
    unit_price: float = Field(description="Unit price recorded when the line was added.")
    line_total: float = Field(description="`unit_price × quantity`, two decimals.")


class AppliedPromotion(PayloadPart):
    """A promotion the cart earned."""

    name: str = Field(description="The promotion's name.")
    amount: float = Field(description="Money off the merchandise (0 for free shipping only).")
    free_shipping: bool = Field(description="Whether it makes shipping free.")


class ShippingOption(PayloadPart):
    """A delivery method the shopper can choose, at its price for this cart."""

    method: str = Field(description="Method code, e.g. `standard`.")
    label: str = Field(description="Method name shown to the shopper.")
    days: str = Field(description="Delivery time as text, e.g. `3-5`.")
    price: float = Field(description="Price of the method for this cart.")


class OrderItem(PayloadPart):
    """One line of an order."""

    sku: str = Field(description="Variant SKU.")
    name: str = Field(description="Product name.")
    size: str | None = Field(description="Size, or `null`.")
    color: str | None = Field(description="Colour, or `null`.")
    quantity: int = Field(description="Quantity.")
    unit_price: float = Field(description="Unit price paid.")


class ReturnCitation(PayloadPart):
    """The store-page sentence that states the return window."""

    source: Literal["policy"] = Field(description="Always `policy`.")
    page: str = Field(description="Store page title.")
    heading: str = Field(description="Section heading on that page.")
    text: str = Field(description="The sentence, verbatim.")


class ReturnDetail(PayloadPart):
    """The outcome of a return request on a verified order."""

    status: Literal["requested", "already_requested", "not_found", "not_shipped",
                    "window_closed", "not_returnable"] = Field(description="Outcome.")
    deadline: str | None = Field(description="Last day a return is accepted (ISO date), or `null`.",
                                 json_schema_extra={"format": "date"})
    window_days: int | None = Field(description="The store's return window in days, or `null`.")
    citation: ReturnCitation | None = Field(description="The policy sentence cited, or `null`.")

    @field_validator("deadline")
    @classmethod
    def _deadline_isiso_checked(cls, value: str | None) -> str | None:
        return iso_checked(date, value)


class PromotionRule(PayloadPart):
    """An active promotion (cart price rule) of the store."""

    name: str = Field(description="The promotion's name.")
    description: str = Field(description="What it needs or gives (may be empty).")
    coupon_code: str | None = Field(description="Code to enter at checkout; `null` when automatic.")
    free_shipping: bool = Field(description="Whether it makes shipping free.")


# ------------------------------------------------------------------------------- payloads


class ProductsPayload(PayloadPart):
    """Product cards: search results or recommendations (``dialogue.cards.products_payload``)."""

    type: Literal["products"] = "products"
    products: list[ProductCard] = Field(description="The cards, in rank order.")
    search: Omittable[SearchSummary] = Field(
        None, description="Present when the cards answer a search (not for recommendations).")


class SearchPayload(PayloadPart):
    """A search that found nothing; the text says so (``dialogue.cards.no_results_payload``)."""

    type: Literal["search"] = "search"
    search: SearchSummary = Field(description="What was searched for (`results` is 0).")


class AnswerPayload(PayloadPart):
    """A grounded answer with its citations (``dialogue.cards.answer_payload``)."""

    type: Literal["answer"] = "answer"
    text: str = Field(description="The answer as text, quoting the citations.")
    grounded: bool = Field(description="Whether it is supported by quotes; `false` = \"I don't know\".")
    citations: list[Citation] = Field(description="The quotes the text is built from (may be empty).")
    product_id: Omittable[str] = Field(
        None, description="The product asked about; present for product questions only.")


class ComparisonPayload(PayloadPart):
    """A side-by-side table of products (``dialogue.cards.comparison_payload``)."""

    type: Literal["comparison"] = "comparison"
    products: list[ProductCard] = Field(description="The compared products (2 to 4).")
    rows: list[ComparisonRow] = Field(description="One row per attribute.")


class CartPayload(PayloadPart):
    """The shopper's cart, priced (``dialogue.commerce_replies.cart_payload``)."""

    type: Literal["cart"] = "cart"
    items: list[CartItem] = Field(description="Cart lines (empty for an empty cart).")
    subtotal: float = Field(description="Sum of the line totals.")
    shipping: float | None = Field(
        description="Shipping for the chosen method; `null` when it does not ship there.")
    discount: float = Field(description="Money off from promotions.")
    total: float = Field(description="`subtotal − discount + shipping`.")
    promotions: list[AppliedPromotion] = Field(description="Promotions the cart earned.")
    currency: str = Field(description="ISO 4217 currency code of every amount.")


class QuotePayload(CartPayload):
    """The cart at checkout, with delivery choices (``dialogue.commerce_replies.quote_payload``)."""

    type: Literal["quote"] = "quote"  # type: ignore[assignment]
    shipping_method: str = Field(description="The chosen delivery method.")
    shipping_options: list[ShippingOption] = Field(description="Methods the shopper can choose.")
    payment: str = Field(description="How payment is taken: `not taken by the assistant`.")


class OrderPayload(PayloadPart):
    """A verified owner's order (``dialogue.commerce_replies.order_payload``); after a return
    request it carries ``return`` (``dialogue.orders.return_payload``)."""

    type: Literal["order"] = "order"
    number: str = Field(description="Order number, zero-padded to nine digits.")
    status: str = Field(description="Order status, e.g. `pending`, `processing`, `complete`, "
                                    "`cancelled`, `return_requested`.")
    placed_at: str = Field(description="When it was placed (ISO 8601).",
                           json_schema_extra={"format": "date-time"})
    shipped_at: str | None = Field(description="When it shipped (ISO 8601), or `null`.",
                                   json_schema_extra={"format": "date-time"})
    items: list[OrderItem] = Field(description="Order lines.")
    subtotal: float = Field(description="Sum of the lines.")
    discount: float = Field(description="Money off from promotions.")
    shipping: float = Field(description="Shipping charged.")
    total: float = Field(description="Total charged.")
    currency: str = Field(description="ISO 4217 currency code of every amount.")
    payment: str = Field(description="Payment method or note.")
    return_: Omittable[ReturnDetail] = Field(
        None, alias="return", description="Present in the reply to a return request only.")

    @field_validator("placed_at", "shipped_at")
    @classmethod
    def _dates_areiso_checked(cls, value: str | None) -> str | None:
        return iso_checked(datetime, value)


class PromotionsPayload(PayloadPart):
    """The store's active promotions (``dialogue.cart_edit.promotions_payload``)."""

    type: Literal["promotions"] = "promotions"
    promotions: list[PromotionRule] = Field(description="Active promotions (at least one).")


class HandoffPayload(PayloadPart):
    """The conversation is flagged for a person (``dialogue.handoff.flag_for_agent``)."""

    type: Literal["handoff"] = "handoff"
    status: Literal["requested"] = Field(description="Always `requested`.")
    reason: Omittable[Literal["complaint"]] = Field(
        None, description="Present when a complaint raised the flag.")


class AgentPayload(PayloadPart):
    """A person from the store joined, wrote or left (``web.rasa_api``)."""

    type: Literal["agent"] = "agent"
    status: Literal["joined", "message", "left"] = Field(description="What the agent did.")
    agent: str = Field(description="The agent's display name.")


PAYLOAD_MODELS: tuple[type[PayloadPart], ...] = (
    ProductsPayload, SearchPayload, AnswerPayload, ComparisonPayload, CartPayload, QuotePayload,
    OrderPayload, PromotionsPayload, HandoffPayload, AgentPayload,
)
Payload = Annotated[
    Union[ProductsPayload, SearchPayload, AnswerPayload, ComparisonPayload,  # noqa: UP007
          CartPayload, QuotePayload, OrderPayload, PromotionsPayload, HandoffPayload,
          AgentPayload],
    Field(discriminator="type"),
]
#: Payload type → model, e.g. ``PAYLOAD_TYPES["cart"] is CartPayload``.
PAYLOAD_TYPES: dict[str, type[PayloadPart]] = {
    m.model_fields["type"].default: m for m in PAYLOAD_MODELS}


class PayloadError(ValueError):
    """A ``custom`` payload that does not match the contract."""

    def __init__(self, payload: Any, error: ValidationError | str) -> None:
        kind = payload.get("type") if isinstance(payload, dict) else type(payload).__name__
        detail = (str(error) if isinstance(error, str) else "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(payload)'}: {e['msg']}"
            for e in error.errors()))
        super().__init__(f"payload of type {kind!r} does not match the contract: {detail}")
        self.payload = payload


class _Adapter:
    """The union's TypeAdapter, built on first use (no work at import time)."""

    adapter: ClassVar[TypeAdapter[Any] | None] = None

    @classmethod
    def get(cls) -> TypeAdapter[Any]:
        if cls.adapter is None:
            cls.adapter = TypeAdapter(Payload)
        return cls.adapter


def parse_payload(data: Any) -> Payload:
    """Validate a ``custom`` dict strictly (no type coercion) into its model.

    Raises:
        PayloadError: ``data`` is not a dict, has an unknown ``type``, lacks or renames a key,
            or holds a value of the wrong type; the message names each offending field.
    """
    if not isinstance(data, dict):
        raise PayloadError(data, "a payload is a JSON object")
    if data.get("type") not in PAYLOAD_TYPES:
        raise PayloadError(data, f"unknown type; expected one of {sorted(PAYLOAD_TYPES)}")
    try:
        return _Adapter.get().validate_python(data, strict=True)
    except ValidationError as error:
        raise PayloadError(data, error) from None


def payload_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of :data:`Payload`, as published in ``docs/``."""
    schema = _Adapter.get().json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "Aisle custom payload",
            "description": "The typed `custom` payload of a bot message (dialogue/payloads.py).",
            **schema}

