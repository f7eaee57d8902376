"""Meta-regression on one continuous study-level moderator (metafor ``rma(yi, vi, mods = ~ x)``).

Used for the era sensitivity analysis (the accrual midpoint per decade); pure: arrays in, a
frozen :class:`SlopeFit` out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .rma import TestType, fit_rma
from .tau2 import Tau2Method


@dataclass(frozen=True)
class SlopeFit:
    """``yi = b0 + b1 x + u_i + e_i``: the slope with its SE, CI, test and p-value, the residual
    tau^2 and I^2 (percent), the tau^2 of the intercept-only model, R^2 (percent; None for a
    common-effect model), the residual heterogeneity test QE, the weights (percent) and the
    coefficients' covariance (for a confidence band of the fitted line)."""

    k: int
    intercept: float
    slope: float
    se: float
    stat: float
    pval: float
    ci_lb: float
    ci_ub: float
    df: int | None
    crit: float
    vb: tuple[tuple[float, float], tuple[float, float]]
    tau2: float
    tau2_null: float
    r2: float | None
    i2: float
    qe: float
    qe_df: int
    qe_p: float
    weights: tuple[float, ...]
    method: str
    test: str
    level: float
    notes: tuple[str, ...]

    def fitted(self, x: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        r"""The fitted line at ``x`` with its confidence band (``predict.rma`` ``ci.lb``/``ci.ub``):
        :math:`\hat y = b_0 + b_1 x \pm c\,\sqrt{(1, x)\,V_b\,(1, x)'}`."""
        xs = np.asarray(x, dtype=float)
        vb = np.asarray(self.vb)
        y = self.intercept + self.slope * xs
        se = np.sqrt(vb[0, 0] + 2 * xs * vb[0, 1] + xs**2 * vb[1, 1])
        return y, y - self.crit * se, y + self.crit * se


def slope_regression(
    yi: ArrayLike, vi: ArrayLike, x: ArrayLike, *, method: Tau2Method = "REML", test: TestType = "adhoc", level: float = 0.95,
) -> SlopeFit:
    r"""Mixed-effects meta-regression of ``yi`` on one continuous moderator ``x``, as
    ``rma(yi, vi, mods = ~ x, method = method, test = test)``, with metafor's pseudo-R^2.

    Notes
    -----
    Coefficients, SEs and tests are those of :func:`~secondhct.stats.rma.fit_rma` (weighted least
    squares with :math:`w_i = 1/(v_i + \hat\tau^2)`, Knapp-Hartung t with k - 2 df under
    knha/adhoc). The proportion of between-study variance accounted for by ``x``
    (metafor's ``R2``, its default definition):

    .. math:: R^2 = 100\,\max\!\left(0, \frac{\hat\tau^2_0 - \hat\tau^2}{\hat\tau^2_0}\right),

    :math:`\hat\tau^2_0` from the intercept-only model with the same estimator; 0 when
    :math:`\hat\tau^2_0 = 0`. With few studies R^2 is very imprecise and the slope
    is prone to false positives; the association is across studies (ecological), not
    within them.

    References
    ----------
    Thompson SG, Higgins JPT (2002). How should meta-regression analyses be undertaken and
    interpreted? *Stat Med* 21:1559-1573.
    Raudenbush SW (2009). Analyzing effect sizes: random-effects models. In: Cooper H, Hedges LV,
    Valentine JC, eds. *The handbook of research synthesis and meta-analysis*, 2nd ed., 295-315
    (the R^2 definition).
    Knapp G, Hartung J (2003). *Stat Med* 22:2693-2710.
    """
    xs = np.asarray(x, dtype=float).ravel()
    X = np.column_stack([np.ones(xs.size), xs])
    fit = fit_rma(yi, vi, X, method=method, test=test, level=level)
    null = fit_rma(yi, vi, None, method=method, test=test, level=level)
    r2: float | None = None
    if fit.method != "EE":
        r2 = 0.0 if null.tau2 == 0 else max(0.0, 100 * (null.tau2 - fit.tau2) / null.tau2)
    vb = fit.vb
    return SlopeFit(
        k=fit.k, intercept=float(fit.beta[0]), slope=float(fit.beta[1]), se=float(fit.se[1]), stat=float(fit.stat[1]),
        pval=float(fit.pval[1]), ci_lb=float(fit.ci_lb[1]), ci_ub=float(fit.ci_ub[1]), df=fit.df, crit=fit.crit,
        vb=((float(vb[0, 0]), float(vb[0, 1])), (float(vb[1, 0]), float(vb[1, 1]))), tau2=fit.tau2, tau2_null=null.tau2,
        r2=r2, i2=fit.i2, qe=fit.q, qe_df=fit.q_df, qe_p=fit.q_p, weights=tuple(float(w) for w in fit.weights),
        method=fit.method, test=fit.test, level=level, notes=fit.notes,
    )  # fmt: skip
