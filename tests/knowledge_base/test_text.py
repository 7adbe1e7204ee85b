"""The one Han rule: which characters count, and when a text is mostly Chinese."""

from __future__ import annotations

import pytest

from knowledge_base.chunking import simple_token_spans
from knowledge_base.text import HAN, is_mostly_cjk


# Unified, Extension A, and two compatibility ideographs (U+FA0E survives the NFKC that queries get).
@pytest.mark.parametrize("ch", ["中", "\u3400", "\uf900", "\ufa0e"])
def test_han_characters_count(ch):
    assert HAN.fullmatch(ch)


# Kana, CJK and full-width punctuation, a full-width letter, a Yijing hexagram (U+4DC0), Latin.
@pytest.mark.parametrize("ch", ["あ", "カ", "。", "，", "Ａ", "\u4dc0", "a"])
def test_kana_punctuation_and_symbols_do_not(ch):
    assert not HAN.fullmatch(ch)


def test_mostly_cjk_is_a_strict_share_of_the_non_space_characters():
    assert is_mostly_cjk("快递几天能到", 0.3)
    assert not is_mostly_cjk("how long does delivery take", 0.3)
    assert is_mostly_cjk("ab 中", 0.3)  # 1 of 3: spaces do not count
    assert not is_mostly_cjk("abc 中", 0.3)  # 1 of 4
    assert not is_mostly_cjk("a中", 0.5)  # exactly half is not more than half
    assert not is_mostly_cjk("", 0.3)


def test_a_han_character_is_one_simple_token_and_a_hexagram_one_symbol():
    text = "充电桩 VoltWay\u4dc0"
    assert [text[a:b] for a, b in simple_token_spans(text)] == ["充", "电", "桩", "VoltWay", "\u4dc0"]
