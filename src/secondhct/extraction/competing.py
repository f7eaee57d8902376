"""The competing-risk checks of one extraction: relapse and non-relapse mortality at one time point
cannot exceed 100% together, and with event-free survival (LFS, EFS, ...) they add up to 100%
(they partition the cohort; Gooley et al., Stat Med 1999;18:695-706). Where they do not, the
usual cause is an incidence estimated as 1 - Kaplan-Meier, which overstates it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from ..outcomes import competing_role
from .consistency import half_unit
from .finding import Finding
from .schema import PROPORTION_SCALE, Outcome, StudyExtraction
from .timepoint import parse_time_point

_SCALE = PROPORTION_SCALE


def _fmt(value: float) -> str:
    return f"{value:g}"


def _percent(out: Outcome) -> float | None:
    """The estimate in percent, or None if it is not a valid proportion (reported elsewhere)."""
    if out.estimate is None or out.unit not in _SCALE:
        return None
    value = out.estimate * 100 / _SCALE[out.unit]
    return value if 0 <= value <= 100 else None


def relapse_plus_nrm(study: StudyExtraction) -> Iterator[Finding]:
    """Relapse and non-relapse mortality are competing events: their incidences cannot exceed 100%."""
    groups: dict[tuple[Any, ...], dict[str, tuple[int, Outcome]]] = defaultdict(dict)
    for i, out in enumerate(study.outcomes):
        kind = competing_role(out.outcome)
        if kind not in ("relapse", "nrm") or _percent(out) is None:
            continue
        if out.time is None or not parse_time_point(out.time).stated:
            continue
        tp = parse_time_point(out.time)
        groups[(out.arm, out.subgroup, tp.months, out.time_origin)][kind] = (i, out)
    for pair in groups.values():
        if len(pair) == 2:
            (_, rel), (j, nrm) = pair["relapse"], pair["nrm"]
            total = (_percent(rel) or 0) + (_percent(nrm) or 0)
            slack = 100 * (half_unit(rel.estimate or 0) / _SCALE[rel.unit or "percent"] + half_unit(nrm.estimate or 0) / _SCALE[nrm.unit or "percent"])
            if total > 100 + slack:
                yield Finding("warning", ("outcomes", j, "estimate"), f"relapse ({_fmt(_percent(rel) or 0)}%) + NRM ({_fmt(_percent(nrm) or 0)}%) at {nrm.time} add up to {total:g}%, above 100%", "competing-risks")


#: The outcomes whose competing-risk role is event-free survival (secondhct.outcomes: with relapse and NRM
#: they partition the cohort), in the order one is preferred when a report prints several.
_EVENT_FREE = ("lfs", "dfs", "efs", "rfs", "pfs")
_COHERENCE_POINTS = 3.0


def competing_risks_add_up(study: StudyExtraction) -> Iterator[Finding]:
    """Event-free survival, relapse and NRM at one time point for one group add up to 100%.

    A Kaplan-Meier LFS and the cumulative incidences of its two competing events partition the
    cohort, so their sum is 100% up to rounding; more than 3 points above points to relapse or NRM
    estimated as 1 - Kaplan-Meier (which overstates both), below to different event definitions or
    cohorts. Only rows at one stated time point, group (arm, subgroup) and time origin are compared.
    """
    groups: dict[tuple[Any, ...], dict[str, tuple[int, Outcome]]] = defaultdict(dict)
    for i, out in enumerate(study.outcomes):
        role = competing_role(out.outcome)
        kind = "free" if role == "event_free" else role
        if kind not in ("relapse", "nrm", "free") or _percent(out) is None or out.conditional_on:
            continue
        if out.time is None or not parse_time_point(out.time).stated:
            continue
        tp = parse_time_point(out.time)
        slot = groups[(out.arm, out.subgroup, tp.months, out.time_origin)]
        if kind not in slot or kind == "free" and _EVENT_FREE.index(out.outcome) < _EVENT_FREE.index(slot[kind][1].outcome):
            slot[kind] = (i, out)  # LFS before DFS, EFS, RFS, PFS when a report prints several
    for slot in groups.values():
        if len(slot) < 3:
            continue
        (i, free), (j, rel), (k, nrm) = slot["free"], slot["relapse"], slot["nrm"]
        total = sum(_percent(o) or 0 for o in (free, rel, nrm))
        if abs(total - 100) <= _COHERENCE_POINTS:
            continue
        why = ("relapse or NRM estimated as 1 − Kaplan-Meier overstates both" if total > 100
               else "the three do not share one event definition or cohort")
        rows = ", ".join(f"{o.outcome if o.outcome == 'relapse' else o.outcome.upper()} outcomes[{n}] {_fmt(_percent(o) or 0)}%"
                         for n, o in ((i, free), (j, rel), (k, nrm)))
        yield Finding(
            "warning", ("outcomes", i, "estimate"),
            f"{rows} at {free.time} add up to {total:.4g}%, not 100% within ±{_COHERENCE_POINTS:g} points "
            f"(competing risks partition the cohort; {why})", "competing-risks",
        )
