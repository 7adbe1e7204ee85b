"""How sure the model was of its own answer, from the log-probabilities of the tokens it generated.

An answer copied from a passage that answers the question is generated with high probability token after
token; one pieced together from passages about something near the question, or one that gets a yes/no the
wrong way round, has more tokens the model hesitated over. The mean log-probability of the answer's tokens
tells the two apart well enough to hold back the least sure answers (README, "Answers customers can trust":
on the dev set, right answers against wrong or unanswerable ones, AUROC about 0.7), which the app then treats
like an answer that failed the grounding guard: replaced by the passages' own sentences, or declined with a
person offered.

The floor is calibrated per model (`bench/confidence.py` reads `eval-answers --out` rows): log-probabilities
are not comparable across models, so a model without a calibrated floor is not judged this way.

    floor = ConfidenceFloor(-0.45)
    floor.verdict([-0.1, -0.2])   # -> None: the answer may stand
    floor.verdict([-0.9, -0.6])   # -> "low confidence (mean token log-probability -0.75 < -0.45)"
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


def mean_logprob(logprobs: Sequence[float]) -> float | None:
    """The mean of `logprobs`; None for none."""
    return sum(logprobs) / len(logprobs) if logprobs else None


@dataclass(frozen=True)
class ConfidenceFloor:
    """Answers whose tokens' mean log-probability is below `min_mean_logprob` count as unsure."""

    min_mean_logprob: float

    def verdict(self, logprobs: Sequence[float]) -> str | None:
        """None when the answer may stand (or there is nothing to judge: the backend gave no log-probabilities);
        else why it counts as unsure, for the log and `Reply.replaced`."""
        mean = mean_logprob(logprobs)
        if mean is None or mean >= self.min_mean_logprob:
            return None
        return f"low confidence (mean token log-probability {mean:.2f} < {self.min_mean_logprob:.2f})"
