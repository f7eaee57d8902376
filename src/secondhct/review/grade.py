"""GRADE certainty of the evidence per analysis: suggestions computed from the data.

Pure functions on numbers; the final judgements are the protocol's (``certainty:`` of an
analysis in ``protocol.yaml``), compared here with the suggestions.

* Levels high ⊕⊕⊕⊕, moderate ⊕⊕⊕◯, low ⊕⊕◯◯, very low ⊕◯◯◯ (Balshem H, et al.
  J Clin Epidemiol 2011;64:401-406). The evidence here is observational (case series and
  registry cohorts) and starts at **low**, as the review's protocol states. (GRADE for
  overall prognosis, Iorio A, et al. BMJ 2015;350:h870, and for prognostic factors,
  Foroutan F, et al. J Clin Epidemiol 2020;121:62-70, would start cohort evidence at high;
  starting low is the more cautious choice for uncontrolled, selected transplant cohorts.)
* Five domains rate down by one (serious) or two (very serious) levels: risk of bias,
  inconsistency, indirectness, imprecision, publication bias (Guyatt GH, et al. J Clin
  Epidemiol 2011;64:383-394 and the series that follows).
* Plain-language statements use the wording of Santesso N, et al. J Clin Epidemiol
  2020;119:126-135: high "…", moderate "probably", low "may", very low "very uncertain".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..families import FAMILIES
from ..outcomes import outcome_verbs

if TYPE_CHECKING:
    from ..protocol.schema import Protocol
    from ..results import ResultsDocument

LEVELS = ("very_low", "low", "moderate", "high")
LEVEL_WORDS = {"very_low": "very low", "low": "low", "moderate": "moderate", "high": "high"}
LEVEL_SYMBOLS = {"very_low": "⊕◯◯◯", "low": "⊕⊕◯◯", "moderate": "⊕⊕⊕◯", "high": "⊕⊕⊕⊕"}
START = "low"
DOMAINS = ("risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias")
DOMAIN_WORDS = {"risk_of_bias": "risk of bias", "inconsistency": "inconsistency", "indirectness": "indirectness",
                "imprecision": "imprecision", "publication_bias": "publication bias"}  # fmt: skip
RATINGS = ("not_serious", "serious", "very_serious")
RATING_STEPS = {"not_serious": 0, "serious": 1, "very_serious": 2}

#: I² from which inconsistency is serious (Cochrane Handbook ch. 10: 50-90% "may represent substantial").
I2_SERIOUS = 50.0
#: Between-study SD on the logit/log scale from which inconsistency is serious ("fairly high"
#: heterogeneity from 0.5, Spiegelhalter, Abrams & Myles 2004, for log odds ratios).
TAU_SERIOUS = 0.5
#: A confidence interval of a proportion wider than this (absolute) is imprecise.
WIDTH_SERIOUS = 0.20
#: Half-width of the 95% CI a proportion should reach: 5 percentage points. The optimal
#: information size for a single proportion p is then p(1-p)(1.96/0.05)^2 patients.
OIS_HALF_WIDTH = 0.05
#: Fewer reports than this and no funnel plot or Egger test (Sterne JAC, et al. BMJ 2011;343:d4002).
EGGER_MIN_K = 10


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


@dataclass(frozen=True)
class Pooled:
    """The analysis result GRADE reads (natural scale, proportions 0-1 or ratios)."""

    family: str
    k: int
    estimate: float | None
    ci_lb: float | None
    ci_ub: float | None
    pi_lb: float | None = None
    pi_ub: float | None = None
    i2: float | None = None
    tau: float | None = None
    q_p: float | None = None


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


def risk_of_bias(reports: Sequence[Report]) -> Suggestion:
    """Serious when half or more of the evidence (by weight) comes from reports at high or unclear
    overall risk of bias or read from no full text; very serious when half or more is at high risk."""
    shares = report_shares(reports)
    high = sum(s for s, r in zip(shares, reports) if r.rob == "high")
    concern = sum(s for s, r in zip(shares, reports) if r.rob in ("high", "unclear", None) or r.source_type != "full_text")
    no_full = sum(s for s, r in zip(shares, reports) if r.source_type != "full_text")
    text = f"{_pct(high)} of the weight from reports at high risk of bias, {_pct(no_full)} from reports read as abstracts or secondary sources only"
    if high >= 0.5:
        return Suggestion("risk_of_bias", "very_serious", text)
    if concern >= 0.5:
        return Suggestion("risk_of_bias", "serious", text)
    return Suggestion("risk_of_bias", "not_serious", text)


def inconsistency(p: Pooled, thresholds: Sequence[float] = ()) -> Suggestion:
    """Serious when I² ≥ 50%, Q's p < 0.10, τ ≥ 0.5 (analysis scale), or the prediction interval
    spans a protocol threshold; not assessable (not rated down) from a single report."""
    if p.k < 2:
        return Suggestion("inconsistency", "not_serious", "a single report: inconsistency cannot be assessed")
    signs = []
    if p.i2 is not None and p.i2 >= I2_SERIOUS:
        signs.append(f"I² = {p.i2:.0f}%")
    if p.q_p is not None and p.q_p < 0.10:
        signs.append(f"Q test p = {p.q_p:.3f}")
    if p.tau is not None and p.tau >= TAU_SERIOUS:
        signs.append(f"τ = {p.tau:.2f}")
    crossed = [t for t in thresholds if p.pi_lb is not None and p.pi_ub is not None and p.pi_lb < t < p.pi_ub]
    if crossed:
        signs.append("the prediction interval spans " + ", ".join(_show(p.family, t) for t in crossed))
    if signs:
        return Suggestion("inconsistency", "serious", "; ".join(signs))
    parts = [f"I² = {p.i2:.0f}%" if p.i2 is not None else "", f"τ = {p.tau:.2f}" if p.tau is not None else ""]
    return Suggestion("inconsistency", "not_serious", "; ".join(x for x in parts if x) or "no sign of heterogeneity")


def optimal_information_size(proportion: float, half_width: float = OIS_HALF_WIDTH) -> float:
    """Patients needed for a 95% CI of ± ``half_width`` around a single proportion p:
    n = p(1−p)(1.96/half_width)² (the binomial variance; a single-arm analogue of the OIS)."""
    return proportion * (1 - proportion) * (1.959963984540054 / half_width) ** 2


def imprecision(p: Pooled, patients: int, thresholds: Sequence[float] = ()) -> Suggestion:
    """One level for each of: the CI spans a protocol threshold (or 1 for a ratio); the CI is
    wide (a proportion's wider than 20 points, a ratio's upper/lower > 3); fewer patients than
    the optimal information size (proportions). Two or more: very serious."""
    if p.estimate is None or p.ci_lb is None or p.ci_ub is None:
        return Suggestion("imprecision", "very_serious", "no interval")
    signs = []
    null = FAMILIES[p.family].null
    limits = list(thresholds) + ([null] if null is not None else [])
    crossed = [t for t in limits if p.ci_lb < t < p.ci_ub]
    if crossed:
        signs.append("the 95% interval spans " + ", ".join(_show(p.family, t) for t in crossed))
    if FAMILIES[p.family].percent:
        width = p.ci_ub - p.ci_lb
        if width > WIDTH_SERIOUS:
            signs.append(f"the interval is {100 * width:.0f} percentage points wide")
        ois = optimal_information_size(p.estimate)
        if patients < ois:
            signs.append(f"{patients} patients, fewer than the {math.ceil(ois)} needed for ±5 points")
    elif p.ci_lb > 0 and p.ci_ub / p.ci_lb > 3:
        signs.append(f"the upper limit is {p.ci_ub / p.ci_lb:.1f} times the lower")
    rating = RATINGS[min(len(signs), 2)]
    return Suggestion("imprecision", rating, "; ".join(signs) or f"narrow interval, {patients} patients")


def indirectness(reports: Sequence[Report], spread_time: bool = False) -> Suggestion:
    """Serious when half or more of the evidence has no stated time origin, comes from a selected
    cohort or from reports of no leukemia (e.g. MDS only), or when the reports' time points differ
    within the analysis window. A smaller share from reports of no leukemia is named in the reason."""
    shares = report_shares(reports)
    origin = sum(s for s, r in zip(shares, reports) if r.time_origin in (None, "not stated"))
    selected = sum(s for s, r in zip(shares, reports) if r.selected)
    other = sum(s for s, r in zip(shares, reports) if not r.leukemia)
    signs = []
    if other >= 0.5:
        signs.append(f"{_pct(other)} of the weight from reports of no leukemia (e.g. MDS only)")
    if origin >= 0.5:
        signs.append(f"{_pct(origin)} of the weight from reports that do not state the time origin")
    if selected >= 0.5:
        signs.append(f"{_pct(selected)} of the weight from selected cohorts")
    if spread_time:
        signs.append("the reports' time points differ within the window")
    if signs:
        return Suggestion("indirectness", "serious", "; ".join(signs))
    if other > 0:
        return Suggestion("indirectness", "not_serious",
                          f"{_pct(other)} of the weight from reports of no leukemia (e.g. MDS only); otherwise as the protocol asks")  # fmt: skip
    return Suggestion("indirectness", "not_serious", "population, time point and time origin as the protocol asks")


def publication_bias(reports: Sequence[Report], egger_p: float | None = None) -> Suggestion:
    """Suspected (serious) when every report was read from an abstract or secondary source, when
    Egger's test gives p < 0.10 (only from 10 reports), or when the evidence is a single report."""
    k = len(reports)
    if k >= EGGER_MIN_K and egger_p is not None and egger_p < 0.10:
        return Suggestion("publication_bias", "serious", f"Egger's test p = {egger_p:.3f}")
    if all(r.source_type != "full_text" for r in reports):
        return Suggestion("publication_bias", "serious",
                          f"{k} report{'s' if k != 1 else ''}, all read as abstracts or secondary sources; too few for a funnel plot")  # fmt: skip
    if k < EGGER_MIN_K:
        return Suggestion("publication_bias", "not_serious", f"{k} reports: too few to test; no other sign")
    return Suggestion("publication_bias", "not_serious", "no sign of small-study effects")


