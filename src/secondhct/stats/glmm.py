"""Binomial-normal random-effects model for proportions (metafor ``rma.glmm(measure="PLO")``).

Random-intercept logistic regression fitted by maximum likelihood with adaptive
Gauss-Hermite quadrature, reproducing ``lme4::glmer(cbind(xi, ni - xi) ~ 1 + (1 | study),
family = binomial, nAGQ = 7)`` as metafor calls it: the same deviance (lme4's AGQ
formula), the same parameters (theta = tau, beta), and standard errors from the Hessian
of the deviance in (theta, beta), as lme4 (which differences the deviance, ``deriv12``;
here the exact gradient is differenced, with Richardson extrapolation).
Studies with 0 or n events need no correction.

The fit cannot hang: the conditional modes come from a bracketed (safeguarded) Newton
iteration vectorised over all studies, the deviance is computed in a form that stays
finite for any finite (theta, beta), the optimiser is a damped Newton method with the
exact gradient (parameters outside a box are an error: separation), and both an
iteration limit and a wall-clock limit end the fit with a
:class:`~secondhct.errors.PoolingError` saying which limit was hit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from ..errors import PoolingError
from .distributions import chi2_sf, norm_isf, norm_sf, t_isf, t_sf
from .escalc import escalc_proportions
from .inference import check_test
from .pooling import PooledResult, TestType
from .residual import Residual

Array = NDArray[np.float64]

#: Conditional-mode Newton stops when every |step| is below this times the scale of g(u).
MODE_TOL = 1e-13
#: Hard cap on the (bracketed, so always convergent) conditional-mode iterations.
MODE_MAXITER = 100
#: Step of the Hessian (central differences of the exact gradient, extrapolated from steps
#: h and h/2): truncation error O(h^4) ~ 1e-12, rounding ~ 1e-13 / h ~ 1e-10 relative.
#: (lme4 differences the deviance itself with step 1e-4: noise ~ 1e-6 relative.)
HESSIAN_STEP = 1e-3
#: |tau| or |beta| past these means the likelihood keeps rising (complete separation, e.g.
#: only 0/n and n/n studies): reported as an error.
THETA_MAX = 100.0
BETA_MAX = 60.0
#: Newton stops after a step whose predicted fall of the deviance is below this.
NEWTON_TOL = 1e-10
#: Newton iteration limit and wall-clock limit (seconds) of one fit.
MAX_ITER = 100
TIME_LIMIT = 10.0


class _Deadline(Exception):
    """Raised inside the optimiser when the wall-clock limit is reached."""


@dataclass(frozen=True)
class _Data:
    """Counts plus what every deviance evaluation reuses (nodes, weights, start modes)."""

    x: Array
    n: Array
    z: Array  #: Gauss-Hermite nodes for N(0, 1)
    lw: Array  #: log(w_q) + z_q^2 / 2 (weights normalised by sqrt(2 pi))
    ylogit: Array  #: escalc logits (1/2 added), for the starting modes
    vlogit: Array

    @classmethod
    def make(cls, x: Array, n: Array, nagq: int) -> _Data:
        z, w = np.polynomial.hermite_e.hermegauss(nagq)
        xa, ma = x + 0.5, n - x + 0.5
        return cls(x, n, z, np.log(w / np.sqrt(2 * np.pi)) + 0.5 * z**2, np.log(xa / ma), 1 / xa + 1 / ma)


def _devres(x: Array, n: Array, eta: Array) -> Array:
    r"""Binomial deviance residuals, finite for every finite :math:`\eta`.

    .. math:: 2\big[x\{\log(x/n) + \log(1+e^{-\eta})\} + (n-x)\{\log(1-x/n) + \log(1+e^{\eta})\}\big]

    (:math:`-\log\mu = \log(1+e^{-\eta})`, computed as ``logaddexp``), with the terms of
    0 events or 0 non-events dropped, so that ``mu`` rounding to 0 or 1 gives no ``inf - inf``.
    """
    m = n - x
    ly = np.log(np.where(x > 0, x / n, 1.0))
    lm = np.log(np.where(m > 0, m / n, 1.0))
    return 2 * (x * (ly + np.logaddexp(0.0, -eta)) + m * (lm + np.logaddexp(0.0, eta)))


def _modes(theta: Array, beta: Array, d: _Data) -> Array:
    r"""Conditional modes :math:`\hat u` of all studies at all (theta, beta) points at once.

    Solves :math:`g(u) = u + \theta(n\mu - x) = 0`, :math:`\mu = \mathrm{expit}(\beta+\theta u)`,
    by Newton's method (:math:`g' = 1 + \theta^2 n\mu(1-\mu) \ge 1`), kept inside the bracket
    :math:`[-\theta(n-x), \theta x]` that holds the root (bisection when a step leaves it).
    ``theta`` and ``beta`` have shape (P, 1); the result (P, k).
    """
    lo = np.minimum(-theta * (d.n - d.x), theta * d.x)
    hi = np.maximum(-theta * (d.n - d.x), theta * d.x)
    u = np.clip(theta * (d.ylogit - beta) / (theta**2 + d.vlogit), lo, hi)
    for _ in range(MODE_MAXITER):
        mu = special.expit(beta + theta * u)
        r = d.n * mu - d.x
        g = u + theta * r
        lo, hi = np.where(g < 0, u, lo), np.where(g > 0, u, hi)
        gp = 1 + theta**2 * d.n * mu * (1 - mu)
        new = u - g / gp
        new = np.where((new >= lo) & (new <= hi), new, 0.5 * (lo + hi))
        done = np.abs(new - u) <= MODE_TOL * (1 + np.abs(u) + np.abs(theta) * (d.x + d.n * mu)) / gp
        u = new
        if done.all():
            return u
    raise PoolingError(f"GLMM: the conditional modes did not converge in {MODE_MAXITER} Newton steps")


def _deviance(theta: Array, beta: Array, d: _Data, gradient: bool = False) -> tuple[Array, Array | None]:
    r"""lme4's adaptive Gauss-Hermite deviance at P points (and its exact gradient).

    Notes
    -----
    With spherical random effects :math:`u_i \sim N(0,1)`, :math:`\eta_i = \beta + \theta u_i`,
    :math:`d_i(u) = \mathrm{devres}_i(u) + u^2`, the conditional mode :math:`\hat u_i`,
    :math:`L_i^2 = 1 + \theta^2 n_i\mu_i(1-\mu_i)` at the mode, :math:`\sigma_i = 1/L_i`,
    :math:`u_{iq} = \hat u_i + \sigma_i z_q` and Gauss-Hermite nodes/weights
    :math:`(z_q, w_q)` for the standard normal:

    .. math::

        D(\theta,\beta) = \sum_i \Big[d_i(\hat u_i) + \log L_i^2
            - 2\log \sum_q w_q \exp\big(-\tfrac12\{d_i(u_{iq}) - d_i(\hat u_i)\} + \tfrac12 z_q^2\big)\Big]

    The gradient differentiates through :math:`\hat u_i` and :math:`\sigma_i` (implicit
    function theorem on :math:`g(\hat u) = 0`):
    :math:`\partial D/\partial p = \sum_i [\partial_p L_i^2 / L_i^2 + \sum_q \pi_{iq}
    \{\partial_p d_i + d_i'(u_{iq})\, \partial_p u_{iq}\}]`, :math:`\pi_{iq}` the normalised
    quadrature terms.

    References
    ----------
    Bates D, Mächler M, Bolker B, Walker S (2015). Fitting linear mixed-effects models
    using lme4. *J Stat Softw* 67(1):1-48 (and lme4's ``glmerAGQ``).
    Pinheiro JC, Bates DM (1995). Approximations to the log-likelihood function in the
    nonlinear mixed-effects model. *J Comput Graph Stat* 4:12-35.
    """
    u = _modes(theta, beta, d)
    mu = special.expit(beta + theta * u)
    wgt = d.n * mu * (1 - mu)
    L2 = 1 + theta**2 * wgt
    sd = 1 / np.sqrt(L2)
    d0 = _devres(d.x, d.n, beta + theta * u) + u**2
    uq = u[..., None] + sd[..., None] * d.z
    etaq = beta[..., None] + theta[..., None] * uq
    la = d.lw - 0.5 * (_devres(d.x[:, None], d.n[:, None], etaq) + uq**2 - d0[..., None])
    top = np.max(la, axis=-1)
    lsum = top + np.log(np.sum(np.exp(la - top[..., None]), axis=-1))
    dev = np.sum(d0 + np.log(L2) - 2 * lsum, axis=-1)
    if not gradient:
        return dev, None
    pi = np.exp(la - lsum[..., None])
    rq = d.n[:, None] * special.expit(etaq) - d.x[:, None]
    th, thq = theta, theta[..., None]
    du = (-(mu * d.n - d.x + th * wgt * u) / L2, -th * wgt / L2)  # d u_hat / d(theta, beta)
    deta = (u + th * du[0], 1 + th * du[1])
    wprime = wgt * (1 - 2 * mu)
    dL2 = (2 * th * wgt + th**2 * wprime * deta[0], th**2 * wprime * deta[1])
    dpart = (2 * rq * uq, 2 * rq)  # d d(u) / d(theta, beta) at fixed u
    slope = 2 * thq * rq + 2 * uq  # d d(u) / du
    grad = []
    for j in range(2):
        duq = du[j][..., None] - 0.5 * (sd / L2 * dL2[j])[..., None] * d.z
        grad.append(np.sum(dL2[j] / L2 + np.sum(pi * (dpart[j] + slope * duq), axis=-1), axis=-1))
    return dev, np.stack(grad, axis=-1)


def agq_deviance(theta: float, beta: float, xi: ArrayLike, ni: ArrayLike, nagq: int = 7) -> float:
    """The AGQ deviance of :func:`_deviance` at one point (for tests and diagnostics)."""
    d = _Data.make(np.asarray(xi, dtype=float), np.asarray(ni, dtype=float), nagq)
    return float(_deviance(np.array([[theta]]), np.array([[beta]]), d)[0][0])


class _Objective:
    """The deviance as the optimiser sees it: counts evaluations, enforces the deadline."""

    def __init__(self, d: _Data, time_limit: float) -> None:
        self.d, self.time_limit, self.nfev = d, time_limit, 0
        self.deadline = time.perf_counter() + time_limit

    def batch(self, pts: Array, gradient: bool = False) -> tuple[Array, Array | None]:
        """Deviance (and gradient) at the rows (theta, beta) of ``pts``."""
        if time.perf_counter() > self.deadline:
            raise _Deadline
        self.nfev += len(pts)
        dev, grad = _deviance(pts[:, :1], pts[:, 1:], self.d, gradient)
        if not np.all(np.isfinite(dev)) or (grad is not None and not np.all(np.isfinite(grad))):
            raise PoolingError(f"GLMM: the deviance is not finite at (tau, beta) = {tuple(pts[0])}")
        return dev, grad

    def derivatives(self, p: Array) -> tuple[float, Array, Array]:
        r"""Deviance, exact gradient and Hessian at ``p`` (one batched evaluation).

        The Hessian is the central difference of the exact gradient, extrapolated
        (Richardson) from steps :math:`h` and :math:`h/2`:
        :math:`H = \{4H(h/2) - H(h)\}/3`, :math:`H_{\cdot j}(h) = [g(p+he_j) - g(p-he_j)]/(2h)`,
        symmetrised; truncation error :math:`O(h^4)`.
        """
        h, eye = HESSIAN_STEP, np.eye(2)
        pts = np.array([p] + [p + s * t * eye[j] for t in (h, h / 2) for j in range(2) for s in (1, -1)])
        dev, grad = self.batch(pts, gradient=True)
        assert grad is not None
        H1, H2 = ((grad[1 + 4 * i :: 2][:2] - grad[2 + 4 * i :: 2][:2]).T / (2 * t) for i, t in enumerate((h, h / 2)))
        H = (4 * H2 - H1) / 3
        return float(dev[0]), grad[0], (H + H.T) / 2


def _start(d: _Data) -> Array:
    """Start: DerSimonian-Laird tau (clipped to [0.1, 5]) and the RE mean of the escalc logits."""
    w = 1 / d.vlogit
    ybar = np.sum(w * d.ylogit) / w.sum()
    q = np.sum(w * (d.ylogit - ybar) ** 2)
    tau2 = max(0.0, (q - (w.size - 1)) / (w.sum() - np.sum(w**2) / w.sum()))
    ws = 1 / (d.vlogit + tau2)
    return np.array([np.clip(np.sqrt(tau2), 0.1, 5.0), np.sum(ws * d.ylogit) / ws.sum()])


def _direction(g: Array, H: Array) -> Array:
    r"""Newton direction :math:`-H^{-1}g`; where :math:`H` is not positive definite, the
    "saddle-free" one :math:`-Q|\Lambda|^{-1}Q^Tg` (eigenvalues floored at 1e-6 of the
    largest), always a descent direction; capped at length 2 (logit units)."""
    lam, Q = np.linalg.eigh(H)
    lam = np.maximum(np.abs(lam), max(1e-6 * float(np.max(np.abs(lam))), 1e-12))
    step = -Q @ ((Q.T @ g) / lam)
    length = float(np.linalg.norm(step))
    return step if length <= 2 else step * (2 / length)


def _newton(obj: _Objective, p: Array, max_iter: int) -> tuple[Array, Array]:
    r"""Damped Newton on :math:`(\theta, \beta)` over the whole plane (the deviance is even
    in :math:`\theta`, so no bound is needed; :math:`\hat\tau = |\hat\theta|`).

    Armijo backtracking with all 10 trial lengths :math:`2^{-j}` in one batched call.
    Stops after a step whose Newton decrement :math:`-g^T d/2` (the predicted fall of the
    deviance) is below :data:`NEWTON_TOL`; returns the point and the Hessian there.
    """
    alphas = 0.5 ** np.arange(10)
    for _ in range(max_iter):
        dev, g, H = obj.derivatives(p)
        if abs(p[0]) > THETA_MAX:
            raise PoolingError(f"GLMM: tau grows without bound (past {THETA_MAX:g}): the studies are completely separated")
        if abs(p[1]) > BETA_MAX:
            raise PoolingError(f"GLMM: the logit estimate runs past +-{BETA_MAX:g}")
        step = _direction(g, H)
        decrement = float(-g @ step / 2)
        trial = p + alphas[:, None] * step
        ok = obj.batch(trial)[0] <= dev - 1e-4 * alphas * 2 * decrement + 1e-13 * (1 + abs(dev))
        if ok.any():
            p = trial[int(np.argmax(ok))]
        if decrement < NEWTON_TOL and np.all(np.linalg.eigvalsh(H) > 0):
            return p, obj.derivatives(p)[2]
        if not ok.any():
            raise PoolingError(f"GLMM: the fit stalled (no step lowers the deviance; predicted fall {decrement:.2g})")
    raise PoolingError(f"GLMM: the fit did not converge within the iteration limit ({max_iter} Newton steps)")


def _fit(x: Array, n: Array, nagq: int, max_iter: int, time_limit: float) -> tuple[float, float, float, list[str]]:
    """ML fit: (tau, beta, SE of beta, notes); limits and failures raise :class:`PoolingError`."""
    obj = _Objective(_Data.make(x, n, nagq), time_limit)
    beta_fe = float(special.logit(x.sum() / n.sum()))  # exact optimum on theta = 0
    try:
        with np.errstate(all="raise", under="ignore"):  # a floating-point fault is an error, not a warning
            if x.size == 1:
                p, H = np.array([0.0, beta_fe]), obj.derivatives(np.array([0.0, beta_fe]))[2]
            else:
                p, H = _newton(obj, _start(obj.d), max_iter)
    except _Deadline:
        raise PoolingError(
            f"GLMM: the fit was stopped at the wall-clock limit of {time_limit:g} s "
            f"({obj.nfev} deviance evaluations, k = {x.size}); no GLMM result"
        ) from None
    except FloatingPointError as exc:
        raise PoolingError(f"GLMM: floating-point failure in the fit ({exc}); no GLMM result") from None
    notes = []
    theta = abs(float(p[0]))
    if theta < HESSIAN_STEP and x.size > 1:
        notes.append("GLMM: tau^2 estimated at (or next to) the boundary 0")
    lam = np.linalg.eigvalsh(H)
    if x.size > 1 and lam[0] < 1e-8 * lam[-1]:
        notes.append("GLMM: tau^2 is barely identified (the likelihood is almost flat in tau, e.g. studies of 1 patient)")
    if theta < 1e-6:
        theta = 0.0
    var_beta = 2 / H[1, 1] if theta == 0 else 2 * np.linalg.inv(H)[1, 1]
    return theta, float(p[1]), float(np.sqrt(var_beta)), notes


def _heterogeneity(x: Array, n: Array, tau2: float) -> tuple[float, float, float, float, Array]:
    r"""Q (likelihood-ratio, metafor ``QE.LRT``), its p-value, I^2, H^2 and the escalc variances.

    .. math:: Q = 2\sum_i [\ell_i(x_i/n_i) - \ell_i(\hat p)],\quad
              I^2 = 100\,\tau^2/(\tilde v + \tau^2),\quad H^2 = \tau^2/\tilde v + 1

    with :math:`\hat p = \sum x_i / \sum n_i` and :math:`\tilde v = (k-1)/\mathrm{tr}(P)` the
    typical within-study variance of the escalc logits (Higgins & Thompson 2002).
    """
    k = x.size
    _, vi, _ = escalc_proportions("PLO", x, n)
    if k == 1:
        return 0.0, 1.0, 0.0, 1.0, vi
    p_fe = x.sum() / n.sum()
    ll_fe = np.sum(special.xlogy(x, p_fe) + special.xlogy(n - x, 1 - p_fe))
    ll_sat = np.sum(special.xlogy(x, x / n) + special.xlogy(n - x, 1 - x / n))
    q = max(0.0, float(-2 * (ll_fe - ll_sat)))
    vt = (k - 1) / Residual.of(np.ones((k, 1)), 1 / vi).trace()
    return q, chi2_sf(q, k - 1), 100 * tau2 / (vt + tau2), tau2 / vt + 1, vi


def glmm_pool(
    xi: ArrayLike, ni: ArrayLike, *, test: TestType = "z", level: float = 0.95, nagq: int = 7,
    max_iter: int = MAX_ITER, time_limit: float = TIME_LIMIT,
) -> PooledResult:  # fmt: skip
    r"""Pool proportions with the binomial-normal model (logit scale), as ``rma.glmm``.

    ``test`` ``z`` gives Wald z inference; ``knha``/``adhoc`` give metafor's ``test="t"``
    (t with k-1 df; the Knapp-Hartung scaling does not apply to this model, noted).
    ``Q`` is the likelihood-ratio test of heterogeneity (fixed-effect vs saturated
    logistic model, metafor ``QE.LRT``); I^2 and H^2 use the typical within-study
    variance of the escalc logit variances, as metafor.  No tau^2 CI is computed.
    ``max_iter`` (Newton steps) and ``time_limit`` (seconds of wall clock) bound
    the fit; reaching either raises :class:`PoolingError` naming the limit.

    Notes
    -----
    .. math:: x_i \sim \mathrm{Bin}(n_i, \mathrm{expit}(\beta + b_i)),\quad b_i \sim N(0, \tau^2)

    :math:`\hat\theta = \hat\tau` and :math:`\hat\beta` minimise the AGQ deviance
    :math:`D` (:func:`agq_deviance`); :math:`\mathrm{SE}(\hat\beta)^2 = [2H^{-1}]_{\beta\beta}`
    with :math:`H` the Hessian of :math:`D` in :math:`(\theta, \beta)`, as lme4.

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
    if test != "z" and k == 1:
        raise PoolingError("GLMM with a t test needs k > 1")
    theta, beta, se, notes = _fit(x, n, nagq, max_iter, time_limit)
    if test != "z":
        notes.insert(0, f"GLMM: test '{test}' means metafor's test='t' (t with k-1 df, no Knapp-Hartung scaling)")
    tau2 = theta**2
    df = None if test == "z" else k - 1
    crit = norm_isf((1 - level) / 2) if df is None else t_isf((1 - level) / 2, df)
    q, q_p, i2, h2, _ = _heterogeneity(x, n, tau2)
    half_pi = crit * np.sqrt(se**2 + tau2)
    return PooledResult(
        k=k, estimate=beta, se=se, stat=beta / se, pval=2 * (norm_sf(abs(beta / se)) if df is None else t_sf(abs(beta / se), df)),
        ci_lb=beta - crit * se, ci_ub=beta + crit * se, pi_lb=float(beta - half_pi), pi_ub=float(beta + half_pi),
        df=df, tau2=tau2, tau2_se=None, tau2_lb=None, tau2_ub=None, i2=i2, i2_lb=None, i2_ub=None,
        h2=h2, h2_lb=None, h2_ub=None, q=q, q_df=k - 1, q_p=q_p, method="GLMM", test=test, level=level,
        converged=True, weights=None, notes=tuple(notes),
    )  # fmt: skip
