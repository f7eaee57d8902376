"""Binomial-normal random-effects model for proportions (metafor ``rma.glmm(measure="PLO")``).

Random-intercept logistic regression fitted by maximum likelihood with adaptive
Gauss-Hermite quadrature, reproducing ``lme4::glmer(cbind(xi, ni - xi) ~ 1 + (1 | study),
family = binomial, nAGQ = 7)`` as metafor calls it: the same deviance (lme4's AGQ
formula), the same parameters (theta = tau, beta), and standard errors from the same
central finite-difference Hessian of the deviance (lme4 ``deriv12``, step 1e-4).
Studies with 0 or n events need no correction.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special, stats

from ..errors import PoolingError
from .escalc import escalc_proportions
from .models import check_test
from .pooling import PooledResult, TestType
from .tau2 import p_matrix

#: Newton iterations for the conditional modes stop when every |step| is below this.
MODE_TOL = 1e-13
#: Step of the finite-difference Hessian, extrapolated (Richardson) from steps h and h/2:
#: truncation error O(h^4) ~ 1e-12 and rounding error ~ 1e-13 / h^2 ~ 1e-7 relative.
#: (lme4 uses plain central differences with step 1e-4: rounding noise ~ 1e-6 relative.)
HESSIAN_DELTA = 2e-3
#: Nelder-Mead tolerances on (theta, beta) and on the deviance.
XATOL = 1e-11
FATOL = 1e-13


def _devresid(x: NDArray[np.float64], n: NDArray[np.float64], mu: NDArray[np.float64]) -> NDArray[np.float64]:
    """Binomial deviance residuals ``2[x log(x/(n mu)) + (n-x) log((n-x)/(n(1-mu)))]``."""
    m = n - x
    return 2 * (special.xlogy(x, x) - special.xlogy(x, n * mu) + special.xlogy(m, m) - special.xlogy(m, n * (1 - mu)))


def agq_deviance(theta: float, beta: float, xi: NDArray[np.float64], ni: NDArray[np.float64], nagq: int = 7) -> float:
    r"""lme4's adaptive Gauss-Hermite deviance of the random-intercept logistic model.

    Notes
    -----
    With spherical random effects :math:`u_i \sim N(0,1)`, :math:`\eta_i = \beta + \theta u_i`,
    :math:`d_i(u) = \mathrm{devres}_i(u) + u^2`, the conditional mode :math:`\hat u_i`,
    :math:`L_i^2 = 1 + \theta^2 n_i\mu_i(1-\mu_i)` at the mode, :math:`\sigma_i = 1/L_i` and
    Gauss-Hermite nodes/weights :math:`(z_q, w_q)` for the standard normal:

    .. math::

        D(\theta,\beta) = \sum_i \Big[d_i(\hat u_i) + \log L_i^2
            - 2\log \sum_q w_q \exp\big(-\tfrac12\{d_i(\hat u_i+\sigma_i z_q) - d_i(\hat u_i)\} + \tfrac12 z_q^2\big)\Big]

    References
    ----------
    Bates D, Mächler M, Bolker B, Walker S (2015). Fitting linear mixed-effects models
    using lme4. *J Stat Softw* 67(1):1-48 (and lme4's ``glmerAGQ``).
    Pinheiro JC, Bates DM (1995). Approximations to the log-likelihood function in the
    nonlinear mixed-effects model. *J Comput Graph Stat* 4:12-35.
    """
    y = xi / ni
    u = np.zeros_like(xi)
    for _ in range(200):
        mu = special.expit(beta + theta * u)
        step = (u - ni * theta * (y - mu)) / (1 + ni * theta**2 * mu * (1 - mu))
        u = u - step
        if np.all(np.abs(step) < MODE_TOL):
            break
    mu = special.expit(beta + theta * u)
    L2 = 1 + theta**2 * ni * mu * (1 - mu)
    sd = 1 / np.sqrt(L2)
    d0 = _devresid(xi, ni, mu) + u**2
    z, w = np.polynomial.hermite_e.hermegauss(nagq)
    w = w / np.sqrt(2 * np.pi)
    uq = u[:, None] + sd[:, None] * z[None, :]
    muq = special.expit(beta + theta * uq)
    dq = _devresid(xi[:, None], ni[:, None], muq) + uq**2
    mult = np.sum(w[None, :] * np.exp(-0.5 * (dq - d0[:, None]) + 0.5 * z[None, :] ** 2), axis=1)
    return float(np.sum(d0 + np.log(L2) - 2 * np.log(mult)))


def _hessian(f, x: NDArray[np.float64], delta: float) -> NDArray[np.float64]:
    """Central finite-difference Hessian with one Richardson extrapolation (steps delta, delta/2)."""

    def central(h: float) -> NDArray[np.float64]:
        nx = x.size
        fx = f(x)
        H = np.empty((nx, nx))
        for j in range(nx):
            e_j = np.eye(nx)[j] * h
            H[j, j] = (f(x + e_j) - 2 * fx + f(x - e_j)) / h**2
            for i in range(j):
                e_i = np.eye(nx)[i] * h
                H[i, j] = H[j, i] = (f(x + e_i + e_j) - f(x + e_i - e_j) - f(x - e_i + e_j) + f(x - e_i - e_j)) / (4 * h * h)
        return H

    return (4 * central(delta / 2) - central(delta)) / 3


def glmm_pool(xi: ArrayLike, ni: ArrayLike, *, test: TestType = "z", level: float = 0.95, nagq: int = 7) -> PooledResult:
    r"""Pool proportions with the binomial-normal model (logit scale), as ``rma.glmm``.

    ``test`` ``z`` gives Wald z inference; ``knha``/``adhoc`` give metafor's ``test="t"``
    (t with k-1 df; the Knapp-Hartung scaling does not apply to this model, noted).
    ``Q`` is the likelihood-ratio test of heterogeneity (fixed-effect vs saturated
    logistic model, metafor ``QE.LRT``); I^2 and H^2 use the typical within-study
    variance of the escalc logit variances, as metafor.  No tau^2 CI is computed.

    Notes
    -----
    .. math:: x_i \sim \mathrm{Bin}(n_i, \mathrm{expit}(\beta + b_i)),\quad b_i \sim N(0, \tau^2)

    References
    ----------
    Stijnen T, Hamza TH, Özdemir P (2010). Random effects meta-analysis of event outcome
    in the framework of the generalized linear mixed model. *Stat Med* 29:3046-3067.
    Hamza TH, van Houwelingen HC, Stijnen T (2008). The binomial distribution of
    meta-analysis was preferred to model within-study variability. *J Clin Epidemiol*
    61:41-51.
    """
    test = check_test(test)
    x = np.asarray(xi, dtype=float).ravel()
    n = np.asarray(ni, dtype=float).ravel()
    escalc_proportions("PLO", x, n)  # validates the counts
    k = x.size
    if np.all(x == 0) or np.all(x == n):
        which = "no study has events" if np.all(x == 0) else "every study has only events"
        raise PoolingError(f"GLMM: {which}; the ML estimate of the logit is infinite (use --method REML with PLO)")
    notes: list[str] = []
    if test != "z":
        notes.append(f"GLMM: test '{test}' means metafor's test='t' (t with k-1 df, no Knapp-Hartung scaling)")

    def dev(par: NDArray[np.float64]) -> float:
        return agq_deviance(float(par[0]), float(par[1]), x, n, nagq)

    beta0 = float(special.logit(x.sum() / n.sum()))
    best = None
    for theta0 in (0.5, 1.0, 2.0):
        r = optimize.minimize(
            dev, np.array([theta0, beta0]), method="Nelder-Mead", bounds=[(0, None), (None, None)],
            options={"xatol": XATOL, "fatol": FATOL, "maxiter": 20000, "maxfev": 40000},
        )  # fmt: skip
        if best is None or r.fun < best.fun:
            best = r
    assert best is not None
    theta, beta = float(best.x[0]), float(best.x[1])
    if k == 1:
        theta = 0.0
    tau2 = theta**2
    if theta < HESSIAN_DELTA:
        notes.append("GLMM: tau^2 estimated at (or next to) the boundary 0; SE of the logit with tau fixed there")
        H = _hessian(lambda b: dev(np.array([theta, b[0]])), np.array([beta]), HESSIAN_DELTA)
        var_beta = 2 / H[0, 0]
    else:
        H = _hessian(dev, np.array([theta, beta]), HESSIAN_DELTA)
        var_beta = 2 * np.linalg.inv(H)[1, 1]
    se = float(np.sqrt(var_beta))

    if test == "z":
        crit, df = float(stats.norm.isf((1 - level) / 2)), None
        pval = float(2 * stats.norm.sf(abs(beta / se)))
    else:
        df = k - 1
        crit = float(stats.t.isf((1 - level) / 2, df)) if df > 0 else float("nan")
        pval = float(2 * stats.t.sf(abs(beta / se), df)) if df > 0 else float("nan")
        if df == 0:
            raise PoolingError("GLMM with a t test needs k > 1")
    # heterogeneity: LRT fixed-effect vs saturated binomial model; I^2 from escalc logit variances
    p_fe = x.sum() / n.sum()
    ll_fe = np.sum(special.xlogy(x, p_fe) + special.xlogy(n - x, 1 - p_fe))
    ll_sat = np.sum(special.xlogy(x, x / n) + special.xlogy(n - x, 1 - x / n))
    q = max(0.0, float(-2 * (ll_fe - ll_sat))) if k > 1 else 0.0
    q_p = float(stats.chi2.sf(q, k - 1)) if k > 1 else 1.0
    _, vi, _ = escalc_proportions("PLO", x, n)
    vt = (k - 1) / float(np.trace(p_matrix(np.ones((k, 1)), 1 / vi))) if k > 1 else 0.0
    i2 = 100 * tau2 / (vt + tau2) if k > 1 else 0.0
    h2 = tau2 / vt + 1 if k > 1 else 1.0
    half_pi = crit * np.sqrt(se**2 + tau2)
    w = 1 / (vi + tau2)
    return PooledResult(
        k=k, estimate=beta, se=se, stat=beta / se, pval=pval, ci_lb=beta - crit * se, ci_ub=beta + crit * se,
        pi_lb=float(beta - half_pi), pi_ub=float(beta + half_pi), df=df, tau2=tau2, tau2_se=None,
        tau2_lb=None, tau2_ub=None, i2=i2, i2_lb=None, i2_ub=None, h2=h2, h2_lb=None, h2_ub=None,
        q=q, q_df=k - 1, q_p=q_p, method="GLMM", test=test, level=level, converged=bool(best.success),
        weights=tuple(float(v) for v in 100 * w / w.sum()),
        notes=tuple(notes + ["GLMM: weights shown are approximate inverse-variance weights (the model has none)"]),
    )  # fmt: skip
