"""Two levels of a factor compared within one report: the outcome of each level at the same time
point (or their medians), which level did better, and for survival the log cumulative-hazard ratio
log(-log S_level) - log(-log S_reference) with its delta-method variance
(:func:`secondhct.stats.votecount.log_cumulative_hazard`; issue 24, METHODS.md section 9).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..extraction.schema import Outcome, StudyExtraction, Subgroup
from ..extraction.timepoint import parse_time_point
from ..outcomes import OUTCOMES
from ..stats.votecount import log_cumulative_hazard, log_cumulative_hazard_ratio
from .contrasts import cutoff_text

_TIME_UNITS = ("days", "weeks", "months", "years")


def _higher_is_better(out: Outcome) -> bool:
    info = OUTCOMES.get(out.outcome)
    if out.unit in _TIME_UNITS:  # a median time to the event: longer is better unless the event is good
        return info is None or info.harm or info.role in ("overall", "event_free")
    return info is None or not info.harm


def _same_row(a: Outcome, b: Outcome) -> bool:
    keys = ("outcome", "time", "arm", "unit", "statistic", "conditional_on", "time_origin")
    return all(getattr(a, k) == getattr(b, k) for k in keys)


def _size(out: Outcome, sub: Subgroup) -> int | None:
    for n in (out.n, out.total, sub.n):
        if isinstance(n, int) and n > 0:
            return n
    return None


def _survival(out: Outcome) -> float | None:
    """The survival proportion, when the row is one (a survival outcome in percent or as a proportion)."""
    info = OUTCOMES.get(out.outcome)
    if info is None or info.role not in ("overall", "event_free") or out.estimate is None or out.time is None:
        return None
    if not parse_time_point(out.time).stated or out.unit not in ("percent", "proportion"):
        return None
    return float(out.estimate) / (100 if out.unit == "percent" else 1)


def _lch(pair: tuple[Outcome, Outcome], subs: tuple[Subgroup, Subgroup]) -> tuple[float, float, bool] | None:
    """log cumulative-hazard ratio of the compared vs the reference level, its variance, binomial or not."""
    parts = []
    for out, sub in zip(pair, subs):
        s = _survival(out)
        if s is None or not 0 < s < 1:
            return None
        scale = 100 if out.unit == "percent" else 1
        se = float(out.se) / scale if out.se is not None else None
        n = _size(out, sub)
        if se is not None and se <= 0:  # a zero SE gives no variance: fall back on n (validate reports the SE)
            se = None
        if se is None and n is None:
            return None
        parts.append(log_cumulative_hazard(s, se=se, n=None if se is not None else n))
    y, v = log_cumulative_hazard_ratio(parts[0], parts[1])
    return y, v, parts[0].binomial or parts[1].binomial


def _pairs(codes: tuple[str, ...], level: frozenset[str], reference: frozenset[str],
           study: StudyExtraction) -> Iterator[tuple[tuple[Outcome, Outcome], tuple[Subgroup, Subgroup]]]:  # fmt: skip
    subs = {g.id: g for g in study.subgroups if g.factor in codes}
    rows = [o for o in study.outcomes if o.subgroup in subs and o.estimate is not None]
    for a in rows:
        ga = subs[a.subgroup]  # type: ignore[index]
        if ga.level not in level:
            continue
        for b in rows:
            gb = subs[b.subgroup]  # type: ignore[index]
            if gb.level in reference and gb.factor == ga.factor and _same_row(a, b):
                yield (a, b), (ga, gb)


def level_rows(codes: tuple[str, ...], level: frozenset[str], reference: frozenset[str],
               study: StudyExtraction) -> list[tuple[str | None, dict[str, Any]]]:  # fmt: skip
    """Each pair of a row of a compared ``level`` and one of a ``reference`` level (factor ``codes``) of one
    outcome at one time, as the fields of an :class:`~secondhct.review.factorevidence.EvidenceRow` (with the pair's arm)."""
    out = []
    for (a, b), (ga, gb) in _pairs(codes, level, reference, study):
        unit = "%" if a.unit == "percent" else f" {a.unit}" if a.unit else ""
        when = f" at {a.time}" if a.time and a.time != "not stated" else " (median)" if a.unit in _TIME_UNITS else ""
        va, vb = float(a.estimate), float(b.estimate)  # type: ignore[arg-type]
        better = _higher_is_better(a)
        direction = "no_difference" if va == vb else "level_better" if (va > vb) == better else "reference_better"
        sizes = [_size(a, ga), _size(b, gb)]
        out.append((a.arm or ga.arm, {
            "form": "levels", "outcome": a.outcome, "direction": direction, "adjusted": "unadjusted",
            "reported": f"{ga.level_as_printed} {a.estimate}{unit} vs {gb.level_as_printed} {b.estimate}{unit}{when}",
            "time": a.time or "", "cutoff": cutoff_text(ga.cutoff), "lch": _lch((a, b), (ga, gb)),
            "subgroups": (ga.id, gb.id), "n": sum(sizes) if None not in sizes else None,  # type: ignore[arg-type]
        }))  # fmt: skip
    return out
