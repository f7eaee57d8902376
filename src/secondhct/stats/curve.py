r"""Summary survival curve across time points: the random-effects multivariate model of
Arends, Hunink & Stijnen (2008), parametric (Weibull-shaped) or one mean per time.

API (pure functions, frozen results; no file access, no printing)
-----------------------------------------------------------------
``prepare_curve(rows: Sequence[CurveRow]) -> CurveData``
    checks the rows (report, time in years, S, n, optional SE) and computes
    :math:`y = \log(-\log S)` and the within-report covariance V
    (:mod:`secondhct.stats.curve_data`).
``fit_curve(rows, *, method="REML" | "ML", time_model="weibull" | "categorical", level=0.95) -> CurveFit``
    tau^2 by solving the score equation, GLS coefficients, Wald inference, Q_E.
``predict(fit: CurveFit, times=DEFAULT_TIMES) -> CurvePredictions``
    S(t) with its CI and prediction interval; times outside the reported range (or, for the
    categorical model, not among the reported times) are listed in ``omitted``, never
    extrapolated.
``bayes_curve(rows, *, tau_prior="halfnormal:0.5", time_model=..., level=0.95) -> BayesCurveFit`` and
``predict_bayes(fit: BayesCurveFit, times=DEFAULT_TIMES) -> BayesCurvePredictions``
    the few-report Bayesian variant (:mod:`secondhct.stats.curve_bayes`).

``rows`` may be :class:`CurveRow` objects or an already prepared :class:`CurveData`.
Errors are :class:`~secondhct.errors.PoolingError` whose message names the report (and the
source line when :attr:`CurveRow.line` is set).  Modules: ``curve_data`` (rows -> y, V),
``curve_likelihood`` (ML/REML likelihood, score, the root), this one (fit, predictions),
``curve_bayes`` (Bayesian variant).

Model
-----
.. math::

    y_{ij} = x_{ij}'\beta + u_i + e_{ij},\qquad u_i \sim N(0, \tau^2),\qquad
    e_i \sim N(0, V_i),

with :math:`x_{ij} = (1, \log t_{ij})` (Weibull: :math:`S(t) = \exp(-\exp(\beta_0 + \beta_1\log t))`)
or the indicator of :math:`t_{ij}` among the distinct times (categorical).  Marginally
:math:`\operatorname{Var}(y_i) = \Sigma_i = V_i + \tau^2 J`, fitted as metafor's
``rma.mv(yi, V, mods = ~ log(t), random = ~ 1 | study)``.

References
----------
Arends LR, Hunink MGM, Stijnen T (2008). Meta-analysis of summary survival curve data.
*Stat Med* 27:4381-4396.
Dear KBG (1994). *Biometrics* 50:989-1002.
Harville DA (1977). Maximum likelihood approaches to variance component estimation and to
related problems. *J Am Stat Assoc* 72:320-338.
Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. *J Stat Softw*
36(3):1-48.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from ..errors import PoolingError
from .curve_data import CurveData, CurveRow, prepare_curve
from .curve_likelihood import Likelihood, solve_tau2
from .distributions import chi2_sf, norm_isf

__all__ = [
    "DEFAULT_TIMES", "TIME_MODELS", "CurveData", "CurveFit", "CurvePrediction", "CurvePredictions", "CurveRow",
    "Likelihood", "fit_curve", "predict", "prepare_curve",
]  # fmt: skip

Array = NDArray[np.float64]
CurveMethod = Literal["REML", "ML"]
TimeModel = Literal["weibull", "categorical"]
METHODS: tuple[str, ...] = ("REML", "ML")
TIME_MODELS: tuple[str, ...] = ("weibull", "categorical")
DEFAULT_TIMES: tuple[float, ...] = (1.0, 2.0, 3.0, 5.0)
#: A time is inside the reported range when within this relative distance of its ends.
RANGE_RTOL = 1e-9


def time_label(t: float) -> str:
    """The key of a time in the categorical model's coefficients (``1``, ``2.5``)."""
    return f"{t:g}"


def design(data: CurveData, time_model: str) -> tuple[Array, tuple[str, ...], Array]:
    """Model matrix X, coefficient names and, for the categorical model, its distinct times."""
    if time_model == "weibull":
        return np.column_stack([np.ones(data.n_rows), np.log(data.time)]), ("intercept", "log_time"), np.empty(0)
    if time_model == "categorical":
        times = np.unique(data.time)
        return (data.time[:, None] == times[None, :]).astype(float), tuple(time_label(t) for t in times), times
    raise PoolingError(f"time model {time_model!r} is not one of: {', '.join(TIME_MODELS)}")


