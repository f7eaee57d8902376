r"""Survival read at several times per report, on the scale of the summary survival curve.

Given rows (report i, time :math:`t_{ij}` in years, survival :math:`S_{ij}`, patients
:math:`n_i`, optional SE of :math:`S_{ij}`), :func:`prepare_curve` returns the outcomes

.. math::

    y_{ij} = \log(-\log S_{ij})

and their within-report covariance matrices :math:`V_i` (block diagonal over reports), the
inputs of the multivariate model of :mod:`secondhct.stats.curve`.  Variance of the log
survival:

.. math::

    w_{ij} = \operatorname{Var}(\log\hat S_{ij}) =
    \begin{cases} (se_{ij}/S_{ij})^2 & \text{SE printed (delta method)}\\
                  (1-S_{ij})/(n_i S_{ij}) & \text{otherwise: binomial, flagged approximate}
    \end{cases}

Greenwood's formula makes the increments of :math:`\log\hat S` over disjoint intervals
uncorrelated, so :math:`\operatorname{Cov}(\log\hat S_{ij}, \log\hat S_{ik}) = w_{ij}` for
:math:`t_{ij} < t_{ik}`; the delta method from :math:`\log S` to :math:`\log(-\log S)`
(derivative :math:`1/\log S`) gives

.. math::

    V_i[j,j] = \frac{w_{ij}}{(\log S_{ij})^2},\qquad
    V_i[j,k] = \frac{w_{ij}}{\log S_{ij}\,\log S_{ik}}\quad (t_{ij} < t_{ik}).

This matrix is a covariance matrix only if :math:`w_{ij}` strictly increases with time
within a report, so anything else is refused, naming the report; so are two values at one
time, S outside (0, 1), t <= 0, survival that rises with time, and a missing or
non-positive n where no SE is given.  A plateau (equal S at two times) keeps the earlier row
and says so in ``notes``.  No file access: the CLI reads the CSV.

References
----------
Arends LR, Hunink MGM, Stijnen T (2008). Meta-analysis of summary survival curve data.
*Stat Med* 27:4381-4396.
Dear KBG (1994). Iterative generalized least squares for meta-analysis of survival data at
multiple times. *Biometrics* 50:989-1002.
Greenwood M (1926). The natural duration of cancer. *Reports on Public Health and Medical
Subjects* 33:1-26.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..errors import PoolingError

__all__ = ["CurveData", "CurveRow", "prepare_curve"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class CurveRow:
    """One survival estimate as printed: report label, time (years), S as a proportion,
    the report's number of patients, and the SE of S when printed.  ``line`` (the source
    line, when read from a file) only makes messages more precise."""

    study: str
    time: float
    surv: float
    n: float | None = None
    se: float | None = None
    line: int | None = None

    def where(self) -> str:
        at = f" (line {self.line})" if self.line is not None else ""
        return f"report {self.study!r}, {self.time:g} years{at}"


def _lines(*rows: CurveRow) -> str:
    """`` (lines 4 and 7)`` when the rows came from a file, else nothing."""
    lines = [str(r.line) for r in rows if r.line is not None]
    return f" (line{'s' if len(lines) > 1 else ''} {' and '.join(lines)})" if lines else ""


@dataclass(frozen=True)
class CurveData:
    """The rows kept, grouped by report (reports in order of first appearance, times
    ascending within each), with y, w and the block-diagonal V.

    ``report[r]`` is the index in ``studies`` of row r; ``approximate[r]`` is True when w
    was computed from n (no SE printed).  ``dropped`` are the later rows of plateaus.
    """

    rows: tuple[CurveRow, ...]
    studies: tuple[str, ...]
    report: NDArray[np.int64]
    time: Array
    surv: Array
    yi: Array
    w: Array
    V: Array
    approximate: tuple[bool, ...]
    dropped: tuple[CurveRow, ...]
    notes: tuple[str, ...]

    @property
    def k(self) -> int:
        """Number of reports."""
        return len(self.studies)

    @property
    def n_rows(self) -> int:
        return len(self.rows)

    @property
    def vi(self) -> Array:
        """The diagonal of V (sampling variances of the y)."""
        return np.diag(self.V).copy()


def _check_row(r: CurveRow) -> None:
    if not (isinstance(r.time, int | float) and math.isfinite(r.time) and r.time > 0):
        raise PoolingError(f"{r.where()}: time must be a positive number of years, not {r.time}")
    if not (math.isfinite(r.surv) and 0 < r.surv < 1):
        raise PoolingError(f"{r.where()}: survival {r.surv:g} is outside (0, 1); give it as a proportion strictly between 0 and 1")
    if r.se is not None and not (math.isfinite(r.se) and r.se > 0):
        raise PoolingError(f"{r.where()}: se {r.se:g} is not a positive number")
    if r.se is None and not (r.n is not None and math.isfinite(r.n) and r.n > 0):
        raise PoolingError(f"{r.where()}: no se, so n (patients) is needed for the binomial variance and must be positive")


def _var_log_s(r: CurveRow) -> float:
    if r.se is not None:
        return (r.se / r.surv) ** 2  # delta method: Var(log S) = Var(S) / S^2
    assert r.n is not None
    return (1 - r.surv) / (r.n * r.surv)  # binomial: S(1-S)/n divided by S^2


def _report_rows(label: str, rows: list[CurveRow], notes: list[str]) -> tuple[list[CurveRow], list[CurveRow]]:
    """Sort one report's rows by time; refuse what cannot be a Kaplan-Meier curve; drop plateaus."""
    rows = sorted(rows, key=lambda r: r.time)
    kept: list[CurveRow] = []
    dropped: list[CurveRow] = []
    for r in rows:
        prev = kept[-1] if kept else None
        if prev is not None and r.time == prev.time:
            raise PoolingError(f"report {label!r}: two values at {r.time:g} years ({prev.surv:g} and {r.surv:g}){_lines(prev, r)}; keep one")
        if prev is not None and r.surv == prev.surv:
            dropped.append(r)
            notes.append(f"report {label!r}: S = {r.surv:g} at {prev.time:g} and {r.time:g} years{_lines(prev, r)}, a plateau: kept the earlier row")
            continue
        if prev is not None and r.surv > prev.surv:
            raise PoolingError(f"report {label!r}: survival rises from {prev.surv:g} at {prev.time:g} years to {r.surv:g} at {r.time:g} years{_lines(prev, r)}; a survival curve cannot rise")
        if prev is not None and _var_log_s(r) <= _var_log_s(prev):
            raise PoolingError(
                f"report {label!r}: Var(log S) = {_var_log_s(r):.4g} at {r.time:g} years is not above {_var_log_s(prev):.4g} at {prev.time:g} years{_lines(prev, r)}; "
                "under Greenwood's formula it must increase with time (check the SEs, or n of a crude row)"
            )
        kept.append(r)
    return kept, dropped


