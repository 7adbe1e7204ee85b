"""The knowledge base end to end with the real MiniLM model: ingest, search, update, remove, reopen."""

from __future__ import annotations

import json

import numpy as np
import pytest

from knowledge_base import KBSettings, KnowledgeBase, KnowledgeBaseError, ManifestMismatchError
from knowledge_base.errors import KnowledgeBaseNotFoundError

from .conftest import SUPPORT_FAQ, make_docx, make_pdf, write_jsonl

pytestmark = pytest.mark.slow  # real models, processes or training: over a second each


@pytest.fixture
def docs(tmp_path):
    d = tmp_path / "docs"
    d.mkdir()
    write_jsonl(d / "faq.jsonl", SUPPORT_FAQ)
    (d / "router.md").write_text(
        "# Router manual\n\n## Factory reset\n\nHold the reset button on the back for ten seconds until the lights blink.\n\n"
        "## Wi-Fi channels\n\nChoose channel 1, 6 or 11 to avoid interference from neighbours.\n", encoding="utf-8")
    (d / "warranty.pdf").write_bytes(make_pdf(["The warranty covers manufacturing defects for two years."], "Warranty"))
    make_docx(d / "returns.docx", "Returns", {"Policy": ["Unused items can be returned within 30 days of delivery."]})
    (d / "hours.html").write_text("<h1>Opening hours</h1><p>Our phone line is open Monday to Friday, 9am to 5pm.</p>")
    return d


def test_ingest_then_search_finds_the_right_passage(open_kb, docs):
    kb = open_kb()
    report = kb.ingest([docs])
    assert (report.added, report.updated, report.skipped, report.failed) == (9, 0, 0, [])
    cases = {
        "I forgot my password": "pw-reset",
        "how do I factory reset the router": "router.md",
        "is a broken device covered by warranty": "warranty.pdf",
        "how many days do I have to return unused items": "returns.docx",
        "when can I call you": "hours.html",
        "parcel delivery duration": "shipping-time",
    }
    for query, doc_id in cases.items():
        hits = kb.search(query, k=3)
        assert hits[0].doc_id == doc_id, (query, [h.doc_id for h in hits])
    hit = kb.search("factory reset router", k=1)[0]
    assert hit.heading == "Router manual > Factory reset" and hit.source.endswith("router.md")
    assert hit.chunk_id == f"router.md#{hit.position}" and "reset button" in hit.text


def test_modes_rank_and_score(open_kb, docs):
    kb = open_kb()
    kb.ingest([docs])
    for mode in ("dense", "lexical", "hybrid"):
        hits = kb.search("refund for my order", k=4, mode=mode)
        assert hits[0].doc_id == "refund", mode
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert kb.search("refund", k=2, mode="dense")[0].lexical_score is None
    assert kb.search("refund", k=2, mode="lexical")[0].dense_score is None


def test_relevance_threshold_separates_answerable_questions(open_kb, docs):
    kb = open_kb()
    kb.ingest([docs])
    assert kb.relevance_threshold == KBSettings().relevance_threshold
    assert kb.is_relevant(kb.search("How can I reset my password?"))
    assert not kb.is_relevant(kb.search("What is the boiling point of tungsten in kelvin?"))
    assert not kb.is_relevant([])


def test_relevance_is_the_best_cosine_among_the_hits_not_the_first_hits(open_kb):
    from knowledge_base.documents import Passage

    def hit(dense, lexical):
        return Passage("d", "d#0", 0, "t", "s", "", "text", score=dense + lexical, dense_score=dense, lexical_score=lexical)

    kb = open_kb()
    threshold = kb.relevance_threshold
    # A Chinese query's first hit by the fused score can share a rare word and little else; the answer is second.
    assert kb.is_relevant([hit(threshold - 0.1, 1.0), hit(threshold + 0.2, 0.5)])
    assert not kb.is_relevant([hit(threshold - 0.1, 1.0), hit(threshold - 0.05, 0.5)])
    assert kb.is_relevant([hit(0.0, 0.0), hit(threshold - 0.1, kb.settings.lexical_relevance)])


