"""SAMPLE payloads built through the models of ``dialogue.payloads``: fixtures for the widget's
renderer (``web/frontend/test/payload-samples.json``) and examples for ``docs/payloads.md``."""

from __future__ import annotations

from typing import Any

from dialogue.payloads import (
    AgentPayload,
    AnswerPayload,
    AppliedPromotion,
    CartItem,
    CartPayload,
    Citation,
    ComparisonPayload,
    ComparisonRow,
    HandoffPayload,
    OrderItem,
    OrderPayload,
    PayloadPart,
    ProductCard,
    ProductsPayload,
    PromotionRule,
    PromotionsPayload,
    QuotePayload,
    ReturnCitation,
    ReturnDetail,
    SearchConstraints,
    SearchPayload,
    SearchSummary,
    ShippingOption,
)


def sample_payloads() -> list[dict[str, Any]]:
    """SAMPLE payloads, one per type plus an order after a return request: test fixtures for
    the widget's renderer and examples for the docs. Built through the models; not real data."""
    card = ProductCard(id="MH01", name="Chaz Kangeroo Hoodie", price=52.0, currency="USD",
                       category="Men/Tops/Hoodies", colors=["Black", "Gray"], sizes=["M", "L"],
                       image="/images/mh01-black_main.jpg", reason="matches 'hoodie'; in black")
    other = ProductCard(id="MH02", name="Teton Pullover Hoodie", price=None, currency="USD",
                        category="Men/Tops/Hoodies", colors=[], sizes=[], image=None, reason="")
    search = SearchSummary(constraints=SearchConstraints(gender="men", color="black",
                                                         price_max=60.0),
                           query="men's hoodies black", results=2, top_score=0.8123)
    line = CartItem(sku="MH01-M-Black", product_id="MH01", name=card.name, size="M",
                    color="Black", quantity=2, unit_price=52.0, line_total=104.0)
    cart = dict(items=[line], subtotal=104.0, shipping=10.0, discount=10.4, total=103.6,
                promotions=[AppliedPromotion(name="10% off hoodies", amount=10.4,
                                             free_shipping=False)], currency="USD")
    order = dict(number="100000001", status="complete", placed_at="2024-05-01T10:30:00",
                 shipped_at="2024-05-02T09:00:00",
                 items=[OrderItem(sku=line.sku, name=line.name, size="M", color="Black",
                                  quantity=2, unit_price=52.0)],
                 subtotal=104.0, discount=10.4, shipping=10.0, total=103.6, currency="USD",
                 payment="Check / Money order")
    samples: list[PayloadPart] = [
        ProductsPayload(products=[card, other], search=search),
        SearchPayload(search=search.model_copy(update={"results": 0, "top_score": None})),
        AnswerPayload(text="The product details say: “Material: Cotton.”", grounded=True,
                      citations=[Citation(source="attribute", product_id="MH01", title=card.name,
                                          quote="Material: Cotton.")], product_id="MH01"),
        ComparisonPayload(products=[card, other], rows=[
            ComparisonRow(attribute="Price", values=["$52.00", "n/a"], differs=True),
            ComparisonRow(attribute="Material", values=["Cotton", "Cotton"], differs=False)]),
        CartPayload(**cart),
        QuotePayload(**cart, shipping_method="standard", payment="not taken by the assistant",
                     shipping_options=[ShippingOption(method="standard", label="Standard",
                                                      days="3-5", price=10.0)]),
        OrderPayload(**order),
        OrderPayload(**{**order, "status": "return_requested"}, return_=ReturnDetail(
            status="requested", deadline="2024-06-01", window_days=30,
            citation=ReturnCitation(source="policy", page="Returns and Replacements",
                                    heading="Returns", text="Merchandise must be returned "
                                    "within 30 days of receipt of merchandise."))),
        PromotionsPayload(promotions=[
            PromotionRule(name="Free shipping over $100", description="", coupon_code=None,
                          free_shipping=True),
            PromotionRule(name="20% off", description="Spend $50", coupon_code="H20",
                          free_shipping=False)]),
        HandoffPayload(status="requested", reason="complaint"),
        AgentPayload(status="joined", agent="Sam"),
    ]
    return [sample.to_payload() for sample in samples]
