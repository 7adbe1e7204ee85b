"""Simplified and Traditional Chinese told apart and each written in the other (OpenCC's tables)."""

import json

import pytest

from knowledge_base.chinese_script import SAMPLE_CHARS, in_writing, writing_of, writing_of_texts


@pytest.mark.parametrize(("text", "writing"), [
    ("退货要自己出运费吗", "zh-Hans"),
    ("退貨要自己出運費嗎", "zh-Hant-TW"),  # Taiwan's and Hong Kong's characters agree here: Taiwan's first
    ("裏面有什麼配件", "zh-Hant-HK"),  # 裏 is Hong Kong's (and OpenCC's); Taiwan writes 裡
    ("裡面有什麼配件", "zh-Hant-TW"),
    ("homehub 支援 matter 嗎", "zh-Hant-TW"),  # one telling character is enough
    ("可以寄到台灣嗎", "zh-Hant-TW"),  # 台 or 臺 tells nothing, neither the script nor the place
    ("台灣", "zh-Hant-TW"),
    ("可以吃嗎", "zh-Hant-TW"),  # only OpenCC's own standard writes 吃 as 喫: not a Simplified character
    ("可以", None),  # characters both scripts share tell nothing
    ("Can I return it?", None),
    ("", None),
])
def test_the_writing_of_a_text_is_told_by_the_characters_that_differ(text, writing):
    assert writing_of(text) == writing


def test_a_text_is_rewritten_character_by_character_and_phrase_by_phrase_leaving_the_rest():
    assert in_writing("退貨要自己出運費嗎 Aria X2, ¥1,500?", "zh-Hans") == "退货要自己出运费吗 Aria X2, ¥1,500?"
    assert in_writing("退货运费由 Voltway 承担 [1]", "zh-Hant-TW") == "退貨運費由 Voltway 承擔 [1]"
    assert in_writing("头发干燥", "zh-Hant") == "頭髮乾燥"  # 发 and 干 stand for two characters each in Traditional
    assert in_writing("裡面", "zh-Hant-HK") == "裏面" and in_writing("裏面", "zh-Hant-TW") == "裡面"
    simplified = "标准快递一般 1-3 个工作日送达。"
    assert in_writing(simplified, "zh-Hans") == simplified and in_writing("plain English", "zh-Hant") == "plain English"


def test_words_stay_the_writers_only_characters_change():
    # OpenCC's Taiwan phrase tables would write 开启 as 打开 and 抬头 as 擡头, and 统一社会信用代码 as 統一社會信用程式碼.
    assert in_writing("怎麼開啟兩步驗證 發票抬頭 查詢物流", "zh-Hans") == "怎么开启两步验证 发票抬头 查询物流"
    assert in_writing("统一社会信用代码", "zh-Hant-TW") == "統一社會信用代碼"
    assert in_writing("簡訊", "zh-Hans") == "简讯"  # Taiwan's word for 短信 stays Taiwan's: the glossary's job


def test_a_knowledge_base_is_written_as_most_of_its_chinese_is():
    english, simplified, traditional = "Returns are free.", "退货运费由 Voltway 承担。", "退貨運費由 Voltway 承擔。"
    assert writing_of_texts([english, simplified, english]) == "zh-Hans"
    assert writing_of_texts([english, traditional]) == "zh-Hant-TW"
    assert writing_of_texts([english, "可以"]) is None and writing_of_texts([]) is None
    # Only a sample is read: a large base's later documents do not change the verdict.
    assert writing_of_texts(["退货运费" * (SAMPLE_CHARS // 4), traditional * 10]) == "zh-Hans"


@pytest.mark.slow  # a real embedder
def test_a_knowledge_base_keeps_its_writing_from_ingest(open_kb, tmp_path):
    (tmp_path / "returns.md").write_text("# 退貨說明\n\n退貨運費由 Voltway 承擔，簽收後 30 天內可申請。\n", encoding="utf-8")
    kb = open_kb()
    kb.ingest([tmp_path / "returns.md"])
    assert kb.chinese_writing == "zh-Hant-TW"
    manifests = list(kb.settings.kb_dir.glob("gen-*/manifest.json"))
    assert manifests and all(json.loads(m.read_text(encoding="utf-8"))["chinese_writing"] == "zh-Hant-TW" for m in manifests)
    assert open_kb().chinese_writing == "zh-Hant-TW"
