"""How the selected rows of each kind that pools one number per report become effect sizes,
registered under the form names of :mod:`secondhct.protocol.kinds`.

The protocol declares a kind (its rows, its default measure, the fields it needs); for the
kinds that share the one-number-per-report pipeline (:mod:`secondhct.review.analysis`: select,
effect sizes, pool, sensitivity and subgroup analyses) this registry gives the one thing that
differs, the effect sizes. Everything else reads the declaration's attributes. A kind with a
model of its own (the summary survival curve) has a behaviour module in
:mod:`secondhct.review.kinds` instead. :func:`effect_sizes` refuses a form with no entry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from ..extraction.schema import StudyExtraction
from ..protocol.kinds import KindForm
from ..protocol.load import Plan
from ..protocol.select import Candidate, Exclusion
from .contrasts import LevelRow, arm_contrasts, level_contrasts
from .effects import NoEffect, StudyEffect, proportion_effect, ratio_effect

Effects = tuple[list[StudyEffect], list[Exclusion], list[LevelRow]]
EffectsFn = Callable[[Plan, Sequence[Candidate], Sequence[StudyExtraction], Mapping[str, int | None]], Effects]


def _one_per_row(make: Callable[[Candidate, Plan], StudyEffect | NoEffect]) -> EffectsFn:
    """Effects of kinds whose row is itself the effect (a proportion, or a reported ratio)."""

    def effects(plan: Plan, candidates: Sequence[Candidate], studies: Sequence[StudyExtraction],
                years: Mapping[str, int | None]) -> Effects:  # fmt: skip
        made = [make(cand, plan) for cand in candidates]
        dropped = [Exclusion(m.key, "outcome", f"no effect size: {m.reason}") for m in made if isinstance(m, NoEffect)]
        return [m for m in made if not isinstance(m, NoEffect)], dropped, []

    return effects


def _levels(plan: Plan, candidates: Sequence[Candidate], studies: Sequence[StudyExtraction], years: Mapping[str, int | None]) -> Effects:
    return level_contrasts(plan, candidates)


_PROPORTION = _one_per_row(lambda cand, plan: proportion_effect(cand, plan.measure))
_RATIO = _one_per_row(ratio_effect)

#: ``effects(plan, candidates, studies, years)`` of each form: the effect sizes of the selected rows,
#: the rows that give none (with the reason), and, for a contrast, each level's (or arm's) own
#: proportion behind it.
EFFECT_SIZES: dict[str, EffectsFn] = {
    "proportion": _PROPORTION,
    "factor_ratio": _RATIO,
    "factor_levels": _levels,
    "versus_arms": arm_contrasts,
    "versus_ratios": _RATIO,
}


def effect_sizes(form: KindForm) -> EffectsFn:
    """The effect-size function of a kind that pools one number per report."""
    if form.form not in EFFECT_SIZES:
        raise KeyError(f"analysis kind {form.form!r} does not pool one number per report (no effect sizes here)")
    return EFFECT_SIZES[form.form]

