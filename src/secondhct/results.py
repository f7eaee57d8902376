"""The typed results model: the content of ``outputs/results.json``, written once, read by attribute.

``secondhct build`` turns each analysis into an :class:`AnalysisRecord` and writes the
:class:`ResultsDocument`; the evidence summary, the notebook API and ``secondhct pool
--json`` read these models, never string keys.  Every number is stored at full
precision (rounding happens only in :mod:`secondhct.format`); NaN and infinities are
stored as ``null``.  JSON keys follow metafor's printout (``I2``, ``Q``, ``Q_df``).

Format versions (``ResultsDocument.format``):

1. first release.
2. every pooled result also records ``pval`` (the test of the pooled estimate) and ``df``
   (its degrees of freedom, ``null`` under z), so that ``results.json`` and ``secondhct
   pool --json`` come from this one model; each model says its ``model`` family
   (``frequentist`` or ``bayesian``: :class:`PooledRecord` or :class:`BayesRecord`), and an
   analysis its ``synthesis`` (how its reports were combined, see :class:`AnalysisRecord`).
   A format-1 file is rebuilt, not read.
3. an analysis records its ``kind`` (proportion, factor_ratio, factor_levels,
   versus_alternative) and, for the factor and comparator kinds, its ``contrast`` (the
   compared group and the reference in words, what a ratio below and above 1 favours, and
   whether the comparison is non-randomised); a row of those kinds has its ``detail``
   (cut-off and adjustment as reported). A format-2 file is rebuilt, not read.
   Added within format 3 (optional, present only where the protocol's ``batch:`` asks, so
   earlier files still read): a subgroup factor's ``permutation`` test and an analysis's ``gosh``;
   a row's ``accrual`` and ``accrual_midpoint``, and a sensitivity analysis's ``regression`` (the
   meta-regression on the accrual midpoint).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from .curveresults import CurveRecord
from .recordbase import ExcludedRow as ExcludedRow
from .recordbase import Record as Record
from .recordbase import number as number
from .regressionrecord import RegressionRecord as RegressionRecord

if TYPE_CHECKING:
    from .stats.bayes import BayesResult
    from .stats.models import ModelFit
    from .stats.pooling import PooledResult

RESULTS_FORMAT = 3


class Natural(Record):
    """Estimate, CI and prediction interval on the natural scale (proportion or ratio)."""

    estimate: float | None
    ci_lb: float | None
    ci_ub: float | None
    pi_lb: float | None = None
    pi_ub: float | None = None


def _with_natural(out: dict[str, Any], natural: Natural, notes: Sequence[str], measure: str) -> dict[str, Any]:
    """``out`` with the ``bt_*`` natural-scale values (for a transformed measure) and the notes."""
    from .measures import MEASURES

    m = MEASURES[measure]
    if m.transformed:
        for key in ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub"):
            out[f"bt_{key}"] = getattr(natural, key)
        out["bt_scale"] = m.natural_words.lower()
    out["notes"] = list(notes)
    return out


class PooledRecord(Record):
    """One fitted frequentist model (inverse variance or GLMM) on the analysis scale, with its natural-scale values."""

    model: Literal["frequentist"]
    k: int
    estimate: float | None
    se: float | None
    ci_lb: float | None
    ci_ub: float | None
    pi_lb: float | None
    pi_ub: float | None
    pval: float | None
    df: int | None
    tau2: float | None
    tau2_lb: float | None
    tau2_ub: float | None
    i2: float | None = Field(alias="I2")
    i2_lb: float | None = Field(alias="I2_lb")
    i2_ub: float | None = Field(alias="I2_ub")
    h2: float | None = Field(alias="H2")
    q: float | None = Field(alias="Q")
    q_df: int = Field(alias="Q_df")
    q_p: float | None = Field(alias="Q_p")
    method: str
    test: str
    converged: bool
    natural: Natural
    notes: list[str]

    @classmethod
    def from_fit(cls, res: PooledResult, natural: Sequence[float], notes: Sequence[str] = ()) -> PooledRecord:
        """The record of a fit; ``natural`` = estimate, ci_lb, ci_ub, pi_lb, pi_ub back-transformed."""
        est, lo, hi, pi_lo, pi_hi = (number(v) for v in natural)
        return cls(
            model="frequentist", k=res.k, estimate=number(res.estimate), se=number(res.se), ci_lb=number(res.ci_lb), ci_ub=number(res.ci_ub),
            pi_lb=number(res.pi_lb), pi_ub=number(res.pi_ub), pval=number(res.pval), df=res.df, tau2=number(res.tau2),
            tau2_lb=number(res.tau2_lb), tau2_ub=number(res.tau2_ub), i2=number(res.i2), i2_lb=number(res.i2_lb),
            i2_ub=number(res.i2_ub), h2=number(res.h2), q=number(res.q), q_df=res.q_df, q_p=number(res.q_p),
            method=res.method, test=res.test, converged=res.converged,
            natural=Natural(estimate=est, ci_lb=lo, ci_ub=hi, pi_lb=pi_lo, pi_ub=pi_hi),
            notes=[*res.notes, *notes],
        )  # fmt: skip

    def calculator_json(self, measure: str) -> dict[str, Any]:
        """The flat object ``secondhct pool --json`` prints: metafor's names, ``bt_*`` on the natural scale."""

        out = self.model_dump(by_alias=True, exclude={"model", "natural", "notes", "converged", "q_df"})
        return _with_natural(out, self.natural, self.notes, measure)