def test_new_settings_reach_the_next_search_and_the_embedding_model_cannot_change(open_kb, docs):
    kb = open_kb(lexical_weight=0.0)
    kb.ingest([docs])
    hit = kb.search("refund for my order", k=1, mode="hybrid")[0]
    assert hit.score == pytest.approx(hit.dense_score)  # no lexical share at weight 0
    kb.settings = kb.settings.model_copy(update={"lexical_weight": 0.5})
    hit = kb.search("refund for my order", k=1, mode="hybrid")[0]
    assert hit.score > hit.dense_score + 0.1  # the best hit has words of the query: it gains half its BM25 share
    before = kb.settings
    with pytest.raises(KnowledgeBaseError, match="built with 'all-MiniLM-L6-v2'"):
        kb.settings = before.model_copy(update={"embedding_model": "all-mpnet-base-v2"})
    assert kb.settings is before


def test_reingest_skips_unchanged_and_replaces_exactly_the_changed(open_kb, docs):
    kb = open_kb()
    kb.ingest([docs])
    before = {c["doc_id"] + str(c["position"]): c["text"] for c in kb._snap.chunks}
    again = kb.ingest([docs])
    assert (again.added, again.updated, again.skipped, again.chunks) == (0, 0, 9, 0)

    # Change one FAQ entry, drop another, add a new one; touch the Markdown file.
    faq = [dict(r) for r in SUPPORT_FAQ if r["id"] != "delete-account"]
    faq[0]["answer"] = "Use the 'Forgot password' link on the sign-in page."
    faq.append({"id": "gift-card", "question": "Do you sell gift cards?", "answer": "Yes, from 10 to 200 euros."})
    write_jsonl(docs / "faq.jsonl", faq)
    (docs / "router.md").write_text("# Router manual\n\n## Factory reset\n\nPress reset for 30 seconds.\n")
    report = kb.ingest([docs])
    assert (report.added, report.updated, report.removed) == (1, 2, 1)
    assert report.skipped == 3 + 3  # unchanged FAQ entries + the three unchanged files
    ids = {d.doc_id for d in kb.documents()}
    assert "delete-account" not in ids and "gift-card" in ids
    after = {c["doc_id"] + str(c["position"]): c["text"] for c in kb._snap.chunks}
    unchanged = {k: v for k, v in before.items() if not k.startswith(("pw-reset", "router.md", "delete-account"))}
    assert all(after[k] == v for k, v in unchanged.items())
    assert [c["text"] for c in kb._snap.chunks if c["doc_id"] == "router.md"] == ["Press reset for 30 seconds."]
    assert kb.search("forgot password link", k=1)[0].text.endswith("on the sign-in page.")
    # Vectors and chunks stay aligned after the replace and the removal: each chunk's own embedded
    # text (its `lexical_text` is one of them) finds that chunk as its nearest neighbour.
    chunks = kb._snap.chunks
    nearest = kb.search_many([c["lexical_text"] for c in chunks], k=1, mode="dense")
    assert [hits[0].chunk_id for hits in nearest] == [f"{c['doc_id']}#{c['position']}" for c in chunks]
    assert all(hits[0].dense_score > 0.95 for hits in nearest)


def test_a_new_reader_version_reads_unchanged_files_again_and_reembeds_nothing_unchanged(open_kb, docs, monkeypatch):
    import knowledge_base.ingest as ingest

    kb = open_kb()
    kb.ingest([docs])
    hashes = {src: info["hash"] for src, info in kb._snap.sources.items()}
    monkeypatch.setattr(ingest, "READER_VERSION", ingest.READER_VERSION + 1)
    again = kb.ingest([docs])
    assert (again.added, again.updated, again.skipped, again.chunks) == (0, 0, 9, 0)  # same text: no re-embedding
    assert all(kb._snap.sources[src]["hash"] != h for src, h in hashes.items())  # but every file was read again
    assert kb.ingest([docs]).skipped == 9


def test_a_new_chunker_version_reembeds_every_document(open_kb, docs, monkeypatch):
    import knowledge_base.ingest as ingest

    kb = open_kb()
    first = kb.ingest([docs])
    monkeypatch.setattr(ingest, "CHUNKER_VERSION", ingest.CHUNKER_VERSION + 1)
    again = kb.ingest([docs])
    assert (again.added, again.updated, again.skipped, again.chunks) == (0, 9, 0, first.chunks)
    assert kb.ingest([docs]).skipped == 9


