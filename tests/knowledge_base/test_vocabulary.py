"""The knowledge base's vocabulary of names (products, programmes, offers) that the grounding guard checks."""

import re
from pathlib import Path

import pytest

from knowledge_base.vocabulary import build_vocabulary

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "kb"


@pytest.fixture(scope="module")
def sample_vocabulary() -> set[str]:
    from knowledge_base.loaders import parse_file

    docs = [doc for path in sorted(SAMPLES.iterdir()) for doc in parse_file(path, path.read_bytes(), path.parent)]
    return build_vocabulary(
        [d.title for d in docs], [s.heading for d in docs for s in d.sections], [d.text() for d in docs]
    )


def test_vocabulary_of_the_sample_knowledge_base_has_its_product_and_programme_names(sample_vocabulary):
    expected = {
        "Voltway Aria X2", "Aria X2", "Voltway Nimbus 14", "Nimbus 14", "Voltway Pulse 7", "Pulse 7",
        "Voltway HomeHub", "HomeHub", "VoltCare+", "Click & Collect", "Voltway Trade-in", "Trade-in",
        "Voltway Glow Bulb", "Glow Bulb", "Voltway Smart Plug", "Smart Plug", "Voltway Sound", "Voltway Home",
        "Voltway Control Center", "Apple Pay", "Google Pay", "PayPal",
    }
    assert expected <= sample_vocabulary


def test_vocabulary_of_the_sample_knowledge_base_has_no_common_words(sample_vocabulary):
    lowered = {v.lower() for v in sample_vocabulary}
    for word in ["Returns", "The", "Delivery", "Monday", "Your order", "Policy", "FAQ", "Voltway",
                 "My Account", "Voltway Customer Support", "Delivery Options", "October 2026", "UK", "VAT"]:
        assert word.lower() not in lowered
    calendar = re.compile(r"\b(?:Monday|Friday|Saturday|Sunday|January|September|October)\b")
    assert not [v for v in sample_vocabulary if calendar.search(v)]
    # A single plain capitalised word is never a name by itself: it may just start a sentence.
    assert not [v for v in sample_vocabulary if re.fullmatch(r"[A-Z][a-z]+", v)]


def test_vocabulary_heuristics():
    texts = [
        "Returns are free. The Zephyr Max 3 is our lightest phone. Buy the Zephyr Max 3 today.",
        "Pay with QuickPay. Standard delivery is free.",
        "Orders ship on Monday. Sign up for Gold Club. Members of Gold Club save. Gold Club is free.",
        "中国站也销售 Zephyr Max 3 和 Nova Band 手环。Nova Band 支持 Nova Band 应用。",
    ]
    vocabulary = build_vocabulary(["Returns Policy"], ["Shipping > Standard Delivery"], texts)
    assert {"Zephyr Max 3", "QuickPay", "Gold Club", "Nova Band"} <= vocabulary
    assert not vocabulary & {"Returns", "Returns Policy", "Standard Delivery", "Standard", "The", "Monday", "Orders"}
