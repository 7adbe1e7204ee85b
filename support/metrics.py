"""What the dashboard shows: how much the assistant resolves and what it cannot, per day.

    report = support_metrics(store, since=datetime(2026, 11, 1, tzinfo=UTC))
    report["daily"]       # [{day, conversations, turns, deflection_rate, thumbs_up_ratio, latency_p50_s, latency_p95_s}]
    report["handoffs"]    # [{reason, count, rate}]: share of conversations handed over, by why
    report["statuses"]    # [{status, count}]
    report["totals"]      # {conversations, turns, deflection_rate, thumbs_up_ratio, handoff_rate}

Contract: the `eval` channel and the translate / generate scenarios are left out, and so are conversations of nothing but
small talk ("hi", "thanks"; their turns' status `small_talk`). A conversation is *deflected* when it never got a ticket (the
assistant handled it without a person); the thumbs-up ratio is ups / (ups + downs) over the latest rating of
each rated answer; latency is the assistant's whole-answer time. Days are UTC days of the turns.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

import sqlalchemy as sa

from service.evaluation import percentile
from support.store import (
    OTHER_SCENARIOS,
    ConversationStore,
    _utc,
    conversations,
    feedback,
    tickets,
    turns,
)


# Turns whose latency is no answer's: refusals, handoffs and fixed replies to small talk take no model time, and a
# stopped answer took as long as the customer let it.
UNTIMED = ("rejected", "handoff", "small_talk", "stopped")


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def support_metrics(store: ConversationStore, since: datetime | None = None) -> dict:
    since = _utc(since)
    not_eval = conversations.c.channel != "eval"
    with store.engine.connect() as conn:
        turn_query = sa.select(turns.c.conversation_id, turns.c.created_at, turns.c.status, turns.c.latency_s,
                               turns.c.question).join(conversations, conversations.c.id == turns.c.conversation_id).where(
            not_eval, turns.c.author == "assistant", turns.c.scenario.not_in(OTHER_SCENARIOS)
        )
        ticket_query = sa.select(tickets.c.conversation_id, tickets.c.reason).join(
            conversations, conversations.c.id == tickets.c.conversation_id).where(not_eval)
        rating_query = sa.select(feedback.c.conversation_id, feedback.c.turn, feedback.c.rating, feedback.c.created_at).join(
            conversations, conversations.c.id == feedback.c.conversation_id).where(not_eval).order_by(feedback.c.id)
        if since is not None:
            turn_query = turn_query.where(turns.c.created_at >= since)
            ticket_query = ticket_query.where(tickets.c.created_at >= since)
            rating_query = rating_query.where(feedback.c.created_at >= since)
        turn_rows = [(cid, _utc(at), status, latency, question) for cid, at, status, latency, question in conn.execute(turn_query)]
        ticket_rows = list(conn.execute(ticket_query))
        latest_rating = {(cid, turn): (rating, _utc(at)) for cid, turn, rating, at in conn.execute(rating_query)}

    # A conversation of nothing but small talk ("hi", "thanks") was no request for help: it counts nowhere.
    asked = {cid for cid, _, status, _, _ in turn_rows if status != "small_talk"}
    turn_rows = [row for row in turn_rows if row[0] in asked]
    handed_over = {cid for cid, _ in ticket_rows}
    by_day: dict[str, dict] = defaultdict(lambda: {"conversations": set(), "turns": 0, "latencies": [], "up": 0, "down": 0})
    for cid, at, status, latency, question in turn_rows:
        day = by_day[at.strftime("%Y-%m-%d")]
        day["conversations"].add(cid)
        if question is not None:
            day["turns"] += 1
        if latency is not None and status not in UNTIMED:
            day["latencies"].append(latency)
    for rating, at in latest_rating.values():
        by_day[at.strftime("%Y-%m-%d")]["up" if rating == "up" else "down"] += 1

    daily = []
    for day in sorted(by_day):
        d = by_day[day]
        convs = d["conversations"]
        daily.append({
            "day": day, "conversations": len(convs), "turns": d["turns"],
            "deflection_rate": _ratio(len(convs - handed_over), len(convs)),
            "thumbs_up_ratio": _ratio(d["up"], d["up"] + d["down"]),
            "latency_p50_s": percentile(d["latencies"], 50), "latency_p95_s": percentile(d["latencies"], 95),
        })
    all_conversations = {cid for cid, *_ in turn_rows}
    reasons = Counter(reason for _, reason in ticket_rows)
    ups = sum(1 for rating, _ in latest_rating.values() if rating == "up")
    return {
        "daily": daily,
        "handoffs": [{"reason": reason, "count": n, "rate": _ratio(n, len(all_conversations))} for reason, n in reasons.most_common()],
        "statuses": [{"status": status, "count": n} for status, n in Counter(r[2] for r in turn_rows).most_common()],
        "totals": {
            "conversations": len(all_conversations), "turns": sum(1 for r in turn_rows if r[4] is not None),
            "deflection_rate": _ratio(len(all_conversations - handed_over), len(all_conversations)),
            "handoff_rate": _ratio(len(handed_over & all_conversations), len(all_conversations)),
            "thumbs_up_ratio": _ratio(ups, len(latest_rating)),
        },
    }
