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
from scipy import optimize, stats

from ..errors import PoolingError
from .models import TESTS, check_test
from .tau2 import (
    DEFAULT_MAXITER,
    DEFAULT_TAU2_MAX,
    DEFAULT_THRESHOLD,
    DEFAULT_TOL,
    Tau2Estimate,
    Tau2Method,
    check_method,
    estimate_tau2,
    generalised_q,
    p_matrix,
)

#: One of :data:`secondhct.stats.models.TESTS` (``z``, ``knha``, ``adhoc``).
TestType = str
__all__ = ["TESTS", "PooledResult", "RmaFit", "check_inputs", "fit_rma", "pool", "tau2_qprofile_ci"]


@dataclass(frozen=True)
class RmaFit:
    """A fitted (mixed-effects) meta-regression model; arrays are indexed by coefficient."""

    k: int
    p: int
    beta: NDArray[np.float64]
    vb: NDArray[np.float64]
    se: NDArray[np.float64]
    stat: NDArray[np.float64]
    pval: NDArray[np.float64]
    ci_lb: NDArray[np.float64]
    ci_ub: NDArray[np.float64]
    df: int | None
    crit: float
    qm: float
    qm_df: tuple[int, int | None]
    qm_p: float
    tau2: float
    tau2_se: float | None
    q: float
    q_df: int
    q_p: float
    i2: float
    h2: float
    vt: float
    weights: NDArray[np.float64]
    method: str
    test: str
    level: float
    converged: bool
    notes: tuple[str, ...]


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


