from __future__ import annotations

from dialogue.payloads import AnswerPayload, Citation, ProductCard, ProductsPayload
from ops.chat import render

CARD = ProductCard(id="MH01", name="Chaz Kangeroo Hoodie", price=52.0, currency="USD",
                   category="Men/Tops/Hoodies", colors=["Black"], sizes=["M"], image=None,
                   reason="in black")


def test_products_render_as_numbered_cards() -> None:
    lines = render({"text": "Here are 1 matches:",
                    "custom": ProductsPayload(products=[CARD]).to_payload()})
    assert lines == ["Aisle: Here are 1 matches:",
                     "  1. Chaz Kangeroo Hoodie — $52.00 (Men/Tops/Hoodies)",
                     "     Black; M", "     why: in black"]


def test_answers_name_their_sources_once_and_prices_may_be_absent() -> None:
    citation = Citation(source="policy", product_id=None, title="Customer Service",
                        quote="30 days.")
    answer = AnswerPayload(text="Our store policy says: “30 days.”", grounded=True,
                           citations=[citation, citation])
    lines = render({"text": answer.text, "custom": answer.to_payload()})
    assert lines[-1] == "  sources: policy: Customer Service"
    scale = CARD.model_copy(update={"name": "Scale", "price": None, "category": "Lab",
                                    "colors": [], "sizes": [], "reason": ""})
    card = render({"custom": ProductsPayload(products=[scale]).to_payload()})
    assert card == ["  1. Scale — price n/a (Lab)"]


def test_a_payload_that_breaks_the_contract_is_shown_not_hidden() -> None:
    renamed = {**ProductsPayload(products=[CARD]).to_payload(), "cards": []}
    lines = render({"text": "Here you are", "custom": renamed})
    assert lines[0] == "Aisle: Here you are"
    assert "does not match the contract" in lines[1] and "cards" in lines[1]
    assert render({"text": "Hi", "custom": {}}) == ["Aisle: Hi"]
