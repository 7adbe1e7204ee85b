"""An answer that opens with its citation is shown with it after its first sentence, and every prefix of a stream
is shown as an extension of the shorter one."""

import pytest

from service.citation_order import as_shown

ANSWERS = {
    "[1] 2 年": "2 年 [1]",
    "[1] 2 年。退货另算": "2 年。 [1] 退货另算",
    "[1] 微信支付的退款通常在 1-3 个工作日到账。": "微信支付的退款通常在 1-3 个工作日到账。 [1]",
    "[1] 开启两步验证\n\n进入“我的 > 设置”。": "开启两步验证 [1]\n\n进入“我的 > 设置”。",
    "[1][2] Yes. You can.": "Yes. [1] [2] You can.",
    "[1] 好。”她说": "好。” [1] 她说",
    "[3] The fee is £1.50 per item. Done.": "The fee is £1.50 per item. [3] Done.",
    "You can return it within 30 days. [1]": "You can return it within 30 days. [1]",
    "[1]": "[1]",
    # Talk about the passages goes; its marks are leading marks.
    "The passage [2] states that Express delivery costs £7.99 if you order by 16:00.":
        "Express delivery costs £7.99 if you order by 16:00. [2]",
    "According to passage [1], the battery lasts 40 hours. Charge it.": "The battery lasts 40 hours. [1] Charge it.",
    "The passages [1] and [3] say that returns are free.": "Returns are free. [1] [3]",
    # Session 48, `make run`.
    "The information in the passage [1] states that Voltway stores open from Monday to Saturday from 10:00 to 20:00.":
        "Voltway stores open from Monday to Saturday from 10:00 to 20:00. [1]",
    "The information in your order is wrong. [1]": "The information in your order is wrong. [1]",
    "根据段落 [1]，发货后 1-3 个工作日内开具。": "发货后 1-3 个工作日内开具。 [1]",
    "根据段落信息，旧手机电池鼓包的设备无法回收。": "旧手机电池鼓包的设备无法回收。",
    "根据提供的知识库段落，HomeHub 灯环白色常亮表示配网完成。": "HomeHub 灯环白色常亮表示配网完成。",
    "根据提供的信息，周六付的款周一发货。": "周六付的款周一发货。",
    "根据订单信息，周六付的款周一发货。": "根据订单信息，周六付的款周一发货。",
    "Based on the information provided, it ships today.": "It ships today.",
    "According to the knowledge base, returns are free.": "Returns are free.",
    "According to [1], UK orders are charged at 20% VAT.": "UK orders are charged at 20% VAT. [1]",
    "根据 [2]，周六付的款周一发货。": "周六付的款周一发货。 [2]",
    "According to our records, it ships today.": "According to our records, it ships today.",
    "Based on your order, it ships today.": "Based on your order, it ships today.",
    # Later sentences: talk goes (the marks follow the sentence), a mere pointer leaves its marks.
    "No. The passage [2] states that it is free.": "No. It is free. [2]",
    "You can return it within 30 days. This can be found in Passage [3].": "You can return it within 30 days. [3]",
    "Klarna is for £30-£1,500. The information is provided in passages [1], [2], and [3].":
        "Klarna is for £30-£1,500. [1] [2] [3]",
    "Yes. [1] This is stated in passage [2].": "Yes. [1] [2]",
    "The VAT rate charged on UK orders is 20%. This information is found in passage [1].":
        "The VAT rate charged on UK orders is 20%. [1]",
    "You will get a brand new one. This is stated in [1].": "You will get a brand new one. [1]",
    "It is free. This is stated in our terms.": "It is free. This is stated in our terms.",
    "可以。这在段落 [2] 中有说明。": "可以。[2]",
    "旧手机可以回收。根据段落信息，电池鼓包的设备无法回收。": "旧手机可以回收。电池鼓包的设备无法回收。",
    "Yes. This is free. This can be found in the FAQ.": "Yes. This is free. This can be found in the FAQ.",
    # The 1.5B's pointers that name a passage in words and then repeat it.
    'The link is valid for 60 minutes. This can be found in the second passage, which states "Open the link within '
    '**60 minutes** and choose a new password."': "The link is valid for 60 minutes. [2]",
    "It costs £30. This can be found in the [2] Payment Methods and Failed Payments passage, under the \"Accepted "
    "payment methods\" section.": "It costs £30. [2]",
    "No. The passage [3] explicitly states that it comes with Windows 11 Home.": "No. It comes with Windows 11 Home. [3]",
    # Session 55, eval-answers on new questions.
    "The most is GBP 500 on the UK store. This is specified in the [3] passage.": "The most is GBP 500 on the UK store. [3]",
    "It is a scam. The passage [3] also explicitly states that Voltway will never charge a fee.":
        "It is a scam. Voltway will never charge a fee. [3]",
    "It is a scam. The passages [1] and [3] both say that Voltway never asks for it.":
        "It is a scam. Voltway never asks for it. [1] [3]",
    'You cannot get cash for it. The passage states: "Trade-in payments are never made in cash." [3]':
        'You cannot get cash for it. "Trade-in payments are never made in cash." [3]',
    # A pointer to a passage the sentence before already cites adds nothing; to another one, its mark.
    "The link lasts 60 minutes [2]. This can be found in passage [2].": "The link lasts 60 minutes [2]. ",
    "The link lasts 60 minutes. [2] This can be found in passage [2].": "The link lasts 60 minutes. [2] ",
    "It is free. [1] The link lasts 60 minutes. This can be found in passage [1].":
        "It is free. [1] The link lasts 60 minutes. [1]",
    # Session 56, make run: the model's double space after its first sentence, once its marks moved there.
    "[2] The reset link lasts for 60 minutes.  [3]": "The reset link lasts for 60 minutes. [2] [3]",
    # Session 57: the marks as the subject of talk about their passage.
    "[2] says that returns are free. Refunds follow.": "Returns are free. [2] Refunds follow.",
    "You typed it into a fake site. [3] indicates that you can report it to support@voltway.example.":
        "You typed it into a fake site. [3] You can report it to support@voltway.example.",
    "[1] Solid red means a hardware error.": "Solid red means a hardware error. [1]",
    "[1] States in the EU pay €5.99.": "States in the EU pay €5.99. [1]",
    "It is free. [2] Also, it is fast.": "It is free. [2] Also, it is fast.",
}


