"""The sample knowledge base's part of bench/faq_direct.py: does a calibrated direct-answer rule fire on the
sample's questions, with the right entry (Chinese FAQ paraphrases included), and on none it should not?"""

from __future__ import annotations

import math

from faq_rules import GRID, Hit, Rule, _other_best

# The Chinese FAQ paraphrases (source faq_zh.jsonl) and the entry whose answer holds their facts,
# decided by reading samples/kb/faq_zh.jsonl.
ZH_FAQ_RIGHT = {
    "zh-faq-unpaid-1": "faq-zh-unpaid-order",  # 30 分钟内完成支付，超时自动取消
    "zh-faq-aria-reset-1": "faq-zh-aria-x2-reset",  # 同时长按电源键和降噪键 10 秒
}


def holds_facts(answer: str | None, must: list[list[str]]) -> bool:
    if not answer or not must:
        return False
    low = answer.lower()
    return all(any(alt.lower() in low for alt in group) for group in must)


def entry_right(q: dict, doc: str, top: Hit) -> bool:
    if q["id"] in ZH_FAQ_RIGHT:
        return doc == ZH_FAQ_RIGHT[q["id"]]
    return holds_facts(top.get("answer"), q.get("must", []))


def sample_check(rule: Rule, t: float, questions: list[dict], hits: list[list[Hit]]) -> dict:
    out = {"zh_pos": 0, "zh_pos_right": 0, "fired": [], "wrong": []}
    for q, h in zip(questions, hits):
        doc = rule(h, t)
        out["zh_pos"] += q["id"] in ZH_FAQ_RIGHT
        if doc is None:
            continue
        out["fired"].append((q["id"], doc))
        if entry_right(q, doc, h[0]):
            out["zh_pos_right"] += q["id"] in ZH_FAQ_RIGHT
        else:
            out["wrong"].append((q["id"], doc))
    return out


def sample_report(name: str, rule: Rule, t: float, questions: list[dict], hits: list[list[Hit]], table: bool) -> None:
    by_id = {q["id"]: (q, h) for q, h in zip(questions, hits)}
    if table:
        print("\n| t | zh FAQ paraphrases answered right | questions fired | fired with a wrong entry |")
        print("|---:|---:|---:|---:|")
        for tt in sorted({t, *GRID}):
            r = sample_check(rule, tt, questions, hits)
            mark = " (recommended)" if tt == t else ""
            print(f"| {tt:.3f}{mark} | {r['zh_pos_right']}/{r['zh_pos']} | {len(r['fired'])} | {len(r['wrong'])} |")
    r = sample_check(rule, t, questions, hits)
    print(f"{name}, t = {t:.3f}: zh FAQ paraphrases answered directly with the right entry "
          f"{r['zh_pos_right']}/{r['zh_pos']}; "
          f"{len(r['fired'])} question(s) fired, {len(r['wrong'])} with a wrong entry.")
    for qid, doc in r["fired"]:
        q, h = by_id[qid]
        verdict = "WRONG" if (qid, doc) in r["wrong"] else "right"
        print(f"  fired {verdict}: {qid} ({q['kind']}) -> {doc} (question_score {h[0]['q']:.3f})")


def sample_scores(questions: list[dict], hits: list[list[Hit]]) -> None:
    """How well question_score separates right from wrong top FAQ entries on the sample base, per language."""
    print("\nSample questions whose top hit is an FAQ entry: its question_score (q-margin), by whether that entry is right:")
    for lang in ("en", "zh"):
        right, wrong = [], []
        for q, h in zip(questions, hits):
            if q["lang"] != lang or not h or not h[0]["is_faq"]:
                continue
            margin = h[0]["q"] - _other_best(h, "q", faq_only=True)
            item = f"{h[0]['q']:.3f} ({'-' if margin == math.inf else f'{margin:+.3f}'}) {q['id']}"
            (right if entry_right(q, h[0]["doc_id"], h[0]) else wrong).append((h[0]["q"], item))
        for label, group in (("right", right), ("wrong", wrong)):
            shown = "; ".join(item for _, item in sorted(group, reverse=True))
            print(f"  {lang} {label} ({len(group)}): {shown or '-'}")