@dataclass(frozen=True)
class CurveFit:
    """A fitted summary survival curve; arrays are indexed by coefficient (``coef_names``).

    ``score`` is the derivative of the (restricted) log-likelihood at ``tau2`` (0 at an
    interior solution; negative or 0 when tau^2 is at the boundary 0).  ``qe`` is the test
    for residual heterogeneity, :math:`y'P_0y` at tau^2 = 0 with ``qe_df`` = rows - p.
    ``curve_decreasing``: Weibull, :math:`\\beta_1 > 0`; categorical, the means of
    :math:`\\log(-\\log S)` increase from each time to the next.
    """

    data: CurveData
    method: str
    time_model: str
    coef_names: tuple[str, ...]
    times: Array  # the categorical model's distinct times (empty for Weibull)
    beta: Array
    vb: Array
    se: Array
    zval: Array
    pval: Array
    ci_lb: Array
    ci_ub: Array
    tau2: float
    score: float
    loglik: float
    qe: float
    qe_df: int
    qe_p: float
    curve_decreasing: bool
    level: float
    notes: tuple[str, ...]

    @property
    def tau(self) -> float:
        return math.sqrt(self.tau2)

    @property
    def k(self) -> int:
        return self.data.k


def as_curve_data(rows: Sequence[CurveRow] | CurveData) -> CurveData:
    """``rows`` as prepared data (:func:`prepare_curve`), or as they are when already prepared."""
    return rows if isinstance(rows, CurveData) else prepare_curve(rows)


def tau2_identifiable(data: CurveData, X: Array) -> bool:
    """False when every report indicator lies in the column space of X (one report; or, in
    the categorical model, reports that share no time): the likelihood cannot tell tau^2
    from the coefficients, and it is fixed at 0 (metafor does this for a single report)."""
    Z = (data.report[:, None] == np.arange(data.k)[None, :]).astype(float)
    return bool(np.linalg.matrix_rank(np.hstack([X, Z])) > np.linalg.matrix_rank(X))


def check_model(data: CurveData, X: Array, time_model: str) -> list[str]:
    """Refuse a model the rows cannot estimate; notes about the shape's identification."""
    n, p = X.shape
    if n < p + 1:
        raise PoolingError(f"{n} row(s) cannot estimate the {p} coefficient(s) of the {time_model} model and tau^2 (need at least {p + 1})")
    notes = []
    if time_model == "weibull" and np.unique(data.time).size < 2:
        raise PoolingError("every row is at the same time: the curve's shape (log-time coefficient) cannot be estimated; use the categorical time model (one mean per time)")
    if time_model == "weibull" and all(np.sum(data.report == i) == 1 for i in range(data.k)):
        notes.append("one time point per report: the curve's shape is identified only between reports")
    return notes


def fit_curve(
    rows: Sequence[CurveRow] | CurveData,
    *,
    method: CurveMethod | str = "REML",
    time_model: TimeModel | str = "weibull",
    level: float = 0.95,
) -> CurveFit:
    r"""Fit the summary survival curve (model in the module docstring).

    Parameters
    ----------
    rows
        :class:`CurveRow` per survival estimate, or the :class:`CurveData` of :func:`prepare_curve`.
    method
        ``REML`` (default) or ``ML`` for tau^2, found by :func:`solve_tau2`.
    time_model
        ``weibull``: :math:`\log(-\log S) = \beta_0 + \beta_1\log t`; ``categorical``: one
        mean per distinct time.
    level
        Coverage of the Wald intervals (normal quantiles, as metafor's ``test = "z"``).

    Notes
    -----
    :math:`\hat\beta = (X'\hat W X)^{-1}X'\hat Wy` with :math:`\hat W = \Sigma(\hat\tau^2)^{-1}`,
    :math:`\operatorname{Var}(\hat\beta) = (X'\hat WX)^{-1}`, z tests;
    :math:`Q_E = y'P_0y` with :math:`P_0 = V^{-1} - V^{-1}X(X'V^{-1}X)^{-1}X'V^{-1}` on
    rows - p degrees of freedom (the test for residual heterogeneity of ``rma.mv``).
    """
    if method not in METHODS:
        raise PoolingError(f"method {method!r} is not one of: {', '.join(METHODS)}")
    if not 0 < level < 1:
        raise PoolingError(f"level must lie strictly between 0 and 1, not {level}")
    data = as_curve_data(rows)
    X, names, times = design(data, time_model)
    notes = list(data.notes) + check_model(data, X, time_model)
    lik = Likelihood(data, X)
    if tau2_identifiable(data, X):
        tau2, score = solve_tau2(lik, method, float(data.vi.max()))
        if tau2 == 0:
            notes.append(f"tau^2 estimated at the boundary 0 ({method} score {score:.3g} <= 0 there)")
    else:
        tau2, score = 0.0, 0.0
        notes.append("the reports' effects cannot be told from the coefficients (one report, or reports sharing no time): tau^2 fixed at 0, as metafor does for a single report")
    ev = lik.evaluate(np.array([tau2]))
    beta, vb = ev["beta"][0], ev["vb"][0]
    se = np.sqrt(np.diag(vb))
    crit = norm_isf((1 - level) / 2)
    zval = beta / se
    ev0 = lik.evaluate(np.array([0.0]))
    qe = max(0.0, float(lik.C - ev0["beta"][0] @ lik.B))
    qe_df = data.n_rows - X.shape[1]
    decreasing = bool(beta[1] > 0) if time_model == "weibull" else bool(np.all(np.diff(beta) > 0))
    if not decreasing:
        notes.append("the fitted curve does not decrease with time" + (" (log-time coefficient <= 0)" if time_model == "weibull" else ""))
    from scipy import special

    return CurveFit(
        data=data, method=method, time_model=time_model, coef_names=names, times=times,
        beta=beta, vb=vb, se=se, zval=zval, pval=2 * special.ndtr(-np.abs(zval)),
        ci_lb=beta - crit * se, ci_ub=beta + crit * se, tau2=tau2, score=score, loglik=float(ev[method.lower()][0]),
        qe=qe, qe_df=qe_df, qe_p=chi2_sf(qe, qe_df), curve_decreasing=decreasing, level=level, notes=tuple(notes),
    )  # fmt: skip


