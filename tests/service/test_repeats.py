"""A follow-up answered with the previous reply again is no answer to it (`service.repeats`)."""

from service.guard import GroundingGuard
from service.repeats import PreviousReply
from tests.fakes import FakePassage
from tests.service.test_answers import make, shown_texts

PAYPAL = "The refund takes 1-2 working days to PayPal. [2]"
AFTER_PAYPAL = [{"role": "user", "content": "how long does a refund take to paypal?"}, {"role": "assistant", "content": PAYPAL}]


def test_an_answer_that_says_the_previous_reply_again_to_another_message_is_a_repeat():
    previous = PreviousReply.of(AFTER_PAYPAL, "and to a credit card?")
    assert previous.repeated_by("The refund takes 1-2 working days to PayPal. [1]")
    assert previous.repeated_by("the refund takes 1-2 working days to paypal")
    # A new answer, one that adds to the old one, and a bare verdict are answers.
    assert not previous.repeated_by("Refunds take 3-5 working days to cards. [1]")
    assert not previous.repeated_by("The refund takes 1-2 working days to PayPal, and 3-5 to cards. [1]")
    assert not previous.repeated_by("No. [1]")
    # While it grows, an answer is held back only as long as it may still be the reply before.
    assert previous.may_become_repeat("The refund takes 1-2") and not previous.may_become_repeat("Refunds take 3-5")
    # The reply before said again inside a longer sentence, with nothing of what is asked now (the follow-up set).
    battery = PreviousReply.of([{"role": "user", "content": "how long does the aria x2 battery last"},
                                {"role": "assistant", "content": "Up to 40 hours with noise cancellation on. [1]"}],
                               "and with anc off?")
    assert battery.repeated_by("The Voltway Aria X2 battery lasts up to 40 hours with noise cancellation on. [1]")
    assert not battery.repeated_by("Up to 40 hours with noise cancellation on, and 60 hours with it off. [1]")
    assert not battery.repeated_by("With ANC off it lasts up to 40 hours with noise cancellation on. [1]")
    chinese = PreviousReply.of([{"role": "user", "content": "退款多久到账"},
                                {"role": "assistant", "content": "退款一般需要 3 个工作日到账。[1]"}], "银行卡呢")
    assert chinese.repeated_by("退款一般需要 3 个工作日到账。[1]") and not chinese.repeated_by("银行卡 3–7 个工作日到账。[1]")


def test_the_same_question_again_or_no_reply_before_has_no_previous_reply_to_repeat():
    assert PreviousReply.of(AFTER_PAYPAL, "How long does a refund take to PayPal??") is None
    assert PreviousReply.of([], "and to a credit card?") is None
    assert PreviousReply.of(AFTER_PAYPAL[:1], "and to a credit card?") is None


def test_the_guard_holds_a_repeat_back_and_fails_it():
    passages = ["Refunds take 3-5 working days to cards. The refund takes 1-2 working days to PayPal."]
    guard = GroundingGuard.for_answer(passages, "and to a credit card?", previous=PreviousReply.of(AFTER_PAYPAL, "and to a credit card?"))
    assert guard.releasable("The refund takes 1-2 working days ") == 0
    assert guard.final("The refund takes 1-2 working days to PayPal. [1]") == ["an answer that repeats the previous reply"]
    assert guard.final("Refunds take 3-5 working days to cards. [1]") == []


REFUND_TIMES = FakePassage(
    "refunds.md", "Refunds", "/kb/refunds.md",
    "Refunds take 3-5 working days to cards. The refund takes 1-2 working days to PayPal.", heading="Refund times",
)


def test_a_follow_up_answered_with_the_previous_reply_is_never_shown():
    assistant, backend = make([REFUND_TIMES], answer="The refund takes 1-2 working days to PayPal. [1]", second_look=False)
    reply = assistant.chat("and to a credit card?", AFTER_PAYPAL)
    steps = shown_texts(reply)
    assert reply.replaced == ["an answer that repeats the previous reply"] and len(backend.requests) == 1
    assert reply.status in ("extractive", "no_answer") and not [s for s in steps if s.startswith("The refund takes")]
    # Without the previous reply, the same answer is the answer.
    assistant, _ = make([REFUND_TIMES], answer="The refund takes 1-2 working days to PayPal. [1]", second_look=False)
    reply = assistant.chat("how long does a refund take to paypal?")
    assert reply.collect() == "The refund takes 1-2 working days to PayPal. [1]" and reply.status == "generated"
