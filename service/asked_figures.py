"""An answer without the figure the customer asked for: asked "维修换的零件保多久" (how long are replaced parts
covered), the 1.5B answered "电池容量低于 80% 可免费更换。", and asked "nimbus 14 32gb how much", "The Voltway Nimbus 14
(32 GB) has a 32 GB LPDDR5X (soldered) memory." (session 47, `make run`). Every fact in them is a passage's, so the
grounding guard passes them; they answer another question.

    AskedFigureCheck("维修换的零件保多久").verdict("电池容量低于 80% 可免费更换。")  # -> "an answer to how long ..."

`figures_asked` and `states_figure` also serve the extractive answer, which scores a sentence giving the figure asked
for a little higher (`service.extractive.ANSWER_KIND_BONUS`).

Contract: `verdict(answer)` says why `answer` does not answer the question, or None. A question that asks how long
("how long", "how many days", "多久", "几天", "多长时间", ...) needs a duration in the answer (`claims.facts`: "60 minutes",
"an hour", "5–7 个工作日") or a word for a time without one ("same day", "immediately", "当天", "即时", ...; a length for "how
long is the cable" or "how long does my password have to be"); one that asks what time ("what time", "opening hours",
"how late", "the latest I can call", "几点", "营业时间") needs a clock time ("20:00", "8pm", "noon", "晚上九点"), a day, a date or
a duration, or a word for none ("closed", "24/7", "休息"; session 48: "whats the latest i can call support on a weekday" got the phone number); one that
asks what something costs ("how much is", "what does ... cost", "price of", "多少钱",
"运费多少", ...) needs an amount of money or a word for none ("free" but not "not free", "免费", "包邮"). "how much storage"
and "how much does it weigh" ask for no price, "前几天买的" for no duration, and a yes/no question about a cost ("do you
charge extra for amex", "有价格保护吗") for no figure: none of them is read. Over the stored answers of five QA files
(session 47, 242 rows) no answer was held back.
"""

from __future__ import annotations

import re

from service import claim_forms as forms
from service.claims import facts
from service.grounding import figure_class

_HOW_LONG = re.compile(
    r"\bhow long\b|\bhow many (?:working |business )?(?:minutes|hours|days|weeks|months|years)\b"
    # "几天" asks how many days; "前几天买的", "用了几个月" (a few days ago, for a few months) do not.
    r"|多久|多长时间|多少天|(?<![前这过好了])几(?:天|个工作日|个月|年|周|个星期|小时|分钟)(?![前以])",
    re.IGNORECASE,
)
# "What time" and opening hours: a clock time ("几点前付款" asks for one too).
# Not "what time frame / limit / zone", "till when can i return it" or "有几点要求" (a few points), found by a review.
_WHAT_TIME = re.compile(
    r"\bwhat time\b(?!\s*(?:frame|limit|zone|period|scale|span))|\b(?:opening|closing) (?:hours|times?)\b|\bhow late\b"
    r"|\bthe (?:latest|earliest) (?:i|we|you) can (?:call|ring|phone)\b|几点(?!要求|注意|说明|建议|问题)|营业时间|服务时间|上班时间",
    re.IGNORECASE,
)
_PRICE = re.compile(
    r"\bhow much\s*(?:\?|$|(?:is|are|for|'s)\b)|\bhow much (?:does|do|will|would)\b[^?.]*\b(?:cost|charge)"
    r"|\bwhat(?:'s| is| are)(?: the)? (?:cost|price|fee)s?\b|\bwhat (?:does|do|will|would)\b[^?.]*\bcost\b|\bprice of\b"
    r"|多少钱|什么价|(?:价格|价钱|运费|费用|手续费|检测费|服务费)(?:是)?多少",
    re.IGNORECASE,
)
# Answers that need no duration: a time without one, or a length for "how long is the cable".
_NO_DURATION_NEEDED = re.compile(
    r"same[ -](?:working[ -])?day|next[ -](?:working[ -])?day|immediately|instantly|straight away|right away|any ?time"
    r"|never expire|no expiry|\d\s?(?:m|cm|mm|metres?|meters?|ft|feet|inch(?:es)?|characters|digits|letters)\b"
    r"|当天|次日|即时|立即|马上|实时|随时|长期有效|永久有效",
    re.IGNORECASE,
)
# Answers to "what time" that the claims reader gives no clock time for: a time in words ("noon", "half past eight",
# "11 o'clock", "九点"), closed that day, or open all the time.
_NO_TIME_NEEDED = re.compile(
    r"o'clock|\bnoon\b|\bmidday\b|\bmidnight\b|\bhalf past\b|\bquarter (?:past|to)\b|\btonight\b"
    r"|\b(?:in the|next|this|tomorrow|the following) (?:morning|afternoon|evening)\b"
    r"|\b(?:at|until|till|from|before|after|by) (?:\d{1,2}(?![\d,:]|\.\d|\s*(?:%|days?|weeks?|months?|years?|working|business))"
    r"|(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b(?!\s*(?:days?|weeks?|months?|years?|working)))"
    r"|\b\d{1,2}[.:]\d{2}\b|\b\d{1,2}\s*-\s*\d{1,2}\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s*(?:am|pm)\b"
    r"|\bclosed\b|\bnot open\b|isn't open|24/7|24 hours a day|round the clock|around the clock"
    r"|[\d一二三四五六七八九十两]+\s*点|不营业|休息|关闭|全天|随时|24 小时|24小时",
    re.IGNORECASE,
)
_NO_AMOUNT_NEEDED = re.compile(
    r"(?<!not )(?<!hands-)\bfree\b|no (?:extra )?(?:charge|fee|cost)|costs? nothing|(?:don't|do not|never) charge"
    r"|免费|包邮|不收|无需支付|不需要支付|不额外收取",
    re.IGNORECASE,
)
_TERMS = forms.terms(frozenset())


def figures_asked(question: str) -> frozenset[str]:
    """What the question asks for: "duration" (how long), "price" (what it costs), "time" (what time, opening
    hours), any of them or none."""
    return frozenset(
        kind for kind, pattern in (("duration", _HOW_LONG), ("price", _PRICE), ("time", _WHAT_TIME))
        if pattern.search(question)
    )


def states_figure(text: str, kind: str) -> bool:
    """Whether `text` gives a figure of `kind` ("duration", "price", "time"), or a word that stands for one ("same
    day", "free", "closed")."""
    found = facts(text, _TERMS, strict=False)
    keys = [key for claim, _, key in found if claim == "number"]
    if kind == "time":
        keys += [key for claim, _, key in found if claim == "day"]
        # A day, a date or a duration answers some "what time" questions too ("what time will my refund come": "in
        # 3-5 working days"); what does not is an answer with no time at all (a phone number for the latest time to call).
        return any(key.startswith(("time:", "day:", "date:", "dur:")) for key in keys) or bool(_NO_TIME_NEEDED.search(text))
    classes = {figure_class(key) for key in keys}
    if kind == "duration":
        return "duration" in classes or bool(_NO_DURATION_NEEDED.search(text))
    return bool(classes & set("£€$¥")) or bool(_NO_AMOUNT_NEEDED.search(text))


class AskedFigureCheck:
    _WHY = {
        "duration": "an answer to how long that states no duration",
        "price": "an answer to what it costs that states no amount",
        "time": "an answer to what time that states no time",
    }

    def __init__(self, question: str):
        self._asked = figures_asked(question)

    def verdict(self, answer: str) -> str | None:
        missing = (kind for kind in self._WHY if kind in self._asked and not states_figure(answer, kind))
        return next((self._WHY[kind] for kind in missing), None)
