"""Answers that copy an FAQ entry's curated answer to a question the customer did not ask (`service.faq_copies`)."""

from service.faq_copies import FaqCopyCheck
from tests.fakes import RETURNS, FakePassage

SHIPPING_COST = FakePassage(
    "faq-returns-cost", "Do I have to pay for return shipping?", "/kb/faq.csv",
    "Do I have to pay for return shipping?\n\nNo. Returns within 30 days are free: print the prepaid label from "
    "My Account > Orders > Return items, or bring the item to a Voltway store.",
    question="Do I have to pay for return shipping?", question_score=0.48,
)
COPY = "No. Returns within 30 days are free: print the prepaid label from My Account > Orders > Return items, or bring the item to a Voltway store. [1]"


def with_score(hit: FakePassage, score: float) -> FakePassage:
    return FakePassage(**{**hit.__dict__, "question_score": score})


def test_a_copied_answer_to_a_question_far_from_the_customers_is_named():
    check = FaqCopyCheck.for_passages([SHIPPING_COST, RETURNS], min_similarity=0.55)
    verdict = check.verdict(COPY)
    assert verdict is not None and "Do I have to pay for return shipping?" in verdict and "0.48" in verdict
    # Citations, emphasis and spacing do not hide a copy.
    assert check.verdict("**No.** Returns within 30 days are free:  print the prepaid label from My Account > Orders > "
                         "Return items, or bring the item to a Voltway store [1][2]") is not None


def test_a_copy_of_the_entry_the_customer_asked_about_stands():
    check = FaqCopyCheck.for_passages([with_score(SHIPPING_COST, 0.8)], min_similarity=0.55)
    assert check.verdict(COPY) is None


def test_an_answer_in_its_own_words_or_quoting_only_part_of_an_entry_stands():
    check = FaqCopyCheck.for_passages([SHIPPING_COST], min_similarity=0.55)
    assert check.verdict("Yes, Visa, Mastercard and American Express are accepted at no extra cost. [2]") is None
    assert check.verdict("Returns within 30 days are free. [1]") is None  # a sentence of it, not the entry's answer


def test_passages_that_are_not_faq_entries_or_have_no_question_score_are_not_judged():
    check = FaqCopyCheck.for_passages([RETURNS, with_score(SHIPPING_COST, None)], min_similarity=0.55)
    assert check.verdict(COPY) is None
    assert check.verdict(RETURNS.text) is None


def test_chinese_copies_are_found_too():
    entry = FakePassage(
        "faq-zh-unpaid", "订单提交后多久内要付款？", "/kb/faq_zh.jsonl",
        "订单提交后多久内要付款？\n\n请在 30 分钟内完成支付，超时未支付的订单会自动取消，库存和优惠券会自动释放。",
        question="订单提交后多久内要付款？", question_score=0.38,
    )
    check = FaqCopyCheck.for_passages([entry], min_similarity=0.55)
    assert check.verdict("[1] 请在 30 分钟内完成支付，超时未支付的订单会自动取消，库存和优惠券会自动释放。") is not None
    assert check.verdict("[1] 扣款重复时，多出的一笔会在 1-3 个工作日内自动退回。") is None


def test_the_setting_is_on_by_default_and_none_written_out_turns_it_off(monkeypatch):
    from service.settings import AssistantSettings

    assert AssistantSettings().faq_copy_min_similarity == 0.55
    for off in ("none", "NULL", ""):
        monkeypatch.setenv("ASSISTANT_FAQ_COPY_MIN_SIMILARITY", off)
        monkeypatch.setenv("ASSISTANT_PASSAGE_MARGIN", off)
        settings = AssistantSettings()
        assert settings.faq_copy_min_similarity is None and settings.passage_margin is None
    monkeypatch.setenv("ASSISTANT_FAQ_COPY_MIN_SIMILARITY", "0.5")
    assert AssistantSettings().faq_copy_min_similarity == 0.5
