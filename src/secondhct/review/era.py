"""Era in an analysis (issue 23, item 4): the meta-regression on the reports' accrual midpoint,
and each report's most recent calendar period in place of its whole cohort.

Pure: takes the plan, the analysis's effects and the extractions; the registered sensitivity
analyses of :mod:`secondhct.review.sensitivity` (``era_meta_regression``, ``recent_era``) call
these and fit what they return.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from ..errors import PoolingError
from ..extraction.accrual import accrual_midpoint
from ..extraction.schema import StudyExtraction
from ..protocol.load import Plan
from ..protocol.select import Candidate, overlap_exclusions, select
from ..stats.metareg import SlopeFit, slope_regression
from ..stats.tau2 import TAU2_METHODS
from .effects import NoEffect, StudyEffect, proportion_effect

#: The era is measured in decades from this calendar year (the intercept is the expected value there).
ERA_ORIGIN = 2000.0


def era(midpoint: float) -> float:
    """A midpoint (decimal calendar year) in decades since :data:`ERA_ORIGIN`: ``(m - 2000) / 10``."""
    return (midpoint - ERA_ORIGIN) / 10


@dataclass(frozen=True)
class EraRegression:
    """The meta-regression of an analysis's effect sizes on the accrual midpoint per decade: the
    reports in it with their midpoints, yi and vi, the fit, and the reports left out (no midpoint)."""

    keys: tuple[str, ...]
    midpoints: tuple[float, ...]
    yi: tuple[float, ...]
    vi: tuple[float, ...]
    fit: SlopeFit
    not_stated: tuple[str, ...]


def era_regression(plan: Plan, effects: Sequence[StudyEffect], studies: Mapping[str, StudyExtraction],
                   min_k: int) -> EraRegression | str:  # fmt: skip
    """The regression on the reports whose accrual period states both bounds, or why it is not run
    (fewer than ``min_k`` such reports; a measure that needs n; a fit that fails)."""
    mids = {e.key: accrual_midpoint(studies[e.key].study.accrual) for e in effects}
    stated = [e for e in effects if mids[e.key] is not None]
    missing = tuple(e.key for e in effects if mids[e.key] is None)
    if len(stated) < min_k:
        return (f"not run: {len(stated)} of {len(effects)} reports state their accrual period "
                f"(at least {min_k} needed for a meta-regression)")  # fmt: skip
    x = [float(mids[e.key] or 0.0) for e in stated]
    yi, vi = tuple(e.effect.yi for e in stated), tuple(e.effect.vi for e in stated)
    method = plan.method if plan.method in TAU2_METHODS and plan.method != "EE" else "REML"  # a mixed-effects model
    try:
        fit = slope_regression(yi, vi, [era(m) for m in x], method=method, test=plan.test)  # type: ignore[arg-type]
    except PoolingError as exc:
        return f"not run: {exc}"
    return EraRegression(tuple(e.key for e in stated), tuple(x), yi, vi, fit, missing)


@dataclass(frozen=True)
class RecentRows:
    """Each report's most recent period row: those that give an effect size, and why the others do not."""

    effects: tuple[StudyEffect, ...]
    unusable: tuple[tuple[str, str], ...]  # (key, reason)
    candidates: tuple[Candidate, ...]


def _latest(cands: Sequence[Candidate]) -> Candidate:
    """Of a report's recent-period rows, the latest: the greatest calendar cut-off, else the last listed."""
    def order(c: Candidate) -> tuple[float, int]:
        cut = c.subgroup.cutoff if c.subgroup is not None else None
        value = getattr(cut, "value", None)
        return (float(value) if isinstance(value, (int, float)) else float("-inf"), c.index)

    return max(cands, key=order)


def recent_rows(plan: Plan, studies: Sequence[StudyExtraction], years: Mapping[str, int | None], factor: str,
                level: str) -> RecentRows:  # fmt: skip
    """The rows an analysis would take by levels of ``factor`` (population, outcome, time, origin and
    estimator rules as for whole arms), one per report at ``level`` (the latest), with effect sizes.

    The number that weights a period's row is its own (events/total, n of the row or of the
    period's subgroup): the whole cohort's n never stands in for a period's, so a period printed
    without its n, SE or CI gives no effect size and is named with that reason.
    """
    by_level = replace(plan, analysis=plan.analysis.model_copy(update={"subgroup": factor}))
    chosen = select(by_level, studies, years, one_per_overlap_group=False)
    per_report: dict[str, list[Candidate]] = {}
    for c in chosen.included:
        if c.subgroup is not None and c.subgroup.factor == factor and c.subgroup.level == level:
            per_report.setdefault(c.key, []).append(c)
    made, unusable, cands = [], [], []
    for key, rows in sorted(per_report.items()):
        cand = _latest(rows)
        out, sub = cand.outcome, cand.subgroup
        own = out.total or out.n or (sub.n if sub is not None and isinstance(sub.n, int) else None)
        cand = replace(cand, n=own)
        effect = proportion_effect(cand, plan.measure)
        if isinstance(effect, NoEffect):
            period = sub.level_as_printed if sub is not None else level
            unusable.append((key, f"({period}): {effect.reason}"))
        else:
            made.append(effect)
            cands.append(cand)
    return RecentRows(tuple(made), tuple(unusable), tuple(cands))


def with_recent_periods(plan: Plan, effects: Sequence[StudyEffect], recent: RecentRows, studies: Mapping[str, StudyExtraction],
                        years: Mapping[str, int | None]) -> tuple[list[StudyEffect], list[str]]:  # fmt: skip
    """The analysis's rows with each report's recent-period row in place of its whole cohort; a
    report that enters only by its period row joins unless it may share patients with a report
    kept by the protocol's overlap rule (then the rule decides, as in the primary analysis).
    Returns the rows and the keys of the reports left out by overlap."""
    by_key = {e.key: e for e in recent.effects}
    rows = [by_key.get(e.key, e) for e in effects]
    added = [e for e in recent.effects if e.key not in {r.key for r in rows}]
    if not added:
        return rows, []
    cand_of = {c.key: c for c in recent.candidates}
    present = [cand_of.get(e.key) or Candidate(e.key, studies[e.key], e.index, e.n) for e in rows]
    gone = {x.key for x in overlap_exclusions([*present, *(cand_of[e.key] for e in added)], plan, years)}
    return [e for e in [*rows, *added] if e.key not in gone], sorted(gone)
