"""Answers that paste another question of the passages with its answer (`service.pasted_questions`)."""

from service.pasted_questions import PastedQuestionCheck

INVOICES = (
    "可以开具“办公用品”等其他品名吗？不可以。发票品名须与实际购买的商品一致，例如“Voltway Nimbus 14 笔记本电脑”。\n\n"
    "开错了怎么办？发票抬头或税号填写错误的，可在开票后 **90 天内** 在订单详情页申请换开。"
)
# Held-out, session 36: the knowledge base does not say which processor the Nimbus 14 has.
PASTED = "nimbus 14 用的啥处理器 显卡咋样 能打游戏不 [1]\n\n可以开具“办公用品”等其他品名吗？不可以。发票品名须与实际购买的商品一致。"


def test_an_answer_pasting_a_question_the_customer_did_not_ask_is_named():
    verdict = PastedQuestionCheck([INVOICES], "nimbus 14 用的啥处理器 显卡咋样 能打游戏不", "zh").verdict(PASTED)
    assert verdict and "可以开具“办公用品”等其他品名吗？" in verdict


def test_markup_spaces_and_citations_do_not_hide_the_paste():
    answer = "[1] 开错了 怎么办？发票抬头或税号填写错误的，可在开票后 90 天内申请换开。"
    assert PastedQuestionCheck([INVOICES], "发票怎么开 公司抬头的 要专票", "zh").verdict(answer)


def test_the_question_the_customer_asked_may_be_said_again():
    answer = "开错了怎么办？发票抬头或税号填写错误的，可在开票后 90 天内申请换开。 [1]"
    assert PastedQuestionCheck([INVOICES], "发票开错了怎么办", "zh").verdict(answer) is None


def test_the_question_asked_in_the_customers_own_words_may_be_pasted():
    # Session 48: both answers right, both declined under the earlier bar (half of the pasted question's words).
    answer = "开错了怎么办？发票抬头或税号填写错误的，可在开票后 90 天内申请换开。"
    assert PastedQuestionCheck([INVOICES], "发票抬头写错了还能改吗 开了一个多月了", "zh").verdict(answer) is None
    shipping = "可以寄到香港或海外吗？中国站暂不支持配送至港澳台地区及海外。"
    answer = "可以寄到香港或海外吗？中国站暂不支持配送至港澳台地区及海外。"
    assert PastedQuestionCheck([shipping], "能寄到香港吗 我在那边上班", "zh").verdict(answer) is None


def test_questions_of_the_answer_s_own_and_answers_without_questions_stand():
    check = PastedQuestionCheck([INVOICES], "发票开错了 还能改吗", "zh")
    assert check.verdict("可以，开票后 90 天内可申请换开。需要我为您转接人工客服吗？") is None
    assert check.verdict("可以，开票后 90 天内可申请换开。 [1]") is None


def test_english_questions_are_not_judged():
    passage = "Do Voltway gift cards expire? Gift cards are valid for 5 years."
    check = PastedQuestionCheck([passage], "gift card expiry", "en")
    assert check.verdict("Do Voltway gift cards expire? Gift cards are valid for 5 years. [1]") is None
