"""Answer evaluation: QA files, judging, and the summary, on a scripted backend and retriever."""

import json

import pytest

from service.assistant import Assistant
from service.errors import AssistantError
from service.evaluation import QAItem, evaluate, judge, load_qa, summarize
from service.settings import AssistantSettings
from tests.fakes import FAQ_RETURNS, RETURNS, WARRANTY, FakeRetriever, plain_retriever, scripted_backend

FACT = QAItem("en-returns", "en", "can i send stuff back", [["30", "thirty"], ["days"]], "fact")
UNKNOWN = QAItem("en-unans", "en", "do you price match?", [], "unanswerable")


def test_a_fact_is_right_when_every_group_has_an_alternative():
    assert judge(FACT, "You have thirty  Days to return it.", "generated")
    assert not judge(FACT, "You have 30 weeks.", "generated")
    assert not judge(FACT, "Sorry, I could not answer just now: 30 days", "error")
    assert not judge(FACT, "You have 130 days.", "generated") and not judge(FACT, "You have 300 days.", "generated")
    five_minutes = QAItem("zh-code", "zh", "验证码多久过期", [["5 分钟", "5分钟"]], "fact")
    assert judge(five_minutes, "验证码 5 分钟内有效。", "generated") and not judge(five_minutes, "锁定 15 分钟。", "generated")


def test_an_unanswerable_question_is_right_when_declined_with_a_person_offered():
    assert judge(UNKNOWN, "I'm sorry, I don't know.", "no_answer")
    assert judge(UNKNOWN, "I don't know that; shall I hand you to a person on our team?", "generated")
    assert judge(UNKNOWN, "抱歉，我不知道，需要为您转接人工客服吗？", "generated")
    assert not judge(UNKNOWN, "I don't know.", "generated")  # no person offered
    assert not judge(UNKNOWN, "Yes, we match any price.", "generated")
    # Passage sentences are an answer, whatever words come with them; a decline is a decline, whatever it shows.
    closest = "I couldn't find a direct answer to that. The closest it comes: {} [1] Shall I get a person?"
    assert not judge(UNKNOWN, closest.format("We ship daily."), "extractive")
    assert judge(UNKNOWN, closest.format("We ship daily."), "no_answer")
    assert not judge(FACT, closest.format("You have 30 days."), "no_answer")


def test_qa_files_are_read_with_one_sentence_errors(tmp_path):
    good = tmp_path / "qa.jsonl"
    good.write_text(json.dumps({"id": "a", "lang": "en", "question": "q", "must": [["x"]], "kind": "fact"}) + "\n\n")
    assert load_qa(good) == [QAItem("a", "en", "q", [["x"]], "fact")]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a"}\n')
    with pytest.raises(AssistantError, match="line 1 is not a QA item"):
        load_qa(bad)
    bad.write_text(json.dumps({"id": "a", "lang": "en", "question": "q", "must": [], "kind": "trivia"}) + "\n")
    with pytest.raises(AssistantError, match="kind 'trivia'"):
        load_qa(bad)


