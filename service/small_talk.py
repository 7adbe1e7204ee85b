"""Messages that are conversation, not questions: a greeting, thanks, a goodbye, "what can you do?", a yes.

    small_talk("Hi there!")                        # "greeting"
    small_talk("ok thanks, bye", "Voltway")        # "goodbye"
    small_talk("hi, where is my order?")           # None: a question, for the knowledge base
    small_talk_reply("thanks", "zh", "Voltway")    # "不客气！请问还有什么可以帮您？"

A customer's first message is often "hi" or "你好", and their last "thanks": answered from the knowledge base, each
got "I'm sorry, I don't know the answer to that", was listed among the questions the bot cannot answer, and two in
a row handed the conversation to a person. These get a fixed, friendly reply instead: no retrieval, no model (so
no fact to check), status `small_talk`.

Contract: `small_talk(message, company)` names the kind when the whole message, in English or Chinese, is made of
such phrases and fillers ("there", "team", the company's name, "呀"), case, punctuation, emoji and apostrophes
aside; anything else in it ("hi, where is my order?", "thanks, and how do I return it?") makes it None. Several
phrases give the last one that matters, by `_PRIORITY` ("hi, thanks!" is thanks, "ok thanks bye" a goodbye).
A "yes" or an "ok" is also how a customer accepts the offer of a person (`support.handoff.accepts_offer`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from knowledge_base.text import HAN_RANGES
from service.prompts import in_language

Kind = Literal["greeting", "thanks", "goodbye", "about", "yes", "ack"]

# Lower case, apostrophes dropped ("that's" -> "thats"); Chinese without spaces.
_PHRASES: dict[Kind, tuple[str, ...]] = {
    "greeting": (
        "hi", "hii", "hiya", "hey", "heya", "hello", "helo", "hallo", "howdy", "greetings", "good morning",
        "good afternoon", "good evening", "morning", "evening", "how are you", "how are you doing", "how r u",
        "hows it going", "how is it going", "whats up", "sup",
        "你好", "您好", "你们好", "哈喽", "哈啰", "嗨", "在吗", "在不在", "有人吗", "有人在吗", "早上好", "上午好", "中午好",
        "下午好", "晚上好", "早安", "晚安", "打扰了", "打扰一下", "请问",
    ),
    "thanks": (
        "thanks", "thank you", "thankyou", "thx", "thanx", "ty", "tysm", "cheers", "many thanks", "much appreciated",
        "appreciate it", "i appreciate it", "that helps", "that helped", "that was helpful", "thats helpful",
        "very helpful", "helpful", "for your help", "for the help", "for that", "great help",
        "谢谢", "多谢", "感谢", "谢啦", "谢了", "辛苦了", "辛苦", "有帮助", "帮大忙了",
    ),
    "goodbye": (
        "bye", "bye bye", "byebye", "goodbye", "good bye", "see you", "see ya", "cya", "have a good day",
        "have a nice day", "have a great day", "take care", "thats all", "that is all", "thats it", "nothing else",
        "no thanks", "no thank you", "nope", "no", "all good", "im good", "i am good", "im done", "no more questions",
        "再见", "拜拜", "没有了", "没了", "没事了", "不用了", "不需要了", "没别的了", "没有别的了", "就这些", "就这样",
    ),
    "about": (
        "what can you do", "what can you help with", "what can you help me with", "what do you do",
        "how can you help", "how can you help me", "who are you", "what are you", "are you a bot", "are you a robot",
        "are you ai", "are you an ai", "are you a chatbot", "help", "i need help", "can you help me", "can you help",
        "help me",
        "你能做什么", "你可以做什么", "你会什么", "你能干什么", "你是谁", "你是机器人吗", "你是机器人", "你能帮我什么",
        "能帮我什么", "帮帮我", "求助",
    ),
    "yes": (
        "yes", "yes please", "yeah", "yep", "yup", "sure", "please", "please do", "go ahead", "do it", "i would",
        "id like that", "i would like that",
        "是", "是的", "要", "需要", "要的", "麻烦了", "麻烦你了", "麻烦您了",
    ),
    "ack": (
        "ok", "okay", "okey", "k", "kk", "alright", "all right", "cool", "great", "perfect", "nice", "awesome",
        "good", "got it", "i see", "understood", "sounds good", "fine", "noted", "right",
        "好", "好的", "好吧", "好滴", "嗯", "嗯嗯", "哦", "行", "可以", "知道了", "明白了", "明白", "了解", "懂了", "收到",
    ),
}
# Words that change nothing around those phrases.
_FILLERS = (
    "there", "team", "guys", "all", "everyone", "folks", "again", "so much", "so", "very much", "very", "a lot",
    "lots", "really", "just", "then", "lol", "haha", "dear", "sir", "madam", "bot", "assistant", "support",
    "customer service", "and", "oh", "ah", "um", "well",
    "客服", "亲", "你", "您", "呀", "啊", "哦", "啦", "哈", "哈哈", "嘛", "了", "的", "哈哈哈", "那", "非常", "太", "很", "帮助",
)
# The kind of a message with several: the last one that matters most ("ok thanks bye" says goodbye).
_PRIORITY: tuple[Kind, ...] = ("goodbye", "thanks", "about", "yes", "ack", "greeting")

_HAN = re.compile(f"[{HAN_RANGES}]")
_MARKS = re.compile(r"[^\w\s]|_")  # punctuation, emoji, symbols


def _normalise(message: str, company: str) -> str:
    text = unicodedata.normalize("NFKC", message).lower().replace("'", "").replace("’", "")
    if company:
        text = text.replace(company.lower(), " ")
    return re.sub(r"\s+", " ", _MARKS.sub(" ", text)).strip()


def _entries() -> list[tuple[str, Kind | None]]:
    entries: list[tuple[str, Kind | None]] = [(p, kind) for kind, phrases in _PHRASES.items() for p in phrases]
    entries += [(f, None) for f in _FILLERS]
    return sorted(entries, key=lambda e: -len(e[0]))  # longest first: "no thanks" before "no"


_ENTRIES = _entries()


def _phrase_at(text: str, at: int) -> tuple[int, Kind | None] | None:
    """The longest phrase or filler starting at `at` (an English one must end at a word's end): (end, kind)."""
    for phrase, kind in _ENTRIES:
        if text.startswith(phrase, at):
            end = at + len(phrase)
            ends_a_word = _HAN.match(phrase[-1]) or end == len(text) or not text[end].isalnum() or _HAN.match(text[end])
            if ends_a_word:
                return end, kind
    return None


def small_talk(message: str, company: str = "") -> Kind | None:
    """The kind of small talk the whole `message` is, or None when it says or asks anything else."""
    text = _normalise(message or "", company)
    if not text or len(text) > 80:
        return None
    kinds: list[Kind] = []
    at = 0
    while at < len(text):
        if text[at] == " ":
            at += 1
            continue
        found = _phrase_at(text, at)
        if found is None:
            return None
        at, kind = found
        if kind is not None:
            kinds.append(kind)
    return next((kind for kind in _PRIORITY if kind in kinds), None)


_REPLIES: dict[Kind, dict[str, str]] = {
    "greeting": {
        "en": "Hello! I'm the customer-service assistant of {company}. What can I help you with?",
        "zh": "您好！我是 {company} 的智能客服助手，请问有什么可以帮您？",
    },
    "thanks": {
        "en": "You're welcome! Is there anything else I can help you with?",
        "zh": "不客气！请问还有什么可以帮您？",
    },
    "goodbye": {
        "en": "Thank you for contacting {company}. Have a good day!",
        "zh": "感谢您联系 {company}，祝您生活愉快，再见！",
    },
    "about": {
        "en": "I'm the virtual assistant of {company}: I answer questions about our products, orders and services "
        "from our help centre and show the articles I used. If I can't help, I can hand the conversation to a "
        "person on our support team. What would you like to know?",
        "zh": "我是 {company} 的智能客服助手，可以根据帮助中心的内容解答产品、订单和服务方面的问题，并注明出处；"
        "如果我解决不了，可以为您转接人工客服。请问您想了解什么？",
    },
    "yes": {
        "en": "Sure. What would you like to know?",
        "zh": "好的，请问您想了解什么？",
    },
    "ack": {
        "en": "Is there anything else I can help you with?",
        "zh": "好的。请问还有什么可以帮您？",
    },
}


def small_talk_reply(kind: Kind, language: str, company: str) -> str:
    """The fixed reply to small talk of `kind`, in `language` (English for languages without one)."""
    return in_language(_REPLIES[kind], language).format(company=company)
