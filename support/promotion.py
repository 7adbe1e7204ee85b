"""The promotion gate: an adapter joins the served models only if it answers the dev QA set at least as well
as the model served now.

    verdict = promotion_verdict(base_summary, adapter_summary)     # from service.evaluation.evaluate

Contract: an adapter is promoted when its `correct` is not lower than the current model's by more than
`tolerance` (0.01) and its `unsupported_numbers` is not higher. Where promoted adapters are kept and how a
running server gets one: `service.adapters`.
"""

from __future__ import annotations

from dataclasses import dataclass

TOLERANCE = 0.01


@dataclass(frozen=True)
class Verdict:
    promoted: bool
    reason: str


def promotion_verdict(base: dict, adapter: dict, *, tolerance: float = TOLERANCE) -> Verdict:
    correct_base, correct_adapter = base.get("correct") or 0.0, adapter.get("correct") or 0.0
    unsupported_base, unsupported_adapter = base.get("unsupported_numbers") or 0.0, adapter.get("unsupported_numbers") or 0.0
    if correct_adapter < correct_base - tolerance:
        return Verdict(False, f"correct {correct_adapter:.3f} is below the current model's {correct_base:.3f} by more than {tolerance}")
    if unsupported_adapter > unsupported_base:
        return Verdict(False, f"unsupported_numbers {unsupported_adapter:.3f} is above the current model's {unsupported_base:.3f}")
    return Verdict(True, f"correct {correct_adapter:.3f} vs {correct_base:.3f}, unsupported_numbers {unsupported_adapter:.3f} "
                         f"vs {unsupported_base:.3f}")
