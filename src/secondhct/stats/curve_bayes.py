r"""Bayesian summary survival curve for few reports: the model of :mod:`secondhct.stats.curve`
with a flat prior on the coefficients and a proper prior on tau (the protocol's half-normal).

.. math::

    p(\tau\mid y) \propto p(\tau)\,\exp\{\ell_{REML}(\tau^2)\},\qquad
    \beta\mid\tau,y \sim N\big(\hat\beta(\tau^2),\ (X'\Sigma(\tau^2)^{-1}X)^{-1}\big)

(the restricted likelihood is the likelihood with a flat prior on beta integrated out).
Every reported quantity is a normal mixture over tau, computed by the quadrature of
:mod:`secondhct.stats.bayes` (:func:`~secondhct.stats.bayes.tau_grid`,
:func:`~secondhct.stats.bayes.tau_quantiles`, :func:`~secondhct.stats.bayes.mixture_quantiles`),
which does the same for one mean: :math:`\hat\mu(\tau)` and its variance are replaced by the
GLS :math:`\hat\beta(\tau^2)` and :math:`\operatorname{Var}(\hat\beta)(\tau^2)`
(:class:`secondhct.stats.curve_likelihood.Likelihood`).  Entry points: :func:`bayes_curve`,
:func:`predict_bayes`.

References
----------
Arends LR, Hunink MGM, Stijnen T (2008). *Stat Med* 27:4381-4396.
Röver C (2020). Bayesian random-effects meta-analysis using the bayesmeta R package.
*J Stat Softw* 93(6):1-51 (``bmr()``: the same computation for independent rows).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import special

from ..errors import PoolingError
from .bayes import TauGrid, mixture_quantiles, tau_grid, tau_quantiles
from .curve import DEFAULT_TIMES, Array, TimeModel, as_curve_data, check_model, design, prediction_rows, surv_of, tau2_identifiable
from .curve_data import CurveData, CurveRow
from .curve_likelihood import Likelihood
from .priors import TauPrior, parse_tau_prior

__all__ = ["BayesCurveFit", "BayesCurvePrediction", "BayesCurvePredictions", "bayes_curve", "predict_bayes"]


@dataclass(frozen=True)
class BayesCurveFit:
    """Posterior summaries (central intervals at ``level``) and the mixture they come from.

    ``prob_log_time_coef_le_0`` is P(beta_1 <= 0 | y), the probability that the Weibull
    curve does not decrease (None for the categorical model).  ``mixture_*`` are the
    quadrature nodes: tau, normalised weights, and the mean and covariance of beta given tau.
    """

    data: CurveData
    time_model: str
    coef_names: tuple[str, ...]
    times: Array
    tau_prior: str
    tau_median: float
    tau_lb: float
    tau_ub: float
    beta_median: tuple[float, ...]
    beta_lb: tuple[float, ...]
    beta_ub: tuple[float, ...]
    prob_log_time_coef_le_0: float | None
    level: float
    notes: tuple[str, ...]
    mixture_tau: Array = field(repr=False)
    mixture_w: Array = field(repr=False)
    mixture_beta: Array = field(repr=False)
    mixture_vb: Array = field(repr=False)

    method = "BAYES"


def _posterior(lik: Likelihood, prior: TauPrior, t0: float) -> tuple[TauGrid, dict[str, Array], list[str]]:
    g, notes = tau_grid(lambda tau: lik.evaluate(tau * tau)["reml"], prior, t0)
    return g, lik.evaluate(g.tau**2), notes


def bayes_curve(
    rows: Sequence[CurveRow] | CurveData,
    *,
    tau_prior: TauPrior | str = "halfnormal:0.5",
    time_model: TimeModel | str = "weibull",
    level: float = 0.95,
) -> BayesCurveFit:
    r"""Posterior of the summary survival curve (module docstring) by quadrature over tau.

    Parameters
    ----------
    rows
        :class:`CurveRow` per survival estimate, or a prepared :class:`CurveData`.
    tau_prior
        Prior object or text for :func:`~secondhct.stats.priors.parse_tau_prior`
        (``halfnormal:0.5``: the protocol's few-studies prior).
    time_model
        ``weibull`` or ``categorical`` (as :func:`secondhct.stats.curve.fit_curve`).
    level
        Probability content of the central intervals.

    Notes
    -----
    :math:`P(\beta_j \le q\mid y) = \int \Phi\big((q - \hat\beta_j(\tau))/s_j(\tau)\big)\,p(\tau\mid y)\,d\tau`
    with :math:`s_j^2` the j-th diagonal of :math:`\operatorname{Var}(\hat\beta)(\tau^2)`;
    quantiles solve it.  When tau is not identified (one report), the restricted
    likelihood does not depend on it and the posterior of tau is its prior (said in ``notes``).
    """
    prior = parse_tau_prior(tau_prior) if isinstance(tau_prior, str) else tau_prior
    if not 0 < level < 1:
        raise PoolingError(f"level must lie strictly between 0 and 1, not {level}")
    data = as_curve_data(rows)
    X, names, times = design(data, time_model)
    notes = list(data.notes) + check_model(data, X, time_model)
    if not tau2_identifiable(data, X):
        notes.append("the reports' effects cannot be told from the coefficients (one report, or reports sharing no time): the posterior of tau is its prior")
    g, ev, qnotes = _posterior(Likelihood(data, X), prior, 0.25 * math.sqrt(float(data.vi.min())))
    notes.extend(qnotes)
    lo, hi = (1 - level) / 2, (1 + level) / 2
    beta, vb = ev["beta"], ev["vb"]
    sd = np.sqrt(np.einsum("gjj->gj", vb))
    p = len(names)
    q = mixture_quantiles(g.w, np.repeat(beta.T, 3, axis=0), np.repeat(sd.T, 3, axis=0), np.tile([0.5, lo, hi], p))
    tq = tau_quantiles(g, np.array([0.5, lo, hi])).tolist()
    prob = float(g.w @ special.ndtr(-beta[:, 1] / sd[:, 1])) if time_model == "weibull" else None
    if prob is not None and prob > 0.5:
        notes.append(f"the curve more probably rises than falls: P(log-time coefficient <= 0) = {prob:.3f}")
    return BayesCurveFit(
        data=data, time_model=time_model, coef_names=names, times=times, tau_prior=prior.describe(),
        tau_median=tq[0], tau_lb=tq[1], tau_ub=tq[2],
        beta_median=tuple(q[0::3].tolist()), beta_lb=tuple(q[1::3].tolist()), beta_ub=tuple(q[2::3].tolist()),
        prob_log_time_coef_le_0=prob, level=level, notes=tuple(notes),
        mixture_tau=g.tau, mixture_w=g.w, mixture_beta=beta, mixture_vb=vb,
    )  # fmt: skip


@dataclass(frozen=True)
class BayesCurvePrediction:
    """S at one time: posterior median and central interval of the mean curve, and the
    predictive interval of a new report's S (its own random effect added)."""

    time: float
    eta_median: float
    surv_median: float
    surv_lb: float
    surv_ub: float
    surv_pred_lb: float
    surv_pred_ub: float


@dataclass(frozen=True)
class BayesCurvePredictions:
    """As :class:`secondhct.stats.curve.CurvePredictions`: ``omitted`` times are never extrapolated."""

    predictions: tuple[BayesCurvePrediction, ...]
    omitted: tuple[float, ...]
    level: float


def predict_bayes(fit: BayesCurveFit, times: Sequence[float] = DEFAULT_TIMES) -> BayesCurvePredictions:
    r"""Posterior of :math:`\eta = x'\beta` (mean curve) and of :math:`\eta + u_{new}` (a new
    report) at ``times``: normal mixtures with means :math:`x'\hat\beta(\tau)`, variances
    :math:`x'\operatorname{Var}(\hat\beta)(\tau)x` (+ tau^2), mapped to S with the bounds swapped."""
    rows, omitted = prediction_rows(fit.time_model, fit.times, (float(fit.data.time.min()), float(fit.data.time.max())), times)
    if not rows:
        return BayesCurvePredictions((), tuple(omitted), fit.level)
    lo, hi = (1 - fit.level) / 2, (1 + fit.level) / 2
    x = np.array([r[1] for r in rows])
    mean = x @ fit.mixture_beta.T  # times x nodes
    var = np.einsum("tj,gjk,tk->tg", x, fit.mixture_vb, x)
    sd_new = np.sqrt(var + fit.mixture_tau[None, :] ** 2)
    means = np.repeat(mean, 5, axis=0)
    sds = np.vstack([np.vstack([np.sqrt(v)] * 3 + [s] * 2) for v, s in zip(var, sd_new)])
    q = mixture_quantiles(fit.mixture_w, means, sds, np.tile([0.5, lo, hi, lo, hi], len(rows))).reshape(len(rows), 5)
    out = tuple(
        BayesCurvePrediction(
            time=t, eta_median=float(e[0]), surv_median=float(surv_of(e[0])), surv_lb=float(surv_of(e[2])), surv_ub=float(surv_of(e[1])),
            surv_pred_lb=float(surv_of(e[4])), surv_pred_ub=float(surv_of(e[3])),
        )
        for (t, _), e in zip(rows, q)
    )  # fmt: skip
    return BayesCurvePredictions(out, tuple(omitted), fit.level)