def test_evaluate_runs_the_app_path_and_summarises():
    retriever = FakeRetriever(by_keyword={"return an item": [FAQ_RETURNS, RETURNS], "price": [WARRANTY]}, threshold=0.7)
    backend = scripted_backend().enqueue("Returns take 3 days [1].")
    assistant = Assistant(backend, retriever, AssistantSettings(company="Voltway"))
    items = [
        QAItem("faq", "en", "How long do I have to return an item?", [["30"]], "fact"),
        QAItem("guarded", "en", "can I return any item for free?", [["30"]], "fact"),
        QAItem("unknown", "en", "do you price match?", [], "unanswerable"),
    ]
    summary, rows = evaluate(assistant, items)
    assert [r["status"] for r in rows] == ["faq", "extractive", "no_answer"]
    assert [r["correct"] for r in rows] == [True, True, True] and rows[1]["replaced"] == ["3"]
    assert summary["correct"] == 1.0 and summary["unanswerable_declined"] == 1.0 and summary["unsupported_numbers"] == 0.0
    assert summary["by_status"] == {"faq": 1, "extractive": 1, "no_answer": 1} and summary["correct_zh"] is None
    assert summary["answered_wrong"] == 0.0
    # The model's own answer is kept whatever replaced it (bench/confidence.py judges it); no log-probabilities here.
    assert rows[1]["generated"] == "Returns take 3 days [1]." and rows[1]["mean_logprob"] is None
    assert rows[1]["replaced_why"] == "unsupported" and rows[0]["replaced_why"] is None

    backend.enqueue("Returns take 3 days [1].")
    summary, rows = evaluate(assistant, items[1:2], guard=False)
    assert rows[0]["status"] == "generated" and rows[0]["unsupported_numbers"] == ["3"]
    assert summary["correct"] == 0.0 and summary["unsupported_numbers"] == 1.0 and summary["answered_wrong"] == 1.0


def test_repeated_runs_report_their_mean_and_each_run():
    retriever = FakeRetriever(by_keyword={"free": [RETURNS]}, threshold=0.5)
    # The same question twice: answered right in the first run, declined in the second.
    backend = scripted_backend().enqueue("You can return any item within 30 days [1].", "I do not know.", "I do not know.")
    assistant = Assistant(backend, retriever, AssistantSettings(company="Voltway", extractive_min_similarity=-1))
    items = [QAItem("guarded", "en", "can I return any item for free?", [["30"]], "fact")]
    summary, rows = evaluate(assistant, items, repeats=2)
    assert [r["run"] for r in rows] == [0, 1] and [r["correct"] for r in rows] == [True, False]
    assert summary["runs"] == 2 and summary["correct"] == 0.5 and summary["by_run"]["correct"] == [1.0, 0.0]
    assert summary["by_run"]["answerable_refused"] == [0.0, 1.0]
    first = summarize([r for r in rows if r["run"] == 0])  # later runs' prompts are in the server's prefix cache
    assert all(summary[key] == first[key] for key in ("ttft_p50_s", "latency_p50_s", "latency_p95_s"))
    assert "by_run" not in evaluate(assistant, items)[0]
    assert len(evaluate(assistant, iter(items), repeats=2)[1]) == 2  # any iterable, asked once per run


def test_a_seed_gives_each_question_and_run_its_own_seed_the_same_for_every_setting():
    retriever = FakeRetriever(by_keyword={"free": [RETURNS]}, threshold=0.5)
    items = [QAItem("a", "en", "can I return any item for free?", [["30"]], "fact"),
             QAItem("b", "en", "is returning free?", [["30"]], "fact")]

    def seeds(seed, **settings):
        backend = scripted_backend()
        assistant = Assistant(backend, retriever, AssistantSettings(company="Voltway", extractive_min_similarity=-1, **settings))
        rows = evaluate(assistant, items, repeats=2, seed=seed)[1]
        assert all(r["model_ttft_s"] is not None for r in rows)  # the model was asked: its first token is timed
        return sorted(params.seed for _, params in backend.requests)

    paired = seeds(7)
    assert len(set(paired)) == 4  # two questions, two runs: four draws
    assert seeds(7, temperature=0.9) == paired and seeds(8) != paired  # another setting, the same seeds
    backend = scripted_backend()
    evaluate(Assistant(backend, retriever, AssistantSettings(company="Voltway")), items)
    assert {params.seed for _, params in backend.requests} == {None}  # no seed: the server's own sampling