def test_an_uploaded_file_is_deleted_with_the_last_of_its_documents(open_kb, docs, settings):
    kb = open_kb()
    kb.ingest_uploads([(docs / "router.md", "router.md"), (docs / "faq.jsonl", "support-faq.jsonl")])
    uploads = settings.kb_dir / "uploads"
    assert (uploads / "router.md").exists() and (uploads / "support-faq.jsonl").exists()
    kb.remove("router.md")
    assert not (uploads / "router.md").exists()
    kb.remove("refund")  # one FAQ entry of the file: the others still come from it
    assert (uploads / "support-faq.jsonl").exists()
    for doc in [d.doc_id for d in kb.documents()]:
        kb.remove(doc)
    assert list(uploads.iterdir()) == []
    kb.ingest([docs / "router.md"])  # a file ingested from where it is, not uploaded, is never deleted
    kb.remove("router.md")
    assert (docs / "router.md").exists()


def test_remove_and_reopen(open_kb, docs, embedder, settings):
    kb = open_kb()
    kb.ingest([docs])
    kb.remove("refund")
    with pytest.raises(KnowledgeBaseError, match="No document 'nope'"):
        kb.remove("nope")
    reopened = KnowledgeBase.open(settings.kb_dir, settings, embedder=embedder)
    assert {d.doc_id for d in reopened.documents()} == {d.doc_id for d in kb.documents()}
    assert "refund" not in {d.doc_id for d in reopened.documents()}
    a = [(h.chunk_id, round(h.score, 5)) for h in kb.search("warranty defects", k=3)]
    b = [(h.chunk_id, round(h.score, 5)) for h in reopened.search("warranty defects", k=3)]
    assert a == b


def test_an_id_used_by_two_files_in_one_run_fails_the_second_and_keeps_the_first(open_kb, docs, tmp_path):
    kb = open_kb()
    kb.ingest([docs])
    other = write_jsonl(tmp_path / "other.jsonl", [{"id": "refund", "question": "Refunds?", "answer": "Never."}])
    report = kb.ingest([docs / "faq.jsonl", other])
    assert [path for path, _ in report.failed] == [str(other)]
    assert "'refund'" in report.failed[0][1] and "unique" in report.failed[0][1]
    refund = [h for h in kb.search("refund", k=10) if h.doc_id == "refund"]
    assert refund and "Never." not in refund[0].text


def test_open_missing_without_create_is_a_clear_error(tmp_path, settings):
    with pytest.raises(KnowledgeBaseNotFoundError, match="ingest"):
        KnowledgeBase.open(tmp_path / "nothing", settings)


