"""From a selected row of an extraction to an effect size on the analysis scale.

Every number used comes from the extraction as printed; what is derived, and
how, is recorded on the :class:`StudyEffect` (``derivation``), and anything
that rests on an assumption is flagged:

* ``assumed_se``: a "±" whose meaning the paper does not state, read as the SE
  of the estimate (it usually is the SE of a Kaplan-Meier or cumulative-incidence
  estimate, but that is not stated);
* ``approximate``: a binomial variance from n alone, which ignores censoring.

The order of preference for a proportion is: a stated SE; a CI with a stated
level; a "±" read as SE; events/total; the estimate with the number of
patients (binomial approximation). A row with none of these is excluded with
its reason, never filled in.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import PoolingError
from ..extraction.schema import CI, PROPORTION_SCALE, Outcome, is_not_significant
from ..protocol.load import Plan
from ..protocol.select import Candidate
from ..stats.escalc import (
    EffectSize,
    proportion_effect_sizes,
    proportion_from_ci,
    proportion_from_n,
    proportion_from_se,
    ratio_from_ci,
    ratio_from_p,
)

_SCALE = PROPORTION_SCALE
#: The extraction's words for the scale of a CI -> a code of :data:`secondhct.measures.CI_SCALES`.
_CI_SCALE: dict[str, str] = {"linear": "PR", "log": "PLN", "logit": "PLO", "arcsine": "PAS", "not stated": "PR"}


@dataclass(frozen=True)
class StudyEffect:
    """One row of an analysis: where it comes from, what was printed, and its effect size."""

    key: str
    index: int
    subgroup: str | None
    n: int | None
    reported: str
    effect: EffectSize
    assumed_se: bool = False
    counts: tuple[float, float] | None = None
    """Events and total as printed, when the row gives both (a GLMM can use them)."""

    @property
    def derived(self) -> bool:
        return self.assumed_se or self.effect.approximate


@dataclass(frozen=True)
class NoEffect:
    """A selected row that cannot give an effect size, and why."""

    key: str
    reason: str


def _num(value: float) -> str:
    """A number as printed (ints stay ints, floats keep their decimals)."""
    return str(value)


def reported_text(out: Outcome) -> str:
    """The value in the paper's own form: '29.4 ± 3.7%', '7/13', '40.0% (95% CI 30.4-49.6)'."""
    parts = []
    if out.estimate is not None:
        pct = "%" if out.unit == "percent" else ""
        unit = f" {out.unit}" if out.unit not in _SCALE and out.unit else ""
        if out.plus_minus is not None:
            parts.append(f"{_num(out.estimate)} ± {_num(out.plus_minus)}{pct}{unit}")
        else:
            parts.append(f"{_num(out.estimate)}{pct}{unit}")
            if out.se is not None:
                parts[-1] += f" (SE {_num(out.se)})"
            if out.sd is not None:
                parts[-1] += f" (SD {_num(out.sd)})"
        if out.ci is not None:
            parts[-1] += f" ({_ci_text(out.ci)})"
    if out.events is not None:
        counts = f"{out.events}/{out.total}" if out.total is not None else f"{out.events}"
        parts.append(counts if not parts else f"[{counts}]")
    return " ".join(parts)


def _ci_text(ci: CI) -> str:
    level = f"{ci.level:g}% CI" if ci.level != "not stated" else "CI"
    return f"{level} {_num(ci.lower)}-{_num(ci.upper)}"


def proportion_effect(cand: Candidate, measure: str) -> StudyEffect | NoEffect:
    """The effect size of a proportion row (see the module docstring for the order of preference)."""
    out = cand.outcome
    m = measure
    reported = reported_text(out)
    sub = cand.subgroup.id if cand.subgroup else None
    counts = (float(out.events), float(out.total)) if out.events is not None and out.total else None

    def made(effect: EffectSize, assumed: bool = False) -> StudyEffect:
        return StudyEffect(cand.key, cand.index, sub, cand.n, reported, effect, assumed, counts)

    scale = _SCALE.get(out.unit or "", 0.0)
    p = out.estimate / scale if out.estimate is not None and scale else None
    xi, ni = out.events, out.total
    try:
        if p is not None and 0 < p < 1 and m != "PFT":
            if out.se is not None:
                return made(proportion_from_se(p, out.se / scale, m))
            ci = out.ci
            if ci is not None and ci.level != "not stated" and ci.scale in _CI_SCALE:
                effect = proportion_from_ci(
                    p, ci.lower / scale, ci.upper / scale, m, ci_scale=_CI_SCALE[ci.scale], level=ci.level / 100
                )
                if ci.scale == "not stated":
                    effect = _note(effect, "CI scale not stated: taken as symmetric on the natural scale")
                return made(effect)
            if out.plus_minus is not None:
                source = "the printed '±', assumed to be the SE (not stated in the paper)"
                return made(proportion_from_se(p, out.plus_minus / scale, m, source=source), assumed=True)
        if xi is not None and ni:
            (effect,) = proportion_effect_sizes(m, [xi], [ni])
            return made(effect)
        if p is not None and cand.n:
            return made(proportion_from_n(p, cand.n, m))
    except PoolingError as exc:
        return NoEffect(cand.key, str(exc))
    if p is not None and not 0 < p < 1 and not (xi is not None and ni):
        return NoEffect(cand.key, f"estimate {reported} is at the boundary and no counts are given")
    return NoEffect(cand.key, f"{reported or 'the value'}: no SE, CI, counts or number of patients to weight it")


def _note(effect: EffectSize, note: str) -> EffectSize:
    return EffectSize(effect.yi, effect.vi, effect.measure, f"{effect.derivation}; {note}", effect.approximate)


def ratio_effect(cand: Candidate, plan: Plan) -> StudyEffect | NoEffect:
    """The log ratio of a comparison row, inverted when reported the other way round."""
    comp = cand.comparison
    measure = plan.measure
    reported = f"{comp.measure} {_num(comp.estimate)}" if comp.estimate is not None else comp.measure
    if comp.ci is not None:
        reported += f" ({_ci_text(comp.ci)})"
    if comp.p is not None:
        reported += f", p {comp.p}" if str(comp.p)[:1] in "<>=≤≥" else f", p = {comp.p}"
    try:
        if comp.estimate is None:
            return NoEffect(cand.key, f"{reported}: the ratio itself is not printed")
        if comp.ci is not None and comp.ci.level != "not stated":
            effect = ratio_from_ci(comp.estimate, comp.ci.lower, comp.ci.upper, measure, level=comp.ci.level / 100)
        elif comp.p is not None and not is_not_significant(comp.p):
            effect = ratio_from_p(comp.estimate, comp.p, measure)
        else:
            return NoEffect(cand.key, f"{reported}: no CI with a stated level and no p-value")
    except PoolingError as exc:
        return NoEffect(cand.key, str(exc))
    if cand.inverted:
        flipped = f"{1 / comp.estimate:.4g}"
        if comp.ci is not None:
            flipped += f" (CI {1 / comp.ci.upper:.4g}-{1 / comp.ci.lower:.4g})"
        how = f"{effect.derivation}; inverted (reported as reference vs group): {measure} {flipped}"
        effect = EffectSize(-effect.yi, effect.vi, effect.measure, how, effect.approximate)
    return StudyEffect(cand.key, cand.index, None, cand.n, reported, effect)
