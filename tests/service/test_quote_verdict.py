"""The model's verdict on a decline's quote (service.quote_verdict): when the model says it does not know but vouches
for the passages' closest sentences as answering the question, those sentences are the answer, in any language."""

import math

import pytest

from service.assistant import Assistant
from service.backends import GenerationParams, TextChunk
from service.backends.scripted import ScriptedBackend
from service.errors import AssistantError
from service.model_registry import get_bundled
from service.prompts import CLOSEST_LEAD, EXTRACTIVE_LEAD, EXTRACTIVE_OFFER, QUOTE_VERDICT
from service.quote_verdict import QuoteVerdict
from service.settings import AssistantSettings
from tests.fakes import SHIPPING_ZH, FakeRetriever

BUNDLED = get_bundled("qwen2.5-coder-1.5b-instruct")


class VerdictBackend(ScriptedBackend):
    """Scripted answers; a verdict request (the quote-verdict frame, one token) gets `said` with probability `p`."""

    def __init__(self, said: str = "Yes", p: float = 0.9, name: str = BUNDLED.name, logprobs: bool = True):
        super().__init__()
        self.said, self.p, self.name, self.gives_logprobs = said, p, name, logprobs
        self.verdicts_asked: list[tuple[list, GenerationParams]] = []

    def stream(self, messages, params=GenerationParams()):
        content = messages[-1]["content"]
        if params.max_tokens == 1 and any(content.startswith(f.split("{")[0]) for f in QUOTE_VERDICT.values()):
            self.verdicts_asked.append((messages, params))
            yield TextChunk(self.said, [math.log(self.p)]) if self.gives_logprobs else self.said
            return
        yield from super().stream(messages, params)


def make(backend: VerdictBackend, hits=None, **settings) -> Assistant:
    # The sentence floor off (every sentence is close enough): these tests are about the model's verdict.
    settings = {"extractive_min_similarity": -1, **settings}
    return Assistant(backend, FakeRetriever(hits), AssistantSettings(company="Voltway", **settings))


# --- the verdict itself ---


@pytest.mark.parametrize(
    ("said", "p", "language", "vouches"),
    [("Yes", 0.9, "en", True), ("Yes", 0.72, "en", True), ("Yes", 0.6, "en", False), ("No", 0.95, "en", False),
     ("是", 0.8, "zh", True), ("是", 0.7, "zh", False), ("否", 0.9, "zh", False), ("Yes", 0.9, "zh", False)],
)
def test_the_model_vouches_only_with_its_own_yes_at_the_bar(said, p, language, vouches):
    backend = VerdictBackend(said, p)
    verdict = QuoteVerdict(backend.stream, GenerationParams(seed=3, model="m"), min_yes=0.72)
    assert verdict.vouches("question?", "An answer. [1]", language) is vouches


def test_the_verdict_is_asked_greedily_in_one_token_about_the_sentences_without_their_citations():
    backend = VerdictBackend("是", 0.9)
    verdict = QuoteVerdict(backend.stream, GenerationParams(seed=3, model="m", temperature=0.7), min_yes=0.72)
    verdict.vouches("可以货到付款吗", "我们不支持货到付款。 [1] 支持支付宝。 [2]", "zh")
    [(messages, params)] = backend.verdicts_asked
    assert messages == [{"role": "user", "content": QUOTE_VERDICT["zh"].format(
        question="可以货到付款吗", quote="我们不支持货到付款。 支持支付宝。")}]
    assert (params.max_tokens, params.temperature, params.logprobs, params.model, params.seed) == (1, 0.0, True, "m", 3)


class FailingBackend(ScriptedBackend):
    def stream(self, messages, params=GenerationParams()):
        raise AssistantError("The model server is not reachable.")
        yield  # pragma: no cover


def test_without_log_probabilities_or_on_an_error_the_model_does_not_vouch():
    no_logprobs = VerdictBackend("Yes", 0.99, logprobs=False)
    assert not QuoteVerdict(no_logprobs.stream, GenerationParams(), 0.72).vouches("q?", "a.", "en")
    assert not QuoteVerdict(FailingBackend().stream, GenerationParams(), 0.72).vouches("q?", "a.", "en")


# --- in the assistant ---