def test_evaluated_questions_are_stored_on_the_eval_channel_and_left_out_of_the_loop(tmp_path):
    from support.desk import SupportDesk
    from support.export import export_conversations
    from support.gaps import gap_signals
    from support.metrics import support_metrics
    from support.store import ConversationStore, sqlite_url

    retriever = FakeRetriever(by_keyword={"return an item": [FAQ_RETURNS, RETURNS], "price": []}, threshold=0.7)
    assistant = Assistant(scripted_backend(), retriever, AssistantSettings(company="Voltway"))
    store = ConversationStore.open(sqlite_url(tmp_path))
    items = [QAItem("faq", "en", "How long do I have to return an item?", [["30"]], "fact"), UNKNOWN]
    summary, rows = evaluate(assistant, items, desk=SupportDesk(assistant, store))
    assert [r["status"] for r in rows] == ["faq", "no_answer"] and summary["correct"] == 1.0
    with store.engine.connect() as conn:
        channels = conn.exec_driver_sql("SELECT channel, status FROM turns ORDER BY id").fetchall()
    assert channels == [("eval", "faq"), ("eval", "no_answer")]
    assert support_metrics(store)["totals"]["conversations"] == 0 and gap_signals(store) == []
    assert export_conversations(store, tmp_path / "out.jsonl") == 0


def test_the_confidence_bench_judges_the_models_own_answers_that_would_have_stood(capsys):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    import confidence

    def row(id_, kind, must, generated, mean, why=None):
        return {"id": id_, "lang": "en", "question": "q", "must": must, "kind": kind, "generated": generated,
                "mean_logprob": mean, "replaced_why": why}

    rows = [
        row("right", "fact", [["30"]], "30 days.", -0.1),
        row("held-right", "fact", [["30"]], "30 days.", -0.6, "unsure"),
        row("wrong", "fact", [["30"]], "3 days.", -0.7, "unsure"),
        row("invented", "unanswerable", [], "Yes, we do.", -0.3),
        row("guarded", "fact", [["30"]], "3 days.", -0.9, "unsupported"),  # the guard's: not the floor's to judge
        row("no-logprobs", "fact", [["30"]], "30 days.", None),
        row("said-so", "unanswerable", [], "I do not know.", -0.2, "declined"),  # declined: never stood either
    ]
    assert [confidence.stood_without_floor(r) for r in rows] == [True, True, True, True, False, False, False]
    assert [confidence.outcome(r) for r in rows[:4]] == ["right", "right", "wrong", "unanswerable"]
    assert confidence.auroc([-0.1, -0.6], [-0.7, -0.3]) == 0.75
    confidence.report("rows", rows, [-0.5])
    out = capsys.readouterr().out
    assert "4 answers that stood without the floor: 2 right, 1 wrong, 1 unanswerable answered" in out
    assert "| -0.5 | 1 | 1 | 0 | 1 |" in out


def test_the_paired_bench_splits_the_answers_of_two_settings_and_tests_the_split(tmp_path, capsys):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    import paired

    def rows(path, verdicts):
        lines = [{"id": f"q{i}", "run": 0, "lang": "en" if i % 2 else "zh", "question": f"question {i}", "correct": ok,
                  "status": "generated", "declined": declined, "answer": "yes" if ok else "no"}
                 for i, (ok, declined) in enumerate(verdicts)]
        path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
        return path

    right, wrong, declined = (True, False), (False, False), (False, True)
    a = rows(tmp_path / "a.jsonl", [right, right, right, wrong, wrong])
    b = rows(tmp_path / "b.jsonl", [right, declined, wrong, right, declined])
    pairs = paired.pair(paired.load_rows(a), paired.load_rows(b))
    assert paired.split(pairs) == {"both": 1, "only_a": 2, "only_b": 1, "neither": 1}
    assert paired.sign_test_p(0, 0) == 1.0 and paired.sign_test_p(3, 3) == 1.0
    assert round(paired.sign_test_p(22, 4), 5) == 0.00053 and paired.sign_test_p(4, 22) == paired.sign_test_p(22, 4)
    assert paired.main([str(a), str(b), "--show", "1"]) == 0
    out = capsys.readouterr().out
    assert "| all | 5 | 1 | 2 | 1 | 1 | 0.600 | 0.400 |" in out and "A only: q1 (run 0)" in out
    # Wrong answers: A's q3 and q4; B's q2 (q1 and q4 are declines, not wrong answers).
    assert "confident wrong answers (answered, not declined, wrong): A 2, B 1; only in A 2, only in B 1" in out
    # Several files per side (one per seed), paired file by file: the same run numbers in both files stay apart.
    a2 = rows(tmp_path / "a2.jsonl", [wrong, wrong, wrong, wrong, wrong])
    b2 = rows(tmp_path / "b2.jsonl", [right, right, right, right, wrong])
    both = paired.pair(paired.load_rows(f"{a},{a2}"), paired.load_rows(f"{b},{b2}"))
    assert len(both) == 10 and paired.split(both) == {"both": 1, "only_a": 2, "only_b": 5, "neither": 2}
    with pytest.raises(SystemExit, match="as many files"):
        paired.main([f"{a},{a2}", str(b)])
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({"id": "x", "run": 0}) + "\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="share no"):
        paired.pair(paired.load_rows(a), paired.load_rows(other))


