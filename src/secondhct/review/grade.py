"""GRADE certainty of the evidence per analysis, judged from numbers the build computes.

Pure functions on numbers; every reason is generated from the current numbers, so it cannot go
stale. The protocol may override a domain (``certainty:`` of an analysis in ``protocol.yaml``)
with a reason of its own; :mod:`secondhct.review.gradecheck` flags one whose reason cites numbers
the build no longer gives.

* Levels high ⊕⊕⊕⊕, moderate ⊕⊕⊕◯, low ⊕⊕◯◯, very low ⊕◯◯◯ (Balshem H, et al. J Clin Epidemiol
  2011;64:401-406).
* The starting level follows the question (the analysis kind's ``grade_start``, stated in the
  protocol's ``defaults.certainty.start``): overall prognosis and prognostic factors start cohort
  evidence at high (Iorio A, et al. BMJ 2015;350:h870; Foroutan F, et al. J Clin Epidemiol
  2020;121:62-70); non-randomised comparisons of interventions at low (Balshem 2011).
* Five domains rate down by one (serious) or two (very serious) levels (Guyatt GH, et al. J Clin
  Epidemiol 2011;64:383-394 and the series that follows): risk of bias (GRADE 4), inconsistency
  (GRADE 7, METHODS.md §11), indirectness (GRADE 8), imprecision against the thresholds the protocol
  states (minimally contextualised approach, Zeng L, et al. J Clin Epidemiol 2022;142:200-208) and
  the optimal information size (GRADE 6), publication bias (GRADE 5: "undetected" unless there is a
  reason to suspect it; too few reports for a funnel plot is not one).
* Plain-language statements use the wording of Santesso N, et al. J Clin Epidemiol 2020;119:126-135:
  high "…", moderate "probably", low "may", very low "very uncertain".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..families import FAMILIES
from ..outcomes import outcome_verbs

LEVELS = ("very_low", "low", "moderate", "high")
LEVEL_WORDS = {"very_low": "very low", "low": "low", "moderate": "moderate", "high": "high"}
LEVEL_SYMBOLS = {"very_low": "⊕◯◯◯", "low": "⊕⊕◯◯", "moderate": "⊕⊕⊕◯", "high": "⊕⊕⊕⊕"}
DOMAINS = ("risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias")
DOMAIN_WORDS = {"risk_of_bias": "risk of bias", "inconsistency": "inconsistency", "indirectness": "indirectness",
                "imprecision": "imprecision", "publication_bias": "publication bias"}  # fmt: skip
RATINGS = ("not_serious", "serious", "very_serious")
RATING_STEPS = {"not_serious": 0, "serious": 1, "very_serious": 2}

#: The risk-of-bias domains that can bias the estimate of each question, by tool: who was counted
#: (selection: inclusion criteria, consecutive and complete inclusion), how the outcome was followed
#: and which estimator gave it (JBI items 1, 4, 5, 8, 10; Munn Z, et al. JBI Evid Synth 2020;18:2127-33);
#: every QUIPS domain (Hayden JA, et al. Ann Intern Med 2013;158:280-6). Items that only describe the
#: report (demographics, clinical information, sites) and the definition of relapse do not bias survival.
MATTERS: dict[str, tuple[str, ...]] = {
    "jbi_case_series": ("inclusion_criteria", "consecutive_inclusion", "complete_inclusion", "outcomes_follow_up", "statistics"),
    "quips": ("participation", "attrition", "factor_measurement", "outcome_measurement", "confounding", "analysis"),
}
#: I² from which, with Cochran's Q p < 0.10, inconsistency is serious (Cochrane Handbook ch. 10:
#: 50-90% "may represent substantial heterogeneity"; GRADE 7); from 75% ("considerable") very serious
#: when the intervals do not all overlap.
I2_SERIOUS, I2_VERY_SERIOUS, Q_ALPHA = 50.0, 75.0, 0.10
#: Fewer reports than this and no funnel plot or Egger test (Sterne JAC, et al. BMJ 2011;343:d4002).
EGGER_MIN_K = 10
#: Events a ratio estimate should rest on (GRADE 6's rule of thumb; Guyatt GH, et al. J Clin Epidemiol
#: 2011;64:1283-1293).
OIS_EVENTS = 300
_Z = 1.959963984540054


@dataclass(frozen=True)
class Report:
    """What GRADE needs to know about one included report."""

    key: str
    weight: float | None
    n: int | None
    rob: str | None
    """overall risk-of-bias judgement (low, some_concerns, high, unclear) or None when not assessed"""
    source_type: str
    time_origin: str | None
    selected: bool
    leukemia: bool = True
    """False when none of the cohort's diseases is a leukemia (e.g. a report of MDS only)"""
    tool: str = "jbi_case_series"
    domains: Mapping[str, str] = field(default_factory=dict)
    """the tool's domain judgements (code -> low, some_concerns, high, unclear, not_applicable)"""


