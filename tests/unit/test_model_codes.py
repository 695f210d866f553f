"""Model codes ("PH600", "DW8062B5") name products; measures and brands are no codes."""

from __future__ import annotations

from catalog.repository import _code_matches, model_codes


def test_codes_are_letters_with_digits_without_hyphens() -> None:
    assert model_codes("the milwaukee PH600 tester") == {"ph600"}
    assert model_codes("HM Digital PH-80, DEWALT DW8062B5") == {"ph80", "dw8062b5"}
    assert model_codes("3M tape, 30V, 1.75mm, 4-1/2 inch, size XL") == set()


def test_a_code_matches_itself_or_a_close_longer_one() -> None:
    assert _code_matches("ph600", frozenset({"ph600aq"}))
    assert _code_matches("n95", frozenset({"n95"}))
    assert not _code_matches("dw806", frozenset({"dw8062b5"}))  # three more characters
    assert not _code_matches("n95", frozenset({"n95x"}))        # short codes match exactly


def test_a_model_code_in_the_message_beats_a_wrongly_tagged_name() -> None:
    from catalog.domain import Product
    from dialogue.pointing import pointed_product
    from dialogue.turn import Turn

    tester = Product(id="B1", name="HM Digital PH-80 pH HydroTester, 0-14 pH Range",
                     description="", category="Testers")
    other = Product(id="B2", name="HM Digital TDS-3 Handheld TDS Meter", description="",
                    category="Testers")

    class Catalog:
        def find_products_by_name(self, name: str) -> list[Product]:
            return [other] if name.lower() == "hm" else []

        def find_products_in_text(self, text: str) -> list[Product]:
            return [tester, other]

    # the NLU tagged "HM" as the product and "Digital PH-80" as a brand
    turn = Turn("s", text="what's included with the HM Digital PH-80?",
                intent="ask_product_question",
                entities=(("product", "HM"), ("brand", "Digital PH-80")))
    assert pointed_product(turn, Catalog()) == "B1"
    no_code = Turn("s", text="what's included with the HM meter?",
                   intent="ask_product_question", entities=(("product", "HM"),))
    assert pointed_product(no_code, Catalog()) == "B2"


def test_two_names_in_the_text_are_compared_when_the_tagged_name_names_no_product() -> None:
    from catalog.domain import Product
    from dialogue.pointing import pointed_products
    from dialogue.turn import Turn

    chaz = Product(id="MH01", name="Chaz Kangeroo Hoodie", description="", category="Hoodies")
    mach = Product(id="MH07", name="Mach Street Sweatshirt", description="", category="Hoodies")

    class Catalog:
        def find_products_by_name(self, name: str) -> list[Product]:
            return []  # "hoodies & sweatshirts" is a kind of product, no product's name

        def find_products_in_text(self, text: str) -> list[Product]:
            return [chaz, mach]

    turn = Turn("s", text="difference between the chaz kangeroo hoodie and the mach street "
                "sweatshirt", intent="compare_products",
                entities=(("product", "hoodies & sweatshirts"),))
    assert pointed_products(turn, Catalog()) == ["MH01", "MH07"]