def test_the_serving_bench_reads_vllm_flags_after_a_variant_and_marks_prompts_after_the_shared_opening():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from bench.prompt_ttft import marked
    from bench.serving import parse_variant
    from service.prompts import PASSAGES_OPEN, grounded_question

    assert parse_variant("qwen:bfloat16") == ("qwen:bfloat16", "qwen", "bfloat16", (), {})
    assert parse_variant("qwen:bfloat16 --block-size 32") == (
        "qwen:bfloat16 --block-size 32", "qwen", "bfloat16", ("--block-size", "32"), {})
    assert parse_variant("data/models/x") == ("data/models/x:auto", "data/models/x", "auto", (), {})
    assert parse_variant("qwen:bfloat16 LD_PRELOAD= --block-size 32") == (
        "qwen:bfloat16 LD_PRELOAD= --block-size 32", "qwen", "bfloat16", ("--block-size", "32"), {"LD_PRELOAD": ""})
    messages = [{"role": "system", "content": "S"}, {"role": "user", "content": grounded_question("en", "[1] P", "Q?")}]
    one, two = marked(messages), marked(messages)
    opening = messages[-1]["content"].split(PASSAGES_OPEN)[0] + PASSAGES_OPEN + "\n"
    # What every question's prompt shares stays in front, for the prefix cache; the marker keeps each request's own.
    assert one[-1]["content"].startswith(opening) and two[-1]["content"].startswith(opening)
    assert one[-1]["content"] != two[-1]["content"] and one[0] == messages[0]
    assert marked([{"role": "user", "content": "plain"}])[-1]["content"].endswith(")\nplain")


def test_an_answer_holding_a_must_not_phrase_is_wrong_and_a_caret_phrase_only_where_it_opens():
    from service.evaluation import QAItem, judge

    klarna = QAItem("k", "en", "can i use klarna for a £25 order", [["£30"]], "fact", ["^yes", "is legit"])
    assert not judge(klarna, "Yes, you can use Klarna for a £25 order. It takes orders £30–£1,500.", "generated")
    assert not judge(klarna, "[2] **Yes**, Klarna: £30–£1,500.", "generated")  # citations and bold aside
    assert not judge(klarna, "No, it needs £30; that offer is legit.", "generated")
    assert judge(klarna, "No: Klarna takes orders from £30. Yes, other cards work.", "generated")
    cod = QAItem("c", "zh", "可以货到付款吗", [["不支持"]], "fact", ["^可以"])
    assert judge(cod, "不支持货到付款，不可以。[1]", "generated")
    assert not judge(cod, "[1] 可以，不支持的只有部分地区。", "generated")


