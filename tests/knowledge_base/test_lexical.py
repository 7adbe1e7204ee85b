"""The BM25 tokenizer and index for English and Chinese."""

from knowledge_base.lexical import LexicalIndex, tokenize


def test_chinese_is_cut_into_jieba_words_character_pairs_and_characters():
    tokens = tokenize("申请维修")
    assert {"申请", "维修", "请维", "维", "修"} <= set(tokens)


def test_one_character_stop_words_are_left_out():
    tokens = tokenize("我的耳机坏了吗")
    assert "耳机" in tokens and "耳" in tokens
    assert not {"我", "的", "了", "吗"} & set(tokens)


def test_english_words_are_stemmed_and_stop_words_dropped():
    assert tokenize("The accounts were deleted") == ["account", "delet"]


def test_a_colloquial_short_form_finds_the_documents_word():
    """"拿去修" shares no word or character pair with "申请维修", only the character "修"."""
    index = LexicalIndex(["退款 3 个工作日到账。", "申请维修后，维修中心 5-7 个工作日完成。"])
    scores = index.scores("拿去修")
    assert scores[0] == 0 and scores[1] > 0
