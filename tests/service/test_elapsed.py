"""A yes past the time limit (service.elapsed): how long ago the customer says something happened, the passages' limits,
and answers that say the customer still can where the limit for it is over."""

import pytest

from service.elapsed import Duration, ElapsedLimitCheck, customer_durations, passage_limits
from service.guard import GroundingGuard

RETURNS = ["You can return most items within 30 days of delivery. Refunds reach you within 3-5 working days."]
COVER = ["VoltCare+ can be added within **60 days** of delivery.", "The HomeHub is covered by the 2-year Voltway warranty."]


@pytest.mark.parametrize(
    ("question", "durations"),
    [
        ("can i return a laptop i bought 5 weeks ago", [Duration(5, "week")]),
        ("my aria x2 battery barely holds charge after 18 months", [Duration(18, "month")]),
        ("bought it a month ago", [Duration(1, "month")]),
        ("bought my homehub 2 and a half years ago", [Duration(30, "month")]),
        ("had it for a year and a half", [Duration(18, "month")]),
        ("its like 9 years old but still works", [Duration(9, "year")]),
        ("两个月前买的忘了开发票", [Duration(2, "month")]),
        ("发货3天了邮箱还没收到发票", [Duration(3, "day")]),
        ("pulse 7 用了一年半 电池越来越不耐用", [Duration(18, "month")]),
        ("充电线坏了 买了一年多 线也保修吗", [Duration(1, "year", more=True)]),
        ("半年前买的", [Duration(6, "month")]),
        # Not how long the customer has had something: a limit asked about, a date, an ordinal day.
        ("how long do i have to return something", []),
        ("can i return it within 30 days?", []),
        ("3月买的", []),
        ("签收才第三天", []),
    ],
)
def test_the_durations_a_customer_says_have_passed(question, durations):
    assert customer_durations(question) == durations


def test_working_days_are_read_as_the_claims_reader_reads_units():
    from service.claim_forms import working_day_values

    assert working_day_values("Refunds reach you within 3-5 working days.") == {"3", "5"}
    assert working_day_values("电子发票在发货后 1–3 个工作日内开具，三个工作日内回复。") == {"1", "3"}
    assert working_day_values("5 to 7 business days") == {"5", "7"}
    assert working_day_values("Returns within 30 days; the Nimbus 14 ships in 2 weeks.") == set()


def test_the_passages_limits_leave_out_working_days_and_keep_each_once():
    assert passage_limits(RETURNS + COVER) == [Duration(30, "day"), Duration(60, "day"), Duration(2, "year")]
    assert passage_limits(["电子发票一般在发货后 1–3 个工作日内发送。订单完成后 180 天内可补开。"]) == [Duration(180, "day")]


RETURN_5W = "can i return a laptop i bought 5 weeks ago, it works fine i just dont need it"
RETURN_RULE = "You can return most items within 30 days of delivery (or of collection for Click & Collect orders) for a full refund."
WARRANTY = "Voltway-branded products are covered by our 2-year warranty. See Warranty and Repairs to arrange a repair."


@pytest.mark.parametrize(
    ("answer", "past"),
    [
        ("Yes, you can return the laptop you bought 5 weeks ago for a full refund. [1]", True),
        ("You can return the laptop for a full refund. [1]", True),
        # No yes: a no, a restriction, or the rule itself for the customer to apply.
        ("No, you can only return items within 30 days of delivery. [1]", False),
        ("Unfortunately you can't: returns are accepted within 30 days. [1]", False),
        ("You can return most items within 30 days of delivery. [1]", False),
    ],
)
def test_a_yes_past_the_limit_whose_sentence_shares_the_questions_words_fails(answer, past):
    result = ElapsedLimitCheck([RETURN_RULE, WARRANTY], RETURN_5W).check(answer)
    assert result.ok is not past
    assert [c.text for c in result.unsupported] == (["30 days"] if past else [])


def test_within_the_limit_or_asked_whether_it_is_too_late_a_yes_stands():
    warranty_q = "my aria x2 is 20 months old and the left side hisses. is that covered"
    assert ElapsedLimitCheck([RETURN_RULE, WARRANTY], "bought it 3 weeks ago, can i still return it?").check(
        "Yes, you can return it. [1]").ok
    assert ElapsedLimitCheck(["The headphones are covered by the Voltway 2-year warranty."], warranty_q).check(
        "Yes, it is covered by the 2-year warranty. [1]").ok
    # "Is it too late": its yes says the time is over.
    assert ElapsedLimitCheck(["VoltCare+ can be added within 60 days of delivery."],
                             "got my nimbus 14 3 months ago, is it too late to add voltcare+").check("Yes. [1]").ok


def test_in_chinese_and_only_where_one_limit_is_the_questions():
    check = ElapsedLimitCheck(["订单完成后 180 天内，可在订单详情页补开发票。", "电子发票在发货后 1–3 个工作日内开具。"],
                              "七个月前下的单 当时忘了开发票 现在还能补开吗")
    assert [c.text for c in check.check("可以，在订单详情页申请补开即可。 [1]").unsupported] == ["180 天"]
    assert check.check("不可以，补开须在订单完成后 180 天内申请。 [1]").ok
    # "一年多" is past a limit of one year.
    assert not ElapsedLimitCheck(["充电线等配件享受 1 年保修。"], "充电线坏了 买了一年多 配件还保修吗").check("可以，配件仍在保修期内。 [1]").ok
    # Two limits equally close to the question: which applies is not read, and nothing is judged.
    tied = ElapsedLimitCheck(["Returns are accepted within 30 days.", "Exchanges are accepted within 60 days."],
                             "bought it 7 weeks ago, accepted?")
    assert tied.check("Yes, it is accepted. [1]").ok


def test_the_guard_replaces_a_yes_past_the_limit_that_also_quotes_the_limit():
    # As the app answered it (session 57): the quoted rule lets the customer's "5 weeks" pass the premise check.
    answer = f'Yes, you can return the laptop you bought 5 weeks ago for a full refund. "{RETURN_RULE} [1] "'
    assert GroundingGuard.for_answer([RETURN_RULE, WARRANTY], RETURN_5W).final(answer) == [
        "30 days (a yes past the time limit)"]
