"""The base's own names in a query and in its chunks (`knowledge_base.named_subjects`)."""

from __future__ import annotations

from knowledge_base.named_subjects import NamedSubjects

VOCABULARY = ["Aria X2", "Voltway Aria X2", "HomeHub", "Nimbus 14", "F2", "F21", "Click & Collect", "VoltCare+"]


def chunk(title: str, text: str) -> dict:
    return {"title": title, "text": text}


def test_a_query_names_a_product_whatever_its_case_and_spacing():
    subjects = NamedSubjects(VOCABULARY, [])
    assert subjects.named_in("homehub 怎么重置") == ["HomeHub"]
    assert subjects.named_in("nimbus14 风扇好吵") == ["Nimbus 14"]
    assert subjects.named_in("click&collect 几点关门") == ["Click & Collect"]
    assert subjects.named_in("voltcare+ 多少钱") == ["VoltCare+"]
    assert subjects.named_in("退货运费谁出") == []


def test_of_nested_names_the_shortest_counts_and_names_glued_to_letters_or_digits_do_not():
    subjects = NamedSubjects(VOCABULARY, [])
    assert subjects.named_in("voltway aria x2 有多重") == ["Aria X2"]
    assert subjects.named_in("按 f21 没反应") == ["F21"]  # not F2
    assert subjects.named_in("按f2进bios") == ["F2"]  # Chinese next to it is fine
    assert subjects.named_in("homehubs") == []


def test_chunks_naming_a_name_in_their_title_or_text():
    chunks = [
        chunk("Voltway HomeHub 常见问题", "用卡针长按背面的复位孔 10 秒。"),
        chunk("Aria X2 FAQ", "Hold power and ANC for 10 seconds."),
        chunk("退货政策", "HomeHub 签收后 30 天内可退货。"),
        chunk("BIOS", "Press F21 twice."),
    ]
    subjects = NamedSubjects(VOCABULARY, chunks)
    assert subjects.rows_naming(["HomeHub"]) == {0, 2}
    assert subjects.rows_naming(["HomeHub", "Aria X2"]) == {0, 1, 2}
    assert subjects.rows_naming(["F2"]) == set()
    assert subjects.rows_naming([]) == set()
