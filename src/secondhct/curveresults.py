"""The typed record of a summary survival curve analysis (``results.json``: ``curves``).

A curve analysis (``kind: survival_curve``) pools every time point each report prints, so
its record is not one estimate but a fitted curve: the rows it read, the model (frequentist
or Bayesian, as the protocol's few-studies rule chooses), and the curve's value at the
protocol's time points with its CI and prediction interval, never outside the reported
range. For relapse and NRM the model is of 1 - the incidence; every value here is of the
outcome itself (``incidence: true``: the incidence, not survival). Added within format 3
(optional: a document without curve analyses has no ``curves`` key).
"""

from __future__ import annotations

from typing import Literal

from .recordbase import ExcludedRow, Record

CurveSynthesis = Literal["none", "single_report", "few_studies", "standard"]


class CurvePoint(Record):
    """One row the curve read: a report's value at one time (as a proportion of the outcome)."""

    key: str
    label: str
    source: str
    time: str
    time_years: float
    value: float
    se: float
    n: int | None
    reported: str
    approximate: bool
    assumed_se: bool
    yi: float | None
    """log(-log S) of the modelled S (1 - the incidence for relapse and NRM); None: a later row of a plateau, not modelled."""
    w: float | None
    """Var(log S), the model's within-report variance of the row (Greenwood: covariances follow from it)."""
    accrual: str = "not stated"
    """The report's accrual period with its midpoint (secondhct.extraction.accrual.era_words)."""


class CurvePrediction(Record):
    """The curve at one time: the value with its interval (CI, or credible interval for the Bayesian
    model) and the prediction interval for a new setting; ``reports``: how many reports print a
    value at or around it."""

    time_years: float
    value: float | None
    lb: float | None
    ub: float | None
    pred_lb: float | None
    pred_ub: float | None
    reports: int


class CurveModel(Record):
    """A fitted curve model: its name in words, the heterogeneity, the shape, and its predictions."""

    name: str
    title: str
    method: str
    time_model: str
    tau: float | None
    tau_lb: float | None = None
    tau_ub: float | None = None
    tau2: float | None = None
    coefficients: dict[str, float | None]
    qe: float | None = None
    qe_df: int | None = None
    qe_p: float | None = None
    curve_decreasing: bool | None = None
    prob_log_time_coef_le_0: float | None = None
    predictions: list[CurvePrediction]
    omitted: list[float]
    notes: list[str]


class CurveRecord(Record):
    """One ``kind: survival_curve`` analysis of ``protocol.yaml``."""

    id: str
    title: str
    kind: Literal["survival_curve"] = "survival_curve"
    outcomes: list[str]
    time: dict[str, str] | None
    population: dict[str, object]
    incidence: bool
    around: float
    """A report counts 'at or around' a time when it prints a value within this many years of it."""
    k: int
    rows: int
    patients: int
    synthesis: CurveSynthesis
    points: list[CurvePoint]
    excluded: list[ExcludedRow]
    model: CurveModel | None
    sensitivity: list[CurveModel]
    warnings: list[str]
