"""HTML descriptions and CMS pages become clean sentences."""

from __future__ import annotations

from catalog.importers.html_text import html_to_text, page_sections

TABLE_PAGE = """
<h2>Shipping and Delivery</h2><p>Deliveries occur only on weekdays</p>
<table><caption>Shipping</caption><thead><tr>
<th><strong>Merchandise total *</strong></th>
<th><strong>STANDARD</strong><br />5&mdash;7 day shipping **</th>
<th><strong>OVERNIGHT</strong><br />Next business day **</th></tr></thead>
<tbody><tr><th>Up to $200</th><td>$16</td><td>$33</td></tr>
<tr><th>$200.01&mdash;500.00</th><td>$21</td><td>$38</td></tr></tbody></table>
<h3>Returning Gifts</h3><p>A gift card is issued.</p><h3>Empty</h3>
"""


def test_bullets_and_breaks_become_sentences() -> None:
    html = "<p>Warm   hoodie.</p>\n<p>&bull; Two-tone.<br />&bull; Drawstring hood <br />&bull; Machine wash</p>"
    assert html_to_text(html) == "Warm hoodie. Two-tone. Drawstring hood. Machine wash."


def test_entities_and_list_items() -> None:
    text = html_to_text(
        "<p>LumaTech&trade; fabric &mdash; light</p><ul><li>one</li><li>two</li></ul>"
    )
    assert text == "LumaTech™ fabric — light. one. two."
    assert "  " not in text and "<" not in text


def test_page_sections_split_at_headings_and_read_tables() -> None:
    sections = page_sections(TABLE_PAGE, "customer-service", "Customer Service")
    assert [s.heading for s in sections] == ["Shipping and Delivery", "Returning Gifts"]
    text = sections[0].text
    assert text.startswith("Deliveries occur only on weekdays.")
    assert (
        "Merchandise total up to $200: Standard (5–7 day shipping) $16, "
        "Overnight (next business day) $33." in text
    )
    assert "Merchandise total $200.01–500.00: Standard (5–7 day shipping) $21" in text
    assert "Shipping." not in text  # the caption repeats the heading


def test_text_before_first_heading_uses_page_title() -> None:
    sections = page_sections("<p>Intro</p><h2>Part</h2><p>Body</p>", "p", "Privacy Policy")
    assert [(s.heading, s.text) for s in sections] == [
        ("Privacy Policy", "Intro."),
        ("Part", "Body."),
    ]
