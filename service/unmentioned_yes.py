"""A yes about something no passage mentions: asked "笔记本有触摸屏吗", the 1.5B answered "是的，笔记本电脑有触摸屏。" from
passages that never speak of a touchscreen (session 47, `make run`). It has no figure, name or address for the grounding
guard to find, and it is not the question said back closely enough for the restatement check (half of its character
pairs are the question's). What gives it away is a word the customer asked about, which the answer repeats after its
"yes" and which none of the passages holds: whatever it affirms about that, it did not read.

    check = UnmentionedYesCheck(passages, "笔记本有触摸屏吗")
    check.check("是的，笔记本电脑有触摸屏。").unsupported  # -> [Claim "触摸屏"]

Contract: `check(answer)` reports the question's words that the answer's first sentence repeats after an opening yes
(`YES_VERDICT`: "Yes,", "是的，", "可以。", citations before it allowed) and that no passage holds. The question's words are
its Chinese words of two characters or more (jieba's, less function words) and its English words of four letters or
more (stemmed, stop words and numbers out); a Chinese word is held by a passage, or the knowledge base's vocabulary,
that contains it, an English one by one with the same stem. Only a yes is read: a "no" or "不支持" may be the passages'
own inference ("次日达只支持北京、上海……" for a customer in 成都). An answer that only says
the question back, or an English "Yes, <the question>", is left to the restatement checks (`service.echoes`: declined,
or replaced by the passages' words); names the question holds are `UnmentionedNameCheck`'s as well; figures the guard's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from knowledge_base.lexical import tokenize
from knowledge_base.text import HAN, sentences
from service.claim_forms import CITATION
from service.claims import Claim
from service.echoes import echoes_a_yes, restates_the_question
from service.grounding import GroundingResult

# An answer that opens with a yes, before its first word: punctuation and citation marks allowed ("[1] 是的，").
# A Chinese verb is a verdict only with a mark after it ("可以。", "能，"): "可以在签收后 60 天内购买" is not a bare yes.
YES_VERDICT = re.compile(
    rf"^\W*(?:(?:{CITATION.pattern})\s*)*(?:(?:yes|yeah|yep|sure)\b[\s,.!:;-]*|(?:是的|没错|对|是|可以|能|有的|有|会)[\s,.!:;，。！：；]+)",
    re.IGNORECASE,
)
_HAN_RUN = re.compile(rf"{HAN.pattern}+")
_LATIN = re.compile(r"[A-Za-z]")
# Chinese words that say how, not what ("已经", "还能"): jieba's, and a customer's, common function words.
_CJK_FUNCTION = frozenset(
    "已经 还能 可以 能够 是否 有没有 怎么 怎么样 如何 什么 为什么 一下 一个 这个 那个 现在 还是 或者 如果 的话 自己 我们 你们 他们 时候 可能 需要 吗 呢".split()
)


def _chinese_words(text: str) -> set[str]:
    import jieba

    return {w for run in _HAN_RUN.findall(text) for w in jieba.lcut(run) if len(w) >= 2 and w not in _CJK_FUNCTION}


def _english_stems(text: str) -> set[str]:
    return {t for t in tokenize(text) if len(t) > 3 and _LATIN.match(t) and not any(ch.isdigit() for ch in t)}


class UnmentionedYesCheck:
    LABEL = "a yes about what no passage mentions"

    def __init__(self, passages: Sequence[str], question: str = "", vocabulary: Iterable[str] = ()):
        joined = "\n".join([*passages, *vocabulary])
        self._passages_flat = re.sub(r"\s+", "", joined)
        self._passage_stems = _english_stems(joined)
        self._question = question
        self._chinese = _chinese_words(question)
        self._english = _english_stems(question)

    def check(self, answer: str) -> GroundingResult:
        opening = YES_VERDICT.match(answer)
        first = sentences(CITATION.sub(" ", answer[opening.end():]))[:1] if opening else []
        if not first:
            return GroundingResult(ok=True, unsupported=[], claims=[])
        said = first[0]
        if restates_the_question(answer, self._question) or echoes_a_yes(answer, self._question):
            return GroundingResult(ok=True, unsupported=[], claims=[])  # the restatement checks' (`service.echoes`)
        flat = re.sub(r"\s+", "", said)
        terms = sorted(w for w in self._chinese if w in flat) + sorted(self._english & _english_stems(said))
        claims = [Claim("term", term, term) for term in terms]
        unsupported = [
            c for c in claims if (c.key not in self._passages_flat if HAN.match(c.key) else c.key not in self._passage_stems)
        ]
        return GroundingResult(ok=not unsupported, unsupported=unsupported, claims=claims)
