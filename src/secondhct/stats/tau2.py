"""Estimators of the between-study variance tau^2, as ``metafor::rma.uni`` defines them.

Every estimator works on a meta-regression model ``yi = X beta + u_i + e_i`` with
``u_i ~ N(0, tau2)`` and ``e_i ~ N(0, vi)``; the random-effects model is the case
``X = 1``.  The algorithms (including starting values, step halving and the
stopping rules of the iterative ones) follow metafor 3.8 ``rma.uni`` line by line,
so that the same data give the same tau^2 up to the stated tolerances.

pymare is not used: one implementation that follows metafor's algorithms step by step
(start values, step halving, truncation, stopping rules) is what makes agreement to
1e-8 checkable, and it avoids a dependency.

Notation: ``W = diag(w)``, ``P = W - W X (X'WX)^{-1} X'W`` and ``Q(tau2) = y'P y``
with ``w = 1/(vi + tau2)`` (the generalised Q statistic).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from numpy.typing import NDArray

from ..errors import PoolingError
from .distributions import brentq
from .residual import Residual

Tau2Method = Literal["EE", "DL", "REML", "ML", "PM", "HS", "SJ", "HE", "EB"]
TAU2_METHODS: tuple[str, ...] = get_args(Tau2Method)

#: Fisher scoring stops when tau^2 changes by less than this (metafor ``threshold``;
#: metafor's default is 1e-5, we use a tighter value and so does the reference script).
DEFAULT_THRESHOLD = 1e-10
#: Absolute tolerance of the root finders on tau^2 (metafor ``tol``; metafor's default
#: is ``.Machine$double.eps^0.25`` ~ 1.2e-4, too loose to compare at 1e-6).
DEFAULT_TOL = 1e-12
#: Maximum number of Fisher-scoring / root-finding iterations (metafor ``maxiter``).
DEFAULT_MAXITER = 1000
#: Upper end of the search interval for tau^2 (metafor ``tau2.max``; raised to
#: ``10 * mad(yi)^2`` when that is larger).
DEFAULT_TAU2_MAX = 100.0


@dataclass(frozen=True)
class Tau2Estimate:
    """One tau^2 estimate: value, its standard error and how it was reached."""

    tau2: float
    se: float
    method: str
    converged: bool
    iterations: int
    note: str = ""


def check_method(method: str) -> str:
    """Return ``method`` if it is one of :data:`TAU2_METHODS` (``FE`` is read as ``EE``)."""
    if method == "FE":
        return "EE"
    if method not in TAU2_METHODS:
        raise PoolingError(f"unknown method {method!r}; allowed: {', '.join(TAU2_METHODS)}")
    return method


def generalised_q(tau2: float, yi: NDArray[np.float64], vi: NDArray[np.float64], X: NDArray[np.float64]) -> float:
    r"""Generalised Q statistic :math:`Q(\tau^2) = y'P(\tau^2)y`.

    Notes
    -----
    .. math:: Q(\tau^2) = \sum_i w_i (y_i - x_i\hat\beta_{\tau^2})^2,\quad w_i = 1/(v_i+\tau^2)

    References
    ----------
    Viechtbauer W (2007). Confidence intervals for the amount of heterogeneity in
    meta-analysis. *Stat Med* 26:37-52.
    """
    return Residual.of(X, 1.0 / (vi + tau2)).quad(yi)


def _mad(x: NDArray[np.float64]) -> float:
    """R's ``mad()``: 1.4826 times the median absolute deviation from the median."""
    return float(1.4826 * np.median(np.abs(x - np.median(x))))