def test_a_decline_whose_quote_the_model_vouches_for_is_an_extractive_answer_with_a_person_offered():
    backend = VerdictBackend("Yes", 0.9)
    backend.enqueue("I do not know.", "I do not know.")  # the answer, and the second look's
    reply = make(backend).chat("When do refunds reach me?")
    text = reply.collect()
    assert reply.status == "extractive" and reply.replaced_why == "declined" and reply.sources
    assert text.startswith(EXTRACTIVE_LEAD["en"]) and text.endswith(EXTRACTIVE_OFFER["en"])
    assert "5 working days" in text and "[1]" in text
    # The verdict is about the customer's message and the sentences the decline would have shown.
    [(messages, _)] = backend.verdicts_asked
    assert "Customer question: When do refunds reach me?" in messages[0]["content"]
    # Without the model's yes at the bar, the decline showing the same sentences.
    backend = VerdictBackend("Yes", 0.5)
    backend.enqueue("I do not know.", "I do not know.")
    reply = make(backend).chat("When do refunds reach me?")
    assert reply.collect().startswith(CLOSEST_LEAD["en"]) and reply.status == "no_answer"
    assert "5 working days" in reply.text and len(backend.verdicts_asked) == 1


def test_in_chinese_a_failed_answer_becomes_the_quote_the_model_vouches_for_not_the_decline():
    backend = VerdictBackend("是", 0.9)
    backend.enqueue("快递 5 天到 [1]。", "快递 5 天到 [1]。")  # "5 days": the passage says 1-3 working days
    reply = make(backend, hits=[SHIPPING_ZH]).chat("快递几天能到？")
    text = reply.collect()
    assert reply.status == "extractive" and reply.replaced_why == "unsupported"
    assert text.startswith(EXTRACTIVE_LEAD["zh"]) and "1-3 个工作日" in text and text.endswith(EXTRACTIVE_OFFER["zh"])
    backend = VerdictBackend("否", 0.9)
    backend.enqueue("快递 5 天到 [1]。", "快递 5 天到 [1]。")
    reply = make(backend, hits=[SHIPPING_ZH]).chat("快递几天能到？")
    assert reply.collect().startswith(CLOSEST_LEAD["zh"]) and reply.status == "no_answer"


def test_the_bundled_models_bar_judges_its_own_verdicts_a_bar_set_judges_every_models():
    assistant = make(VerdictBackend())
    assert assistant.quote_verdict(assistant.params()).min_yes == BUNDLED.min_quote_yes
    assert assistant.quote_verdict(assistant.params(model="support")) is None  # an adapter's probabilities
    assert make(VerdictBackend(name="someone/else-7b")).quote_verdict(assistant.params()) is None  # not calibrated
    off = make(VerdictBackend(), quote_verdict=False)
    assert off.quote_verdict(off.params()) is None
    mine = make(VerdictBackend(name="someone/else-7b"), min_quote_yes=0.6)
    assert mine.quote_verdict(mine.params(model="support")).min_yes == 0.6


def test_without_the_guard_or_with_the_verdict_off_no_verdict_is_asked():
    backend = VerdictBackend("Yes", 0.99)
    backend.enqueue("I do not know.", "I do not know.")
    reply = make(backend, quote_verdict=False).chat("When do refunds reach me?")
    assert reply.collect().startswith(CLOSEST_LEAD["en"]) and backend.verdicts_asked == []
    backend.enqueue("I do not know.")
    reply = make(backend).chat("When do refunds reach me?", guard=False)
    assert reply.status != "extractive" and backend.verdicts_asked == []


def test_a_quote_chosen_for_a_message_read_with_the_question_before_it_is_never_vouched_for():
    # A short message is searched and quoted with the previous question; its quote may answer that one instead.
    backend = VerdictBackend("Yes", 0.9)
    backend.enqueue("I do not know.", "I do not know.")
    history = [{"role": "user", "content": "How long do I have to return an item?"},
               {"role": "assistant", "content": "Within 30 days of delivery [1]."}]
    reply = make(backend).chat("and refunds?", history)
    assert reply.collect().startswith(CLOSEST_LEAD["en"]) and reply.status == "no_answer"
    assert backend.verdicts_asked == []
