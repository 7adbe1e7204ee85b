"""A Chinese answer that is only a figure, from a passage about something else (service.bare_figures)."""

import pytest

from service.bare_figures import BareFigureCheck
from service.guard import GroundingGuard

UNPAID = "订单提交后多久内要付款？ 请在 30 分钟内完成支付，超时未支付的订单会自动取消，库存和优惠券会自动释放。"
ARIA_RESET = "Voltway Aria X2 耳机怎么恢复出厂设置？ 开机状态下，同时长按电源键和降噪键 10 秒，指示灯红白交替闪烁 3 次即完成重置。"
FEES = "运费怎么算？ 订单满 ¥99 包邮，不满收取 ¥10。"
HUB = "HomeHub 需配合 Voltway Home App 使用，售价 ¥899。"


def off_topic(passages: list[str], question: str, answer: str) -> list[str]:
    return [claim.text for claim in BareFigureCheck(passages, question).check(answer).unsupported]


@pytest.mark.parametrize("answer", ["30 分钟 [1]", "[1] 30分钟。", "大约 30 分钟左右。 [1]"])
def test_a_bare_figure_whose_passage_shares_no_word_with_the_question_is_reported(answer):
    # Session 58, `make run`: the minutes an unpaid order is held, for how long the headphones take to charge.
    assert off_topic([UNPAID, ARIA_RESET], "耳机充满电要多久", answer) == ["30"]


def test_a_bare_figure_from_a_passage_about_what_is_asked_passes():
    assert off_topic([UNPAID, ARIA_RESET], "耳机怎么重置 要按几秒", "10 秒 [2]") == []
    # Its passage's heading or FAQ question counts: "运费" is only in "运费怎么算？".
    assert off_topic([FEES], "就买根39块的数据线 运费多少", "¥10 [1]") == []
    # A name in Latin letters is a word too.
    assert off_topic([HUB], "homehub 多少钱", "¥899。 [1]") == []


def test_an_answer_with_words_of_its_own_and_an_english_question_are_not_read():
    assert off_topic([UNPAID], "耳机充满电要多久", "充满电要 30 分钟。 [1]") == []
    assert off_topic([UNPAID], "how long do the headphones take to charge", "30 分钟 [1]") == []
    # A figure no passage states is the grounding guard's, not this check's.
    assert off_topic([UNPAID], "耳机充满电要多久", "2 小时 [1]") == []


def test_the_guard_replaces_such_an_answer():
    assert GroundingGuard.for_answer([UNPAID, ARIA_RESET], "耳机充满电要多久").final("30 分钟 [1]") == [
        "30 (a bare figure from a passage about something else)"]
