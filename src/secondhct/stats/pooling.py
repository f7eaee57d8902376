"""Common-effect and random-effects models (and meta-regression) as ``metafor::rma.uni``.

The public entry points are :func:`pool` (intercept-only model, returns a
:class:`PooledResult`) and :func:`fit_rma` (any model matrix, returns an
:class:`RmaFit`).  Inference, heterogeneity statistics, the prediction interval and the
Q-profile confidence intervals for tau^2 / I^2 / H^2 follow metafor 3.8 (``rma.uni``,
``predict.rma``, ``confint.rma.uni``); deliberate differences are listed in
``tests/reference/README.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .distributions import brentq, chi2_isf, chi2_ppf
from .inference import TESTS
from .rma import RmaFit, TestType, check_inputs, fit_rma
from .tau2 import (
    DEFAULT_MAXITER,
    DEFAULT_TAU2_MAX,
    DEFAULT_THRESHOLD,
    DEFAULT_TOL,
    Tau2Method,
    generalised_q,
)

__all__ = ["TESTS", "PooledResult", "RmaFit", "TestType", "check_inputs", "fit_rma", "pool", "tau2_qprofile_ci"]


@dataclass(frozen=True)
class PooledResult:
    """Result of one meta-analysis (intercept-only model) on the analysis scale.

    ``i2`` and its bounds are in percent, as metafor prints them; ``df`` is ``None``
    under the z test; bounds that cannot be computed (k = 1, common-effect model)
    are ``None`` and ``notes`` says why.  ``weights`` are in percent; ``None`` for a
    model that has no study weights (the GLMM).
    """

    k: int
    estimate: float
    se: float
    stat: float | None
    pval: float | None
    ci_lb: float
    ci_ub: float
    pi_lb: float
    pi_ub: float
    df: int | None
    tau2: float
    tau2_se: float | None
    tau2_lb: float | None
    tau2_ub: float | None
    i2: float
    i2_lb: float | None
    i2_ub: float | None
    h2: float
    h2_lb: float | None
    h2_ub: float | None
    q: float
    q_df: int
    q_p: float
    method: str
    test: str
    level: float
    converged: bool
    weights: tuple[float, ...] | None
    notes: tuple[str, ...] = field(default=())


#: tau^2 below this fraction of the typical within-study variance s^2 counts as 0 in what is said of
#: it (the "tau^2 is 0" warning, the plot footer): an optimiser stops near, not at, the boundary
#: (8e-12 after one report was added), and the prediction interval then equals the CI to 6 digits.
TAU2_ZERO_RELATIVE = 1e-6


def tau2_is_zero(tau2: float, i2: float) -> bool:
    """Whether ``tau2`` is 0 within :data:`TAU2_ZERO_RELATIVE` of the typical within-study variance.

    I^2 = 100 tau^2 / (tau^2 + s^2) with s^2 metafor's typical within-study variance (Higgins &
    Thompson 2002), so tau^2 / s^2 = I^2 / (100 - I^2).

    >>> tau2_is_zero(8e-12, 100 * 8e-12 / (8e-12 + 0.04)), tau2_is_zero(0.01, 20.0)
    (True, False)
    """
    if tau2 <= 0:
        return True
    return i2 < 100 and i2 / (100 - i2) < TAU2_ZERO_RELATIVE


def tau2_qprofile_ci(
    yi: NDArray[np.float64],
    vi: NDArray[np.float64],
    X: NDArray[np.float64],
    tau2: float,
    *,
    level: float = 0.95,
    tol: float = DEFAULT_TOL,
    maxiter: int = DEFAULT_MAXITER,
) -> tuple[float | None, float | None, tuple[str, ...]]:
    r"""Q-profile confidence interval for tau^2 (``confint.rma.uni``, type ``QP``).

    Notes
    -----
    The bounds solve :math:`Q(\tau^2_{lb}) = \chi^2_{k-p;\,1-\alpha/2}` and
    :math:`Q(\tau^2_{ub}) = \chi^2_{k-p;\,\alpha/2}` on :math:`[0, \max(100, 10\hat\tau^2)]`,
    :math:`Q` being the generalised Q statistic (decreasing in tau^2); a bound is set
    to 0 when Q(0) is already below its critical value, and to the end of the interval
    when Q there is still above it (noted).

    References
    ----------
    Viechtbauer W (2007). Confidence intervals for the amount of heterogeneity in
    meta-analysis. *Stat Med* 26:37-52.

    (Longer than 60 lines on purpose: the two bounds and their truncation cases, as confint.rma.uni.)
    """
    k, p = X.shape
    alpha = 1 - level
    crit_u = chi2_isf(alpha / 2, k - p)
    crit_l = chi2_ppf(alpha / 2, k - p)
    tmin = min(0.0, tau2)
    tmax = max(DEFAULT_TAU2_MAX, 10 * tau2, 10 * tmin)
    q_max = generalised_q(tmax, yi, vi, X)
    q_min = generalised_q(tmin, yi, vi, X)
    notes: list[str] = []
    lb: float | None
    ub: float | None

    def root(target: float) -> float | None:
        try:
            return float(
                brentq(lambda t: generalised_q(t, yi, vi, X) - target, tmin, tmax, xtol=tol, maxiter=maxiter)
            )
        except RuntimeError:
            notes.append(f"Q-profile root search did not converge in {maxiter} iterations: a tau^2 bound is missing")
            return None

    if q_min < crit_l:
        lb = ub = tmin
        notes.append("the Q-profile CI for tau^2 is the null set {0}: Q(0) is below both critical values")
    else:
        if q_max > crit_l:
            ub = tmax
            notes.append(f"upper bound of the tau^2 CI truncated at tau2.max = {tmax:g}")
        else:
            ub = root(crit_l)
    if q_max > crit_u:
        lb = ub = tmax
        notes.append(f"tau^2 CI lies above tau2.max = {tmax:g}")
    elif q_min < crit_u:
        lb = tmin
    else:
        lb = root(crit_u)
    return lb, ub, tuple(notes)


def pool(
    yi: ArrayLike,
    vi: ArrayLike,
    *,
    method: Tau2Method | Sequence[Tau2Method] = "REML",
    test: TestType = "adhoc",
    level: float = 0.95,
    threshold: float = DEFAULT_THRESHOLD,
    tol: float = DEFAULT_TOL,
    maxiter: int = DEFAULT_MAXITER,
) -> PooledResult:
    r"""Pool effect sizes with a random-effects (or common-effect, ``EE``) model.

    The default for the review is REML with the ad hoc Knapp-Hartung adjustment
    (``rma(yi, vi, method="REML", test="adhoc")``).

    Notes
    -----
    Prediction interval (``predict.rma``):

    .. math:: \hat\mu \pm c\,\sqrt{SE(\hat\mu)^2 + \hat\tau^2}

    with :math:`c` the normal quantile under z and the t quantile with k-1 df under
    knha/adhoc (the same critical value as the CI).  Edge cases: k = 1 returns the study
    itself with a z interval and tau^2 = 0; a zero or negative variance is refused with
    a :class:`~secondhct.errors.PoolingError` (the weights would be infinite); tau^2 on
    the boundary 0 is reported with a note; an estimator that does not converge falls
    back to the next in ``method`` (give a sequence), else a PoolingError says so.

    References
    ----------
    Riley RD, Higgins JPT, Deeks JJ (2011). Interpretation of random effects
    meta-analyses. *BMJ* 342:d549.
    IntHout J, Ioannidis JPA, Rovers MM, Goeman JJ (2016). Plea for routinely presenting
    prediction intervals in meta-analysis. *BMJ Open* 6:e010247.

    (Longer than 60 lines on purpose: most of it is the docstring and the record of every field of the result.)
    """
    fit = fit_rma(yi, vi, None, method=method, test=test, level=level, threshold=threshold, tol=tol, maxiter=maxiter)
    y, v = check_inputs(yi, vi)
    X = np.ones((fit.k, 1))
    notes = list(fit.notes)
    tau2_lb = tau2_ub = i2_lb = i2_ub = h2_lb = h2_ub = None
    if fit.k > 1 and fit.method != "EE":
        tau2_lb, tau2_ub, ci_notes = tau2_qprofile_ci(y, v, X, fit.tau2, level=level, tol=tol, maxiter=maxiter)
        notes.extend(ci_notes)
        if tau2_lb is not None:
            i2_lb, h2_lb = 100 * tau2_lb / (fit.vt + tau2_lb), tau2_lb / fit.vt + 1
        if tau2_ub is not None:
            i2_ub, h2_ub = 100 * tau2_ub / (fit.vt + tau2_ub), tau2_ub / fit.vt + 1
    est, se = float(fit.beta[0]), float(fit.se[0])
    half_pi = fit.crit * np.sqrt(se**2 + fit.tau2)
    return PooledResult(
        k=fit.k,
        estimate=est,
        se=se,
        stat=None if np.isnan(fit.stat[0]) else float(fit.stat[0]),
        pval=None if np.isnan(fit.pval[0]) else float(fit.pval[0]),
        ci_lb=float(fit.ci_lb[0]),
        ci_ub=float(fit.ci_ub[0]),
        pi_lb=float(est - half_pi),
        pi_ub=float(est + half_pi),
        df=fit.df,
        tau2=fit.tau2,
        tau2_se=fit.tau2_se,
        tau2_lb=tau2_lb,
        tau2_ub=tau2_ub,
        i2=fit.i2,
        i2_lb=i2_lb,
        i2_ub=i2_ub,
        h2=fit.h2,
        h2_lb=h2_lb,
        h2_ub=h2_ub,
        q=fit.q,
        q_df=fit.q_df,
        q_p=fit.q_p,
        method=fit.method,
        test=fit.test,
        level=level,
        converged=fit.converged,
        weights=tuple(float(x) for x in fit.weights),
        notes=tuple(notes),
    )