class BayesRecord(Record):
    """A Bayesian random-effects model: posterior summaries of mu and tau (analysis scale),
    the predictive interval for a new setting, and the priors. It has no Q, I^2 or weights."""

    model: Literal["bayesian"]
    k: int
    method: str
    estimate: float | None = Field(description="posterior median of mu")
    mean: float | None
    sd: float | None
    ci_lb: float | None
    ci_ub: float | None
    pi_lb: float | None
    pi_ub: float | None
    tau: float | None = Field(description="posterior median of tau")
    tau_lb: float | None
    tau_ub: float | None
    tau_prior: str
    mu_prior: str
    level: float
    prob_above: dict[str, float | None]
    shrinkage: list[Natural] = Field(description="each study's own effect after shrinkage: posterior mean and central interval (analysis scale)")
    natural: Natural
    notes: list[str]

    @classmethod
    def from_fit(cls, res: BayesResult, natural: Sequence[float], notes: Sequence[str] = ()) -> BayesRecord:
        est, lo, hi, pi_lo, pi_hi = (number(v) for v in natural)
        return cls(
            model="bayesian", k=res.k, method=res.method, estimate=number(res.mu_median), mean=number(res.mu_mean),
            sd=number(res.mu_sd), ci_lb=number(res.ci_lb), ci_ub=number(res.ci_ub), pi_lb=number(res.pi_lb),
            pi_ub=number(res.pi_ub), tau=number(res.tau), tau_lb=number(res.tau_lb), tau_ub=number(res.tau_ub),
            tau_prior=res.tau_prior, mu_prior=res.mu_prior, level=res.level,
            prob_above={repr(t): number(p) for t, p in zip(res.thresholds, res.prob_above)},
            shrinkage=[Natural(estimate=number(m), ci_lb=number(lo), ci_ub=number(hi))
                       for m, lo, hi in zip(res.theta_mean, res.theta_lb, res.theta_ub)],
            natural=Natural(estimate=est, ci_lb=lo, ci_ub=hi, pi_lb=pi_lo, pi_ub=pi_hi), notes=[*res.notes, *notes],
        )  # fmt: skip

    def calculator_json(self, measure: str) -> dict[str, Any]:
        """``secondhct pool --method BAYES --json``: posterior median as ``estimate``, ``bt_*`` on the natural scale."""

        out = self.model_dump(exclude={"model", "natural", "notes", "shrinkage"})
        return _with_natural(out, self.natural, self.notes, measure)


#: A fitted model of either family, as stored (discriminated by ``model``).
ModelRecord = Annotated[PooledRecord | BayesRecord, Field(discriminator="model")]


def model_record(res: ModelFit, natural: Sequence[float], notes: Sequence[str] = ()) -> PooledRecord | BayesRecord:
    """The record of any fitted model."""
    from .stats.bayes import BayesResult

    if isinstance(res, BayesResult):
        return BayesRecord.from_fit(res, natural, notes)
    return PooledRecord.from_fit(res, natural, notes)


class StudyRow(Record):
    """One report in an analysis: where its number is in the extraction, and its effect size."""

    key: str
    label: str
    source: str
    subgroup: str | None
    n: int | None
    reported: str
    yi: float | None
    vi: float | None
    natural: Natural
    weight: float | None
    derivation: str
    assumed_se: bool
    approximate: bool
    design: str
    publication: str
    source_type: str = Field(default="not stated", description="what the numbers were read from (secondhct.extraction.sourcetype)")
    diseases: list[str]
    data_source: str
    time: str | None = None
    time_origin: str | None = None
    detail: str | None = None
    accrual: str = Field(default="not stated", description="the accrual period as coded (secondhct.extraction.accrual)")
    accrual_midpoint: float | None = Field(default=None, description="its midpoint, a decimal calendar year; None: a bound not stated")




class SensitivityRecord(Record):
    """A sensitivity analysis: its registered name, title, the reports it pooled, its model (a
    meta-regression: its ``regression``, present only there)."""

    name: str
    title: str
    keys: list[str]
    note: str
    pooled: ModelRecord | None
    regression: RegressionRecord | None = None


class SubgroupTestRecord(Record):
    q: float | None = Field(alias="Q")
    df: int
    df2: int | None
    p: float | None
    distribution: str


class PermutationRecord(Record):
    """A permutation test of the test for subgroup differences (metafor's ``permutest``): the observed
    statistic ``Q`` (the F statistic under knha/adhoc), its permutation p-value, how many permutations
    were fitted (the observed order included), whether that is all of them (``exact``) or a sample
    drawn with ``seed``, and the refits' tau^2 ``method`` and ``test``."""

    q: float | None = Field(alias="Q")
    p: float | None
    permutations: int
    exact: bool
    seed: int | None
    method: str
    test: str


