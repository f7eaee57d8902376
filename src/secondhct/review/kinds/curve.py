"""``kind: survival_curve``: a summary survival curve from every time point each report prints.

Selection is the protocol's (:func:`~secondhct.protocol.select.select`, every time point
inside the window, the primary rules on population, time origin, estimator, selected cohorts
and overlap). Each row's value and its SE come from the extraction as printed, as for a
proportion (:func:`~secondhct.review.effects.proportion_effect` on the raw scale): a stated
SE, a CI, a '±' read as SE (flagged), else the binomial variance from n (flagged as
approximate, it ignores censoring). A row at 100% or 0% on the survival scale (log(-log S) is
infinite there) is left out and named in the warnings, never continuity-corrected; a report whose
rows the model cannot take (a variance that does not grow with time) is left out with the reason.

The model is :mod:`secondhct.stats.curve` (Arends, Hunink & Stijnen, Stat Med 2008;27:4381-4396):
y = log(-log S), Greenwood's within-report covariance, a random intercept per report, a
Weibull-shaped curve; relapse and NRM are modelled as 1 - the cumulative incidence and
reported as the incidence. The protocol's few-studies rule chooses the primary model as for
one number per report (:mod:`secondhct.review.rules`): with 2 to ``max_k`` reports the
Bayesian model with the protocol's prior on τ, else REML; the other, the wider prior and the
categorical-time model (one mean per distinct time, where rows - times >= 2) are sensitivity
analyses. With one report its own points are fitted and the curve is called one report's.
The rules follow ``../shared/METHODS.md`` section 8 (survival at several time points in one model)
and section 7 (Greenwood; relapse and NRM as competing risks, Gooley et al., Stat Med 1999;18:695-706).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...errors import PoolingError
from ...extraction.fieldtypes import PROPORTION_SCALE
from ...extraction.timepoint import parse_time_point
from ...outcomes import competing_role
from ...protocol.schema import CurveOptions
from ...protocol.select import Candidate, Exclusion, overlap_exclusions, select
from ..analysis import Chosen
from ..effects import NoEffect, StudyEffect, proportion_effect

if TYPE_CHECKING:
    from ...extraction.schema import StudyExtraction
    from ...protocol.load import Plan
    from ...stats.curve_data import CurveData, CurveRow


@dataclass(frozen=True)
class Fitted:
    """One curve model: its name and title, the fit (frequentist or Bayesian) and its predictions (None: not fitted, ``note`` says why)."""

    name: str
    title: str
    fit: Any
    predictions: Any
    note: str = ""


@dataclass(frozen=True)
class CurveResult:
    """A curve analysis: its rows, the reports left out, the primary model and the sensitivity models."""

    plan: Plan
    effects: tuple[StudyEffect, ...]
    excluded: tuple[Exclusion, ...]
    studies: Mapping[str, StudyExtraction]
    synthesis: str
    primary: Fitted | None
    sensitivity: tuple[Fitted, ...]
    warnings: tuple[str, ...]
    data: Any = None
    """The model's rows (:class:`~secondhct.stats.curve_data.CurveData`: y, w, V); None without a report."""

    @property
    def incidence(self) -> bool:
        return is_incidence(self.plan)

    @property
    def options(self) -> CurveOptions:
        return self.plan.analysis.curve or CurveOptions()


def is_incidence(plan: Plan) -> bool:
    """Relapse and NRM (competing incidences): the model takes 1 - the incidence, the record the incidence."""
    return all(competing_role(o) in ("relapse", "nrm") for o in plan.analysis.outcomes)


def years_of(study: StudyExtraction, index: int) -> float:
    months = parse_time_point(study.outcomes[index].time or "").months
    assert months is not None  # selection keeps stated time points only
    return months / 12


def curve_rows(plan: Plan, effects: Sequence[StudyEffect], by_key: Mapping[str, StudyExtraction]) -> list[CurveRow]:
    """The model's rows: time in years, S (1 - the incidence for relapse and NRM), n, and the SE of
    S unless it came from n alone (then the model computes the binomial variance and flags it)."""
    from ...stats.curve_data import CurveRow

    flip = is_incidence(plan)
    return [
        CurveRow(e.key, years_of(by_key[e.key], e.index), 1 - e.effect.yi if flip else e.effect.yi, e.n,
                 None if e.effect.approximate else math.sqrt(e.effect.vi))
        for e in effects
    ]  # fmt: skip


