"""Whether the passages' sentences a decline would show answer the customer's question: the model's own verdict.

When the model says it does not know, or (outside the extractive languages) its answer failed the guard, the reply
is a decline that shows the passages' sentences closest to the question (`Assistant._closest`). For the bundled 1.5B
those sentences often are the answer: it says "不知道" to "可以货到付款吗" with "我们不支持货到付款。" in its passage, and
the customer reads "no direct answer found; the closest our help centre comes: 我们不支持货到付款。". The embedding model
that chose the sentences cannot tell whether they answer (English-centred; an unanswerable question's closest
sentence scores as high as an answerable one's), but the model, asked about the sentences alone in one yes/no
question, can tell better: for the sentences it says yes to with probability at least `min_yes`, the reply is an
extractive answer (the same sentences, cited, a person offered) instead of the decline.

The verdict is one greedy token with its log-probability, so it costs one short prefill. The bar is calibrated per
model (docs/answer-quality.md, session 52): probabilities are not comparable across models, so a model without a
calibrated bar is not asked.

    verdict = QuoteVerdict(assistant._stream, GenerationParams(seed=1), min_yes=0.72)
    verdict.vouches("可以货到付款吗", "我们不支持货到付款。 [1]", "zh")   # -> True when the model says 是 at >= 0.72
"""

from __future__ import annotations

import dataclasses
import logging
import math
import re
from collections.abc import Callable, Iterator

from service import prompts
from service.backends import ChatMessage, GenerationParams
from service.claim_forms import CITATION
from service.errors import AssistantError

log = logging.getLogger(__name__)

# A quote's marks ("[1]") with the space before them: the verdict is about the sentences alone.
_MARKS = re.compile(rf"\s*(?:{CITATION.pattern})", CITATION.flags)


@dataclasses.dataclass(frozen=True)
class QuoteVerdict:
    """Asks the model, through `stream`, whether a quote answers a question; `params` give the model and seed (the
    rest is fixed: greedy, one token, its log-probability)."""

    stream: Callable[[list[ChatMessage], GenerationParams], Iterator[str]]
    params: GenerationParams
    min_yes: float

    def vouches(self, question: str, quote: str, language: str) -> bool:
        """True when the model's first token is its yes (`prompts.QUOTE_VERDICT_YES`) with probability at least
        `min_yes`; False otherwise, and when it cannot be told (an error, a backend without log-probabilities)."""
        yes = self.yes_probability(question, quote, language)
        return yes is not None and yes >= self.min_yes

    def yes_probability(self, question: str, quote: str, language: str) -> float | None:
        """The probability of the model's first token where that token is its yes, 0.0 where it is anything else;
        None when it cannot be told (an error, a backend without log-probabilities). For calibrating a bar
        (`bench/adapter_verdict.py`)."""
        frame = prompts.in_language(prompts.QUOTE_VERDICT, language)
        text = _MARKS.sub("", quote).strip()
        messages: list[ChatMessage] = [{"role": "user", "content": frame.format(question=question, quote=text)}]
        params = dataclasses.replace(self.params, max_tokens=1, min_tokens=0, temperature=0.0, logprobs=True, stop=())
        try:
            chunks = list(self.stream(messages, params))
        except AssistantError as e:
            log.warning("the quote's verdict could not be asked: %s", e)
            return None
        said = "".join(chunks).strip()
        logprobs = [lp for chunk in chunks for lp in getattr(chunk, "logprobs", ())]
        if not logprobs:
            return None
        probability = math.exp(logprobs[0])
        log.info("the model's verdict on the quote: %r at %.3f (bar %.2f)", said, probability, self.min_yes)
        return probability if said.startswith(prompts.in_language(prompts.QUOTE_VERDICT_YES, language)) else 0.0