class FactorRecord(Record):
    """Subgroups by a study-level factor: reports per level, a model per level, the test."""

    factor: str
    levels: dict[str, list[str]]
    pooled: dict[str, ModelRecord]
    test: SubgroupTestRecord | None
    note: str
    permutation: PermutationRecord | None = None


class GoshRecord(Record):
    """A GOSH analysis (every subset of the reports refitted; metafor's ``gosh``): the estimator,
    the number of reports and of subsets of 2 or more, the range of their pooled estimates (natural
    scale) and I², the figure's file name (None and a ``note`` when not drawn)."""

    method: str
    k: int
    subsets: int
    estimate_min: float | None
    estimate_max: float | None
    i2_min: float | None
    i2_max: float | None
    figure: str | None
    note: str


class CertaintyDomainRecord(Record):
    """One GRADE domain: the build's judgement (``suggested``, with its reason generated from current numbers)
    and the protocol's override (``judged`` None: none; ``reason`` and ``override`` then its reason)."""

    domain: str
    suggested: str
    suggested_reason: str
    judged: str | None
    reason: str | None
    override: str | None


class CertaintyRecord(Record):
    """GRADE certainty of an analysis (secondhct.review.grade): the start (by question), the domains, the level.

    ``suggested_level`` is the build's; ``level`` applies the protocol's overrides (``judged``: any override);
    ``conflicts`` lists overrides whose reason cites numbers the build does not give.
    """

    start: str
    suggested_level: str
    level: str
    judged: bool
    domains: list[CertaintyDomainRecord]
    conflicts: list[str]


Synthesis = Literal["none", "single_report", "not_pooled", "few_studies", "standard"]


class ContrastRecord(Record):
    """What a factor or comparator analysis compares, in words, and which way its ratio reads.

    ``non_randomised``: whether the contrast is observational; true of every contrast of this review
    (no report assigned a factor or a treatment at random), a factor's as much as a comparator's."""

    group: str
    reference: str
    favours_below_1: str
    favours_above_1: str
    non_randomised: bool


class AnalysisRecord(Record):
    """One analysis of ``protocol.yaml``: its plan, included and excluded reports, and models.

    ``synthesis`` says how the reports were combined: ``none`` (no report), ``single_report``
    (one report: shown, never called pooled), ``not_pooled`` (listed only, e.g. time points
    too far apart), ``few_studies`` (2 to ``few_studies.max_k`` reports: the protocol's
    Bayesian model is primary) or ``standard`` (more: the protocol's frequentist model).
    """

    id: str
    title: str
    outcomes: list[str]
    time: dict[str, str] | None
    population: dict[str, Any]
    measure: str
    method: str
    test: str
    overlap_rule: str
    k: int
    patients: int
    synthesis: Synthesis
    included: list[StudyRow]
    excluded: list[ExcludedRow]
    pooled: ModelRecord | None
    sensitivity: list[SensitivityRecord]
    subgroup_factors: list[FactorRecord]
    warnings: list[str]
    kind: str = "proportion"
    contrast: ContrastRecord | None = None
    certainty: CertaintyRecord | None = None
    gosh: GoshRecord | None = None
    covered: str = ""
    """The population the included reports cover, generated from them ('adults with ALL (1 report)')."""


class SofTableRecord(Record):
    """One summary-of-findings table as the protocol chose it (``summary_of_findings:``)."""

    id: str
    title: str
    analyses: list[str]


class ResultsDocument(Record):
    """``outputs/results.json``."""

    format: int
    title: str
    tool_version: str
    inputs_sha256: str
    data_date: str | None
    studies: dict[str, str]
    few_studies: dict[str, Any] = Field(description="the protocol's few-studies rule (max_k, priors) the analyses followed")
    analyses: list[AnalysisRecord]
    curves: list[CurveRecord] = Field(default_factory=list, description="the kind: survival_curve analyses (absent when none)")
    certainty_rules: dict[str, Any] = Field(default_factory=dict, description="the protocol's GRADE rules (defaults.certainty)")
    summary_of_findings: list[SofTableRecord] = Field(
        default_factory=list, description="the protocol's summary-of-findings tables (absent when it names none)"
    )

    def text(self) -> str:
        """Deterministic JSON: sorted keys, full-precision floats, a trailing newline."""
        data = self.model_dump(by_alias=True, exclude_unset=True)
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"

    def analysis(self, analysis_id: str) -> AnalysisRecord | None:
        return next((a for a in self.analyses if a.id == analysis_id), None)


def read_results(text: str) -> ResultsDocument | None:
    """Parse a ``results.json`` text; ``None`` when it is not a document of :data:`RESULTS_FORMAT`."""
    from pydantic import ValidationError

    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("format") != RESULTS_FORMAT:
        return None
    try:
        return ResultsDocument.model_validate(data)
    except ValidationError:
        return None
