"""FAQ direct answers over the real sample knowledge base (its embedding model and BM25), no model needed: a
curated answer is given for the FAQ's own questions and never for a Chinese question that only looks like one to
the English-centred embedding model."""

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def assistant(sample_kb):
    from service.assistant import Assistant
    from service.settings import AssistantSettings
    from tests.fakes import scripted_backend

    backend = scripted_backend()
    return Assistant(backend, sample_kb, AssistantSettings(company="Voltway")), backend


def status_of(assistant, question: str) -> str:
    reply = assistant.chat(question, [])
    reply.collect()
    return reply.status


@pytest.mark.parametrize("question", ["支持花呗分期吗？", "订单提交后多久内要付款？", "怎么取消订单？"])
def test_a_chinese_faq_question_asked_as_written_gets_the_curated_answer(assistant, question):
    assistant, _ = assistant
    assert status_of(assistant, question) == "faq"


@pytest.mark.parametrize("question", [
    "签收后才发现屏幕碎了 多久内要找你们",  # 0.90 to "订单提交后多久内要付款？"
    "尽快是多快？",  # 0.97 to "运费怎么算？" (a customer message from STC-3)
    "业务账号指什么？",  # 0.94 to "可以开增值税专用发票吗？"
])
def test_a_chinese_question_the_embedding_model_confuses_with_an_faq_question_gets_no_curated_answer(assistant, question):
    assistant, _ = assistant
    assert status_of(assistant, question) != "faq"
