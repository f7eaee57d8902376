"""Mixed-effects meta-regression as ``metafor::rma.uni``: :func:`fit_rma` (any model matrix).

The intercept-only model with its prediction interval and tau^2 CI is
:func:`secondhct.stats.pooling.pool`; deliberate differences from metafor are listed in
``tests/reference/README.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from ..errors import PoolingError
from .distributions import chi2_sf, f_sf, norm_isf, t_isf
from .inference import TestType, check_test
from .residual import Residual
from .tau2 import DEFAULT_MAXITER, DEFAULT_THRESHOLD, DEFAULT_TOL, Tau2Estimate, Tau2Method, check_method, estimate_tau2

#: Bounds beyond which no effect size is meaningful and floating point fails (weights 1/vi
#: underflow, squares overflow): refused with a message instead of a NaN result.
MAX_VARIANCE = 1e100
MIN_VARIANCE = 1e-100  # below it 1/vi and the tau^2 root-finding overflow (5e-324: "f(a) and f(b) must have different signs")
MAX_EFFECT = 1e50


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
    tiny = np.flatnonzero(v < MIN_VARIANCE)
    if tiny.size:
        raise PoolingError(
            f"study {tiny[0] + 1}: sampling variance {v[tiny[0]]:g} is below {MIN_VARIANCE:g}; no effect size is that precise "
            "(is the variance, or the SE, written in the right unit?)"
        )
    huge = np.flatnonzero((v > MAX_VARIANCE) | (np.abs(y) > MAX_EFFECT))
    if huge.size:
        i = huge[0]
        raise PoolingError(
            f"study {i + 1}: effect size {y[i]:g} with sampling variance {v[i]:g} is beyond any effect measure "
            f"(|yi| <= {MAX_EFFECT:g}, vi <= {MAX_VARIANCE:g}); the weights would underflow"
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

    (Longer than 60 lines on purpose: it follows rma.uni's steps in their order (checks, tau^2, coefficients, inference, heterogeneity) so that each can be read against metafor's source; inference and heterogeneity are helpers.)
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
    crit, df, pval, qm, qm_df, qm_p = _inference(beta, vb, se, stat, btt, test, level, k, p)
    q, q_p, i2, h2, vt = _heterogeneity(y, v, Xm, tau2, common=est.method == "EE")
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


def _inference(
    beta: NDArray[np.float64], vb: NDArray[np.float64], se: NDArray[np.float64], stat: NDArray[np.float64],
    btt: Sequence[int] | None, test: str, level: float, k: int, p: int,
) -> tuple[float, int | None, NDArray[np.float64], float, tuple[int, int | None], float]:
    """Critical value, df, p-values and the omnibus test QM of the coefficients in ``btt`` (see :func:`fit_rma`)."""
    if btt is None:
        btt = list(range(1, p)) if p > 1 else [0]
    idx = np.asarray(btt)
    m = idx.size
    bb = beta[idx]
    qm = float(bb @ np.linalg.solve(vb[np.ix_(idx, idx)], bb)) if np.all(se[idx] > 0) else float("inf")
    alpha = 1 - level
    if test == "z":
        df: int | None = None
        crit = norm_isf(alpha / 2)
        pval = 2 * special.ndtr(-np.abs(stat))
        qm_df: tuple[int, int | None] = (m, None)
        qm_p = chi2_sf(qm, m)
    else:
        df = k - p
        crit = t_isf(alpha / 2, df)
        pval = 2 * special.stdtr(df, -np.abs(stat))
        qm = qm / m
        qm_df = (m, k - p)
        qm_p = f_sf(qm, m, k - p)
    return crit, df, pval, qm, qm_df, qm_p


def _heterogeneity(
    y: NDArray[np.float64], v: NDArray[np.float64], Xm: NDArray[np.float64], tau2: float, *, common: bool
) -> tuple[float, float, float, float, float]:
    """Cochran's Q with its p-value, I^2, H^2 and the typical within-study variance (see :func:`fit_rma`)."""
    k, p = Xm.shape
    if k <= p:
        return 0.0, 1.0, 0.0, 1.0, 0.0
    P0 = Residual.of(Xm, 1.0 / v)
    q = max(0.0, P0.quad(y))
    q_p = chi2_sf(q, k - p)
    vt = (k - p) / P0.trace()
    if common:
        return q, q_p, (max(0.0, 100 * (q - (k - p)) / q) if q > 0 else 0.0), q / (k - p), vt
    return q, q_p, 100 * tau2 / (vt + tau2), tau2 / vt + 1, vt
