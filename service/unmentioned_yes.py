"""A Chinese yes about a thing no passage mentions: asked "笔记本有触摸屏吗", the 1.5B answered "是的，笔记本电脑有触摸屏。"
from passages that never speak of a touchscreen (session 47, `make run`). It has no figure, name or address for the
grounding guard to find, and it is not the question said back closely enough for the restatement check (half of its
character pairs are the question's). What gives it away is the thing the customer asked about, which the answer
repeats after its "yes" and which none of the passages holds: whatever it affirms about it, it did not read.

    check = UnmentionedYesCheck(passages, "笔记本有触摸屏吗")
    check.check("是的，笔记本电脑有触摸屏。").unsupported  # -> [Claim "触摸屏"]

Contract: `check(answer)` reports the question's nouns (jieba's part-of-speech tags, two characters or more, less
everyday words: "东西", "今天") that the answer's first sentence repeats after an opening Chinese yes (`YES_VERDICT`:
"是的，", "可以。", "有，", citations before it allowed) and that no passage and no entry of the knowledge base's vocabulary
contains. Only nouns: a customer's verbs and phrases ("摔裂", "换开过一回", "不想要了") are said back in answers that are right.
Only a yes: a "no" or "不支持" may be the passages' own inference ("次日达只支持北京、上海……" for a customer in 成都). English answers
are not read: their "Yes, <the question>" is `service.echoes.echoes_a_yes`'s, and English has no part-of-speech tagger
here to tell a thing asked about from an everyday word ("money", "wifi" for "Wi-Fi"). An answer that only says the
question back is left to the restatement checks (`service.echoes`); a Latin-script name the question holds is
`UnmentionedNameCheck`'s where the answer repeats it. Where it does not (it may translate it: "nimbus 14 屏幕是 touch 的吗"
got "是的，Voltway Nimbus 14 的屏幕是触摸的。" in session 58), a yes to a question naming in Latin letters something no
passage holds (`UnmentionedNameCheck.unheld_names`) is reported too, with that name: the yes is about what no passage
says.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from knowledge_base.text import HAN, sentences
from service.claim_forms import CITATION
from service.claims import Claim
from service.echoes import OPENING_MARKS, restates_the_question
from service.grounding import GroundingResult, UnmentionedNameCheck

# A Chinese verb is a verdict only with a mark right after it ("可以。", "能，"): "可以在签收后 60 天内购买" is not a bare yes.
YES_VERDICT = re.compile(rf"{OPENING_MARKS}(?:是的|没错|对|是|可以|能|有的|有|会)[,.!:;，。！：；]")
_HAN_RUN = re.compile(rf"{HAN.pattern}+")
# jieba's noun tags: common nouns, proper nouns of other kinds, place, person and organisation names.
_NOUN_TAGS = frozenset({"n", "nz", "ng", "nr", "ns", "nt", "nw"})
# Nouns every customer uses that say nothing about what is asked ("东西" is tagged a place name).
_EVERYDAY = frozenset("东西 今天 明天 昨天 现在 时候 时间 问题 情况 事情 办法 朋友 家人 一下 结果 下单".split())


def _nouns(text: str) -> set[str]:
    import jieba.posseg

    return {
        w.word for run in _HAN_RUN.findall(text) for w in jieba.posseg.cut(run)
        if w.flag in _NOUN_TAGS and len(w.word) >= 2 and w.word not in _EVERYDAY
    }


class UnmentionedYesCheck:
    LABEL = "a yes about what no passage mentions"

    def __init__(self, passages: Sequence[str], question: str = "", vocabulary: Iterable[str] = ()):
        self._known = re.sub(r"\s+", "", "\n".join([*passages, *vocabulary]))
        self._question = question
        chinese = bool(HAN.search(question))
        self._nouns = _nouns(question) if chinese else set()
        self._unheld = UnmentionedNameCheck(passages, question, vocabulary).unheld_names() if chinese else []

    def check(self, answer: str) -> GroundingResult:
        opening = YES_VERDICT.match(answer) if self._nouns or self._unheld else None
        first = sentences(CITATION.sub(" ", answer[opening.end():]))[:1] if opening else []
        if not first or restates_the_question(answer, self._question):
            return GroundingResult(ok=True, unsupported=[], claims=[])
        said = re.sub(r"\s+", "", first[0])
        claims = [Claim("term", noun, noun) for noun in sorted(self._nouns) if noun in said]
        unheld = [Claim("term", name, name) for name in self._unheld]
        unsupported = [c for c in claims if c.key not in self._known] + unheld
        claims += unheld
        return GroundingResult(ok=not unsupported, unsupported=unsupported, claims=claims)