def outcome_values(p: Any, incidence: bool) -> tuple[float, float, float, float, float]:
    """A prediction of either model (frequentist: estimate, CI, PI; Bayesian: median, credible and
    predictive intervals) as (value, lb, ub, pred_lb, pred_ub) of the outcome itself: S, or for an
    incidence 1 - S with the bounds swapped."""
    if hasattr(p, "surv_median"):
        s = (p.surv_median, p.surv_lb, p.surv_ub, p.surv_pred_lb, p.surv_pred_ub)
    else:
        s = (p.surv, p.surv_ci_lb, p.surv_ci_ub, p.surv_pi_lb, p.surv_pi_ub)
    if incidence:
        return 1 - s[0], 1 - s[2], 1 - s[1], 1 - s[4], 1 - s[3]
    return s


def _report_problem(plan: Plan, effects: Sequence[StudyEffect], by_key: Mapping[str, StudyExtraction]) -> str | None:
    """Why the model cannot take one report's rows (None: it can)."""
    from ...stats.curve_data import prepare_curve

    try:
        prepare_curve(curve_rows(plan, effects, by_key))
    except PoolingError as exc:
        return str(exc)
    return None


def _printed(cand: Candidate) -> float | None:
    """A row's value as printed, as a proportion (None when it prints neither an estimate nor counts)."""
    out = cand.outcome
    if out.estimate is not None and out.unit in PROPORTION_SCALE:
        return float(out.estimate) / PROPORTION_SCALE[out.unit]
    if out.events is not None and out.total:
        return out.events / out.total
    return None


def _boundary(plan: Plan, cand: Candidate) -> str | None:
    """Why a row at S = 1 or S = 0 (after the flip of an incidence) cannot enter the model: log(-log S)
    is infinite there (None: it can). S = 1 is a true value before the first event, with no
    information on the curve's level; it is left out, never continuity-corrected."""
    p = _printed(cand)
    if p is None:
        return None
    s = 1 - p if is_incidence(plan) else p
    if s >= 1 or s <= 0:
        return f"outcomes[{cand.index}] ({cand.outcome.time}: {100 * p:g}%) is {'1' if s >= 1 else '0'} on the survival scale: not modelled"
    return None


def choose(plan: Plan, studies: Sequence[StudyExtraction], years: Mapping[str, int | None]) -> Chosen:
    """Every qualifying row of every report, each with its value and SE; then the reports the model
    cannot take, and one report per cluster that may share patients (among those left)."""
    return _choose(plan, studies, years)[0]


def _choose(plan: Plan, studies: Sequence[StudyExtraction], years: Mapping[str, int | None]) -> tuple[Chosen, list[str]]:
    """:func:`choose`, and the rows left out at S = 1 or 0 (in words, for the warnings)."""
    selection = select(plan, studies, years, one_per_overlap_group=False)
    by_key = {s.key: s for s in studies}
    excluded = list(selection.excluded)
    notes = {(c.key, c.index): why for c in selection.included if (why := _boundary(plan, c)) is not None}
    kept = [c for c in selection.included if (c.key, c.index) not in notes]
    for key in dict.fromkeys(k for k, _ in notes):
        if all(c.key != key for c in kept):
            excluded.append(Exclusion(key, "outcome", "every value is 100% or 0%: " + "; ".join(w for (k, _), w in notes.items() if k == key)))
    made = [proportion_effect(c, "PR") for c in kept]
    excluded += [Exclusion(m.key, "outcome", f"no value: {m.reason}") for m in made if isinstance(m, NoEffect)]
    effects = [m for m in made if isinstance(m, StudyEffect)]
    for key in dict.fromkeys(e.key for e in effects):
        problem = _report_problem(plan, [e for e in effects if e.key == key], by_key)
        if problem is not None:
            excluded.append(Exclusion(key, "outcome", f"the curve model cannot take its rows: {problem}"))
            effects = [e for e in effects if e.key != key]
    usable = {e.key for e in effects}
    overlap = overlap_exclusions([c for c in kept if c.key in usable], plan, years)
    gone = {x.key for x in overlap}
    chosen = Chosen([e for e in effects if e.key not in gone], sorted([*excluded, *overlap], key=lambda x: x.key), [])
    entered = {e.key for e in chosen.effects}
    return chosen, [f"{k}: {w}" for (k, _), w in notes.items() if k in entered]


