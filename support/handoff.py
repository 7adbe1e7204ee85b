"""When a conversation goes to a person, and what the customer is told.

Contract: `asks_for_person(message)` is true when the customer asks for a human, in English or Chinese
("talk to a human", "can I speak to an agent", "real person please", "转人工", "人工客服", "找真人"); a
question *about* people that does not ask for one ("do your agents speak French?") is not. `NO_ANSWER_LIMIT`
"don't know" answers in a row also hand the conversation over, and so does a "yes" (or "ok", "好的") to an answer
that offered a person (`accepts_offer`). Chinese is read in Simplified characters, whichever the customer writes.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from knowledge_base.chinese_script import SIMPLIFIED, in_writing
from service.prompts import PERSON_OFFERS
from service.small_talk import small_talk

NO_ANSWER_LIMIT = 2

_WHO = r"(?:a |an |the |some |your )?(?:real |live |actual )?(?:human(?: being)?|person|agent|representative|rep|operator|someone|somebody|staff)"
_ASKS_EN = re.compile(
    r"\b(?:talk|speak|chat)\s+(?:to|with)\s+" + _WHO + r"\b"
    r"|\b(?:connect|transfer|put|pass|escalate|hand)\b[\w\s]{0,15}?\b(?:to|with|through to)\s+" + _WHO + r"\b"
    r"|\b(?:real|live|actual)\s+(?:human|person|agent)\b"
    r"|\b(?:human|agent|person|representative)\s*,?\s*please\b"
    r"|\bi (?:want|need) (?:a |an |to talk to (?:a |an )?)?(?:human|agent|person|representative)\b"
    r"|\bget me (?:a |an )?(?:human|agent|person|representative)\b",
    re.IGNORECASE,
)
_ASKS_ZH = re.compile(r"转人工|人工客服|人工服务|找人工|要人工|真人|接人工|客服人员|人工(?!智能)")
# Questions about people ("do your agents speak French?") rather than asking for one.
_ABOUT_PEOPLE = re.compile(r"\b(?:do|does|are|is|can) (?:your|the) (?:agents|staff|people|team|representatives)\b", re.IGNORECASE)

HANDOFF_TEXT = {
    "en": "I've passed your conversation to a colleague from our support team; a person will reply here shortly.",
    "zh": "已为您转接人工客服，客服人员会尽快在这里回复您。",
}
WAITING_TEXT = {
    "en": "Thanks, I've added this to your conversation; a colleague from our support team will reply here.",
    "zh": "收到，已补充到您的会话中，人工客服会在这里回复您。",
}
NOT_SAVED_TEXT = {
    "en": "\n\n(We could not save this conversation just now, so this answer cannot be rated or passed to a person. "
    "Please try again in a few minutes if you need more help.)",
    "zh": "\n\n（暂时无法保存本次会话，因此这条回答无法评价或转给人工客服。如需更多帮助，请几分钟后再试。）",
}
NO_ANSWER_HANDOFF_TEXT = {
    "en": "I couldn't find that in our help centre either, so I've passed your conversation to a colleague; "
    "a person will reply here shortly.",
    "zh": "这个问题我在帮助中心里也没有找到，已为您转接人工客服，客服人员会尽快在这里回复您。",
}


def offers_a_person(answer: str | None) -> bool:
    """`answer` (the assistant's last) ended by offering a person ("Would you like me to hand this conversation to a
    person on our support team?")."""
    text = in_writing((answer or "").rstrip(), SIMPLIFIED)  # shown in Traditional characters to who writes them
    return any(text.endswith(offer) for offer in PERSON_OFFERS)


def accepts_offer(message: str, last_answer: Callable[[], str | None], company: str = "") -> bool:
    """The customer says yes ("yes please", "ok", "好的") to an answer that offered a person; `last_answer()` is read
    only for a yes (it may cost a query)."""
    return small_talk(in_writing(message, SIMPLIFIED), company) in ("yes", "ack") and offers_a_person(last_answer())


def asks_for_person(message: str) -> bool:
    text = message or ""
    if _ASKS_ZH.search(in_writing(text, SIMPLIFIED)):
        return True
    return bool(_ASKS_EN.search(text)) and not _ABOUT_PEOPLE.search(text)