def prepare_curve(rows: Sequence[CurveRow]) -> CurveData:
    """Check the rows and compute y, w and V (formulas in the module docstring)."""
    if not rows:
        raise PoolingError("no survival rows to fit")
    for r in rows:
        _check_row(r)
    groups: dict[str, list[CurveRow]] = {}
    for r in rows:
        groups.setdefault(r.study, []).append(r)
    notes: list[str] = []
    kept: list[CurveRow] = []
    dropped: list[CurveRow] = []
    report: list[int] = []
    for i, (label, rs) in enumerate(groups.items()):
        k, d = _report_rows(label, rs, notes)
        kept.extend(k)
        dropped.extend(d)
        report.extend([i] * len(k))
    s = np.array([r.surv for r in kept])
    w = np.array([_var_log_s(r) for r in kept])
    rep = np.array(report, dtype=np.int64)
    log_s = np.log(s)
    # Cov(log S_j, log S_k) = w of the earlier time; in a report times ascend, so min(w_j, w_k)
    cov_log = np.minimum(w[:, None], w[None, :]) * (rep[:, None] == rep[None, :])
    V = cov_log / np.outer(log_s, log_s)
    approx = tuple(r.se is None for r in kept)
    if any(approx):
        notes.append(f"{sum(approx)} row(s) without an SE: Var(log S) = (1 - S)/(n S), an approximation that ignores censoring")
    return CurveData(
        rows=tuple(kept), studies=tuple(groups), report=rep, time=np.array([r.time for r in kept]), surv=s,
        yi=np.log(-log_s), w=w, V=V, approximate=approx, dropped=tuple(dropped), notes=tuple(notes),
    )  # fmt: skip