@pytest.mark.parametrize("answer, shown", ANSWERS.items())
def test_the_leading_citation_follows_the_first_sentence(answer, shown):
    assert as_shown(answer, final=True) == shown


@pytest.mark.parametrize("answer", ANSWERS)
def test_every_longer_prefix_extends_what_was_shown(answer):
    shown = ""
    for end in range(len(answer) + 1):
        now = as_shown(answer[:end], final=end == len(answer))
        assert now.startswith(shown), (answer[:end], shown, now)
        shown = now
    assert shown == ANSWERS[answer]


def test_marks_wait_while_the_first_sentence_is_unfinished():
    assert as_shown("[1] 2 年", final=False) == "2 年"
    assert as_shown("[1", final=False) == "" and as_shown("[1] [", final=False) == ""
    # An English full stop may be a decimal point until a space follows it.
    assert as_shown("[3] The fee is £1.", final=False) == "The fee is £1."


def test_an_opening_that_may_be_talk_about_the_passages_waits_for_its_first_sentence():
    assert as_shown("The", final=False) == "" and as_shown("The passage [2] states", final=False) == ""
    assert as_shown("The passage [2] states that it is free", final=False) == ""
    assert as_shown("The passage [2] states that it is free. More", final=False) == "It is free. [2] More"
    assert as_shown("Yes", final=False) == "Yes"  # no such opening: shown at once


def test_a_later_sentence_that_may_be_talk_waits_for_its_end():
    assert as_shown("Yes, it is free. This can", final=False) == "Yes, it is free. "
    assert as_shown("Yes, it is free. This can be found in passage [1]", final=False) == "Yes, it is free. "
    # A full stop ends it once a space follows (until then it may be a decimal point).
    assert as_shown("Yes, it is free. This can be found in passage [1].", final=False) == "Yes, it is free. "
    assert as_shown("Yes, it is free. This can be found in passage [1]. ", final=False) == "Yes, it is free. [1] "
    assert as_shown("Yes, it is free. Returns", final=False) == "Yes, it is free. Returns"  # no such opening
