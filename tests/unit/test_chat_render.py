from __future__ import annotations

from ops.chat import render


def test_products_render_as_numbered_cards() -> None:
    lines = render({"text": "Here are 1 matches:", "custom": {"type": "products", "products": [
        {"id": "MH01", "name": "Chaz Kangeroo Hoodie", "price": 52.0, "category": "Men/Tops/Hoodies",
         "colors": ["Black"], "sizes": ["M"], "reason": "in black"}]}})
    assert lines == ["Aisle: Here are 1 matches:",
                     "  1. Chaz Kangeroo Hoodie — $52.00 (Men/Tops/Hoodies)",
                     "     Black; M", "     why: in black"]


def test_answers_name_their_sources_once_and_prices_may_be_absent() -> None:
    citation = {"source": "policy", "title": "Customer Service", "quote": "30 days."}
    lines = render({"text": "Our store policy says: “30 days.”",
                    "custom": {"type": "answer", "citations": [citation, citation]}})
    assert lines[-1] == "  sources: policy: Customer Service"
    card = render({"custom": {"type": "products", "products": [{"name": "Scale", "price": None}]}})
    assert card == ["  1. Scale — price n/a ()"]
