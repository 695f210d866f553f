"""Reading relative refinements from the shopper's words."""

from __future__ import annotations

import pytest

from knowledge.refinements import Refinement, cheaper_than, pricier_than, read_refinement


@pytest.mark.parametrize(("text", "expected"), [
    ("anything cheaper?", Refinement(cheaper=True)),
    ("these are too expensive", Refinement(cheaper=True)),
    ("something more affordable", Refinement(cheaper=True)),
    ("cheaper than $40", Refinement()),
    ("more expensive ones", Refinement(pricier=True)),
    ("show me more", Refinement(more=True)),
    ("more options please", Refinement(more=True)),
    ("what else do you have", Refinement(more=True)),
    ("show me more like this", Refinement()),
    ("in blue", Refinement()),
])
def test_read_refinement(text: str, expected: Refinement) -> None:
    assert read_refinement(text) == expected


def test_bounds_come_from_the_shown_prices() -> None:
    assert cheaper_than([32.0, None, 54.5]) == 31.99
    assert pricier_than([32.0, 54.5]) == 54.51
    assert cheaper_than([None]) is None and pricier_than([]) is None