def check_inputs(yi: ArrayLike, vi: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Convert to float arrays and refuse what no model can use (k = 0, NaN, vi <= 0)."""
    y = np.asarray(yi, dtype=float).ravel()
    v = np.asarray(vi, dtype=float).ravel()
    if y.size == 0:
        raise PoolingError("no studies to pool (k = 0)")
    if y.shape != v.shape:
        raise PoolingError(f"yi has {y.size} values but vi has {v.size}")
    bad = np.flatnonzero(~np.isfinite(y) | ~np.isfinite(v))
    if bad.size:
        raise PoolingError(f"study {bad[0] + 1}: effect size or variance is missing or not finite")
    nonpos = np.flatnonzero(v <= 0)
    if nonpos.size:
        raise PoolingError(
            f"study {nonpos[0] + 1}: sampling variance {v[nonpos[0]]:g} is not positive; "
            "inverse-variance weights are undefined (supply a positive variance or SE)"
        )
    return y, v


def _estimate_with_fallback(
    yi: NDArray[np.float64], vi: NDArray[np.float64], X: NDArray[np.float64], methods: Sequence[str], **control: float
) -> tuple[Tau2Estimate, list[str]]:
    notes: list[str] = []
    for m in methods:
        est = estimate_tau2(yi, vi, X, check_method(m), **control)  # type: ignore[arg-type]
        if est.note:
            notes.append(est.note)
        if not est.converged and check_method(m) in ("ML", "REML", "EB"):
            # metafor stops here and suggests control=list(stepadj=0.5); we retry with it
            est = estimate_tau2(yi, vi, X, check_method(m), stepadj=0.5, **control)  # type: ignore[arg-type]
            if est.converged:
                notes.append(f"{m}: Fisher scoring converged with step length 0.5 (metafor: control=list(stepadj=0.5))")
            elif est.note:
                notes.append(est.note)
        if est.converged:
            if m != methods[0]:
                notes.append(f"tau^2 estimated with {m} after {', '.join(methods[: methods.index(m)])} failed")
            return est, notes
    raise PoolingError(f"no tau^2 estimator converged ({'; '.join(notes)}); try another --method")


def fit_rma(
    yi: ArrayLike,
    vi: ArrayLike,
    X: ArrayLike | None = None,
    *,
    method: Tau2Method | Sequence[Tau2Method] = "REML",
    test: TestType = "z",
    level: float = 0.95,
    btt: Sequence[int] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    tol: float = DEFAULT_TOL,
    maxiter: int = DEFAULT_MAXITER,
) -> RmaFit:
    r"""Fit ``yi ~ X`` by weighted least squares with weights :math:`1/(v_i+\hat\tau^2)`.

    Parameters
    ----------
    yi, vi
        Effect sizes and positive sampling variances.
    X
        Model matrix with an intercept column first; ``None`` for the intercept-only model.
    method
        tau^2 estimator, or a sequence tried in order when one does not converge
        (metafor's ``method=c("REML", "DL")``).
    test
        ``z`` (Wald, normal), ``knha`` (Knapp-Hartung, t with k-p df) or ``adhoc``
        (Knapp-Hartung with the scale factor truncated below at 1, never narrower than z).
    btt
        Coefficients tested by the omnibus test QM (default: all but the intercept,
        or the intercept alone in an intercept-only model).

    Notes
    -----
    .. math::

        \hat\beta = (X'WX)^{-1}X'Wy,\quad \mathrm{Var}(\hat\beta) = s^2 (X'WX)^{-1}

    with :math:`s^2 = 1` under z, :math:`s^2 = \sum w_i(y_i - x_i\hat\beta)^2/(k-p)` under
    Knapp-Hartung and :math:`\max(1, s^2)` under the ad hoc variant.  Cochran's
    :math:`Q_E = y'P_0y` with :math:`w_i = 1/v_i`; :math:`I^2 = 100\,\tau^2/(\tau^2+\tilde v)`
    and :math:`H^2 = 1 + \tau^2/\tilde v` with the typical within-study variance
    :math:`\tilde v = (k-p)/\mathrm{tr}(P_0)`; for the common-effect model
    :math:`I^2 = 100\max(0, (Q_E-(k-p))/Q_E)` and :math:`H^2 = Q_E/(k-p)`.

    References
    ----------
    Knapp G, Hartung J (2003). Improved tests for a random effects meta-regression with a
    single covariate. *Stat Med* 22:2693-2710.
    Higgins JPT, Thompson SG (2002). Quantifying heterogeneity in a meta-analysis.
    *Stat Med* 21:1539-1558.
    Viechtbauer W (2010). *J Stat Softw* 36(3):1-48.
    """
    y, v = check_inputs(yi, vi)
    k = y.size
    Xm = np.ones((k, 1)) if X is None else np.asarray(X, dtype=float).reshape(k, -1)
    p = Xm.shape[1]
    test = check_test(test)
    methods = [method] if isinstance(method, str) else list(method)
    if not methods:
        raise PoolingError("no tau^2 method given")
    notes: list[str] = []
    if k == 1 and test != "z":
        notes.append(f"k = 1: test set to z (as metafor), {test} needs k > 1")
        test = "z"
    if k == 1:
        notes.append("k = 1: the pooled estimate is the study itself; no heterogeneity can be estimated")
    if methods[0] != "EE" and p + 1 > k and k > 1:
        raise PoolingError(f"k = {k} studies cannot estimate {p} coefficients and tau^2")
    if p > k:
        raise PoolingError(f"k = {k} studies cannot estimate {p} coefficients")
    if np.linalg.matrix_rank(Xm) < p:
        raise PoolingError("the model matrix is not of full rank (a moderator is constant or redundant)")

    est, est_notes = _estimate_with_fallback(y, v, Xm, methods, threshold=threshold, tol=tol, maxiter=maxiter)
    notes.extend(est_notes)
    tau2 = est.tau2
    w = 1.0 / (v + tau2)
    XtW = Xm.T * w
    vb: NDArray[np.float64] = np.asarray(np.linalg.inv(XtW @ Xm), dtype=np.float64)
    beta = vb @ (XtW @ y)
    s2w = 1.0
    if test in ("knha", "adhoc"):
        rss = float(np.sum(w * (y - Xm @ beta) ** 2))
        s2w = 0.0 if rss <= np.finfo(float).eps else rss / (k - p)
        if test == "adhoc" and s2w < 1:
            s2w = 1.0
        if est.method == "EE":
            notes.append("Knapp & Hartung adjustment is not meant for a common-effect model (as metafor warns)")
    vb = s2w * vb
    se = np.sqrt(np.diag(vb))
    if s2w == 0:
        notes.append(
            "Knapp-Hartung scale factor is 0 (the studies agree exactly): zero-width CI and no test "
            "statistic, as in metafor; test='adhoc' avoids this"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.where(se > 0, beta / np.where(se > 0, se, 1.0), np.nan)
    if btt is None:
        btt = list(range(1, p)) if p > 1 else [0]
    idx = np.asarray(btt)
    m = idx.size
    bb = beta[idx]
    qm = float(bb @ np.linalg.solve(vb[np.ix_(idx, idx)], bb)) if np.all(se[idx] > 0) else float("inf")
    alpha = 1 - level
    if test == "z":
        df: int | None = None
        crit = float(stats.norm.isf(alpha / 2))
        pval = 2 * stats.norm.sf(np.abs(stat))
        qm_df: tuple[int, int | None] = (m, None)
        qm_p = float(stats.chi2.sf(qm, m))
    else:
        df = k - p
        crit = float(stats.t.isf(alpha / 2, df))
        pval = 2 * stats.t.sf(np.abs(stat), df)
        qm = qm / m
        qm_df = (m, k - p)
        qm_p = float(stats.f.sf(qm, m, k - p))

    if k > p:
        P0 = p_matrix(Xm, 1.0 / v)
        q = max(0.0, float(y @ P0 @ y))
        q_p = float(stats.chi2.sf(q, k - p))
        vt = (k - p) / float(np.trace(P0))
        if est.method == "EE":
            i2 = max(0.0, 100 * (q - (k - p)) / q) if q > 0 else 0.0
            h2 = q / (k - p)
        else:
            i2 = 100 * tau2 / (vt + tau2)
            h2 = tau2 / vt + 1
    else:
        q, q_p, i2, h2, vt = 0.0, 1.0, 0.0, 1.0, 0.0
    if est.method != "EE" and k > 1 and tau2 == 0:
        notes.append("tau^2 estimated at the boundary 0: the random-effects and common-effect estimates coincide")
    return RmaFit(
        k=k,
        p=p,
        beta=beta,
        vb=np.asarray(vb, dtype=np.float64),
        se=se,
        stat=stat,
        pval=pval,
        ci_lb=beta - crit * se,
        ci_ub=beta + crit * se,
        df=df,
        crit=crit,
        qm=qm,
        qm_df=qm_df,
        qm_p=qm_p,
        tau2=tau2,
        tau2_se=None if est.method == "EE" or k == 1 else est.se,
        q=q,
        q_df=k - p,
        q_p=q_p,
        i2=i2,
        h2=h2,
        vt=vt,
        weights=100 * w / w.sum(),
        method=est.method,
        test=test,
        level=level,
        converged=est.converged,
        notes=tuple(notes),
    )


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
    """
    k, p = X.shape
    alpha = 1 - level
    crit_u = float(stats.chi2.isf(alpha / 2, k - p))
    crit_l = float(stats.chi2.ppf(alpha / 2, k - p))
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
                optimize.brentq(lambda t: generalised_q(t, yi, vi, X) - target, tmin, tmax, xtol=tol, maxiter=maxiter)
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