def test_must_not_is_read_from_the_qa_file_and_must_be_a_list(tmp_path):
    from service.errors import AssistantError
    from service.evaluation import load_qa

    path = tmp_path / "qa.jsonl"
    line = {"id": "a", "lang": "en", "question": "q", "must": [["x"]], "kind": "fact", "must_not": ["^yes"]}
    path.write_text(json.dumps(line) + "\n" + json.dumps({**line, "id": "b", "must_not": None}) + "\n")
    assert [item.must_not for item in load_qa(path)] == [["^yes"], []]
    path.write_text(json.dumps({**line, "must_not": "^yes"}) + "\n")
    with pytest.raises(AssistantError, match="line 1 is not a QA item"):
        load_qa(path)


def test_rejudge_applies_the_qa_files_current_criteria_to_saved_rows():
    from service.evaluation import QAItem, rejudge

    saved = [
        {"id": "k", "lang": "en", "question": "q", "must": [["£30"]], "kind": "fact", "answer": "Yes, £30 and up.",
         "status": "generated", "correct": True, "run": 0},
        {"id": "gone", "lang": "en", "question": "q", "must": [], "kind": "unanswerable", "answer": "",
         "status": "no_answer", "correct": True, "run": 0},
    ]
    (row,) = rejudge(saved, [QAItem("k", "en", "q", [["£30"]], "fact", ["^yes"])])
    assert row["correct"] is False and row["must_not"] == ["^yes"] and row["run"] == 0 and saved[0]["correct"] is True


def test_the_rejudge_bench_prints_both_summaries_and_the_changed_verdicts(tmp_path, capsys):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    import rejudge

    qa = tmp_path / "qa.jsonl"
    qa.write_text(json.dumps({"id": "k", "lang": "en", "question": "can i use klarna for £25", "must": [["£30"]],
                              "must_not": ["^yes"], "kind": "fact"}) + "\n")
    rows = tmp_path / "rows.jsonl"
    row = {"id": "k", "lang": "en", "question": "can i use klarna for £25", "must": [["£30"]], "kind": "fact",
           "status": "generated", "correct": True, "declined": False, "unsupported_numbers": [], "ttft_s": 1.0,
           "latency_s": 2.0, "model_ttft_s": 1.0}
    rows.write_text("".join(json.dumps({**row, "answer": a, "run": n}) + "\n"
                            for n, a in enumerate(["Yes, from £30.", "No: Klarna starts at £30."])))
    out = tmp_path / "new.jsonl"
    assert rejudge.main([str(rows), "--qa", str(qa), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "k run 0 (generated): right -> wrong" in printed and "k run 1" not in printed
    assert [json.loads(line)["correct"] for line in out.read_text().splitlines()] == [False, True]


def test_a_follow_up_is_asked_in_its_conversation_through_the_desk_and_without(tmp_path):
    from support.desk import SupportDesk
    from support.store import ConversationStore, sqlite_url

    path = tmp_path / "qa.jsonl"
    history = [{"role": "user", "content": "How long do I have to return headphones?"}, {"role": "assistant", "content": "30 days."}]
    line = {"id": "f", "lang": "en", "history": history, "question": "And is it free?", "must": [["free"]], "kind": "fact"}
    path.write_text(json.dumps(line) + "\n")
    (item,) = load_qa(path)
    assert item.history == history
    store = ConversationStore.open(sqlite_url(tmp_path))
    for desk in (None, SupportDesk(Assistant(scripted_backend(), plain_retriever()), store)):
        assistant = desk.assistant if desk else Assistant(scripted_backend(), plain_retriever())
        _, (row,) = evaluate(assistant, [item], desk=desk)
        messages, _ = assistant.backend.requests[-1]
        assert [m["content"] for m in messages[1:3]] == [m["content"] for m in history] and row["history"] == history
    path.write_text(json.dumps({**line, "history": [{"role": "system", "content": "x"}]}) + "\n")
    with pytest.raises(AssistantError, match="line 1 is not a QA item.*history is not a list"):
        load_qa(path)