@dataclass(frozen=True)
class CurvePrediction:
    """S at one time: eta = x'b on the log(-log S) scale with its SE; S and its CI and
    prediction interval (bounds swapped from eta's: S = exp(-exp(eta)) decreases in eta)."""

    time: float
    eta: float
    se: float
    surv: float
    surv_ci_lb: float
    surv_ci_ub: float
    surv_pi_lb: float
    surv_pi_ub: float


@dataclass(frozen=True)
class CurvePredictions:
    """Predictions at the requested times that can be made; ``omitted`` are the others
    (outside the reported range, or not a reported time of the categorical model)."""

    predictions: tuple[CurvePrediction, ...]
    omitted: tuple[float, ...]
    level: float


def surv_of(eta: float | Array) -> float | Array:
    r""":math:`S = \exp(-\exp(\eta))`."""
    return np.exp(-np.exp(eta))


def prediction_rows(time_model: str, coef_times: Array, t_range: tuple[float, float], times: Sequence[float]) -> tuple[list[tuple[float, Array]], list[float]]:
    """Model-matrix rows of the times that can be predicted, and the times omitted."""
    lo, hi = t_range
    keep: list[tuple[float, Array]] = []
    omitted: list[float] = []
    for t in times:
        t = float(t)
        if not (math.isfinite(t) and t > 0):
            raise PoolingError(f"prediction time {t:g} is not a positive number of years")
        if time_model == "weibull":
            inside = lo * (1 - RANGE_RTOL) <= t <= hi * (1 + RANGE_RTOL)
            x = np.array([1.0, math.log(t)])
        else:
            match = np.isclose(coef_times, t, rtol=RANGE_RTOL, atol=0)
            inside = bool(match.any())
            x = match.astype(float)
        if inside:
            keep.append((t, x))
        else:
            omitted.append(t)
    return keep, omitted


def predict(fit: CurveFit, times: Sequence[float] = DEFAULT_TIMES) -> CurvePredictions:
    r"""S(t) with its Wald CI and prediction interval at ``times`` (years).

    :math:`\hat\eta = x'\hat\beta`, :math:`se = \sqrt{x'\operatorname{Var}(\hat\beta)x}`;
    CI :math:`\hat\eta \pm z\,se`, prediction interval :math:`\hat\eta \pm z\sqrt{se^2 + \hat\tau^2}`
    (metafor's ``predict.rma``), mapped by :func:`surv_of` with the bounds swapped.
    """
    rows, omitted = prediction_rows(fit.time_model, fit.times, (float(fit.data.time.min()), float(fit.data.time.max())), times)
    crit = norm_isf((1 - fit.level) / 2)
    out = []
    for t, x in rows:
        eta = float(x @ fit.beta)
        se = math.sqrt(float(x @ fit.vb @ x))
        sp = math.sqrt(se * se + fit.tau2)
        out.append(CurvePrediction(
            time=t, eta=eta, se=se, surv=float(surv_of(eta)),
            surv_ci_lb=float(surv_of(eta + crit * se)), surv_ci_ub=float(surv_of(eta - crit * se)),
            surv_pi_lb=float(surv_of(eta + crit * sp)), surv_pi_ub=float(surv_of(eta - crit * sp)),
        ))  # fmt: skip
    return CurvePredictions(tuple(out), tuple(omitted), fit.level)