def _fit(name: str, title: str, rows: CurveData, times: Sequence[float], *, method: str, time_model: str,
         tau_prior: str | None = None) -> Fitted:  # fmt: skip
    """One model fitted and predicted at ``times`` (a model that cannot be fitted says why)."""
    from ...stats.curve import fit_curve, predict
    from ...stats.curve_bayes import bayes_curve, predict_bayes

    try:
        if tau_prior is not None:
            posterior = bayes_curve(rows, tau_prior=tau_prior, time_model=time_model)
            return Fitted(name, title, posterior, predict_bayes(posterior, times))
        fitted = fit_curve(rows, method=method, time_model=time_model)
        return Fitted(name, title, fitted, predict(fitted, times))
    except PoolingError as exc:
        return Fitted(name, title, None, None, str(exc))


#: The time models in words: as a model's title, and as a phrase ("instead of a Weibull-shaped curve").
SHAPE_WORDS = {"weibull": ("Weibull-shaped curve", "a Weibull-shaped curve"),
               "categorical": ("one mean per distinct time", "one mean per distinct time")}  # fmt: skip


def _models(plan: Plan, data: CurveData | None) -> tuple[str, Fitted | None, list[Fitted]]:
    """The synthesis of the few-studies rule (:func:`secondhct.review.rules.synthesis`), the primary
    model and the sensitivity models, all fitted to the same prepared rows."""
    from ...stats.priors import parse_tau_prior
    from ..rules import synthesis

    kind = synthesis(plan, data.k if data is not None else 0)
    if data is None or kind == "none":
        return "none", None, []
    options, few = plan.analysis.curve or CurveOptions(), plan.few_studies
    times, shape = options.times, options.time_model
    freq = _fit(options.method.lower(), f"{options.method}, {SHAPE_WORDS[shape][0]} (frequentist random effects)", data, times,
                method=options.method, time_model=shape)  # fmt: skip
    if kind == "single_report":
        return kind, freq, []

    def bayes(prior: str, wide: bool = False) -> Fitted:
        words = f"Bayesian, {SHAPE_WORDS[shape][0]}, {parse_tau_prior(prior).describe()} prior on τ"
        return _fit("bayes-wide" if wide else "bayes", words, data, times, method="BAYES", time_model=shape, tau_prior=prior)

    other = "categorical" if shape == "weibull" else "weibull"
    alternative: list[Fitted] = []
    if other == "weibull" or data.n_rows - len(set(data.time.tolist())) >= 2:
        prior = few.tau_prior if kind == "few_studies" else None
        alternative.append(_fit(f"{other}-time", f"{SHAPE_WORDS[other][1]} instead of {SHAPE_WORDS[shape][1]}", data, times,
                                method=options.method, time_model=other, tau_prior=prior))  # fmt: skip
    if kind == "few_studies":
        return kind, bayes(few.tau_prior), [freq, bayes(few.sensitivity_tau_prior, wide=True), *alternative]
    return kind, freq, [bayes(few.tau_prior), *alternative]


def run(plan: Plan, studies: Sequence[StudyExtraction], years: Mapping[str, int | None]) -> CurveResult:
    """Select every qualifying row, fit the protocol's models, predict at its time points."""
    chosen, boundary = _choose(plan, studies, years)
    by_key = {s.key: s for s in studies}
    rows = curve_rows(plan, chosen.effects, by_key)
    data = None
    if rows:
        from ...stats.curve_data import prepare_curve

        data = prepare_curve(rows)  # every report's rows were checked in choose(); each model fits these
    k = data.k if data is not None else 0
    synthesis, primary, sensitivity = _models(plan, data)
    warnings = [f"plateau: {r.study} at {r.time:g} years repeats the value before it and is not modelled" for r in data.dropped] if data else []
    warnings += boundary
    if synthesis == "single_report" and primary is not None and primary.fit is not None:
        warnings.append("one report: its own time points fitted by the curve, not a pooled estimate")
    if k == 0:
        warnings.append("no report gives a usable value: no curve")
    if is_incidence(plan):
        warnings.append("relapse and NRM are competing risks: 1 - the cumulative incidence is modelled as a survival "
                        "curve, and Greenwood's covariance is an approximation for it")  # fmt: skip
    approx = sorted({e.key for e in chosen.effects if e.effect.approximate})
    if approx:
        warnings.append(f"binomial approximation of the variance (ignores censoring): {', '.join(approx)}")
    assumed = sorted({e.key for e in chosen.effects if e.assumed_se})
    if assumed:
        warnings.append(f"'±' read as the SE (not stated in the paper): {', '.join(assumed)}")
    return CurveResult(plan, tuple(chosen.effects), tuple(chosen.excluded), by_key, synthesis, primary, tuple(sensitivity),
                       tuple(warnings), data)  # fmt: skip
