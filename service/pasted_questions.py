"""Answers that paste another question from the passages, with its answer.

    check = PastedQuestionCheck(passages, "nimbus 14 用的啥处理器 显卡咋样 能打游戏不", "zh")
    check.verdict("[1] nimbus 14 用的啥处理器 ... 可以开具“办公用品”等其他品名吗？不可以。发票品名须与实际购买的商品一致 ...")
    # -> "an answer that pastes the passages' question '可以开具“办公用品”等其他品名吗？'"

Articles written as questions and answers ("开错了怎么办？发票抬头或税号填写错误的，...") give small models a
ready-made answer to copy whatever the customer asked: asked which processor the Nimbus 14 has (the knowledge base
does not say), the 1.5B said the question back and pasted the invoice article's "may the item name read 'office
supplies'? No." Every fact in it is the passages', so the grounding guard passes it. A customer-service answer asks
no question of its own but the offer of a person, which no passage holds.

Contract: `verdict(answer)` names the first sentence of the answer that ends in a question mark, holds at least
`MIN_CHARS` characters besides spaces, marks and markup, stands word for word in a passage (spaces, markup and case
ignored) and none of whose words (`service.extractive.share_held`) the customer's question holds;
None otherwise, and for a question in another `language` than Chinese ("zh"): in English the one pasted question among the stored
answers of sessions 36-40 was replaced by another check, and English words need stems, which this does not measure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from service.claim_forms import CITATION
from service.extractive import share_held
from service.faq_copies import flat

MIN_CHARS = 5
_QUESTION = re.compile(r"[^。！？?!\n]+[？?]")


class PastedQuestionCheck:
    def __init__(self, passages: Sequence[str], question: str, language: str):
        self._passages = [flat(p) for p in passages] if language == "zh" else []
        self._question = question

    def verdict(self, answer: str) -> str | None:
        """Why `answer` answers another question than the customer's (the passages' question it pastes), or None."""
        for match in _QUESTION.finditer(CITATION.sub(" ", answer)):
            pasted = flat(match.group())
            if len(pasted) < MIN_CHARS or not any(pasted in passage for passage in self._passages):
                continue
            # None of its words, not under half of them as for a Chinese FAQ direct answer: customers ask the pasted
            # question in words of their own ("能寄到香港吗" for "可以寄到香港或海外吗？", "发票抬头写错了还能改吗" for
            # "开错了怎么办？"), and both answers after it were right (session 48); the wrong pastes share no word.
            if share_held(pasted, by=self._question) == 0:
                return f"an answer that pastes the passages' question {match.group().strip()!r}"
        return None