@dataclass(frozen=True)
class Pooled:
    """The analysis result GRADE reads (natural scale, proportions 0-1 or ratios), with each
    report's effect on the analysis scale (``yi``, ``vi``) and its interval on the natural scale."""

    family: str
    k: int
    estimate: float | None
    ci_lb: float | None
    ci_ub: float | None
    yi: tuple[float, ...] = ()
    vi: tuple[float, ...] = ()
    rows: tuple[tuple[float, float, float], ...] = ()
    """each report's (estimate, lower, upper) on the natural scale"""
    subgroup_p: Mapping[str, float] = field(default_factory=dict)
    """each subgroup factor's test for subgroup differences, p"""


@dataclass(frozen=True)
class Suggestion:
    domain: str
    rating: str
    reason: str


def report_shares(reports: Sequence[Report]) -> list[float]:
    """Each report's share of the evidence: its model weight, else its patients, else equal."""
    if all(r.weight is not None for r in reports):
        total = sum(r.weight or 0.0 for r in reports)
        if total > 0:
            return [(r.weight or 0.0) / total for r in reports]
    if all(r.n for r in reports):
        total_n = sum(r.n or 0 for r in reports)
        return [(r.n or 0) / total_n for r in reports]
    return [1 / len(reports)] * len(reports)


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def report_risk(r: Report) -> str:
    """A report's risk of bias for the question: ``high`` when a domain that matters (:data:`MATTERS`)
    is judged high; ``concerns`` when half or more of them are unclear or of some concern (an abstract's
    silence is unclear, never high), or the report is not assessed; else ``low``. Reporting gaps in
    the other domains do not count."""
    if not r.domains:
        return "concerns"
    judged = [r.domains.get(d, "unclear") for d in MATTERS.get(r.tool, tuple(r.domains))]
    judged = [j for j in judged if j != "not_applicable"]
    if "high" in judged:
        return "high"
    doubtful = sum(j in ("unclear", "some_concerns") for j in judged)
    return "concerns" if judged and 2 * doubtful >= len(judged) else "low"


def risk_of_bias(reports: Sequence[Report]) -> Suggestion:
    """Very serious when half or more of the evidence (by weight) comes from reports at high risk on a
    domain that matters; serious when half or more comes from reports at high risk or with concerns
    (unclear or some concerns) on half or more of those domains (GRADE 4)."""
    shares = report_shares(reports)
    risks = [report_risk(r) for r in reports]
    high = sum(s for s, k in zip(shares, risks) if k == "high")
    concerns = sum(s for s, k in zip(shares, risks) if k == "concerns")
    named = [f"{r.key}: {', '.join(d.replace('_', ' ') for d in MATTERS.get(r.tool, ()) if r.domains.get(d) == 'high')}"
             for r, k in zip(reports, risks) if k == "high" and r.domains]  # fmt: skip
    tool = reports[0].tool if reports else "jbi_case_series"
    where = {"jbi_case_series": "the domains on selection, follow-up and estimator", "robins_i": "the ROBINS-I domains"}.get(tool, "the QUIPS domains")
    parts = [f"{_pct(high)} of the weight from reports at high risk of bias ({'; '.join(named)})"] if high else []
    if concerns:
        parts.append(f"{_pct(concerns)}{'' if high else ' of the weight'} from reports unclear or of some concern on half or more of {where}")
    text = "; ".join(parts) if parts else f"no report at high risk of bias, or unclear on half or more of {where}"
    if high >= 0.5:
        return Suggestion("risk_of_bias", "very_serious", text)
    if high + concerns >= 0.5:
        return Suggestion("risk_of_bias", "serious", text)
    return Suggestion("risk_of_bias", "not_serious", text)


def cochran_q(yi: Sequence[float], vi: Sequence[float]) -> tuple[float, int, float, float]:
    """Cochran's Q with inverse-variance weights, its df, its χ² p and Higgins' I² in %:
    Q = Σ wᵢ(yᵢ − ȳ_w)², wᵢ = 1/vᵢ; I² = max(0, (Q − df)/Q)·100 (Higgins JPT, Thompson SG. Stat Med
    2002;21:1539-58); as metafor's ``rma(method = "EE")`` gives them (QE, QEp, I2)."""
    from scipy.stats import chi2

    w = [1 / v for v in vi]
    mean = sum(wi * y for wi, y in zip(w, yi)) / sum(w)
    q = sum(wi * (y - mean) ** 2 for wi, y in zip(w, yi))
    df = len(yi) - 1
    i2 = max(0.0, (q - df) / q) * 100 if q > 0 else 0.0
    return q, df, float(chi2.sf(q, df)), i2


