"""The live app as the public internet meets it: per-client limits, caps, lockout and login over the API,
a full queue, the files it serves and the origins it answers (scripted backend: fast)."""

import os
import threading
import time
from pathlib import Path

import httpx
import pytest

from service.handlers import AdminLogin
from service.limits import ClientLimits, LoginThrottle, RequestLimits
from service.settings import AppSettings
from tests.app.conftest import ADMIN, start_app
from tests.fakes import FakeRetriever, scripted_backend

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def make_assistant(**backend_options):
    from service.assistant import Assistant
    from service.settings import AssistantSettings

    backend = scripted_backend(**backend_options)
    # No embeddings: a scripted answer is given whatever the question (the sentence floor needs embeddings).
    return Assistant(backend, FakeRetriever(embeds=False), AssistantSettings(company="Voltway")), backend


@pytest.fixture(scope="module")
def limited_app(tmp_path_factory):
    """Two questions a minute, one stream at a time per client; three wrong passwords lock a client out."""
    from knowledge_base import KBSettings, KnowledgeBase
    from knowledge_base.embeddings import HashEmbedder

    root = tmp_path_factory.mktemp("secure")
    kb = KnowledgeBase.open(root / "kb", KBSettings(kb_dir=root / "kb", embedding_model="hash"), create=True,
                            embedder=HashEmbedder())
    (root / "doc.md").write_text("# Returns\n\nReturns are free within 30 days.\n")
    kb.ingest([root / "doc.md"])
    assistant, _ = make_assistant()
    limits = RequestLimits(ClientLimits(per_minute=2, streams=1), LoginThrottle(attempts=3, lockout_s=600))
    settings = AppSettings(allowed_origins=["https://shop.example"])
    live = start_app(assistant, kb, admin=AdminLogin(*ADMIN), limits=limits, app_settings=settings)
    live.kb, live.root = kb, root
    yield live
    live.close()


def test_over_its_rate_a_client_is_asked_to_wait_and_nothing_is_stored(limited_app):
    client = limited_app.client()
    answers = [client.predict("How long do I have to return an item?", api_name="/answer") for _ in range(3)]
    assert [a["status"] for a in answers] == ["generated", "generated", "rate_limited"]
    assert "wait a minute" in answers[2]["text"] and answers[2]["turn"] is None
    assert answers[2]["conversation_id"] is None  # no conversation was started for it
    text, sources = client.predict("and the warranty?", api_name="/ask")
    assert "wait a minute" in text and sources == []
    store = limited_app.handlers.desk.store
    assert [len(store.turns(a["conversation_id"])) for a in answers[:2]] == [1, 1]


def test_api_callers_cannot_ask_for_more_tokens_or_passages_than_the_caps(limited_app):
    from gradio_client.exceptions import AppError

    client = limited_app.client()
    with pytest.raises(AppError, match="max_tokens must be between 1 and 1024"):
        client.predict("How long do I have to return an item?", max_tokens=100000, api_name="/answer")
    with pytest.raises(AppError, match="k must be between 0 and 10"):
        client.predict("returns", k=5000, api_name="/search")


def test_admin_endpoints_refuse_without_login_even_with_a_forged_state(limited_app):
    url = limited_app.url.rstrip("/")
    for name, data in [("kb_list", [True]), ("kb_remove", ["doc.md", True])]:
        event = httpx.post(f"{url}/gradio_api/call/{name}", json={"data": data}, timeout=30).json()["event_id"]
        result = httpx.get(f"{url}/gradio_api/call/{name}/{event}", timeout=30).text
        assert "event: error" in result and "Log in as an administrator first" in result
    assert [d.doc_id for d in limited_app.kb.documents()] == ["doc.md"]


def test_repeated_wrong_passwords_lock_the_client_out_over_the_api(limited_app):
    from tests.app.test_app_api import login

    client = limited_app.client()
    for _ in range(3):
        assert login(client, "admin", "guess") == "Wrong user name or password."
    # The right password, too late.
    assert login(client, *ADMIN).startswith("Too many wrong passwords; try again in 10 minutes")


