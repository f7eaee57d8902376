"""Effect sizes on the analysis scale, each with a record of how it was obtained.

Proportions from counts reproduce ``metafor::escalc`` (3.8) with its defaults:
``add = 1/2``, ``to = "only0"``, ``vtype = "LS"``.  In metafor the 1/2 is added to
the events and the non-events of a study with 0 events or 0 non-events for the measures
PR, PLN and PLO (the corrected counts are used for both yi and vi: ``addyi = addvi =
TRUE``); for PAS and PFT metafor sets ``add = 0`` unless the user gives one, because
those transformations are defined at 0 and n.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from ..errors import PoolingError

ProportionMeasure = Literal["PLO", "PAS", "PFT", "PR", "PLN"]
PROPORTION_MEASURES: tuple[str, ...] = get_args(ProportionMeasure)
RatioMeasure = Literal["HR", "RR", "OR"]
RATIO_MEASURES: tuple[str, ...] = get_args(RatioMeasure)
#: Scales a CI of a proportion may have been built on (``PCLL`` = complementary log-log).
CiScale = Literal["PR", "PLO", "PAS", "PLN", "PCLL"]
CI_SCALES: tuple[str, ...] = get_args(CiScale)

#: Measures for which metafor applies the zero-cell correction by default.
_CORRECTED = ("PLO", "PLN", "PR")

IPFT_HM_WARNING = (
    "Freeman-Tukey back-transformation with the harmonic mean of the sample sizes "
    "(Miller 1978; metafor transf.ipft.hm) is discouraged: it can be misleading when "
    "sample sizes differ (Schwarzer et al. 2019, Res Synth Methods 10:476-483)"
)


@dataclass(frozen=True)
class EffectSize:
    """One study's effect size ``yi`` with sampling variance ``vi`` and its provenance.

    ``derivation`` says in words how ``yi``/``vi`` were obtained; ``approximate`` is
    True when an assumption beyond the reported numbers was needed (binomial variance
    when only n is known, a p-value given as a bound).
    """

    yi: float
    vi: float
    measure: str
    derivation: str
    approximate: bool = False

    @property
    def sei(self) -> float:
        return float(np.sqrt(self.vi))


def _check_measure(measure: str, allowed: tuple[str, ...]) -> None:
    if measure not in allowed:
        raise PoolingError(f"unknown measure {measure!r}; allowed: {', '.join(allowed)}")


def escalc_proportions(
    measure: ProportionMeasure, xi: ArrayLike, ni: ArrayLike, *, add: float | None = None
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    r"""Transformed proportions ``yi`` and variances ``vi`` from events ``xi`` of ``ni``.

    Parameters
    ----------
    measure
        ``PLO`` logit, ``PAS`` arcsine square root, ``PFT`` Freeman-Tukey double arcsine,
        ``PR`` raw proportion, ``PLN`` log proportion.
    xi, ni
        Events and totals (``0 <= xi <= ni``, ``ni > 0``).
    add
        Value added to events and non-events of studies with a zero cell; default 1/2 for
        PLO, PLN, PR and 0 for PAS, PFT (metafor's defaults).

    Returns
    -------
    yi, vi, corrected
        ``corrected`` marks the studies to which ``add`` was applied.

    Notes
    -----
    With :math:`p_i = x_i/n_i` after the correction and :math:`m_i = n_i - x_i`:

    .. math::

        \text{PLO: } & y = \log\frac{p}{1-p},\; v = \frac1{x} + \frac1{m} \\
        \text{PAS: } & y = \arcsin\sqrt{p},\; v = \frac1{4n} \\
        \text{PFT: } & y = \tfrac12\left[\arcsin\sqrt{\tfrac{x}{n+1}} + \arcsin\sqrt{\tfrac{x+1}{n+1}}\right],\; v = \frac1{4n+2} \\
        \text{PR: }  & y = p,\; v = \frac{p(1-p)}{n} \\
        \text{PLN: } & y = \log p,\; v = \frac1x - \frac1n

    References
    ----------
    Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package.
    *J Stat Softw* 36(3):1-48 (``escalc``).
    Freeman MF, Tukey JW (1950). Transformations related to the angular and the square
    root. *Ann Math Stat* 21:607-611.
    """
    _check_measure(measure, PROPORTION_MEASURES)
    x = np.asarray(xi, dtype=float).ravel()
    n = np.asarray(ni, dtype=float).ravel()
    if x.shape != n.shape:
        raise PoolingError(f"xi has {x.size} values but ni has {n.size}")
    if np.any(~np.isfinite(x) | ~np.isfinite(n)):
        raise PoolingError("events and totals must be finite numbers")
    if np.any(n <= 0):
        raise PoolingError("every total ni must be > 0")
    if np.any(x < 0):
        raise PoolingError("event counts must be >= 0")
    if np.any(x > n):
        raise PoolingError("event counts cannot exceed the totals")
    if add is None:
        add = 0.5 if measure in _CORRECTED else 0.0
    m = n - x
    corrected = ((x == 0) | (m == 0)) & (add != 0)
    x = np.where(corrected, x + add, x)
    m = np.where(corrected, m + add, m)
    n = x + m
    pr = x / n
    with np.errstate(divide="ignore"):
        if measure == "PLO":
            yi, vi = np.log(pr / (1 - pr)), 1 / x + 1 / m
        elif measure == "PAS":
            yi, vi = np.arcsin(np.sqrt(pr)), 1 / (4 * n)
        elif measure == "PFT":
            yi = 0.5 * (np.arcsin(np.sqrt(x / (n + 1))) + np.arcsin(np.sqrt((x + 1) / (n + 1))))
            vi = 1 / (4 * n + 2)
        elif measure == "PR":
            yi, vi = pr, pr * (1 - pr) / n
        else:
            yi, vi = np.log(pr), 1 / x - 1 / n
    return yi, vi, corrected


def proportion_effect_sizes(measure: ProportionMeasure, xi: ArrayLike, ni: ArrayLike) -> tuple[EffectSize, ...]:
    """:func:`escalc_proportions` as one :class:`EffectSize` record per study."""
    yi, vi, corrected = escalc_proportions(measure, xi, ni)
    x = np.asarray(xi, dtype=float).ravel()
    n = np.asarray(ni, dtype=float).ravel()
    out = []
    for i in range(yi.size):
        how = f"{measure} from {x[i]:g}/{n[i]:g} events (metafor escalc)"
        if corrected[i]:
            how += "; 1/2 added to events and non-events (zero cell)"
        out.append(EffectSize(float(yi[i]), float(vi[i]), measure, how))
    return tuple(out)


# ---- transformations of a proportion -------------------------------------------------


def _g(scale: str, p: float) -> float:
    """A proportion on ``scale``."""
    if scale == "PR":
        return p
    if scale == "PLO":
        return float(np.log(p / (1 - p)))
    if scale == "PAS":
        return float(np.arcsin(np.sqrt(p)))
    if scale == "PLN":
        return float(np.log(p))
    return float(np.log(-np.log(1 - p)))  # PCLL


def _dg(scale: str, p: float) -> float:
    r"""Derivative :math:`g'(p)` of the transformation (for the delta method)."""
    if scale == "PR":
        return 1.0
    if scale == "PLO":
        return 1 / (p * (1 - p))
    if scale == "PAS":
        return 1 / (2 * np.sqrt(p * (1 - p)))
    if scale == "PLN":
        return 1 / p
    return 1 / ((1 - p) * abs(np.log(1 - p)))  # PCLL


def proportion_from_se(p: float, se: float, measure: ProportionMeasure, *, source: str = "SE") -> EffectSize:
    r"""A proportion (e.g. Kaplan-Meier or cumulative incidence) with its SE on the natural scale.

    Notes
    -----
    Delta method: :math:`\mathrm{Var}\,g(\hat p) \approx g'(p)^2\,\mathrm{Var}(\hat p)`, so

    .. math::

        SE_{logit} = \frac{SE}{p(1-p)},\quad SE_{arcsine} = \frac{SE}{2\sqrt{p(1-p)}},\quad
        SE_{log} = \frac{SE}{p},\quad SE_{cloglog} = \frac{SE}{(1-p)\,|\log(1-p)|}

    (``PCLL`` is :math:`\log(-\log(1-p))`).  PFT needs n and is not available here.

    References
    ----------
    Agresti A (2013). *Categorical Data Analysis*, 3rd ed., section 16.1 (delta method).
    Kalbfleisch JD, Prentice RL (2002). *The Statistical Analysis of Failure Time Data*,
    2nd ed. (log-log transformation of survival probabilities).
    """
    if measure not in ("PLO", "PAS", "PR", "PLN", "PCLL"):
        raise PoolingError(f"measure {measure!r} is not available for a proportion with SE; allowed: PLO, PAS, PR, PLN, PCLL")
    if not (0 < p < 1):
        raise PoolingError(f"proportion {p:g} must be strictly between 0 and 1 to use its SE")
    if not se > 0:
        raise PoolingError(f"SE {se:g} must be positive")
    sei = se * _dg(measure, p)
    return EffectSize(_g(measure, p), float(sei**2), measure, f"{measure} of p = {p:g}; SE {se:g} ({source}) by the delta method")


def se_from_ci(lower: float, upper: float, scale: str, *, level: float = 0.95) -> float:
    r"""SE on ``scale`` recovered from a CI built on that scale: :math:`(g(U)-g(L))/(2z_{1-\alpha/2})`.

    ``scale`` is one of :data:`CI_SCALES` for proportions or ``log`` for ratios.
    """
    z = float(stats.norm.isf((1 - level) / 2))
    g = (lambda t: float(np.log(t))) if scale == "log" else (lambda t: _g(scale, t))
    return (g(upper) - g(lower)) / (2 * z)


def proportion_from_ci(
    p: float, lower: float, upper: float, measure: ProportionMeasure, *, ci_scale: CiScale = "PR", level: float = 0.95
) -> EffectSize:
    r"""A proportion with a CI: SE recovered on the scale the CI was built on, then carried
    to the analysis scale by the delta method (exact when the two scales coincide).

    Notes
    -----
    .. math:: SE_s = \frac{g_s(U) - g_s(L)}{2 z_{1-\alpha/2}},\qquad SE_m = SE_s\,\frac{g_m'(p)}{g_s'(p)}

    References
    ----------
    Altman DG, Bland JM (2011). How to obtain the confidence interval from a P value /
    the P value from a confidence interval. *BMJ* 343:d2090, d2304.
    """
    _check_measure(ci_scale, CI_SCALES)
    if not (0 < lower <= p <= upper < 1) and not (ci_scale == "PR" and 0 <= lower <= p <= upper <= 1):
        raise PoolingError(f"CI [{lower:g}, {upper:g}] must contain p = {p:g} inside (0, 1)")
    se_s = se_from_ci(lower, upper, ci_scale, level=level)
    if ci_scale == measure:
        return EffectSize(_g(measure, p), se_s**2, measure, f"{measure} of p = {p:g}; SE from the {level:.0%} CI on the same scale")
    se_p = se_s / _dg(ci_scale, p)
    es = proportion_from_se(p, se_p, measure, source=f"from the {level:.0%} CI on the {ci_scale} scale")
    return es


def proportion_from_n(p: float, ni: float, measure: ProportionMeasure) -> EffectSize:
    r"""A proportion with only the number at risk known: binomial variance, flagged approximate.

    Notes
    -----
    Treats :math:`x = p\,n` as binomial events and applies :func:`escalc_proportions`
    (so :math:`\mathrm{Var}(\hat p) = p(1-p)/n` on the raw scale).  For a Kaplan-Meier or
    cumulative-incidence estimate this ignores censoring and usually understates the
    variance; the result is marked ``approximate``.
    """
    yi, vi, corrected = escalc_proportions(measure, [p * ni], [ni])
    how = f"{measure} of p = {p:g} with binomial variance p(1-p)/n, n = {ni:g} (approximate: ignores censoring)"
    if corrected[0]:
        how += "; 1/2 added to events and non-events (zero cell)"
    return EffectSize(float(yi[0]), float(vi[0]), measure, how, approximate=True)


# ---- ratios ------------------------------------------------------------------------


def ratio_from_ci(est: float, lower: float, upper: float, measure: RatioMeasure, *, level: float = 0.95) -> EffectSize:
    r"""Log ratio (HR, RR, OR) with its SE from the point estimate and a CI.

    Notes
    -----
    .. math:: y = \ln\widehat{HR},\qquad SE = \frac{\ln U - \ln L}{2 z_{1-\alpha/2}}

    References
    ----------
    Parmar MKB, Torri V, Stewart L (1998). Extracting summary statistics to perform
    meta-analyses of the published literature for survival endpoints. *Stat Med*
    17:2815-2834.
    Tierney JF et al. (2007). Practical methods for incorporating summary time-to-event
    data into meta-analysis. *Trials* 8:16.
    """
    _check_measure(measure, RATIO_MEASURES)
    if not (0 < lower <= est <= upper):
        raise PoolingError(f"{measure} {est:g} with CI [{lower:g}, {upper:g}]: need 0 < lower <= estimate <= upper")
    if lower == upper:
        raise PoolingError(f"{measure} CI [{lower:g}, {upper:g}] has zero width")
    sei = se_from_ci(lower, upper, "log", level=level)
    how = f"ln {measure} {est:g}; SE from the {level:.0%} CI {lower:g}-{upper:g}"
    mid = (np.log(lower) + np.log(upper)) / 2
    if abs(np.log(est) - mid) > 0.1 * sei:
        how += " (CI not symmetric around the estimate on the log scale: rounding or a different method)"
    return EffectSize(float(np.log(est)), sei**2, measure, how)


def parse_p_value(text: str) -> tuple[float, bool]:
    """``"0.03"`` -> (0.03, False); ``"<0.05"`` or ``"< .001"`` -> (0.05, True) (a bound)."""
    s = text.strip().replace(" ", "")
    bound = s.startswith("<")
    if s.startswith("<=") or s.startswith("="):
        s = s.lstrip("<=")
    s = s.lstrip("<")
    try:
        p = float(s)
    except ValueError as exc:
        raise PoolingError(f"p-value {text!r} is not a number or a bound like '<0.05'") from exc
    if not (0 < p < 1):
        raise PoolingError(f"p-value {text!r} must lie strictly between 0 and 1")
    return p, bound


def ratio_from_p(est: float, p: float | str, measure: RatioMeasure) -> EffectSize:
    r"""Log ratio with the SE backed out of a two-sided p-value of the Wald test.

    Notes
    -----
    .. math:: SE = \frac{|\ln \widehat{HR}|}{z_{1-p/2}}

    A bound such as ``"<0.05"`` is used as ``p = 0.05``: the true p is smaller, so the
    true :math:`z_{1-p/2}` is larger and the true SE smaller; taking the bound gives the
    *largest* SE compatible with the report (least weight, widest CI), the conservative
    choice.  Such values are marked ``approximate``.

    References
    ----------
    Altman DG, Bland JM (2011). How to obtain the confidence interval from a P value.
    *BMJ* 343:d2090.
    """
    _check_measure(measure, RATIO_MEASURES)
    pv, bound = parse_p_value(p) if isinstance(p, str) else (float(p), False)
    if not (0 < pv < 1):
        raise PoolingError(f"p-value {pv:g} must lie strictly between 0 and 1")
    if not est > 0:
        raise PoolingError(f"{measure} {est:g} must be positive")
    if est == 1:
        raise PoolingError(f"{measure} = 1: the SE cannot be recovered from a p-value")
    z = float(stats.norm.isf(pv / 2))
    sei = abs(np.log(est)) / z
    how = f"ln {measure} {est:g}; SE from two-sided p = {pv:g}"
    if bound:
        how += f" (reported as p < {pv:g}: the bound gives the largest, conservative SE)"
    return EffectSize(float(np.log(est)), float(sei**2), measure, how, approximate=bound)


# ---- back-transformations -------------------------------------------------------------


def transf_ilogit(y: ArrayLike) -> NDArray[np.float64]:
    r"""Inverse logit :math:`1/(1+e^{-y})` (metafor ``transf.ilogit``)."""
    return 1 / (1 + np.exp(-np.asarray(y, dtype=float)))


def transf_iarcsin(y: ArrayLike) -> NDArray[np.float64]:
    r"""Inverse arcsine square root :math:`\sin^2 y`, clipped to [0, 1] outside
    :math:`[0, \pi/2]` (metafor ``transf.iarcsin``)."""
    y = np.asarray(y, dtype=float)
    z = np.sin(y) ** 2
    return np.where(y < 0, 0.0, np.where(y > np.arcsin(1.0), 1.0, z))


def transf_pft(p: ArrayLike, ni: ArrayLike) -> NDArray[np.float64]:
    """Freeman-Tukey transformation of proportion ``p`` with total ``ni`` (metafor ``transf.pft``)."""
    x = np.asarray(p, dtype=float) * np.asarray(ni, dtype=float)
    n = np.asarray(ni, dtype=float)
    return 0.5 * (np.arcsin(np.sqrt(x / (n + 1))) + np.arcsin(np.sqrt((x + 1) / (n + 1))))


def transf_ipft_hm(y: ArrayLike, ni: ArrayLike) -> tuple[NDArray[np.float64], str]:
    r"""Inverse Freeman-Tukey with the harmonic mean of the ``ni`` (metafor ``transf.ipft.hm``).

    Returns the proportions and :data:`IPFT_HM_WARNING` (to be recorded with the result).

    Notes
    -----
    With :math:`\bar n` the harmonic mean of the sample sizes (Miller 1978):

    .. math:: p = \tfrac12\left[1 - \mathrm{sgn}(\cos 2y)\sqrt{1 - \left(\sin 2y + \frac{\sin 2y - 1/\sin 2y}{\bar n}\right)^2}\right]

    set to 0 below ``transf_pft(0, n)`` and to 1 above ``transf_pft(1, n)``.

    References
    ----------
    Miller JJ (1978). The inverse of the Freeman-Tukey double arcsine transformation.
    *Am Stat* 32:138.
    Schwarzer G, Chemaitelly H, Abu-Raddad LJ, Rücker G (2019). Seriously misleading
    results using inverse of Freeman-Tukey double arcsine transformation in meta-analysis
    of single proportions. *Res Synth Methods* 10:476-483.
    """
    y = np.asarray(y, dtype=float)
    nhm = 1 / np.mean(1 / np.asarray(ni, dtype=float))
    s = np.sin(2 * y)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = 0.5 * (1 - np.sign(np.cos(2 * y)) * np.sqrt(1 - (s + (s - 1 / s) / nhm) ** 2))
    z = np.where(y > transf_pft(1.0, nhm), 1.0, z)
    z = np.where(y < transf_pft(0.0, nhm), 0.0, z)
    return z, IPFT_HM_WARNING
