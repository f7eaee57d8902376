r"""Bayesian normal-normal hierarchical random-effects model, as R's ``bayesmeta``.

.. math::

    y_i \mid \theta_i \sim N(\theta_i, v_i),\qquad \theta_i \mid \mu,\tau \sim N(\mu, \tau^2),
    \qquad \tau \sim p(\tau),\qquad \mu \sim \text{flat or } N(\mu_0, \sigma_0^2).

Everything is computed deterministically (no MCMC, no seed) by one-dimensional quadrature
over tau; the entry point is :func:`bayes_pool`.  How the numbers compare with bayesmeta,
and the deliberate difference from its default accuracy settings: ``tests/reference/BAYESMETA.md``.

References
----------
Röver C (2020). Bayesian random-effects meta-analysis using the bayesmeta R package.
*J Stat Softw* 93(6):1-51.
Friede T, Röver C, Wandel S, Neuenschwander B (2017). Meta-analysis of two studies in the
presence of heterogeneity with applications in rare diseases. *Biom J* 59:658-671.
Röver C, Bender R, Dias S, et al. (2021). On weakly informative prior distributions for
the heterogeneity parameter in Bayesian random-effects meta-analysis. *Res Synth Methods*
12:448-474.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from ..errors import PoolingError
from .priors import FLAT, WINDOW_LOG, HalfCauchy, HalfNormal, LogNormal, MuPrior, TauPrior, Uniform, parse_mu_prior, parse_tau_prior
from .rma import check_inputs

__all__ = ["FLAT", "BayesResult", "HalfCauchy", "HalfNormal", "LogNormal", "MuPrior", "TauPrior", "TauGrid", "Uniform", "bayes_pool", "mixture_quantiles", "parse_mu_prior", "parse_tau_prior", "tau_grid", "tau_quantiles"]

Array = NDArray[np.float64]

#: Quadrature over z, tau = t0 sinh(z): panels no wider than PANEL_WIDTH (at least
#: MIN_PANELS on the window where the density exceeds exp(-WINDOW_LOG) of its maximum),
#: NODES Gauss-Legendre nodes each.  A note warns if NODES / 2 nodes change the normalising
#: constant by more than CHECK_RTOL (the error falls geometrically with the nodes, so the
#: full rule is then still ~1e-12).
PANEL_WIDTH, MIN_PANELS, NODES, CHECK_RTOL = 1.0, 8, 16, 1e-6
@dataclass(frozen=True)
class BayesResult:
    """Posterior summaries on the analysis scale; intervals are central, at ``level``.

    ``theta_*`` are the shrinkage estimates of the studies' own effects (one per study).
    A moment that does not exist (heavy half-Cauchy tails with few studies) is ``None``
    and ``notes`` says so.  ``prob_above[j]`` is P(mu > thresholds[j] | data).
    """

    k: int
    mu_median: float
    mu_mean: float | None
    mu_sd: float | None
    ci_lb: float
    ci_ub: float
    pi_lb: float
    pi_ub: float
    tau: float
    tau_lb: float
    tau_ub: float
    tau_mean: float | None
    theta_mean: tuple[float, ...]
    theta_sd: tuple[float, ...]
    theta_lb: tuple[float, ...]
    theta_ub: tuple[float, ...]
    thresholds: tuple[float, ...]
    prob_above: tuple[float, ...]
    tau_prior: str
    mu_prior: str
    level: float
    notes: tuple[str, ...] = ()
    mean_weights: tuple[float, ...] = ()
    """Posterior-mean weights (bayesmeta's ``weights``; Röver, J Stat Softw 2020;93(6), section 3.5): the
    share of each report in the posterior mean of mu, :math:`\\omega_i = E[w_i(\tau)/\\sum_j w_j(\tau) \\mid y]`
    with :math:`w_i = 1/(v_i+\tau^2)`, so that :math:`E[\\mu\\mid y] = \\sum_i \\omega_i y_i` (plus the prior's
    share when mu has a normal prior)."""

    #: The registered method name (:data:`secondhct.stats.models.METHODS`).
    method = "BAYES"

    @property
    def estimate(self) -> float:
        """The point estimate shown for the model: the posterior median of mu."""
        return self.mu_median

    @property
    def weights(self) -> tuple[float, ...] | None:
        """The posterior-mean weights in percent (:attr:`mean_weights`), as a forest plot shows them."""
        return tuple(100.0 * w for w in self.mean_weights) if self.mean_weights else None


@lru_cache(maxsize=8)
def _legendre(n: int) -> tuple[Array, Array]:
    x, w = np.polynomial.legendre.leggauss(n)
    return 0.5 * (x + 1.0), 0.5 * w  # on [0, 1]


def _panels(a: float, b: float, width: float, minimum: int, n: int) -> tuple[Array, Array, Array]:
    """Panel edges on [a, b] (at least ``minimum`` panels, none wider than ``width``) and the
    nodes and weights of n-point Gauss-Legendre on each panel."""
    edges = np.linspace(a, b, max(minimum, math.ceil((b - a) / width)) + 1)
    t, w = _legendre(n)
    h = np.diff(edges)[:, None]
    return edges, (edges[:-1, None] + h * t).ravel(), (h * w).ravel()


def _conditional(y: Array, v: Array, tau: Array, mu: MuPrior) -> tuple[Array, Array, Array]:
    r"""log marginal likelihood of tau (mu integrated out) and mean, variance of mu | tau.

    With :math:`w_i = 1/(v_i+\tau^2)`, a normal prior on mu entering as one more study
    :math:`(\mu_0, \sigma_0^2)` whose variance does not grow with tau:
    :math:`\log L(\tau) = -\tfrac12[\sum\log(v_i+\tau^2) + \log\sum w_i + \sum w_i(y_i-m)^2]`
    + const, :math:`m(\tau) = \sum w_i y_i/\sum w_i`, :math:`s^2(\tau) = 1/\sum w_i`.
    """
    var = v[None, :] + (tau * tau)[:, None]
    if mu.sd is not None:
        var = np.hstack([var, np.full((tau.size, 1), mu.sd**2)])
        y = np.append(y, mu.mean)
    w = 1.0 / var
    sw = w.sum(axis=1)
    m = (w @ y) / sw
    q = (w * (y[None, :] - m[:, None]) ** 2).sum(axis=1)
    return -0.5 * (np.log(var).sum(axis=1) + np.log(sw) + q), m, 1.0 / sw


@dataclass(frozen=True)
class TauGrid:
    """Normalised quadrature over z (tau = t0 sinh z); enough to evaluate tau's CDF.

    ``w`` is quadrature weight x posterior density / normalising constant at ``tau``, so a
    posterior expectation is ``w @ f(tau)``.  Built by :func:`tau_grid` for any model whose
    other parameters are integrated out (one mean here; the summary survival curve's
    coefficients in :mod:`secondhct.stats.curve_bayes`).
    """

    t0: float
    tau: Array
    w: Array
    edges: Array
    cum: Array  # posterior mass below each panel edge
    shift: float  # log density offset and log normalising constant
    logz: float
    logpost: Callable[[Array], Array]


def tau_grid(loglik: Callable[[Array], Array], prior: TauPrior, t0: float) -> tuple[TauGrid, list[str]]:
    r"""Locate the posterior :math:`p(\tau\mid y) \propto p(\tau)\,L(\tau)` on the prior's
    span, then integrate over that window.

    ``loglik`` is the log marginal likelihood of tau (vectorised, up to a constant).
    The substitution :math:`\tau = t_0\sinh z`, with :math:`t_0` a quarter of the smaller of
    the prior's scale and the smallest sampling SD, is linear near 0 and logarithmic above
    :math:`t_0`.  Every singularity of the integrands in the complex plane
    (:math:`\tau^2 \in [-v_{max}, -v_{min}]`, the half-Cauchy's poles at
    :math:`\pm i\,\text{scale}`) then lies at distance pi/2 from the real z axis, so
    Gauss-Legendre on panels of width 1 in z converges geometrically.
    """
    scale, top = prior.span()
    t0 = min(t0, 0.25 * scale)

    def logpost(z: Array) -> Array:
        tau = t0 * np.sinh(z)
        return prior.logpdf(tau) + loglik(tau) + np.log(np.cosh(z))

    edges, z1, qw1 = _panels(0.0, math.asinh(top / t0), PANEL_WIDTH, 1, NODES)
    lp1 = logpost(z1)
    inside = np.flatnonzero(lp1 > lp1.max() - WINDOW_LOG)
    a = z1[inside[0] - 2] if inside[0] >= 2 else edges[0]
    b = z1[inside[-1] + 2] if inside[-1] + 2 < z1.size else edges[-1]
    p1 = qw1 * np.exp(lp1 - lp1.max())
    var_z = float(p1 @ z1**2) / p1.sum() - (float(p1 @ z1) / p1.sum()) ** 2
    width = min(PANEL_WIDTH, max(2 * math.sqrt(max(var_z, 0.0)), (b - a) / 256))
    edges, z, qw = _panels(a, b, width, MIN_PANELS, NODES)
    lp = logpost(z)
    shift = float(lp.max())
    dens = qw * np.exp(lp - shift)
    zsum = float(dens.sum())
    _, zc, qc = _panels(a, b, width, MIN_PANELS, NODES // 2)
    check = abs(float((qc * np.exp(logpost(zc) - shift)).sum()) / zsum - 1)
    notes = [f"tau quadrature check: {NODES} and {NODES // 2} nodes per panel differ by {check:.1e}"]
    cum = np.concatenate(([0.0], np.cumsum(dens.reshape(-1, NODES).sum(axis=1)) / zsum))
    grid = TauGrid(t0, t0 * np.sinh(z), dens / zsum, edges, cum, shift, math.log(zsum), logpost)
    return grid, notes if check > CHECK_RTOL else []


def _tau_grid(y: Array, v: Array, prior: TauPrior, mu: MuPrior) -> tuple[TauGrid, list[str]]:
    """:func:`tau_grid` for one mean (:func:`_conditional`), t0 from the smallest variance."""
    return tau_grid(lambda tau: _conditional(y, v, tau, mu)[0], prior, 0.25 * math.sqrt(float(v.min())))


def _solve(cdf: Callable[[Array], tuple[Array, Array]], p: Array, lo: Array, hi: Array, x: Array) -> Array:
    """Solve cdf(x) = p for many problems at once: Newton steps, bisection when a step leaves
    the bracket [lo, hi] kept around each root (so it cannot fail).  A problem is done when
    its step or its bracket is below 1e-13 relative (Newton's error is then ~the step squared)."""
    done = np.zeros(p.shape, dtype=bool)
    for _ in range(200):
        F, f = cdf(x)
        lo, hi = np.where(F < p, x, lo), np.where(F > p, x, hi)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            step = x - (F - p) / f
        new = np.where(done, x, np.where((step >= lo) & (step <= hi), step, 0.5 * (lo + hi)))
        tol = 1e-13 * np.maximum(1.0, np.abs(x))
        done |= (np.abs(new - x) <= tol) | (hi - lo <= tol)
        x = new
        if done.all():
            break
    return x


def tau_quantiles(g: TauGrid, p: Array) -> Array:
    """Quantiles of tau: P(z <= zq) is whole panels from ``cum`` plus Gauss-Legendre on the
    partial panel; its derivative is the posterior density in z."""
    t, qw = _legendre(NODES)

    def cdf(zq: Array) -> tuple[Array, Array]:
        j = np.clip(np.searchsorted(g.edges, zq, side="right") - 1, 0, g.edges.size - 2)
        width = (zq - g.edges[j])[:, None]
        lp = g.logpost(np.concatenate([(g.edges[j][:, None] + width * t).ravel(), zq])) - g.shift - g.logz
        part = (width * qw * np.exp(lp[: -zq.size]).reshape(zq.size, NODES)).sum(axis=1)
        return g.cum[j] + part, np.exp(lp[-zq.size :])

    z0 = np.interp(p, g.cum, g.edges)
    z = _solve(cdf, p, np.full_like(p, g.edges[0]), np.full_like(p, g.edges[-1]), z0)
    return g.t0 * np.sinh(z)


_tau_quantiles = tau_quantiles  # the name the tests of the heavy-tail check use


def mixture_quantiles(w: Array, mean: Array, sd: Array, p: Array) -> Array:
    r"""Solve :math:`\sum_j w_j\Phi((q_r-m_{rj})/s_{rj}) = p_r` for every row r of ``mean``, ``sd``.

    The root lies between the smallest and the largest component quantile.
    """
    comp = mean + sd * special.ndtri(p)[:, None]
    keep = w > 1e-300

    def cdf(q: Array) -> tuple[Array, Array]:
        u = (q[:, None] - mean) / sd
        return special.ndtr(u) @ w, (np.exp(-0.5 * u * u) / sd) @ w / math.sqrt(2 * math.pi)

    return _solve(cdf, p, comp[:, keep].min(axis=1), comp[:, keep].max(axis=1), comp @ w)


def _moments(w: Array, mean: Array, var: Array) -> tuple[float, float]:
    """Mean and SD of the mixture sum_j w_j N(mean_j, var_j)."""
    mu = float(w @ mean)
    return mu, math.sqrt(float(w @ (var + (mean - mu) ** 2)))


def _moments_exist(prior: TauPrior, k: int, mu: MuPrior) -> tuple[bool, bool, list[str]]:
    r"""Whether E[tau] (hence E[mu]) and Var(mu) are finite.

    The marginal likelihood decays as :math:`\tau^{-(k-1)}` (flat mu prior) or
    :math:`\tau^{-k}` (normal), so the posterior density of tau decays as
    :math:`\tau^{-\beta}`, :math:`\beta = \text{tail\_index} + k - 1\,(+1)`, and
    :math:`E[\tau^r]` is finite iff :math:`r < \beta - 1`.  Var(mu | tau) grows as
    :math:`\tau^2/k` under the flat prior and stays below :math:`\sigma_0^2` under the normal.
    """
    beta = prior.tail_index + k - (0 if mu.sd is not None else 1)
    first = 1 < beta - 1
    second = mu.sd is not None or 2 < beta - 1
    notes = []
    if not first:
        notes.append(f"with {prior.describe()} and k = {k} the posterior mean of tau (and of mu) does not exist")
    elif not second:
        notes.append(f"with {prior.describe()} and k = {k} the posterior SD of mu does not exist (infinite)")
    return first, second, notes


def _summarise(g: TauGrid, m: Array, s2: Array, y: Array, v: Array, level: float, thresholds: tuple[float, ...]) -> BayesResult:
    r"""Moments and central intervals of mu, theta_new and the theta_i; quantiles of tau.

    :math:`\theta_\text{new}\mid\tau \sim N(m, s^2+\tau^2)` and
    :math:`\theta_i\mid\tau \sim N((1-b_i)y_i + b_i m,\ v_i(1-b_i) + b_i^2 s^2)` with
    :math:`b_i = v_i/(v_i+\tau^2)`.
    """
    s = np.sqrt(s2)
    b = v[:, None] / (v[:, None] + (g.tau**2)[None, :])
    th_mean, th_var = (1 - b) * y[:, None] + b * m, v[:, None] * (1 - b) + b**2 * s2
    th_mom = np.array([_moments(g.w, mean, var) for mean, var in zip(th_mean, th_var)])
    # every quantile at once: mu (median, CI), predictive (PI), each theta_i (interval)
    lo, hi = (1 - level) / 2, (1 + level) / 2
    means = np.vstack([np.tile(m, (5, 1)), np.repeat(th_mean, 2, axis=0)])
    sds = np.vstack([np.tile(s, (3, 1)), np.tile(np.sqrt(s2 + g.tau**2), (2, 1)), np.repeat(np.sqrt(th_var), 2, axis=0)])
    q = mixture_quantiles(g.w, means, sds, np.array([0.5, lo, hi, lo, hi] + [lo, hi] * y.size)).tolist()
    tq = tau_quantiles(g, np.array([0.5, lo, hi])).tolist()
    mu_mean, mu_sd = _moments(g.w, m, s2)
    return BayesResult(
        k=y.size, level=level, thresholds=thresholds, tau_prior="", mu_prior="",
        mu_median=q[0], mu_mean=mu_mean, mu_sd=mu_sd, ci_lb=q[1], ci_ub=q[2], pi_lb=q[3], pi_ub=q[4],
        tau=tq[0], tau_lb=tq[1], tau_ub=tq[2], tau_mean=float(g.w @ g.tau),
        theta_mean=tuple(th_mom[:, 0].tolist()), theta_sd=tuple(th_mom[:, 1].tolist()),
        theta_lb=tuple(q[5::2]), theta_ub=tuple(q[6::2]),
        prob_above=tuple(float(g.w @ special.ndtr((m - t) / s)) for t in thresholds),
        mean_weights=tuple(float(g.w @ (s2 / (vi + g.tau**2))) for vi in v),
    )  # fmt: skip


def bayes_pool(
    yi: ArrayLike,
    vi: ArrayLike,
    *,
    tau_prior: TauPrior | str,
    mu_prior: MuPrior | str = FLAT,
    level: float = 0.95,
    thresholds: Sequence[float] = (),
) -> BayesResult:
    r"""Posterior of the normal-normal hierarchical model by quadrature over tau.

    Parameters
    ----------
    yi, vi
        Effect sizes and positive sampling variances on the analysis scale.
    tau_prior, mu_prior
        Prior objects or text for :func:`parse_tau_prior` / :func:`parse_mu_prior`.
    level
        Probability content of the central credible, prediction and shrinkage intervals.
    thresholds
        Values t (analysis scale) for which P(mu > t | y) is returned.

    Notes
    -----
    Given tau, mu is normal, :math:`\mu\mid\tau,y \sim N(m(\tau), s^2(\tau))`, and the
    marginal posterior of tau is :math:`p(\tau\mid y) \propto p(\tau)\,L(\tau)`
    (:func:`_conditional`).  So the posterior of mu (and of theta_new, theta_i:
    :func:`_summarise`) is a normal mixture over tau,

    .. math::

        P(\mu \le q\mid y) = \int \Phi\!\left(\frac{q-m(\tau)}{s(\tau)}\right) p(\tau\mid y)\,d\tau,

    integrated by composite Gauss-Legendre in :math:`z = \operatorname{asinh}(\tau/t_0)`
    (:func:`tau_grid`; ~1e-10 relative, checked against finer grids in the tests).
    Quantiles solve these CDFs (:func:`_solve`, :func:`tau_quantiles`, :func:`mixture_quantiles`).  Moments that do not exist
    (:func:`_moments_exist`) are ``None``.  k = 1 works: the tau priors are proper.

    References
    ----------
    Röver C (2020). *J Stat Softw* 93(6). Friede T et al. (2017). *Biom J* 59:658-671.
    Röver C et al. (2021). *Res Synth Methods* 12:448-474.
    """
    y, v = check_inputs(yi, vi)
    prior = parse_tau_prior(tau_prior) if isinstance(tau_prior, str) else tau_prior
    mu = parse_mu_prior(mu_prior) if isinstance(mu_prior, str) else mu_prior
    if not 0 < level < 1:
        raise PoolingError(f"level must lie strictly between 0 and 1, not {level}")
    ts = tuple(float(t) for t in thresholds)
    if not all(math.isfinite(t) for t in ts):
        raise PoolingError("thresholds must be finite numbers on the analysis scale")
    g, notes = _tau_grid(y, v, prior, mu)
    first, second, moment_notes = _moments_exist(prior, y.size, mu)
    _, m, s2 = _conditional(y, v, g.tau, mu)
    res = _summarise(g, m, s2, y, v, level, ts)
    return replace(
        res,
        mu_mean=res.mu_mean if first else None,
        mu_sd=res.mu_sd if second else None,
        tau_mean=res.tau_mean if first else None,
        tau_prior=prior.describe(),
        mu_prior=mu.describe(),
        notes=tuple(notes + moment_notes),
    )
