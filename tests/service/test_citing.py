"""An answer without a citation mark is cited with the passages that hold what it says."""

import pytest

from service.citing import Citations, marks_for

PASSAGES = [
    "Delivery\nStandard delivery costs £3.99, free on orders of £50 or more. Express costs £7.99.",
    "Voltway Nimbus 14 FAQ\nWarranty\nThe Nimbus 14 has a 2-year Voltway warranty, including the battery.",
    "Returns\nYou can return any item within 30 days of delivery. Refunds reach you within 5 working days.",
]
VOCABULARY = ["Voltway", "Nimbus 14"]


def test_the_passage_holding_the_answers_figures_is_cited():
    assert marks_for("Express delivery costs £7.99.", PASSAGES, VOCABULARY) == "[1]"
    assert marks_for("The Nimbus 14 has a 2-year warranty.", PASSAGES, VOCABULARY) == "[2]"


def test_figures_from_two_passages_cite_both_in_passage_order():
    answer = "Returns are accepted within 30 days, and express delivery costs £7.99."
    assert marks_for(answer, PASSAGES, VOCABULARY) == "[1] [3]"


def test_names_count_only_when_the_answer_states_no_figure_a_passage_holds():
    # "Voltway" is in every passage; the 30 days only in the third.
    assert marks_for("Voltway gives you 30 days.", PASSAGES, VOCABULARY) == "[3]"
    assert marks_for("Yes, the Nimbus 14 is covered.", PASSAGES, VOCABULARY) == "[2]"


def test_an_answer_without_claims_is_cited_by_the_passage_sharing_most_of_its_words():
    assert marks_for("Refunds reach you within working days.", PASSAGES, VOCABULARY) == "[3]"
    assert marks_for("标准快递送达。", ["退货说明：七天无理由退货。", "标准快递一般 1-3 个工作日送达。"]) == "[2]"


def test_words_decide_before_names_every_passage_shares():
    passages = ["Voltway HomeHub\nLights\nThe ring light shows the HomeHub's status.",
                "Voltway HomeHub\nNetwork\nIn the app go to Settings > Network to reconnect the HomeHub."]
    answer = "In the app go to HomeHub > Settings > Network to reconnect."
    assert marks_for(answer, passages, ["HomeHub", "Voltway"]) == "[2]"


def test_nothing_is_cited_when_no_passage_holds_the_answer():
    assert marks_for("Our stores open at nine.", PASSAGES, VOCABULARY) == ""
    assert marks_for("Express costs £7.99.", [], VOCABULARY) == ""


@pytest.mark.parametrize("shown, corrected", [
    ("Express delivery costs £7.99 [3].", "Express delivery costs £7.99 [1]."),  # [3] holds no £7.99
    ("Express costs £7.99. [2] Returns take 30 days [1].", "Express costs £7.99. [1] Returns take 30 days [3]."),
    ("Express costs £7.99 and returns take 30 days [3].", "Express costs £7.99 and returns take 30 days [3]."),  # holds one
    ("Express costs £7.99 and the warranty is 2 years [3].", "Express costs £7.99 and the warranty is 2 years [3]."),
    ("The Nimbus 14 is covered [3].", "The Nimbus 14 is covered [3]."),  # no figure, and no passage holds its words
    # No figure: the words decide, when the cited passage holds few and another nearly all of them.
    ("Refunds reach you within working days [1].", "Refunds reach you within working days [3]."),
    ("Refunds reach you within working days [3].", "Refunds reach you within working days [3]."),
    ("Refunds take a while [1].", "Refunds take a while [1]."),  # too few words to tell
    ("Express costs £9.99 [3].", "Express costs £9.99 [3]."),  # no passage holds it (the guard's business)
    ("Express costs £7.99 [7].", "Express costs £7.99 [7]."),  # no such passage
])
def test_a_mark_moves_to_the_passage_holding_its_sentences_figures(shown, corrected):
    assert Citations(PASSAGES, VOCABULARY).corrected(shown, final=True) == corrected


def test_corrected_marks_only_ever_extend_what_was_shown():
    answer = "Express costs £7.99 [3]. Returns take 30 days. [1] [3]"
    citations, shown = Citations(PASSAGES, VOCABULARY), ""
    for end in range(len(answer) + 1):
        now = citations.corrected(answer[:end], final=end == len(answer))
        assert now.startswith(shown), (answer[:end], shown, now)
        shown = now
    assert shown == "Express costs £7.99 [1]. Returns take 30 days. [3] "  # the [1] became [3]: not twice
    assert citations.corrected("Express costs £7.99 [3", final=False) == "Express costs £7.99 "  # held until "]"


def test_a_chinese_sentence_without_figures_is_judged_by_its_character_pairs():
    passages = ["退货说明：七天无理由退货，退货运费由顾客承担。", "标准快递一般几个工作日送达，偏远地区会慢一些。"]
    assert Citations(passages).corrected("标准快递一般几个工作日送达。[1]", final=True) == "标准快递一般几个工作日送达。[2]"
    assert Citations(passages).corrected("退货运费由顾客承担。[1]", final=True) == "退货运费由顾客承担。[1]"