def test_manifest_mismatch_is_an_error_not_garbage(open_kb, docs, settings):
    kb = open_kb()
    kb.ingest([docs / "faq.jsonl"])
    other = settings.model_copy(update={"embedding_model": "some/other-model"})
    with pytest.raises(ManifestMismatchError, match="all-MiniLM-L6-v2"):
        KnowledgeBase.open(settings.kb_dir, other)
    # A tampered dimension is caught as well.
    gen = kb._store.current_generation()
    manifest = json.loads((gen / "manifest.json").read_text())
    manifest["dimension"] = 768
    (gen / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(KnowledgeBaseError, match="inconsistent"):
        KnowledgeBase.open(settings.kb_dir, settings)


def test_bad_files_fail_alone_and_the_rest_is_ingested(open_kb, docs, settings):
    (docs / "empty.md").write_bytes(b"")
    (docs / "binary.md").write_bytes(bytes(range(256)) * 4)
    (docs / "corrupt.pdf").write_bytes(b"%PDF-1.7\n1 0 obj garbage")
    (docs / "huge.txt").write_bytes(b"word " * (300 * 1024))  # 1.5 MB, over the 1 MB limit below
    kb = open_kb(max_file_mb=1.0)
    report = kb.ingest([docs, docs / "missing.md"])
    failed = {p.split("/")[-1]: reason for p, reason in report.failed}
    assert set(failed) == {"empty.md", "binary.md", "corrupt.pdf", "huge.txt", "missing.md"}
    assert all("\n" not in r for r in failed.values())
    assert report.added == 9
    assert len(kb.search("password", k=20)) == len(kb._snap.chunks)


def test_hnsw_index_option_finds_the_same_top_hit(open_kb, docs, settings, embedder):
    kb = open_kb(index_type="hnsw")
    kb.ingest([docs])
    import faiss

    assert isinstance(faiss.downcast_index(kb._retrieval.vector_index().index), faiss.IndexHNSWFlat)
    flat = KnowledgeBase.open(settings.kb_dir, settings.model_copy(update={"index_type": "flat"}), embedder=embedder)
    for q in ("reset password", "warranty", "opening hours"):
        assert kb.search(q, k=1, mode="dense")[0].chunk_id == flat.search(q, k=1, mode="dense")[0].chunk_id


def test_auto_index_is_exact_for_small_bases_and_hnsw_above_the_limit(open_kb, docs, settings, embedder):
    import faiss

    kb = open_kb()  # index_type "auto" is the default
    kb.ingest([docs])
    assert isinstance(faiss.downcast_index(kb._retrieval.vector_index().index), faiss.IndexFlatIP)
    assert kb._snap.manifest["index_type"] == "flat"

    # The same stored base reopened with a limit below its size switches to HNSW without re-embedding.
    small_limit = settings.model_copy(update={"exact_search_max_vectors": 2})
    reopened = KnowledgeBase.open(settings.kb_dir, small_limit, embedder=embedder)
    assert isinstance(faiss.downcast_index(reopened._retrieval.vector_index().index), faiss.IndexHNSWFlat)
    assert reopened.search("reset password", k=1)[0].chunk_id == kb.search("reset password", k=1)[0].chunk_id


def test_chinese_documents_and_queries(open_kb, tmp_path):
    faq = write_jsonl(tmp_path / "zh.jsonl", [
        {"id": "zh-password", "question": "忘记密码怎么办？", "answer": "在登录页面点击“忘记密码”，按照邮件中的链接重置密码。"},
        {"id": "zh-refund", "question": "如何申请退款？", "answer": "在订单页面选择退货退款，商品寄回后十四天内退款到原支付账户。"},
        {"id": "zh-shipping", "question": "发货需要多长时间？", "answer": "普通快递三到五个工作日送达，加急快递次日送达。"},
        {"id": "zh-invoice", "question": "可以开发票吗？", "answer": "可以，在订单详情中申请电子发票，发票会发送到您的邮箱。"},
    ])
    (tmp_path / "guide.md").write_text("# 路由器说明书\n\n## 恢复出厂设置\n\n按住背面的复位按钮十秒钟，直到指示灯闪烁。\n", encoding="utf-8")
    kb = open_kb()
    kb.ingest([faq, tmp_path / "guide.md"])
    cases = {
        "我的密码忘了，登录不上": "zh-password",
        "我想退货，钱什么时候退回来": "zh-refund",
        "快递几天能到": "zh-shipping",
        "怎么开电子发票": "zh-invoice",
        "路由器怎么恢复出厂设置": "guide.md",
    }
    for query, doc_id in cases.items():
        hits = kb.search(query, k=3)
        assert hits[0].doc_id == doc_id, (query, [h.doc_id for h in hits])
        assert kb.is_relevant(hits), query


def test_embeddings_are_unit_length_and_deterministic(embedder):
    a = embedder.embed(["hello world", "你好"], batch_size=1)
    b = embedder.embed(["hello world", "你好"], batch_size=2)
    assert a.shape == (2, embedder.dimension)
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_embedding_cache_embeds_each_text_once_and_forgets_the_least_recently_used():
    from knowledge_base.embeddings import EmbeddingCache, HashEmbedder

    embedder, calls = HashEmbedder(), []

    def embed(texts):
        calls.append(list(texts))
        return embedder.embed(texts)

    cache = EmbeddingCache(capacity=3)
    first = cache.embed(["refunds take 5 days", "returns are free", "refunds take 5 days"], embed)
    assert calls == [["refunds take 5 days", "returns are free"]]  # each distinct missing text once
    np.testing.assert_array_equal(first, embedder.embed(["refunds take 5 days", "returns are free", "refunds take 5 days"]))

    again = cache.embed(["returns are free", "gift cards last 5 years"], embed)
    assert calls[1:] == [["gift cards last 5 years"]]
    np.testing.assert_array_equal(again, embedder.embed(["returns are free", "gift cards last 5 years"]))

    cache.embed(["refunds take 5 days", "a fourth text"], embed)  # "refunds..." used again: "returns..." is oldest
    assert len(cache) == 3
    cache.embed(["returns are free"], embed)
    assert calls[-1] == ["returns are free"]  # it was forgotten
    assert cache.embed([], embed).shape == (0, embedder.dimension)


def test_kb_embed_remembers_sentences_and_agrees_with_the_embedder(open_kb, embedder):
    kb = open_kb()
    texts = ["How long do refunds take?", "Refunds take 3-5 working days."]
    first = kb.embed(texts)
    np.testing.assert_allclose(first, embedder.embed(texts), atol=1e-5)
    assert len(kb._sentence_vectors) == 2
    np.testing.assert_array_equal(kb.embed(texts[::-1]), first[::-1])


def test_the_embedder_serves_many_threads_at_once(embedder):
    """Request threads and the sentence warm-up share one embedder; its Rust tokenizer must not see two callers
    at once ("RuntimeError: Already borrowed")."""
    from concurrent.futures import ThreadPoolExecutor

    texts = [["short"], ["a somewhat longer sentence about refunds and returns " * 3, "x"], ["退货需要多长时间？"] * 3]

    def work(i: int):
        vectors = embedder.embed_batch(texts[i % 3])
        spans = embedder.token_spans("Refunds take 3-5 working days " * (i % 4 + 1))
        return vectors.shape[0], len(spans) > 0

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(64)))
    assert results == [(len(texts[i % 3]), True) for i in range(64)]


