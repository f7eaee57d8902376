r"""Likelihood of the summary survival curve's heterogeneity tau^2, and the root of its score.

The model and the API are in :mod:`secondhct.stats.curve`; this module holds the algebra that
:func:`secondhct.stats.curve.fit_curve` (REML/ML) and :mod:`secondhct.stats.curve_bayes`
(the restricted likelihood as the marginal likelihood of tau) share.

References
----------
Harville DA (1977). Maximum likelihood approaches to variance component estimation and to
related problems. *J Am Stat Assoc* 72:320-338.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from ..errors import PoolingError
from .curve_data import CurveData
from .distributions import brentq

__all__ = ["TAU2_XTOL", "Likelihood", "solve_tau2"]

Array = NDArray[np.float64]
#: The root of the score equation is bracketed to TAU2_XTOL absolute (on tau^2, in units of
#: the largest sampling variance) plus 4 eps relative: far below the 1e-10 asked for.
TAU2_XTOL = 1e-14


class Likelihood:
    r"""ML and REML log-likelihoods of tau^2, their score, and the GLS fit, vectorised over tau^2.

    With per-report sums :math:`a_i = 1'V_i^{-1}1`, :math:`c_i = X_i'V_i^{-1}1`,
    :math:`d_i = 1'V_i^{-1}y_i` and :math:`g_i = \tau^2/(1+\tau^2a_i)`, Woodbury's identity
    :math:`\Sigma_i^{-1} = V_i^{-1} - g_iV_i^{-1}11'V_i^{-1}` gives

    .. math::

        M = X'\Sigma^{-1}X = A - \textstyle\sum_i g_ic_ic_i',\quad
        r = X'\Sigma^{-1}y = B - \sum_i g_id_ic_i,\quad
        y'\Sigma^{-1}y = C - \sum_i g_id_i^2,\quad
        \log|\Sigma| = \log|V| + \sum_i\log(1+\tau^2a_i)

    (A, B, C: the same at tau^2 = 0), :math:`\hat\beta = M^{-1}r`, :math:`\operatorname{Var}(\hat\beta) = M^{-1}`,
    :math:`y'Py = y'\Sigma^{-1}y - r'\hat\beta`, and

    .. math::

        \ell_{ML} = -\tfrac12[N\log 2\pi + \log|\Sigma| + y'Py],\qquad
        \ell_{REML} = -\tfrac12[(N-p)\log 2\pi - \log|X'X| + \log|\Sigma| + \log|M| + y'Py]

    (the constants of metafor's ``logLik`` for ``rma.mv``).  With :math:`g_i' = (1+\tau^2a_i)^{-2}` and the
    residual sums :math:`e_i = d_i - c_i'\hat\beta = 1'V_i^{-1}(y_i - X_i\hat\beta)`, the
    scores are (Harville 1977)

    .. math::

        \frac{\partial\ell_{ML}}{\partial\tau^2} = -\tfrac12\sum_i\Big[\frac{a_i}{1+\tau^2a_i} - g_i'e_i^2\Big],\qquad
        \frac{\partial\ell_{REML}}{\partial\tau^2} = \frac{\partial\ell_{ML}}{\partial\tau^2}
          + \tfrac12\sum_i g_i'\,c_i'M^{-1}c_i .
    """

    def __init__(self, data: CurveData, X: Array) -> None:
        self.n, self.p = X.shape
        a, c, d = [], [], []
        A = np.zeros((self.p, self.p))
        B = np.zeros(self.p)
        C = logdet = 0.0
        for i in range(data.k):
            idx = np.flatnonzero(data.report == i)
            Vi, Xi, yi = data.V[np.ix_(idx, idx)], X[idx], data.yi[idx]
            L = np.linalg.cholesky(Vi)
            logdet += 2 * float(np.log(np.diag(L)).sum())
            Vinv = np.linalg.inv(Vi)
            one = np.ones(idx.size)
            a.append(float(one @ Vinv @ one))
            c.append(Xi.T @ Vinv @ one)
            d.append(float(one @ Vinv @ yi))
            A += Xi.T @ Vinv @ Xi
            B += Xi.T @ Vinv @ yi
            C += float(yi @ Vinv @ yi)
        self.a, self.c, self.d = np.array(a), np.array(c), np.array(d)
        self.A, self.B, self.C, self.logdet_v = A, B, C, logdet
        self.logdet_xtx = float(np.linalg.slogdet(X.T @ X)[1])

    def evaluate(self, tau2: Array) -> dict[str, Array]:
        """For each tau^2: ``ml``, ``reml`` (log-likelihoods), ``score_ml``, ``score_reml``,
        ``beta`` (G x p) and ``vb`` (G x p x p)."""
        t = np.atleast_1d(np.asarray(tau2, dtype=float))[:, None]
        ta = 1 + t * self.a[None, :]
        g, dg = t / ta, 1 / ta**2
        M = self.A[None] - np.einsum("gi,ij,ik->gjk", g, self.c, self.c)
        r = self.B[None] - np.einsum("gi,i,ij->gj", g, self.d, self.c)
        q = self.C - g @ self.d**2
        vb = np.linalg.inv(M)
        beta = np.einsum("gjk,gk->gj", vb, r)
        ypy = q - np.einsum("gj,gj->g", r, beta)
        logdet_s = self.logdet_v + np.log(ta).sum(axis=1)
        logdet_m = np.linalg.slogdet(M)[1]
        e = self.d[None, :] - beta @ self.c.T
        score_ml = -0.5 * ((self.a[None, :] / ta).sum(axis=1) - (dg * e**2).sum(axis=1))
        lev = np.einsum("ij,gjk,ik->gi", self.c, vb, self.c)
        two_pi = math.log(2 * math.pi)
        return {
            "ml": -0.5 * (self.n * two_pi + logdet_s + ypy),
            "reml": -0.5 * ((self.n - self.p) * two_pi - self.logdet_xtx + logdet_s + logdet_m + ypy),
            "score_ml": score_ml,
            "score_reml": score_ml + 0.5 * (dg * lev).sum(axis=1),
            "beta": beta,
            "vb": vb,
        }

    def at(self, tau2: float, key: str) -> float:
        return float(self.evaluate(np.array([tau2]))[key][0])


def solve_tau2(lik: Likelihood, method: str, scale: float) -> tuple[float, float]:
    r"""The tau^2 that maximises the (restricted) likelihood on [0, inf): the root of the score.

    The log-likelihood is evaluated on tau^2 = 0 and a geometric grid
    :math:`\text{scale}\cdot 10^{-8 \ldots 4}`; if its maximum is at 0 and the score there
    is <= 0, tau^2 = 0 (the boundary).  Otherwise the score changes sign between the grid
    neighbours of the maximum (extended upwards if needed) and Brent's method brackets the
    root to :data:`TAU2_XTOL` x scale + 4 eps relative.  Returns (tau^2, score at tau^2).
    """
    ll, sc = method.lower(), f"score_{method.lower()}"
    grid = np.concatenate([[0.0], scale * np.logspace(-8, 4, 61)])
    ev = lik.evaluate(grid)
    j = int(np.argmax(ev[ll]))
    if j == 0 and ev[sc][0] <= 0:
        return 0.0, float(ev[sc][0])
    lo = grid[max(j - 1, 0)]
    hi = grid[j + 1] if j + 1 < grid.size else grid[j]
    for _ in range(200):
        if lik.at(hi, sc) < 0:
            break
        lo, hi = hi, 2 * hi
    else:
        raise PoolingError(f"the {method} likelihood keeps increasing with tau^2 (above {hi:g}): too few reports to estimate heterogeneity")
    if lik.at(lo, sc) <= 0:  # the maximum sits at the grid's first point: bracket from 0
        lo = 0.0
    tau2 = brentq(lambda x: lik.at(x, sc), lo, hi, xtol=TAU2_XTOL * scale, maxiter=500)
    return tau2, lik.at(tau2, sc)