def test_only_the_configured_origins_may_call_the_app_from_a_browser(limited_app):
    url = limited_app.url.rstrip("/")
    preflight = {"Access-Control-Request-Method": "POST", "Host": "support.voltway.example"}
    allowed = httpx.options(f"{url}/gradio_api/info", headers={**preflight, "Origin": "https://shop.example"}, timeout=30)
    assert allowed.headers.get("access-control-allow-origin") == "https://shop.example"
    # Gradio alone would echo any origin for a host other than localhost; mounted under our CORS, it does not.
    for origin in ("http://evil.example", "null"):
        refused = httpx.options(f"{url}/gradio_api/info", headers={**preflight, "Origin": origin}, timeout=30)
        assert "access-control-allow-origin" not in refused.headers
        simple = httpx.get(f"{url}/config", headers={"Origin": origin, "Host": "support.voltway.example"}, timeout=30)
        assert "access-control-allow-origin" not in simple.headers


def test_no_file_outside_the_upload_cache_is_served(limited_app, tmp_path):
    import gradio.utils

    from tests.conftest import REPO

    secret_env = tmp_path / ".env"
    secret_env.write_text("ASSISTANT_ADMIN_PASSWORD=hunter2\n")
    store = tmp_path / "conversations.sqlite3"
    store.write_bytes(b"SQLite format 3\x00")
    cache = Path(gradio.utils.get_upload_folder())
    cache.mkdir(parents=True, exist_ok=True)
    link = cache / f"link-{os.getpid()}.txt"
    link.unlink(missing_ok=True)
    link.symlink_to("/etc/passwd")
    index = next(limited_app.kb.root.rglob("*.faiss"), None) or next(p for p in limited_app.kb.root.rglob("*") if p.is_file())
    models = REPO / "data" / "models"
    targets = [
        "/etc/passwd", str(secret_env), str(store), str(index), str(REPO / "app.py"), str(REPO / "Makefile"),
        str(models / "smollm2-135m-instruct" / "config.json"), str(link), "../../../../etc/passwd",
        "%2e%2e/%2e%2e/%2e%2e/etc/passwd", "..%2f..%2f..%2fetc%2fpasswd", str(limited_app.root / "doc.md"),
    ]
    url = limited_app.url.rstrip("/")
    try:
        for target in targets:
            for route in ("/file=", "/gradio_api/file=", "/gradio_api/file/"):
                response = httpx.get(url + route + target, timeout=30)
                assert response.status_code in (403, 404), (route, target, response.status_code)
                assert "root:" not in response.text and "hunter2" not in response.text
    finally:
        link.unlink(missing_ok=True)


def test_a_full_queue_is_told_it_is_busy_at_once_instead_of_hanging(tmp_path):
    from gradio_client import Client

    assistant, _ = make_assistant(delay_s=0.5)
    live = start_app(assistant, concurrency=1, app_settings=AppSettings(queue_size=1))
    try:
        results, errors = [], []

        def ask(n):
            try:
                results.append(Client(live.url, verbose=False).predict(f"question {n}", api_name="/ask"))
            except Exception as e:  # noqa: BLE001 - the busy answer arrives as an error of the queue
                errors.append((time.monotonic() - started, str(e)))

        started = time.monotonic()
        threads = [threading.Thread(target=ask, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert results and errors
        assert all("queue is full" in message.lower() for _, message in errors)
        assert max(seconds for seconds, _ in errors) < 10  # refused at once, not after the others' answers
    finally:
        live.close()


def test_an_upload_over_the_size_limit_is_refused_before_it_is_stored(tmp_path, hash_kb):
    assistant, _ = make_assistant()
    live = start_app(assistant, hash_kb, app_settings=AppSettings(max_upload_mb=1))
    try:
        big = b"# Big\n\n" + b"word " * 400_000
        response = httpx.post(live.url.rstrip("/") + "/gradio_api/upload", files={"files": ("big.md", big)}, timeout=30)
        assert response.status_code == 413 and "exceeded maximum allowed size of 1048576 bytes" in response.text
        assert hash_kb.documents() == []
    finally:
        live.close()
