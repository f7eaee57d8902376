"""The input of a forest plot: one :class:`ForestRow` per study and a :class:`ForestData`.

Everything is on the analysis scale (logit, log HR...) exactly as pooled; the plot
back-transforms for display.  The later pipeline (protocol analyses built from
curated studies) fills these; :func:`forest_data_from_pool` does so for ad hoc data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..stats.models import ModelFit
from ..stats.pooling import PooledResult
from .scale import Backtransform, PlotInputError


@dataclass(frozen=True)
class ForestRow:
    """One study as a row of the forest plot.

    ``yi`` with either ``vi`` (the CI is ``yi +- z sqrt(vi)``) or ``ci_lb``/``ci_ub``
    (analysis scale).  ``weight`` is in percent of the model shown (None for excluded
    studies).  ``reported`` is the value as extracted ("29.4 ± 3.7%", "7/13");
    ``derived_note`` says how a number was derived or approximated (it becomes a
    footnote mark); ``time`` is the time point as reported (a column when an analysis
    admits several); ``excluded_reason`` greys the row and keeps it out of the pooling.
    """

    label: str
    yi: float
    vi: float | None = None
    ci_lb: float | None = None
    ci_ub: float | None = None
    weight: float | None = None
    disease: str = ""
    patients: int | None = None
    reported: str = ""
    derived_note: str | None = None
    excluded_reason: str | None = None
    subgroup: str | None = None
    detail: str = ""
    """A factor analysis's cut-off and adjustment as reported ("< 6 mo; adjusted"), a column of its own."""
    time: str = ""
    """The time point as reported; shown as a column when any row has one."""
    accrual: str = ""
    """The report's accrual period ("1990–2010", "not stated"); shown as a column when any row has one."""

    def __post_init__(self) -> None:
        if not math.isfinite(self.yi):
            raise PlotInputError(f"{self.label}: effect size is not a finite number")
        has_ci = self.ci_lb is not None and self.ci_ub is not None
        if self.vi is None and not has_ci:
            raise PlotInputError(f"{self.label}: give vi or both ci_lb and ci_ub")
        if self.vi is not None and not (math.isfinite(self.vi) and self.vi > 0):
            raise PlotInputError(f"{self.label}: variance {self.vi!r} must be a positive number")
        if has_ci and not (self.ci_lb <= self.yi <= self.ci_ub):  # type: ignore[operator]
            raise PlotInputError(f"{self.label}: CI [{self.ci_lb}, {self.ci_ub}] does not contain {self.yi}")
        if self.weight is not None and not (math.isfinite(self.weight) and self.weight >= 0):
            raise PlotInputError(f"{self.label}: weight {self.weight!r} must be >= 0")

    @property
    def included(self) -> bool:
        return self.excluded_reason is None

    def ci(self, z: float) -> tuple[float, float]:
        """The CI on the analysis scale (given bounds, else ``yi +- z sqrt(vi)``)."""
        if self.ci_lb is not None and self.ci_ub is not None:
            return self.ci_lb, self.ci_ub
        assert self.vi is not None
        half = z * math.sqrt(self.vi)
        return self.yi - half, self.yi + half


@dataclass(frozen=True)
class SubgroupTestResult:
    """Test for subgroup differences as supplied by the caller (Q, df, p; F if ``df2``)."""

    q: float
    df: int
    p: float
    df2: int | None = None


@dataclass(frozen=True)
class ForestData:
    """What a forest plot shows.

    ``pooled`` is the random-effects (or common-effect) result of the included rows;
    ``common`` an optional common-effect result drawn as a second, open diamond;
    ``subgroups`` maps each subgroup level (in display order) to its pooled result;
    ``subgroup_test`` is the test for subgroup differences.  ``measure`` names the
    analysis scale; ``backtransform`` overrides the default back-transformation.
    ``xlim`` (natural scale; percent for proportions) overrides the axis limits.
    ``show_model_notes`` prints the pooled result's notes (e.g. a truncated tau^2 CI)
    in the footer; ``notes`` are further footer lines.
    """

    rows: tuple[ForestRow, ...]
    pooled: ModelFit | None
    measure: str
    title: str = ""
    outcome: str | None = None
    common: PooledResult | None = None
    subgroups: tuple[tuple[str, ModelFit], ...] = ()
    subgroup_test: SubgroupTestResult | None = None
    backtransform: Backtransform | None = None
    xlim: tuple[float, float] | None = None
    reference: float | None = None
    show_prediction: bool = True
    show_model_notes: bool = True
    notes: tuple[str, ...] = field(default=())
    favours: tuple[str, str] | None = None
    """What values left and right of the null favour, in words (under the axis: "favours CR at the second HCT")."""
    detail_header: str = "Cut-off; adjusted"

    def __post_init__(self) -> None:
        if not self.rows:
            raise PlotInputError("a forest plot needs at least one study")
        if self.xlim is not None and not self.xlim[0] < self.xlim[1]:
            raise PlotInputError(f"xlim {self.xlim} must be increasing")
        levels = [lev for lev, _ in self.subgroups]
        missing = sorted({r.subgroup for r in self.rows if r.subgroup is not None} - set(levels))
        if self.subgroups and missing:
            raise PlotInputError(f"rows in subgroups without a pooled result: {', '.join(missing)}")

    @property
    def included_rows(self) -> tuple[ForestRow, ...]:
        return tuple(r for r in self.rows if r.included)


def effect_arrays(rows: Sequence[ForestRow], level: float = 0.95) -> tuple[list[float], list[float]]:
    """``yi`` and ``vi`` of ``rows``; a row given by its CI gets ``vi = ((ub - lb) / (2 z))^2``."""
    from statistics import NormalDist

    z = NormalDist().inv_cdf(1 - (1 - level) / 2)
    yi, vi = [], []
    for r in rows:
        yi.append(r.yi)
        if r.vi is not None:
            vi.append(r.vi)
        else:
            lo, hi = r.ci(z)
            vi.append(((hi - lo) / (2 * z)) ** 2)
    return yi, vi


def rows_with_weights(rows: Sequence[ForestRow], weights: Sequence[float] | None) -> tuple[ForestRow, ...]:
    """``rows`` with the pooled ``weights`` (percent, one per included row, in order) filled in;
    ``None`` (a model without study weights) leaves them empty."""
    from dataclasses import replace

    if weights is None:
        return tuple(rows)
    included = [i for i, r in enumerate(rows) if r.included]
    if len(included) != len(weights):
        raise PlotInputError(f"{len(weights)} weights for {len(included)} included studies")
    out = list(rows)
    for i, w in zip(included, weights):
        out[i] = replace(out[i], weight=float(w))
    return tuple(out)
