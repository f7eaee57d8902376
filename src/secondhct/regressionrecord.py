"""The record of a meta-regression on the accrual midpoint in ``results.json`` (a leaf of :mod:`secondhct.results`)."""

from __future__ import annotations

from pydantic import Field

from .recordbase import Record


class RegressionRecord(Record):
    """A meta-regression on the accrual midpoint (``era`` = (midpoint - 2000) / 10, decades): the
    coefficients on the analysis scale, the slope's SE, CI, test statistic, p-value and df (None
    under z), the residual tau^2, the intercept-only tau^2, R^2 and residual I^2 in percent, the
    residual test QE, each report's midpoint (decimal calendar year) and weight (percent), the
    reports left out for an accrual period not stated, and the bubble plot's file name."""

    moderator: str
    method: str
    test: str
    k: int
    intercept: float | None
    slope: float | None
    se: float | None
    stat: float | None
    pval: float | None
    df: int | None
    ci_lb: float | None
    ci_ub: float | None
    level: float
    tau2: float | None
    tau2_null: float | None
    r2: float | None = Field(alias="R2")
    i2: float | None = Field(alias="I2")
    qe: float | None = Field(alias="QE")
    qe_df: int = Field(alias="QE_df")
    qe_p: float | None = Field(alias="QE_p")
    midpoints: dict[str, float]
    weights: dict[str, float | None]
    not_stated: list[str]
    figure: str | None
    notes: list[str]
