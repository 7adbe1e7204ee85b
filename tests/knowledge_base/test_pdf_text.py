"""A PDF's extracted lines back into sections and paragraphs (`knowledge_base.pdf_text`)."""

from knowledge_base.pdf_text import pdf_sections

WIDE = "x" * 60  # sets the length of the document's long (wrapped) lines


def test_wrapped_lines_become_one_paragraph_and_a_short_line_ends_it():
    page = (
        "Refund Policy\n"
        "Refunds are paid to the card you used within five working days of the\n"
        "return reaching our warehouse, and we e-mail you when it is sent.\n"
        "Short last line.\n"
        "A new paragraph starts here and it is long enough to count as wrapped\n"
        "text.\n"
    )
    [section] = pdf_sections([page], title="Refund Policy")
    assert section.heading == ""
    assert section.paragraphs == [
        "Refunds are paid to the card you used within five working days of the return reaching our warehouse, "
        "and we e-mail you when it is sent. Short last line.",
        "A new paragraph starts here and it is long enough to count as wrapped text.",
    ]


def test_numbered_and_capital_headings_start_sections_and_bullets_keep_their_lines():
    page = (
        f"{WIDE}\n"
        "1. What is covered\n"
        "Faults in materials and workmanship for two years from the date of\n"
        "delivery.\n"
        "2.1 Exclusions\n"
        "• Accidental damage, such as drops or cracked screens, and liquid.\n"
        "• Normal wear and tear.\n"
        "CONTACT\n"
        "Call us.\n"
    )
    sections = pdf_sections([page])
    assert [s.heading for s in sections] == ["", "1. What is covered", "2.1 Exclusions", "CONTACT"]
    assert sections[1].paragraphs == ["Faults in materials and workmanship for two years from the date of delivery."]
    assert sections[2].paragraphs == ["- Accidental damage, such as drops or cracked screens, and liquid.", "- Normal wear and tear."]


def test_page_furniture_is_dropped_and_a_paragraph_runs_across_the_page_break():
    first = f"{WIDE}\nThe warranty stays with the product when you sell it or give it\naway to a new owner, who can\nAcme\nPolicy - Page 1 of 2\n"
    second = "claim with the original proof of purchase.\nAcme\nPolicy - Page 2 of 2\n"
    text = " ".join(p for s in pdf_sections([first, second]) for p in s.paragraphs)
    assert "Acme" not in text and "Page" not in text
    assert "away to a new owner, who can claim with the original proof of purchase." in text


def test_chinese_lines_join_without_a_space_and_ordinal_headings_start_sections():
    page = "一、保修范围\n自签收之日起享受两年保修，电池容量低于百分之八十时免费更换，请保留好购\n买凭证。\n"
    [section] = pdf_sections([page])
    assert section.heading == "一、保修范围"
    assert section.paragraphs == ["自签收之日起享受两年保修，电池容量低于百分之八十时免费更换，请保留好购买凭证。"]


def test_a_hyphen_at_a_lines_end_keeps_the_word_whole():
    page = "The warranty described here covers every single Voltway-\nbranded product we sell in the shops and online.\n"
    assert pdf_sections([page])[0].paragraphs == [
        "The warranty described here covers every single Voltway-branded product we sell in the shops and online."
    ]
