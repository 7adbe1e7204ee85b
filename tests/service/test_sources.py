"""How a passage's place is named: the title once, then its section (`service.sources.section`)."""

from __future__ import annotations

from service.sources import section


def test_the_heading_path_loses_the_title_it_starts_with():
    assert section("Returns", "Returns > Refund times") == "Refund times"
    assert section("Returns", "Returns") == ""
    assert section("Returns and refunds", "Returns > Refund times") == "Returns › Refund times"


def test_a_web_pages_h1_under_its_title_with_the_site_name_counts_as_the_title():
    # homehub-faq_zh.html: <title>Voltway HomeHub 常见问题 - Voltway 帮助中心</title>, <h1>Voltway HomeHub 常见问题</h1>
    title = "Voltway HomeHub 常见问题 - Voltway 帮助中心"
    assert section(title, "Voltway HomeHub 常见问题 > 如何恢复出厂设置？", sep=" > ") == "如何恢复出厂设置？"
    assert section("Returns | Voltway", "Returns > Refunds") == "Refunds"
    assert section("Warranty: Voltway help", "Warranty > Claims") == "Claims"
    # A word that merely starts the title is a section of its own.
    assert section("Returns-policy", "Returns > Refunds") == "Returns › Refunds"