def _overlap(rows: Sequence[tuple[float, float, float]]) -> bool:
    """Whether every report's interval overlaps every other's (for intervals: max lower ≤ min upper)."""
    return max(r[1] for r in rows) <= min(r[2] for r in rows)


def inconsistency(p: Pooled) -> Suggestion:
    """From the spread of the point estimates, the overlap of the reports' intervals, Cochran's Q and I²
    (GRADE 7): serious when the intervals do not all overlap or I² ≥ 50% with Q p < 0.10; very serious
    when both, with I² ≥ 75%. A prediction interval wide because of the prior on τ is not inconsistency
    (METHODS.md §11); a subgroup factor whose test gives p < 0.10 is named as a possible explanation."""
    if p.k < 2 or len(p.yi) < 2:
        return Suggestion("inconsistency", "not_serious", "a single report: inconsistency cannot be assessed")
    q, df, q_p, i2 = cochran_q(p.yi, p.vi)
    est = [r[0] for r in p.rows]
    spread = f"point estimates {_show(p.family, min(est))} to {_show(p.family, max(est))}"
    apart = p.rows and not _overlap(p.rows)
    signs = [spread, "the intervals do not all overlap" if apart else "the intervals overlap",
             f"I² = {i2:.0f}%, Q = {q:.2f} on {df} df (p = {q_p:.3f})"]  # fmt: skip
    signs += [f"the test for subgroup differences by {f} gives p = {v:.3f}" for f, v in p.subgroup_p.items() if v < Q_ALPHA]
    statistical = i2 >= I2_SERIOUS and q_p < Q_ALPHA
    if apart and statistical and i2 >= I2_VERY_SERIOUS:
        rating = "very_serious"
    elif apart or statistical:
        rating = "serious"
    else:
        rating = "not_serious"
    return Suggestion("inconsistency", rating, "; ".join(signs))


def optimal_information_size(proportion: float, half_width: float) -> float:
    """Patients needed for a 95% CI of ± ``half_width`` around a single proportion p:
    n = p(1−p)(1.96/half_width)² (the binomial variance; a single-arm analogue of the OIS, GRADE 6)."""
    return proportion * (1 - proportion) * (_Z / half_width) ** 2


def events_implied(ci_lb: float, ci_ub: float) -> float:
    """Events a ratio's 95% interval implies: var(log HR) ≈ 4/d for d events (Tierney JF, et al. Trials
    2007;8:16), so d ≈ 4/SE² with SE = (log ub − log lb)/(2·1.96)."""
    se = (math.log(ci_ub) - math.log(ci_lb)) / (2 * _Z)
    return 4 / se**2


def imprecision(p: Pooled, patients: int, thresholds: Sequence[float] = (), half_width: float = 0.05) -> Suggestion:
    """Minimally contextualised (Zeng 2022): serious when the 95% interval crosses one of the protocol's
    decision thresholds (1 for a ratio) or the optimal information size is not met, very serious when it
    crosses two thresholds. OIS (GRADE 6): for a proportion the patients a CI of ± ``half_width`` needs;
    for a ratio :data:`OIS_EVENTS` events (the events the interval implies)."""
    if p.estimate is None or p.ci_lb is None or p.ci_ub is None:
        return Suggestion("imprecision", "very_serious", "no interval")
    percent = FAMILIES[p.family].percent
    null = FAMILIES[p.family].null
    limits = list(thresholds) if percent else [null] if null is not None else []
    crossed = [t for t in limits if p.ci_lb < t < p.ci_ub]
    interval = f"95% interval {_show(p.family, p.ci_lb)} to {_show(p.family, p.ci_ub)}"
    if crossed:
        signs = [f"the {interval} crosses {' and '.join(_show(p.family, t) for t in crossed)}"]
    else:
        signs = [f"the {interval} lies {_placement(p.family, p.ci_lb, limits)}"]
    if percent:
        need, have, unit = math.ceil(optimal_information_size(p.estimate, half_width)), patients, "patients"
        what = f"needed for ±{100 * half_width:.0f} points"
    elif p.ci_lb > 0:
        need, have, unit = OIS_EVENTS, round(events_implied(p.ci_lb, p.ci_ub)), "events implied by the interval"
        what = "GRADE's rule of thumb asks"
    else:
        need, have, unit, what = 0, 0, "", ""
    short = have < need
    if need:
        signs.append(f"{have} {unit}, {'fewer than' if short else 'at least'} the {need} {what}")
    rating = "very_serious" if len(crossed) >= 2 else "serious" if crossed or short else "not_serious"
    return Suggestion("imprecision", rating, "; ".join(signs))


