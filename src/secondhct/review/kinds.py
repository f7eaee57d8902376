"""What each analysis kind does, registered under the form names of :mod:`secondhct.protocol.kinds`.

The protocol declares a kind (its rows, its default measure, the fields it needs); this
registry gives its behaviour: how the selected rows become effect sizes. Everything else an
analysis does (pooling, sensitivity and subgroup analyses, records, figures, summary) reads
the declaration's attributes, so a kind that pools one number per report needs only its
declaration and an entry here. :func:`behaviour` refuses a declared kind with no entry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ..extraction.schema import StudyExtraction
from ..protocol.kinds import KindForm
from ..protocol.load import Plan
from ..protocol.select import Candidate, Exclusion
from .contrasts import LevelRow, arm_contrasts, level_contrasts
from .effects import NoEffect, StudyEffect, proportion_effect, ratio_effect

Effects = tuple[list[StudyEffect], list[Exclusion], list[LevelRow]]
EffectsFn = Callable[[Plan, Sequence[Candidate], Sequence[StudyExtraction], Mapping[str, int | None]], Effects]


@dataclass(frozen=True)
class Behaviour:
    """A kind's behaviour: ``effects(plan, candidates, studies, years)`` gives the effect sizes of
    the selected rows, the rows that give none (with the reason), and, for a contrast, each level's
    (or arm's) own proportion behind it."""

    effects: EffectsFn


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


_PROPORTION = Behaviour(_one_per_row(lambda cand, plan: proportion_effect(cand, plan.measure)))
_RATIO = Behaviour(_one_per_row(ratio_effect))

#: Every declared form's behaviour.
BEHAVIOURS: dict[str, Behaviour] = {
    "proportion": _PROPORTION,
    "factor_ratio": _RATIO,
    "factor_levels": Behaviour(_levels),
    "versus_arms": Behaviour(arm_contrasts),
    "versus_ratios": _RATIO,
}


def behaviour(form: KindForm) -> Behaviour:
    """The behaviour of a declared kind."""
    if form.form not in BEHAVIOURS:
        raise KeyError(f"analysis kind {form.form!r} is declared in secondhct.protocol.kinds but has no behaviour here")
    return BEHAVIOURS[form.form]

