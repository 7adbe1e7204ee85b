"""Personal data out of text: e-mail addresses, payment card numbers (Luhn-checked), ID numbers and phone
numbers become placeholders. Used wherever customers' words leave the conversation store or become training
data (`finetune`, the transcript export).

    redact("Mail me at jo@example.com or call +44 20 7946 0958")  # "Mail me at [EMAIL] or call [PHONE]"
"""

import re
from collections import Counter

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_CARD = re.compile(r"(?<![\w])\d(?:[ -]?\d){12,18}(?![\w])")
_ID_NUMBERS = [
    re.compile(r"(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])"),  # US social security number
    re.compile(r"(?<![\w])\d{17}[\dXx](?![\w])"),  # PRC resident identity card
    # "passport no. X1234567", "ID number: 12345678", "licence #AB-12345": a keyword, then a token with digits.
    re.compile(
        r"(?i)\b(?:id|passport|licen[cs]e|ssn|social security|national insurance|identity card|tax id)"
        r"(?:\s?(?:no\.?|number|num|#))?\s*[:#]?\s*(?P<value>(?=[A-Za-z0-9-]*\d)[A-Za-z0-9-]{5,})"
    ),
]
_PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,5}(?:[\s.-]?\d{2,5}){1,4}(?![\w])")
_DATE = re.compile(r"^\d{4}[-.]\d{1,2}[-.]\d{1,2}$|^\d{1,2}[-.]\d{1,2}[-.]\d{2,4}$")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def redact(text: str, counts: Counter | None = None) -> str:
    """Replace e-mail addresses, card numbers, ID numbers and phone numbers with placeholders."""
    counts = counts if counts is not None else Counter()

    def sub(pattern: re.Pattern, placeholder: str, kind: str, text: str, keep=lambda m: True) -> str:
        def replace(match: re.Match) -> str:
            if not keep(match):
                return match.group(0)
            counts[kind] += 1
            if "value" in pattern.groupindex:  # keep the keyword: "ID number: [ID_NUMBER]"
                start = match.start("value") - match.start()
                return match.group(0)[:start] + placeholder
            return placeholder

        return pattern.sub(replace, text)

    text = sub(_EMAIL, "[EMAIL]", "email", text)
    text = sub(_CARD, "[CARD_NUMBER]", "card", text, keep=lambda m: _luhn_ok(re.sub(r"\D", "", m.group(0))))
    for pattern in _ID_NUMBERS:
        text = sub(pattern, "[ID_NUMBER]", "id", text)

    def is_phone(match: re.Match) -> bool:
        digits = re.sub(r"\D", "", match.group(0))
        return 7 <= len(digits) <= 15 and not _DATE.match(match.group(0))

    return sub(_PHONE, "[PHONE]", "phone", text, keep=is_phone)