def _placement(family: str, lower: float, limits: Sequence[float]) -> str:
    """Where an interval that crosses no limit lies: "below 20%", "between 20% and 40%", "above 1.00"."""
    below = [t for t in limits if t >= lower]
    above = [t for t in limits if t < lower]
    if not limits:
        return "where no threshold is set"
    if not above:
        return f"below {_show(family, min(below))}"
    if not below:
        return f"above {_show(family, max(above))}"
    return f"between {_show(family, max(above))} and {_show(family, min(below))}"


def indirectness(reports: Sequence[Report]) -> Suggestion:
    """Serious when half or more of the evidence has no stated time origin, comes from a selected cohort
    or from reports of no leukemia (e.g. MDS only) (GRADE 8). Time points within the protocol's window
    are what the protocol asks, not indirectness."""
    shares = report_shares(reports)
    origin = sum(s for s, r in zip(shares, reports) if r.time_origin in (None, "not stated"))
    selected = sum(s for s, r in zip(shares, reports) if r.selected)
    other = sum(s for s, r in zip(shares, reports) if not r.leukemia)
    parts = [(other, "from reports of no leukemia (e.g. MDS only)"), (origin, "from reports that do not state the time origin"),
             (selected, "from selected cohorts (e.g. second remission only)")]  # fmt: skip
    serious = [f"{_pct(x)} of the weight {what}" for x, what in parts if x >= 0.5]
    if serious:
        return Suggestion("indirectness", "serious", "; ".join(serious))
    minor = [f"{_pct(x)} of the weight {what}" for x, what in parts if x > 0]
    base = "population, outcome and time origin as the protocol asks"
    return Suggestion("indirectness", "not_serious", "; ".join(minor) + "; otherwise " + base if minor else base)


def publication_bias(reports: Sequence[Report], egger_p: float | None = None) -> Suggestion:
    """Undetected unless there is a reason to suspect it (GRADE 5): Egger's test p < 0.10 from 10 reports.
    Too few reports for a funnel plot is no such reason (METHODS.md §11)."""
    k = len(reports)
    if k >= EGGER_MIN_K and egger_p is not None and egger_p < 0.10:
        return Suggestion("publication_bias", "serious", f"Egger's test p = {egger_p:.3f}")
    test = f"Egger's test p = {egger_p:.3f}" if egger_p is not None and k >= EGGER_MIN_K else "no funnel-plot test below 10 reports"
    meeting = sum(r.source_type == "meeting_abstract" for r in reports)
    held = f"; {meeting} of the {k} from meeting abstracts, which the search sought" if meeting else ""
    return Suggestion("publication_bias", "not_serious", f"undetected: {k} report{'s' if k != 1 else ''}, {test}{held}")


def suggest(reports: Sequence[Report], p: Pooled, patients: int, thresholds: Sequence[float] = (),
            half_width: float = 0.05, egger_p: float | None = None) -> list[Suggestion]:  # fmt: skip
    """The five domains' suggestions, in GRADE's order."""
    return [
        risk_of_bias(reports),
        inconsistency(p),
        indirectness(reports),
        imprecision(p, patients, thresholds, half_width),
        publication_bias(reports, egger_p),
    ]


def level_after(ratings: Sequence[str], start: str = "high") -> str:
    """The level after rating down ``start`` by each domain's steps (never below very low)."""
    steps = sum(RATING_STEPS[r] for r in ratings)
    return LEVELS[max(0, LEVELS.index(start) - steps)]


def statement(level: str, about: str, who: str, outcome: str, when: str) -> str:
    """GRADE's plain-language wording (Santesso 2020): high states it, moderate "probably", low "may",
    very low "very uncertain". E.g. ``statement("low", "about 28 in 100", "children", "os", "2 to 3 years
    after a second HCT")`` -> "About 28 in 100 children may be alive 2 to 3 years after a second HCT."."""
    base, plain = outcome_verbs(outcome)
    head = about[0].upper() + about[1:]
    if level == "high":
        return f"{head} {who} {plain} {when}."
    if level == "moderate":
        verb, _, rest = plain.partition(" ")
        return f"{head} {who} {verb} probably {rest} {when}."
    if level == "low":
        return f"{head} {who} may {base} {when}."
    return f"We are very uncertain how many {who} {plain} {when} (estimate: {about})."


def _show(family: str, value: float) -> str:
    """A value as a reason prints it: a proportion in whole percent, a ratio to two decimals."""
    return f"{100 * value:.0f}%" if FAMILIES[family].percent else f"{value:.2f}"
