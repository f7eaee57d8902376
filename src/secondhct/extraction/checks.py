"""Rules that relate the fields of one extraction to each other.

Each rule yields :class:`Finding` objects located at the field they concern.
Errors are impossible or self-contradictory values; warnings are printed
numbers that disagree with each other beyond rounding, or that cannot all be
true of one cohort. None of these checks is done by a meta-analysis package.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any, TypeVar

from ..diagnostics import FieldPath
from .competing import competing_risks_add_up, relapse_plus_nrm
from .consistency import half_unit, printed_p_interval, ratio_p_range, se_matches_ci
from .derived import check_derived
from .finding import Finding
from .quotes import check_quotes
from .riskofbias import check_risk_of_bias
from .rowwords import check_row_words
from .schema import CI, PROPORTION_SCALE, Age, FollowUp, Outcome, Range, Source, StudyExtraction
from .slips import check_unit_slips
from .timepoint import duration_in_months, parse_time_point
from .walk import WALKED as _WALKED
from .walk import instances as _instances
from .walk import walk as _walk

_SCALE = PROPORTION_SCALE
_TIME_UNITS = {"days", "weeks", "months", "years"}
T = TypeVar("T")


def check_study(study: StudyExtraction) -> list[Finding]:
    """Every rule applied to one extraction, in a stable order."""
    rules = (
        _identifiers,
        _references,
        _population,
        _outcome_values,
        _comparisons,
        relapse_plus_nrm,
        competing_risks_add_up,
        _subgroup_sizes,
        _follow_up,
        _ranges,
        check_unit_slips,
        check_row_words,
        check_quotes,
        check_risk_of_bias,
        check_derived,
    )
    _WALKED[:] = [(study, _walk(study))]  # the rules look for parts of the study: walk its tree once
    try:
        return [finding for rule in rules for finding in rule(study)]
    finally:
        _WALKED.clear()


def _fmt(value: float) -> str:
    return f"{value:g}"


def _identifiers(study: StudyExtraction) -> Iterator[Finding]:
    for section in ("arms", "subgroups", "patients"):
        seen: dict[str, int] = {}
        for i, item in enumerate(getattr(study, section)):
            if item.id in seen:
                yield Finding("error", (section, i, "id"), f"duplicate id '{item.id}' (also {section}[{seen[item.id]}])", "duplicate-id")
            seen.setdefault(item.id, i)
    seen_docs: dict[str, int] = {}
    for i, doc in enumerate(study.curation.documents):
        if doc.id in seen_docs:
            yield Finding("error", ("curation", "documents", i, "id"), f"duplicate document id '{doc.id}'", "duplicate-id")
        seen_docs.setdefault(doc.id, i)
        if doc.path is None and doc.url is None:
            yield Finding("error", ("curation", "documents", i), "a document needs a path or a url", "document")


def _references(study: StudyExtraction) -> Iterator[Finding]:
    """Every arm, subgroup and document that is named must exist."""
    arms = {a.id: a for a in study.arms}
    subgroups = {s.id: s for s in study.subgroups}
    docs = {d.id for d in study.curation.documents}

    def arm_ref(arm: str | None, path: FieldPath) -> Iterator[Finding]:
        if arm is None and study.default_arm() is None:
            yield Finding("error", path, f"the study has {len(arms)} arms, none containing the others; say which one (arm: {' | '.join(arms)})", "reference")
        elif arm is not None and arm not in arms:
            yield Finding("error", path + ("arm",), f"unknown arm '{arm}'; arms are: {', '.join(arms)}", "reference")

    for i, subgroup in enumerate(study.subgroups):
        yield from arm_ref(subgroup.arm, ("subgroups", i))
    for section in ("outcomes", "comparisons", "patients"):
        for i, item in enumerate(getattr(study, section)):
            if section != "patients":
                yield from arm_ref(item.arm, (section, i))
            elif item.arm is not None and item.arm not in arms:
                yield Finding("error", (section, i, "arm"), f"unknown arm '{item.arm}'", "reference")
    for i, out in enumerate(study.outcomes):
        if out.subgroup is None:
            continue
        sub = subgroups.get(out.subgroup)
        if sub is None:
            known = ", ".join(subgroups) or "none defined"
            yield Finding("error", ("outcomes", i, "subgroup"), f"unknown subgroup '{out.subgroup}' (subgroups: {known})", "reference")
        elif sub.arm is not None and out.arm is not None and sub.arm != out.arm:
            yield Finding("error", ("outcomes", i, "subgroup"), f"subgroup '{sub.id}' belongs to arm '{sub.arm}', not '{out.arm}'", "reference")
    for i, comp in enumerate(study.comparisons):
        for j, sub_id in enumerate(comp.subgroups or []):
            if sub_id not in subgroups:
                yield Finding("error", ("comparisons", i, "subgroups", j), f"unknown subgroup '{sub_id}'", "reference")
    for path, source in _instances(study, Source):
        if source.document is not None and source.document not in docs:
            yield Finding("error", path + ("document",), f"unknown document '{source.document}'; documents: {', '.join(sorted(docs))}", "reference")


def _population(study: StudyExtraction) -> Iterator[Finding]:
    pop = study.population
    if pop.disease_counts:
        for disease in pop.disease_counts:
            if disease not in pop.diseases:
                yield Finding("error", ("population", "disease_counts", disease), f"'{disease}' is counted but not listed in population.diseases", "reference")
        total = sum(pop.disease_counts.values())
        if isinstance(pop.n, int) and total > pop.n:
            yield Finding("warning", ("population", "disease_counts"), f"disease counts add up to {total}, more than the {pop.n} patients", "sizes")
    yield from _arm_sizes(study)
    period = study.study.accrual
    if period and period.start and period.end and period.start > period.end:
        yield Finding("error", ("study", "accrual", "end"), f"accrual ends ({period.end}) before it starts ({period.start})", "impossible")


def _arm_sizes(study: StudyExtraction) -> Iterator[Finding]:
    """Arms nest through ``part_of``; the arms directly inside a parent cannot outnumber it."""
    arms = {a.id: a for a in study.arms}
    for i, arm in enumerate(study.arms):
        if arm.part_of is None:
            continue
        seen: set[str] = {arm.id}
        parent: str | None = arm.part_of
        while parent is not None and parent in arms and parent not in seen:
            seen.add(parent)
            parent = arms[parent].part_of
        if arm.part_of not in arms:
            yield Finding("error", ("arms", i, "part_of"), f"unknown arm '{arm.part_of}'; arms are: {', '.join(arms)}", "reference")
        elif parent is not None and parent in seen:
            yield Finding("error", ("arms", i, "part_of"), f"arm '{arm.id}' is part of itself (through '{arm.part_of}')", "reference")
    parents: dict[str | None, list[int]] = defaultdict(list)
    for i, arm in enumerate(study.arms):
        parents[arm.part_of if arm.part_of in arms else None].append(i)
    for parent_id, children in parents.items():
        total = sum(n for n in (study.arms[i].n for i in children) if isinstance(n, int))
        limit = study.population.n if parent_id is None else arms[parent_id].n
        if isinstance(limit, int) and total > limit:
            where = "population.n" if parent_id is None else f"arm '{parent_id}'"
            yield Finding("warning", ("arms", children[-1], "n"), f"arms {'inside ' + repr(parent_id) if parent_id else 'at the top level'} add up to {total} patients, more than {where} = {limit}", "sizes")


def _arm_n(study: StudyExtraction, arm: str | None) -> int | None:
    arms = {a.id: a for a in study.arms}
    chosen = arms.get(arm or study.default_arm() or "")
    return chosen.n if chosen is not None and isinstance(chosen.n, int) else None


def _spread_fields(out: Outcome) -> list[str]:
    return [name for name in ("se", "sd", "plus_minus") if getattr(out, name) is not None]


def _outcome_values(study: StudyExtraction) -> Iterator[Finding]:
    for i, out in enumerate(study.outcomes):
        yield from _one_outcome(out, ("outcomes", i), _arm_n(study, out.arm))


def _one_outcome(out: Outcome, path: FieldPath, arm_n: int | None) -> Iterator[Finding]:
    if out.estimate is None and out.events is None:
        yield Finding("error", path, "no value: give estimate (with unit) or events (with total)", "form")
    if out.time is None and (out.events is not None or out.unit in _SCALE):
        yield Finding("error", path, "time is required for a proportion or a count (write 'not stated' if the paper gives none)", "form")
    if out.estimate is not None and out.unit is None:
        yield Finding("error", path + ("estimate",), "unit is required with an estimate (percent, proportion, or a time unit)", "unit")
    if out.unit is not None and out.estimate is None:
        yield Finding("error", path + ("unit",), "unit given without an estimate", "form")
    spreads = _spread_fields(out)
    if len(spreads) > 1:
        yield Finding("error", path + (spreads[1],), f"give only one of se, sd, plus_minus (found {', '.join(spreads)})", "form")
    for name in spreads:
        value = getattr(out, name)
        if out.estimate is None:
            yield Finding("error", path + (name,), f"{name} given without an estimate", "form")
        if value <= 0:
            label = {"se": "SE", "sd": "SD", "plus_minus": "± value"}[name]
            yield Finding("error", path + (name,), f"{label} must be positive (got {_fmt(value)})", "impossible")
    if out.total is not None and out.events is None:
        yield Finding("error", path + ("total",), "total given without events", "form")
    if out.events is not None and out.total is not None and out.events > out.total:
        yield Finding("error", path + ("events",), f"events ({out.events}) exceed total ({out.total})", "impossible")
    if out.events is not None and out.total == 0:  # 0/0 is no proportion: nothing to pool, nothing to show
        yield Finding("error", path + ("total",), "total is 0: events/total needs at least one patient", "impossible")
    if out.total is not None and arm_n is not None and out.total > arm_n:
        yield Finding("warning", path + ("total",), f"total ({out.total}) is larger than the arm ({arm_n} patients)", "sizes")
    if out.n is not None and arm_n is not None and out.n > arm_n:
        yield Finding("warning", path + ("n",), f"n ({out.n}) is larger than the arm ({arm_n} patients)", "sizes")
    yield from _statistic_matches_unit(out, path)
    yield from _estimator_matches_statistic(out, path)
    yield from _bounds(out, path)
    yield from _ci_checks(out, path)
    yield from _events_match_estimate(out, path)


def _statistic_matches_unit(out: Outcome, path: FieldPath) -> Iterator[Finding]:
    if out.unit in _TIME_UNITS and out.statistic in ("kaplan_meier", "cumulative_incidence", "crude_proportion"):
        yield Finding("error", path + ("statistic",), f"a {out.statistic} estimate is a proportion, but unit is {out.unit}", "unit")
    if out.unit in _SCALE and out.statistic in ("median", "mean"):
        yield Finding("error", path + ("statistic",), f"a {out.statistic} is a time, but unit is {out.unit}", "unit")


_ESTIMATOR_CODES = ("kaplan_meier", "cumulative_incidence", "crude_proportion")


def _estimator_matches_statistic(out: Outcome, path: FieldPath) -> Iterator[Finding]:
    """``statistic`` and ``estimator`` name how the number was computed; written both, they must agree."""
    if out.statistic in _ESTIMATOR_CODES and "estimator" in out.model_fields_set and out.estimator != out.statistic:
        yield Finding("error", path + ("estimator",), f"estimator {out.estimator} contradicts statistic {out.statistic} of the same row", "estimator")


def _bounds(out: Outcome, path: FieldPath) -> Iterator[Finding]:
    if out.unit is None or out.estimate is None:
        return
    values: list[tuple[FieldPath, float]] = [(path + ("estimate",), out.estimate)]
    if out.ci is not None:
        values += [(path + ("ci", "lower"), out.ci.lower), (path + ("ci", "upper"), out.ci.upper)]
    if out.unit in _SCALE:
        top = _SCALE[out.unit]
        for where, value in values:
            if not 0 <= value <= top:
                hint = " (is it a percentage? then unit: percent)" if out.unit == "proportion" and 0 <= value <= 100 else ""
                yield Finding("error", where, f"{_fmt(value)} is outside 0-{_fmt(top)} for unit {out.unit}{hint}", "range")
        for name in _spread_fields(out):
            if getattr(out, name) > top:
                yield Finding("error", path + (name,), f"{name} {_fmt(getattr(out, name))} is larger than the whole scale (0-{_fmt(top)})", "range")
    else:
        for where, value in values:
            if value < 0:
                yield Finding("error", where, f"a duration cannot be negative ({_fmt(value)})", "range")


def _ci_checks(out: Outcome, path: FieldPath) -> Iterator[Finding]:
    ci = out.ci
    if ci is None:
        return
    if out.estimate is None:
        yield Finding("error", path + ("ci",), "ci given without an estimate", "form")
        return
    if ci.lower > ci.upper:
        yield Finding("error", path + ("ci",), f"CI lower bound {_fmt(ci.lower)} is above the upper bound {_fmt(ci.upper)}", "impossible")
        return
    if not ci.lower <= out.estimate <= ci.upper:
        yield Finding("error", path + ("estimate",), f"estimate {_fmt(out.estimate)} lies outside its own CI [{_fmt(ci.lower)}, {_fmt(ci.upper)}]", "impossible")
        return
    spread = out.se if out.se is not None else out.plus_minus
    if spread is None or spread <= 0 or out.unit not in _SCALE or ci.level == "not stated":
        return
    scales = [ci.scale] if ci.scale != "not stated" else ["linear", "log", "log_log", "logit", "arcsine"]
    ok, implied = se_matches_ci(out.estimate, spread, ci.lower, ci.upper, ci.level, _SCALE[out.unit], scales)
    if not ok:
        name = "se" if out.se is not None else "plus_minus"
        shown = ", ".join(f"{s}: [{lo:.3g}, {hi:.3g}]" for s, (lo, hi) in implied.items())
        yield Finding(
            "warning", path + (name,),
            f"{name} {_fmt(spread)} is inconsistent with the {ci.level:g}% CI [{_fmt(ci.lower)}, {_fmt(ci.upper)}] "
            f"beyond rounding, read as a standard error; it implies {shown}", "se-ci",
        )


def _events_match_estimate(out: Outcome, path: FieldPath) -> Iterator[Finding]:
    if out.events is None or not out.total or out.estimate is None or out.unit not in _SCALE:
        return
    crude = out.events / out.total * _SCALE[out.unit]
    # a Kaplan-Meier or cumulative-incidence estimate differs from events/total when patients are censored
    unstated = out.statistic in ("crude_proportion", "not stated") and out.estimator in ("crude_proportion", "not stated")
    if abs(crude - out.estimate) > half_unit(out.estimate) + 1e-12 and unstated:
        yield Finding(
            "warning", path + ("estimate",),
            f"estimate {_fmt(out.estimate)} does not match events/total = {out.events}/{out.total} = {crude:.4g} beyond rounding",
            "events-estimate",
        )


def _comparisons(study: StudyExtraction) -> Iterator[Finding]:
    for i, comp in enumerate(study.comparisons):
        path: FieldPath = ("comparisons", i)
        if comp.measure == "none":
            for name in ("estimate", "ci"):
                if getattr(comp, name) is not None:
                    yield Finding("error", path + (name,), f"measure 'none' (a p-value only) cannot have {name}; set the measure", "form")
            if comp.p is None:
                yield Finding("error", path + ("p",), "measure 'none' needs the p-value", "form")
            continue
        if comp.estimate is not None and comp.estimate <= 0:
            yield Finding("error", path + ("estimate",), f"a {comp.measure} must be positive (got {_fmt(comp.estimate)})", "range")
            continue
        if comp.estimate is None and comp.p is None:
            yield Finding("error", path, f"a {comp.measure} needs an estimate or a p-value", "form")
        if comp.ci is not None:
            yield from _ratio_ci(comp.estimate, comp.ci, comp.p, comp.measure, path)


def _ratio_ci(estimate: float | None, ci: CI, p: Any, measure: str, path: FieldPath) -> Iterator[Finding]:
    if estimate is None:
        yield Finding("error", path + ("ci",), "ci given without an estimate", "form")
        return
    if ci.lower <= 0:
        yield Finding("error", path + ("ci", "lower"), f"a {measure} CI bound must be positive (got {_fmt(ci.lower)})", "range")
        return
    if ci.lower > ci.upper:
        yield Finding("error", path + ("ci",), f"CI lower bound {_fmt(ci.lower)} is above the upper bound {_fmt(ci.upper)}", "impossible")
        return
    if not ci.lower <= estimate <= ci.upper:
        yield Finding("error", path + ("estimate",), f"{measure} {_fmt(estimate)} lies outside its own CI [{_fmt(ci.lower)}, {_fmt(ci.upper)}]", "impossible")
        return
    if p is None or ci.level == "not stated" or ci.lower == ci.upper:
        return
    centre, p_min, p_max = ratio_p_range(estimate, ci.lower, ci.upper, ci.level)
    lo, hi = printed_p_interval(p)
    if centre == centre and (hi < p_min or lo > p_max):  # centre == centre: not NaN
        yield Finding(
            "warning", path + ("p",),
            f"printed p = {p} disagrees with {measure} {_fmt(estimate)} ({ci.level:g}% CI {_fmt(ci.lower)}-{_fmt(ci.upper)}), "
            f"which gives p = {centre:.3g} (Wald, {p_min:.3g} to {p_max:.3g} allowing for rounding)", "p-ratio",
        )


def _subgroup_sizes(study: StudyExtraction) -> Iterator[Finding]:
    by_factor: dict[tuple[str | None, str], list[int]] = defaultdict(list)
    for i, sub in enumerate(study.subgroups):
        by_factor[(sub.arm, sub.factor)].append(i)
    for (arm, factor), indices in by_factor.items():
        sizes = [study.subgroups[i].n for i in indices]
        known = [n for n in sizes if isinstance(n, int)]
        cohort = _arm_n(study, arm)
        if cohort is not None and sum(known) > cohort:
            yield Finding("warning", ("subgroups", indices[-1], "n"), f"subgroups of '{factor}' add up to {sum(known)} patients, more than the {cohort} in the arm", "sizes")


def _follow_up(study: StudyExtraction) -> Iterator[Finding]:
    fu = study.study.follow_up
    if fu is None:
        return
    if fu.range is not None:
        limit, what = duration_in_months(fu.range.upper, fu.unit), f"the longest follow-up ({_fmt(fu.range.upper)} {fu.unit})"
    elif fu.value is not None and fu.statistic in ("median", "mean", "individual"):
        limit, what = duration_in_months(fu.value, fu.unit), f"the {fu.statistic} follow-up ({_fmt(fu.value)} {fu.unit}); few patients can be at risk then"
    else:
        return
    for i, out in enumerate(study.outcomes):
        months = parse_time_point(out.time).months if out.time else None
        if months is not None and months > limit + 1e-9:
            yield Finding("warning", ("outcomes", i, "time"), f"time point {out.time} is beyond {what}", "follow-up")


def _ranges(study: StudyExtraction) -> Iterator[Finding]:
    """Ranges run upwards; durations and ages are not negative."""
    for path, rng in _instances(study, Range):
        if rng.lower > rng.upper:
            yield Finding("error", path, f"range lower {_fmt(rng.lower)} is above upper {_fmt(rng.upper)}", "impossible")
    items: list[tuple[FieldPath, FollowUp | Age]] = [*_instances(study, FollowUp), *_instances(study, Age)]
    for path, item in items:
        for name in ("value", "median", "mean"):
            value = getattr(item, name, None)
            if value is not None and value < 0:
                yield Finding("error", path + (name,), f"cannot be negative (got {_fmt(value)})", "range")
        if item.range is not None and item.range.lower < 0:
            yield Finding("error", path + ("range", "lower"), f"cannot be negative (got {_fmt(item.range.lower)})", "range")