def estimate_tau2(
    yi: NDArray[np.float64],
    vi: NDArray[np.float64],
    X: NDArray[np.float64],
    method: Tau2Method,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    tol: float = DEFAULT_TOL,
    maxiter: int = DEFAULT_MAXITER,
    stepadj: float = 1.0,
) -> Tau2Estimate:
    r"""Estimate tau^2 with ``method`` exactly as ``metafor::rma.uni`` does.

    Parameters
    ----------
    yi, vi
        Effect sizes and (positive) sampling variances, length k.
    X
        Model matrix (k x p) with an intercept column.
    method
        ``EE`` (tau^2 = 0), ``DL``, ``HE``, ``HS``, ``SJ``, ``PM``, ``EB``, ``ML`` or ``REML``.
    threshold, tol, maxiter, stepadj
        metafor's ``control`` settings: Fisher-scoring stopping threshold on the change in
        tau^2, root-finder tolerance, iteration limit, and the factor applied to each
        Fisher-scoring step (``stepadj < 1`` damps oscillating iterations).

    Notes
    -----
    With :math:`W=\mathrm{diag}(1/v_i)`, :math:`P_0` its residual matrix, :math:`P_{OLS}` the
    unweighted one and :math:`V=\mathrm{diag}(v_i)`:

    .. math::

        \hat\tau^2_{DL} &= \frac{y'P_0y - (k-p)}{\mathrm{tr}(P_0)} \\
        \hat\tau^2_{HE} &= \frac{y'P_{OLS}y - \mathrm{tr}(P_{OLS}V)}{k-p} \\
        \hat\tau^2_{HS} &= \frac{y'P_0y - k}{\sum_i 1/v_i} \\
        \hat\tau^2_{SJ} &= \tau_0^2\,\frac{y'P(\tau_0^2)y}{k-p},\quad \tau_0^2 = \frac{1}{k}\sum_i (y_i-\bar y)^2 \\
        \hat\tau^2_{PM} &: \; Q(\tau^2) = k - p

    ML, REML and EB use Fisher scoring from :math:`\max(0, \hat\tau^2_{HE})` with updates

    .. math::

        \Delta_{ML} = \frac{y'PPy - \sum w_i}{\sum w_i^2},\quad
        \Delta_{REML} = \frac{y'PPy - \mathrm{tr}P}{\mathrm{tr}(PP)},\quad
        \Delta_{EB} = \frac{y'Py\,k/(k-p) - k}{\sum w_i},

    halving a step while it would make tau^2 negative; all estimates are truncated at 0.

    References
    ----------
    DerSimonian R, Laird N (1986). *Control Clin Trials* 7:177-188.
    Hedges LV, Olkin I (1985). *Statistical Methods for Meta-Analysis*. Academic Press.
    Hunter JE, Schmidt FL (2004). *Methods of Meta-Analysis*, 2nd ed. Sage.
    Sidik K, Jonkman JN (2005). *J Biopharm Stat* 15:823-838.
    Paule RC, Mandel J (1982). *J Res Natl Bur Stand* 87:377-385.
    Morris CN (1983). *J Am Stat Assoc* 78:47-55 (empirical Bayes).
    Viechtbauer W (2005). Bias and efficiency of meta-analytic variance estimators in the
    random-effects model. *J Educ Behav Stat* 30:261-293.
    Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package.
    *J Stat Softw* 36(3):1-48.

    (Longer than 60 lines on purpose: one branch per estimator, each a few lines that mirror metafor's code for it.)
    """
    method = check_method(method)  # type: ignore[assignment]
    k, p = X.shape
    ymc = yi - yi.mean()
    if method == "EE":
        return Tau2Estimate(0.0, float("nan"), method, True, 0)
    if k == 1:
        return Tau2Estimate(0.0, float("nan"), method, True, 0, "k = 1: tau^2 set to 0")
    if method in ("DL", "HS", "PM") and np.any(vi <= 0):
        raise PoolingError(f"the {method} estimator needs positive sampling variances")

    if method in ("DL", "HS"):
        w = 1.0 / vi
        P = Residual.of(X, w)
        rss = P.quad(ymc)
        trP = P.trace()
        if method == "DL":
            tau2 = max(0.0, (rss - (k - p)) / trP)
            se = np.sqrt((2 * (k - p) + 4 * tau2 * trP + 2 * tau2**2 * P.trace_pp()) / trP**2)
        else:
            tau2 = max(0.0, (rss - k) / w.sum())
            se = np.sqrt((2 * (k - p) + 4 * tau2 * trP + 2 * tau2**2 * P.trace_pp()) / w.sum() ** 2)
        return Tau2Estimate(tau2, float(se), method, True, 0)

    if method in ("HE", "ML", "REML", "EB"):
        P_ols = Residual.of(X, np.ones(k))
        rss = P_ols.quad(ymc)
        trPV = P_ols.trace_pv(vi)
        tau2_he = (rss - trPV) / (k - p)
        if method == "HE":
            tau2 = max(0.0, tau2_he)
            se = np.sqrt((2 * P_ols.trace_pvpv(vi) + 4 * tau2 * trPV + 2 * tau2**2 * (k - p)) / (k - p) ** 2)
            return Tau2Estimate(tau2, float(se), method, True, 0)
        return _fisher_scoring(ymc, vi, X, method, max(0.0, tau2_he), threshold, tol, maxiter, stepadj)

    if method == "SJ":
        tau2_0 = float(np.mean(ymc**2))
        w = 1.0 / (vi + tau2_0)
        P = Residual.of(X, w)
        tau2 = max(0.0, tau2_0 * P.quad(ymc) / (k - p))
        se = np.sqrt(
            tau2_0**2 / (k - p) ** 2 * (2 * P.trace_pvpv(vi) + 4 * tau2 * P.trace_pvp(vi) + 2 * tau2**2 * P.trace_pp())
        )
        return Tau2Estimate(tau2, float(se), method, True, 0)

    # PM: root of Q(tau2) = k - p on [0, tau2_max]
    tau2_max = max(DEFAULT_TAU2_MAX, 10 * _mad(yi) ** 2)
    target = k - p
    if generalised_q(0.0, ymc, vi, X) < target:
        tau2 = 0.0
    elif generalised_q(tau2_max, ymc, vi, X) > target:
        return Tau2Estimate(
            float("nan"), float("nan"), method, False, 0, f"PM: Q(tau2.max = {tau2_max:g}) is still above k - p"
        )
    else:
        try:
            tau2 = float(
                brentq(lambda t: generalised_q(t, ymc, vi, X) - target, 0.0, tau2_max, xtol=tol, maxiter=maxiter)
            )
        except RuntimeError:
            return Tau2Estimate(
                float("nan"), float("nan"), method, False, maxiter, f"PM: root search did not converge in {maxiter} iterations"
            )
    w = 1.0 / (vi + tau2)
    se = np.sqrt(2 * k**2 / (k - p) / w.sum() ** 2)
    return Tau2Estimate(tau2, float(se), method, True, 0)