def test_a_labelled_set_opens_with_its_queries_and_a_missing_one_is_a_clear_error(tmp_path):
    from knowledge_base.embeddings import HashEmbedder
    from knowledge_base.evaluation import open_labelled_set

    folder = tmp_path / "set"
    folder.mkdir()
    write_jsonl(folder / "kb.jsonl", [{"id": "pw", "question": "How do I reset my password?", "answer": "Use the link."}])
    write_jsonl(folder / "dev_queries.jsonl", [{"query": "forgot password", "doc_id": "pw"}])
    settings = KBSettings(kb_dir=tmp_path / "kb", embedding_model="hash")
    kb, queries = open_labelled_set(folder, settings.kb_dir, settings, HashEmbedder())
    assert [d.doc_id for d in kb.documents()] == ["pw"] and queries == [{"query": "forgot password", "doc_id": "pw"}]
    with pytest.raises(KnowledgeBaseError, match="no-such-set"):
        open_labelled_set(tmp_path / "no-such-set", tmp_path / "kb2", settings, HashEmbedder())


def test_a_chinese_question_naming_a_product_gets_that_products_passage_first(open_kb, tmp_path):
    """"homehub 怎么重置": the headphones' FAQ entry shares the words "怎么" and "重置", the HomeHub page says "复位"
    and "恢复出厂设置"; by words alone the headphones win. Lifting the chunks that name the product the customer
    names puts the HomeHub first (weights 0 and 1 here; the default is calibrated on the sample base)."""
    faq = write_jsonl(tmp_path / "faq.jsonl", [
        {"id": "aria-reset", "question": "Voltway Aria X2 耳机怎么重置？", "answer": "同时长按电源键和降噪键 10 秒，指示灯闪烁即完成。"},
        {"id": "pickup", "question": "门店自提需要带什么？", "answer": "携带取件码和身份证件到门店提货。"},
    ])
    (tmp_path / "homehub.md").write_text(
        "# Voltway HomeHub 常见问题\n\n## 恢复出厂设置\n\n用卡针长按 HomeHub 背面的复位孔 10 秒，设备会重启。\n\n"
        "## 灯环颜色\n\nHomeHub 灯环橙色常亮表示无法连接互联网。\n\n## 隐私\n\nHomeHub 没有麦克风和摄像头。\n\n"
        "## 添加设备\n\n配对时请让设备距离 HomeHub 5 米以内。\n",
        encoding="utf-8",
    )
    scores = {}
    for weight in (0.0, 1.0):
        kb = open_kb(tmp_path / f"kb-{weight}", cjk_name_weight=weight)
        kb.ingest([faq, tmp_path / "homehub.md"])
        assert {"Aria X2", "HomeHub"} <= kb.vocabulary
        hits = kb.search("homehub 怎么重置", k=6)
        scores[weight] = {h.chunk_id: h.score for h in hits}
        english = kb.search("how do I reset the homehub", k=3)
        scores[weight, "en"] = [(h.chunk_id, h.score) for h in english]
        assert hits[0].doc_id == ("aria-reset" if weight == 0 else "homehub.md"), [(h.doc_id, h.score) for h in hits]
    # Only the chunks naming what the question names are lifted, by the weight.
    assert scores[0.0].keys() == scores[1.0].keys()
    for chunk_id, score in scores[0.0].items():
        lift = 1.0 if chunk_id.startswith("homehub.md#") else 0.0
        assert abs(scores[1.0][chunk_id] - score - lift) < 1e-6, chunk_id
    # An English question is left to the embedding model, which reads the name itself.
    assert scores[1.0, "en"] == scores[0.0, "en"]
