"""An adapter's answer put to the base model's verdict (`Assistant.adapter_bar`): the shipped Chinese adapter's
answer is held until it has passed every check and the base model says it answers the question; otherwise the base
model answers, and the customer never sees the adapter's text."""

import math

from service.assistant import Assistant
from service.backends import GenerationParams, TextChunk
from service.backends.routing import RoutedBackend
from service.backends.scripted import ScriptedBackend
from service.bundled_adapters import shipped_adapter
from service.model_registry import get_bundled
from service.prompts import QUOTE_VERDICT
from service.settings import AssistantSettings
from tests.fakes import SHIPPING_ZH, FakeRetriever

BASE = get_bundled("qwen2.5-coder-1.5b-instruct").name
ADAPTER = shipped_adapter("grounded-zh")
QUESTION = "快递几天能到？"
ADAPTERS_ANSWER = "标准快递一般 1-3 个工作日送达。[1]"
BASES_ANSWER = "一般 1-3 个工作日送达。[1]"


class BaseBackend(ScriptedBackend):
    """The base model's server: scripted answers, and its verdicts (the quote-verdict frame, one token): `said` with
    probability `p`."""

    name = BASE

    def __init__(self, said: str = "是", p: float = 0.9):
        super().__init__()
        self.said, self.p = said, p
        self.verdicts_asked: list[tuple[list, GenerationParams]] = []

    def stream(self, messages, params=GenerationParams()):
        content = messages[-1]["content"]
        if params.max_tokens == 1 and any(content.startswith(f.split("{")[0]) for f in QUOTE_VERDICT.values()):
            self.verdicts_asked.append((messages, params))
            yield TextChunk(self.said, [math.log(self.p)])
            return
        yield from super().stream(messages, params)


def setup(said="是", p=0.9, **settings) -> tuple[Assistant, BaseBackend, ScriptedBackend]:
    base, adapter = BaseBackend(said, p), ScriptedBackend()
    settings = {"extractive_min_similarity": -1, "answer_models": {"zh": ADAPTER.name}, **settings}
    assistant = Assistant(RoutedBackend(base, {ADAPTER.name: adapter}), FakeRetriever([SHIPPING_ZH]),
                          AssistantSettings(company="Voltway", **settings))
    return assistant, base, adapter


def shown(reply) -> list[str]:
    return [reply.text for _ in reply]


def test_the_adapter_ships_with_a_calibrated_bar():
    assert ADAPTER is not None and ADAPTER.base == BASE and 0 < ADAPTER.min_vouch < 1


def test_an_adapters_answer_the_base_vouches_for_is_shown_whole_once_vouched():
    assistant, base, adapter = setup("是", 0.9)
    adapter.enqueue(ADAPTERS_ANSWER)
    reply = assistant.chat(QUESTION)
    texts = shown(reply)
    assert reply.status == "generated" and reply.model == ADAPTER.name and not reply.looked_again
    assert texts and texts[0] == reply.text and "1-3 个工作日" in reply.text  # nothing shown before the verdict
    # The verdict is the base model's (its params name no model), about the customer's message and the answer.
    [(messages, params)] = base.verdicts_asked
    assert params.model is None and f"顾客的问题：{QUESTION}" in messages[0]["content"]
    assert "标准快递一般 1-3 个工作日送达。" in messages[0]["content"] and "[1]" not in messages[0]["content"]
    assert base.requests == []  # the base did not answer


def test_an_answer_the_base_does_not_vouch_for_is_never_shown_and_the_base_answers():
    assistant, base, adapter = setup("是", ADAPTER.min_vouch - 0.05)
    adapter.enqueue(ADAPTERS_ANSWER)
    base.enqueue(BASES_ANSWER)
    reply = assistant.chat(QUESTION)
    texts = shown(reply)
    assert reply.status == "generated" and reply.text.startswith("一般 1-3 个工作日送达。") and reply.looked_again
    assert not any("标准快递" in t for t in texts)
    assert reply.model == BASE
    assert len(base.requests) == 1 and base.requests[0][1].model is None
    # The base's own second look (it said it did not know first) is still the base's answer.
    assistant, base, adapter = setup("是", 0.1)
    adapter.enqueue(ADAPTERS_ANSWER)
    base.enqueue("不知道。", BASES_ANSWER)
    reply = assistant.chat(QUESTION)
    assert reply.collect().startswith("一般 1-3 个工作日送达。") and reply.model == BASE and len(base.requests) == 2
    # The base's own answer is not put to a verdict of its own (it is no adapter's).
    assert len(base.verdicts_asked) == 1


def test_an_adapters_answer_that_fails_a_check_goes_to_the_base_not_to_the_fallback():
    for failing in ("快递 5 天到。[1]", "不知道。"):  # a figure the passage does not state; its own decline
        assistant, base, adapter = setup("是", 0.99)
        adapter.enqueue(failing)
        base.enqueue(BASES_ANSWER)
        reply = assistant.chat(QUESTION)
        texts = shown(reply)
        assert reply.status == "generated" and reply.text.startswith("一般 1-3 个工作日送达。"), failing
        assert not any(failing.rstrip("[1]。") in t for t in texts) and reply.model == BASE
        assert base.verdicts_asked == []  # a failed answer is not put to the verdict