def _fisher_scoring(
    ymc: NDArray[np.float64],
    vi: NDArray[np.float64],
    X: NDArray[np.float64],
    method: str,
    tau2: float,
    threshold: float,
    tol: float,
    maxiter: int,
    stepadj: float = 1.0,
) -> Tau2Estimate:
    """Fisher scoring for ML, REML and EB as in metafor (start, step halving, ll0 check)."""
    k, p = X.shape
    change = threshold + 1
    it = 0
    while change > threshold:
        it += 1
        old = tau2
        w = 1.0 / (vi + tau2)
        if np.any(~np.isfinite(w)):
            raise PoolingError("division by zero in the inverse-variance weights (a study has variance 0 and tau^2 = 0)")
        P = Residual.of(X, w)
        Py = P.apply(ymc)
        if method == "ML":
            adj = (Py @ Py - w.sum()) / np.sum(w**2)
        elif method == "REML":
            adj = (Py @ Py - P.trace()) / P.trace_pp()
        else:  # EB
            adj = (ymc @ Py * k / (k - p) - k) / w.sum()
        adj = float(adj) * stepadj
        if np.isnan(adj):
            adj = 0.0
        while tau2 + adj < 0:
            adj /= 2
        tau2 = tau2 + adj
        change = abs(old - tau2)
        if it > maxiter:
            return Tau2Estimate(
                float("nan"), float("nan"), method, False, it, f"{method}: Fisher scoring did not converge in {maxiter} iterations (step length {stepadj:g})"
            )
    note = ""
    if method in ("ML", "REML") and np.all(vi > 0):
        ll0 = _loglik(ymc, vi, X, 0.0, method)
        ll = _loglik(ymc, vi, X, tau2, method)
        if ll0 - ll > tol and tau2 > threshold:
            note = f"{method}: Fisher scoring may have stopped at a local maximum; tau^2 set to 0 (as metafor)"
            tau2 = 0.0
    tau2 = max(0.0, tau2)
    w = 1.0 / (vi + tau2)
    if method == "ML":
        se = np.sqrt(2 / np.sum(w**2))
    elif method == "REML":
        se = np.sqrt(2 / Residual.of(X, w).trace_pp())
    else:
        se = np.sqrt(2 * k**2 / (k - p) / w.sum() ** 2)
    return Tau2Estimate(tau2, float(se), method, True, it, note)


def _loglik(ymc: NDArray[np.float64], vi: NDArray[np.float64], X: NDArray[np.float64], tau2: float, method: str) -> float:
    """(Restricted) log-likelihood as in metafor's ``ll0`` check (without the constant REML term)."""
    k, p = X.shape
    w = 1.0 / (vi + tau2)
    XtW = X.T * w
    beta = np.linalg.solve(XtW @ X, XtW @ ymc)
    rss = float(np.sum(w * (ymc - X @ beta) ** 2))
    if method == "ML":
        return -0.5 * k * np.log(2 * np.pi) - 0.5 * np.sum(np.log(vi + tau2)) - 0.5 * rss
    logdet = np.linalg.slogdet(XtW @ X)[1]
    return -0.5 * (k - p) * np.log(2 * np.pi) - 0.5 * np.sum(np.log(vi + tau2)) - 0.5 * logdet - 0.5 * rss
