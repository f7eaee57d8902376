"""Egger's regression test for funnel-plot asymmetry (a pure function)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .scale import PlotInputError

#: Fewer studies than this: the test is not computed (Sterne et al. 2011).
EGGER_MIN_K = 10


@dataclass(frozen=True)
class EggerTest:
    """Egger's test: ``intercept`` (the asymmetry, bias), its ``se``, ``t`` with ``df``
    = k - 2 degrees of freedom, two-sided ``p``, and the ``limit`` estimate (slope: the
    effect as the SE tends to 0), on the analysis scale."""

    k: int
    intercept: float
    se: float
    t: float
    df: int
    p: float
    limit: float
    limit_se: float


def egger_test(yi: ArrayLike, vi: ArrayLike) -> EggerTest:
    r"""Classical Egger regression test (metafor ``regtest(model = "lm")``).

    Ordinary least squares of the standardised effect on the precision,

    .. math:: \frac{y_i}{s_i} = \beta_0 + \beta_1 \frac{1}{s_i} + \varepsilon_i,
              \qquad s_i = \sqrt{v_i},

    with :math:`\varepsilon_i \sim N(0, \sigma^2)`, :math:`\sigma^2` estimated from the
    residuals (statsmodels ``OLS``).  The asymmetry test is :math:`t = \hat\beta_0 / SE(\hat\beta_0)` on
    :math:`k - 2` degrees of freedom; :math:`\hat\beta_1` is the limit estimate.  This is
    the same model as the weighted regression :math:`y_i = \beta_1 + \beta_0 s_i` with
    weights :math:`1/v_i` and a multiplicative dispersion, which is how metafor fits it.

    Needs k >= 3 (one residual degree of freedom); callers should not interpret it for
    k < 10 (:data:`EGGER_MIN_K`).

    References
    ----------
    Egger M, Davey Smith G, Schneider M, Minder C (1997). Bias in meta-analysis detected
    by a simple, graphical test. *BMJ* 315:629-634.
    Sterne JAC et al. (2011). Recommendations for examining and interpreting funnel plot
    asymmetry in meta-analyses of randomised controlled trials. *BMJ* 343:d4002.
    """
    y = np.asarray(yi, dtype=float).ravel()
    v = np.asarray(vi, dtype=float).ravel()
    if y.shape != v.shape:
        raise PlotInputError(f"yi has {y.size} values but vi has {v.size}")
    if y.size < 3:
        raise PlotInputError(f"Egger's test needs at least 3 studies (k = {y.size})")
    if np.any(~np.isfinite(y)) or np.any(~np.isfinite(v)) or np.any(v <= 0):
        raise PlotInputError("Egger's test needs finite effects and positive variances")
    from statsmodels.regression.linear_model import OLS  # least squares with its standard inference

    s = np.sqrt(v)
    X = np.column_stack([np.ones_like(s), 1 / s])
    if np.linalg.matrix_rank(X) < 2:
        raise PlotInputError("Egger's test is undefined when all studies have the same SE")
    fit = OLS(y / s, X).fit()
    t = float(fit.tvalues[0])
    p = float(fit.pvalues[0])
    k = y.size
    return EggerTest(k, float(fit.params[0]), float(fit.bse[0]), t, k - 2, p, float(fit.params[1]), float(fit.bse[1]))
