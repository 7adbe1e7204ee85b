"""The one Han rule: which characters count, and when a text is mostly Chinese."""

from __future__ import annotations

import pytest

from knowledge_base.chunking import simple_token_spans
from knowledge_base.text import HAN, ends_a_sentence, han_share, is_mostly_cjk, reads_as_chinese, sentence_spans, sentences


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


def test_a_message_reads_as_chinese_by_its_words_a_han_character_a_word_and_four_latin_letters_one():
    # By characters, a fifth of this question is Han; by words, about half: the Chinese question it is.
    assert not is_mostly_cjk("homehub 支持 matter 吗", 0.3)
    assert han_share("homehub 支持 matter 吗") == 3 / (3 + 13 / 4)
    assert reads_as_chinese("homehub 支持 matter 吗", 0.3)
    assert reads_as_chinese("快递几天能到", 0.3) and han_share("快递 3 天到？") == 1.0  # digits, marks not counted
    assert not reads_as_chinese("how do i say 退货 in english when i ring you up", 0.3)
    assert han_share("how long does delivery take") == 0.0 == han_share("")


def test_a_han_character_is_one_simple_token_and_a_hexagram_one_symbol():
    text = "充电桩 VoltWay\u4dc0"
    assert [text[a:b] for a, b in simple_token_spans(text)] == ["充", "电", "桩", "VoltWay", "\u4dc0"]


def test_sentences_end_at_marks_before_a_space_at_chinese_marks_and_at_line_breaks():
    text = "Refunds take 3–5 days. Items cost £1.29 at voltway.example! 退货免费。运费由我们承担\nDone"
    assert sentences(text) == ["Refunds take 3–5 days.", "Items cost £1.29 at voltway.example!", "退货免费。", "运费由我们承担", "Done"]
    assert "".join(text[a:b] for a, b in sentence_spans(text)) == text  # the spans cover the whole text


def test_clauses_end_at_semicolons_too():
    assert sentences("Free returns; no fee. 免运费；包邮。") == ["Free returns; no fee.", "免运费；包邮。"]
    assert sentences("Free returns; no fee. 免运费；包邮。", clauses=True) == ["Free returns;", "no fee.", "免运费；", "包邮。"]


@pytest.mark.parametrize(("text", "ended"), [
    ("It costs £1.", False),  # the point of "£1.29" may follow
    ("It costs £1. ", True),
    ("免费。", True),
    ("Free\n", True),
    ("No, ", False),  # a space after a word ends nothing
    ("", True),
])
def test_a_growing_text_ends_a_sentence_only_where_the_next_character_starts_another(text, ended):
    assert ends_a_sentence(text) is ended