def suggest(reports: Sequence[Report], p: Pooled, patients: int, thresholds: Sequence[float] = (),
            spread_time: bool = False, egger_p: float | None = None) -> list[Suggestion]:  # fmt: skip
    """The five domains' suggestions, in GRADE's order."""
    return [
        risk_of_bias(reports),
        inconsistency(p, thresholds),
        indirectness(reports, spread_time),
        imprecision(p, patients, thresholds),
        publication_bias(reports, egger_p),
    ]


def level_after(ratings: Sequence[str], start: str = START) -> str:
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
    return FAMILIES[family].show(value)


@dataclass(frozen=True)
class CertaintyFinding:
    severity: str
    path: tuple[str | int, ...]
    message: str


def certainty_findings(protocol: Protocol, document: ResultsDocument) -> list[CertaintyFinding]:
    """The protocol's GRADE judgements against the suggestions of the last build: a rating that departs
    from its suggestion without an ``override`` reason is an error; an analysis with reports and no
    ``certainty:`` block a warning (judge it once its suggestions exist)."""
    out = []
    for i, analysis in enumerate(protocol.analyses):
        record = document.analysis(analysis.id)
        if record is None or record.certainty is None:
            continue
        if analysis.certainty is None:
            out.append(CertaintyFinding("warning", ("analyses", i, "id"),
                                        f"no certainty: block; the build suggests {LEVEL_WORDS[record.certainty.suggested_level]}"))  # fmt: skip
            continue
        for d in record.certainty.domains:
            judged = getattr(analysis.certainty, d.domain)
            if judged.rating != d.suggested and judged.override is None:
                out.append(CertaintyFinding("error", ("analyses", i, "certainty", d.domain, "rating"),
                                            f"{d.domain} judged {judged.rating} but the build suggests {d.suggested} "
                                            f"({d.suggested_reason}); give the reason in override:"))  # fmt: skip
    return out
