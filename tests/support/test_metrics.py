"""The dashboard's figures from a real store, and the views the dashboard tab draws from them."""

from support.metrics import support_metrics
from support.store import ConversationStore, TurnRecord, sqlite_url
from ui.dashboard import dashboard_views


def test_deflection_handoffs_thumbs_status_mix_and_latency(tmp_path):
    store = ConversationStore.open(sqlite_url(tmp_path))

    def answer(cid, status="generated", latency=2.0, channel="api"):
        return store.add_turn(cid, TurnRecord(channel=channel, scenario="chat", question="q", answer="a", status=status, latency_s=latency))

    a, b, c, d = (store.new_conversation("api") for _ in range(4))
    answer(a, "faq", 0.1)
    answer(a, "generated", 4.0)
    answer(b, "no_answer", 0.2)
    answer(b, "handoff", 0.2)
    store.open_ticket(b, "no_answer", note="q")
    answer(c, "generated", 6.0)
    store.open_ticket(c, "requested")
    answer(d, "extractive", 5.0)
    store.add_feedback(a, 1, "up")
    store.add_feedback(a, 2, "down")
    store.add_feedback(a, 2, "up")  # the latest rating of a turn counts
    store.add_feedback(d, 1, "down")
    e = store.new_conversation("eval")
    answer(e, "generated", 99.0, channel="eval")

    report = support_metrics(store)
    assert report["totals"] == {"conversations": 4, "turns": 6, "deflection_rate": 0.5, "handoff_rate": 0.5,
                                "thumbs_up_ratio": round(2 / 3, 3)}
    assert {(h["reason"], h["count"], h["rate"]) for h in report["handoffs"]} == {("no_answer", 1, 0.25), ("requested", 1, 0.25)}
    assert {s["status"]: s["count"] for s in report["statuses"]} == {"faq": 1, "generated": 2, "no_answer": 1, "handoff": 1, "extractive": 1}
    (today,) = report["daily"]
    assert today["conversations"] == 4 and today["deflection_rate"] == 0.5
    assert today["latency_p50_s"] == 4.0  # 0.1, 0.2, 4.0, 5.0, 6.0: the handoff message is not an answer

    totals, per_day, rates, handoffs, statuses, latency = dashboard_views(report)
    assert "**4** conversations" in totals and "deflected (no person needed) **50%**" in totals
    assert list(per_day["conversations"]) == [4]
    assert set(rates["metric"]) == {"deflection rate", "thumbs-up ratio"} and set(latency["metric"]) == {"p50", "p95"}
    assert len(handoffs) == 2 and statuses["count"].sum() == 6


def test_an_empty_store_draws_empty_views(tmp_path):
    report = support_metrics(ConversationStore.open(sqlite_url(tmp_path)))
    assert report["totals"]["conversations"] == 0 and report["totals"]["deflection_rate"] is None
    totals, per_day, *_ = dashboard_views(report)
    assert "**0** conversations" in totals and per_day.empty


def test_small_talk_is_no_conversation_and_no_answer_time(tmp_path):
    store = ConversationStore.open(sqlite_url(tmp_path))

    def turn(cid, status, latency):
        store.add_turn(cid, TurnRecord(channel="ui", scenario="chat", question="q", answer="a", status=status, latency_s=latency))

    greeted_only, asked = store.new_conversation("ui"), store.new_conversation("ui")
    turn(greeted_only, "small_talk", 0.001)
    turn(greeted_only, "small_talk", 0.001)
    turn(asked, "small_talk", 0.001)
    turn(asked, "generated", 4.0)
    turn(asked, "small_talk", 0.001)

    report = support_metrics(store)
    assert report["totals"]["conversations"] == 1 and report["totals"]["turns"] == 3
    assert {s["status"]: s["count"] for s in report["statuses"]} == {"small_talk": 2, "generated": 1}
    assert report["daily"][0]["latency_p50_s"] == 4.0  # a fixed reply's time is no answer's
