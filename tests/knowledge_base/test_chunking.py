"""Chunks respect structure, stay within the token budget and overlap."""

from knowledge_base.chunking import Chunker, simple_token_spans
from knowledge_base.documents import Document, Section


def ntok(text: str) -> int:
    return len(simple_token_spans(text))


def prose(*sections: tuple[str, list[str]]) -> Document:
    return Document("d.md", "Doc", "/x/d.md", [Section(h, p) for h, p in sections])


def test_chunks_never_cross_sections_and_keep_citation_fields():
    doc = prose(("A", ["alpha one.", "alpha two."]), ("B", ["beta one."]))
    chunks = Chunker(size=50, overlap=10).chunks(doc)
    assert [(c.heading, c.text) for c in chunks] == [("A", "alpha one.\n\nalpha two."), ("B", "beta one.")]
    assert [c.position for c in chunks] == [0, 1]
    assert all(c.doc_id == "d.md" and c.source == "/x/d.md" and c.title == "Doc" for c in chunks)
    assert chunks[0].embed_texts == ["Doc: A\nalpha one.\n\nalpha two."]


def test_long_text_is_split_within_budget_with_overlap():
    sentences = [f"Sentence number {i} talks about topic {i}." for i in range(60)]
    doc = prose(("", [" ".join(sentences)]))
    chunks = Chunker(size=40, overlap=12).chunks(doc)
    assert len(chunks) > 3
    assert all(ntok(c.text) <= 40 for c in chunks)
    for prev, nxt in zip(chunks, chunks[1:]):
        last_sentence = prev.text.split(". ")[-1]
        assert last_sentence.rstrip(".") in nxt.text  # the boundary sentence appears in both
    # Nothing is lost: every sentence appears in some chunk.
    assert all(any(s in c.text for c in chunks) for s in sentences)


def test_a_sentence_longer_than_a_chunk_is_cut_into_token_windows():
    words = " ".join(f"w{i}" for i in range(100))
    chunks = Chunker(size=30, overlap=5).chunks(prose(("", [words])))
    assert all(ntok(c.text) <= 30 for c in chunks)
    assert chunks[0].text.startswith("w0 ") and chunks[-1].text.endswith("w99")
    assert chunks[1].text.split()[0] == "w25"  # a window starts `size - overlap` tokens later


def test_a_chunk_never_starts_inside_a_sentence():
    # One paragraph of bold FAQ pairs, longer than two chunks: the overlap carries whole sentences, bold marks and all,
    # from a question on (an answer without its question, "不可以。", reads as the answer to anything).
    faq = "".join(f"**问题{i}可以吗？** 不可以，第{i}条规定不允许这样做。" for i in range(12))
    chunks = Chunker(size=60, overlap=25).chunks(prose(("", [faq])))
    assert len(chunks) > 2 and all(ntok(c.text) <= 60 for c in chunks)
    assert all(c.text.startswith("**问题") for c in chunks)
    overlap = chunks[1].text[: chunks[1].text.index(" **问题4")]
    assert overlap == "**问题3可以吗？** 不可以，第3条规定不允许这样做。" and chunks[0].text.endswith(overlap)
    # Paragraphs of a question and its answer: an answer is never carried without its question.
    pairs = [f"**可以开具其他品名吗{i}？** 不可以。发票品名须与实际购买的商品一致，例如笔记本电脑{i}。" for i in range(6)]
    chunks = Chunker(size=50, overlap=30).chunks(prose(("", pairs)))
    assert len(chunks) > 2 and all(c.text.startswith("**可以开具") for c in chunks)
    # A long sentence at a chunk's end: its tail is never carried as the next chunk's start.
    text = "Short one. " + "A very long sentence " + "that goes on " * 6 + "and ends here. Next sentence starts."
    chunks = Chunker(size=30, overlap=8).chunks(prose(("", [text])))
    assert all(c.text[0].isupper() for c in chunks)


def test_the_items_of_a_list_longer_than_a_chunk_stay_on_lines_of_their_own():
    steps = "\n".join(f"{i}. **Step {i}.** Do thing number {i} with care. Then check it." for i in range(1, 9))
    chunks = Chunker(size=40, overlap=12).chunks(prose(("How it works", [steps])))
    assert len(chunks) > 1
    for chunk in chunks:
        for line in chunk.text.split("\n"):
            assert line.count("**Step") <= 1  # never two items run together on one line ("... quote. 5. **Get paid.**")
    assert chunks[0].text == (
        "1. **Step 1.** Do thing number 1 with care. Then check it.\n2. **Step 2.** Do thing number 2 with care. Then check it."
    )


def test_chinese_is_counted_per_character():
    text = "退款将在收到退货后十四天内退回原支付方式。" * 10
    chunks = Chunker(size=50, overlap=10).chunks(prose(("", [text])))
    assert len(chunks) >= 4 and all(ntok(c.text) <= 50 for c in chunks)


def test_each_question_a_prose_chunk_answers_gets_a_vector_of_its_own():
    pickup = "Orders are ready within 2 hours. Collecting for someone else? Forward the message. They need photo ID."
    faq = "**礼品卡能开发票吗？** 购买礼品卡时不开具发票。 **以旧换新怎么开票？** 按订单金额开具。"
    doc = prose(("Pickup", [pickup]), ("发票", [faq]), ("Plain", ["No question here. None at all."]))
    pickup_chunk, faq_chunk, plain_chunk = Chunker(size=80, overlap=10).chunks(doc)
    assert pickup_chunk.embed_texts == [
        f"Doc: Pickup\n{pickup}", "Doc: Pickup\nCollecting for someone else? Forward the message. They need photo ID."
    ]
    assert faq_chunk.embed_texts == [f"Doc: 发票\n{faq}"]  # not in Chinese: the embedding model is English-centred
    assert plain_chunk.embed_texts == ["Doc: Plain\nNo question here. None at all."]
    # A chunk that is one question and its answer already has that vector.
    [single] = Chunker(size=80, overlap=10).chunks(prose(("Q", ["Can I pay later? Yes, with Klarna."])))
    assert single.embed_texts == ["Doc: Q\nCan I pay later? Yes, with Klarna."]


def test_faq_entry_is_one_chunk_with_question_and_answer_vectors():
    doc = Document("f1", "How?", "/x/faq.jsonl", question="How?", answers=["Like this.", "Or that."])
    [chunk] = Chunker(size=16, overlap=4).chunks(doc)
    assert chunk.text == "How?\n\nLike this.\n\nOr that."
    assert chunk.embed_texts == ["How?", chunk.text]
    assert chunk.chunk_id == "f1#0"