def test_no_verdict_without_the_guard_with_the_setting_off_or_for_a_model_that_is_no_shipped_adapter():
    assistant, base, adapter = setup(adapter_verdict=False)
    adapter.enqueue(ADAPTERS_ANSWER)
    reply = assistant.chat(QUESTION)
    assert len(shown(reply)) > 1 and reply.status == "generated" and base.verdicts_asked == []  # streamed as it came
    assistant, base, adapter = setup()
    adapter.enqueue(ADAPTERS_ANSWER)
    reply = assistant.chat(QUESTION, guard=False)
    assert reply.collect() == ADAPTERS_ANSWER and base.verdicts_asked == []
    base_only = Assistant(BaseBackend(), FakeRetriever([SHIPPING_ZH]),
                          AssistantSettings(company="Voltway", extractive_min_similarity=-1, answer_models={"zh": "mine"}))
    assert base_only.adapter_bar(base_only.answer_params(base_only.params(), "zh")) is None
    assert base_only.adapter_bar(base_only.params()) is None  # the base's own answers
    # An adapter of another base model is not judged by this one.
    other = Assistant(ScriptedBackend(), FakeRetriever([SHIPPING_ZH]), AssistantSettings())
    assert other.adapter_bar(GenerationParams(model=ADAPTER.name)) is None


def test_a_bar_set_puts_any_model_but_the_base_to_the_verdict():
    assistant, base, adapter = setup("是", 0.62, answer_models={"zh": ADAPTER.name}, min_adapter_yes=0.6)
    assert assistant.adapter_bar(GenerationParams(model="my-own-adapter")) == 0.6
    assert assistant.adapter_bar(GenerationParams(model=ADAPTER.name)) == 0.6  # the set bar over the shipped one
    assert assistant.adapter_bar(GenerationParams(model=BASE)) is None and assistant.adapter_bar(GenerationParams()) is None
    adapter.enqueue(ADAPTERS_ANSWER)
    reply = assistant.chat(QUESTION)
    assert reply.collect().startswith("标准快递") and reply.model == ADAPTER.name  # 0.62 reaches the set 0.6


def test_the_conversation_store_records_the_model_whose_answer_the_customer_read(tmp_path):
    from support.desk import SupportDesk
    from support.store import ConversationStore

    store = ConversationStore.open(f"sqlite:///{tmp_path / 'conversations.sqlite3'}")
    try:
        for p, model in ((0.9, ADAPTER.name), (0.1, BASE)):
            assistant, base, adapter = setup("是", p)
            adapter.enqueue(ADAPTERS_ANSWER)
            base.enqueue(BASES_ANSWER)
            turn = SupportDesk(assistant, store, model_name=BASE).answer(QUESTION, conversation_id=None, channel="api")
            turn.collect()
            assert [t.model for t in store.turns(turn.conversation_id)] == [model]
    finally:
        store.close()


def test_the_verdicts_probability_for_calibrating_a_bar():
    from service.quote_verdict import QuoteVerdict

    for said, p, expected in (("是", 0.66, 0.66), ("否", 0.9, 0.0)):
        verdict = QuoteVerdict(BaseBackend(said, p).stream, GenerationParams(), min_yes=1.0)
        assert abs(verdict.yes_probability(QUESTION, ADAPTERS_ANSWER, "zh") - expected) < 1e-9
        assert not verdict.vouches(QUESTION, ADAPTERS_ANSWER, "zh")
    assert QuoteVerdict(ScriptedBackend().stream, GenerationParams(), 0.7).yes_probability("q?", "a.", "zh") is None


def test_the_calibration_bench_counts_what_customers_would_read_at_each_bar():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "bench" / "adapter_verdict.py"
    spec = importlib.util.spec_from_file_location("adapter_verdict_bench", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)

    def row(i, kind, status, correct, declined=False):
        return {"id": i, "kind": kind, "status": status, "correct": correct, "declined": declined}

    adapter = {"a": row("a", "fact", "generated", True), "b": row("b", "fact", "generated", False),
               "u": row("u", "unanswerable", "generated", False)}
    base = {"a": row("a", "fact", "no_answer", False, True), "b": row("b", "fact", "generated", True),
            "u": row("u", "unanswerable", "no_answer", True, True)}
    yes = {"a": 0.8, "b": 0.75, "u": 0.6}
    assert bench.counts(list(base.values())) == (1, 0, 0)
    assert bench.counts(bench.with_verdict(adapter, base, yes, None)) == (1, 1, 1)
    assert bench.counts(bench.with_verdict(adapter, base, yes, 0.7)) == (1, 1, 0)
    assert bench.counts(bench.with_verdict(adapter, base, yes, 0.78)) == (2, 0, 0)
