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

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import PoolingError
from ..measures import CI_SCALES, LOG, Transform, codes, get_measure
from .distributions import norm_isf

PROPORTION_MEASURES: tuple[str, ...] = codes("proportion")
RATIO_MEASURES: tuple[str, ...] = codes("ratio")


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


def escalc_proportions(
    measure: str, xi: ArrayLike, ni: ArrayLike, *, add: float | None = None
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    r"""Transformed proportions ``yi`` and variances ``vi`` from events ``xi`` of ``ni``.

    Parameters
    ----------
    measure
        A proportion measure of :data:`secondhct.measures.MEASURES` (``PLO`` logit, ``PAS``
        arcsine square root, ``PFT`` Freeman-Tukey double arcsine, ``PR`` raw proportion,
        ``PLN`` log proportion, ...); its ``escalc`` rule gives yi and vi.
    xi, ni
        Events and totals (``0 <= xi <= ni``, ``ni > 0``).
    add
        Value added to events and non-events of studies with a zero cell; default the
        measure's ``add`` (metafor's defaults: 1/2 for PLO, PLN, PR; 0 for PAS, PFT).

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

    (Longer than 60 lines on purpose: most of it is the docstring with the formulas.)
    """
    m_ = get_measure(measure, PROPORTION_MEASURES)
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
        add = m_.add
    m = n - x
    corrected = ((x == 0) | (m == 0)) & (add != 0)
    x = np.where(corrected, x + add, x)
    m = np.where(corrected, m + add, m)
    assert m_.escalc is not None  # every proportion measure has its escalc rule
    with np.errstate(divide="ignore"):
        yi, vi = m_.escalc(x, m)
    return yi, vi, corrected


def proportion_effect_sizes(measure: str, xi: ArrayLike, ni: ArrayLike) -> tuple[EffectSize, ...]:
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


def scale_transform(scale: str) -> Transform:
    """The transformation a CI was built on: a code of :data:`~secondhct.measures.CI_SCALES`, or ``log`` (ratios)."""
    if scale == "log":
        return LOG
    if scale not in CI_SCALES:
        raise PoolingError(f"unknown scale {scale!r}; allowed: {', '.join(CI_SCALES)}, log")
    return CI_SCALES[scale]


def on_scale(scale: str, p: float) -> float:
    """``g(p)`` for the transformation of ``scale``."""
    return float(scale_transform(scale).forward(p))


def scale_slope(scale: str, p: float) -> float:
    """``g'(p)`` for the transformation of ``scale`` (delta method)."""
    return float(scale_transform(scale).derivative(p))


def proportion_from_se(p: float, se: float, measure: str, *, source: str = "SE") -> EffectSize:
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
    if measure not in CI_SCALES:
        raise PoolingError(f"measure {measure!r} is not available for a proportion with SE; allowed: {', '.join(CI_SCALES)}")
    if not (0 < p < 1):
        raise PoolingError(f"proportion {p:g} must be strictly between 0 and 1 to use its SE")
    if not se > 0:
        raise PoolingError(f"SE {se:g} must be positive")
    sei = se * scale_slope(measure, p)
    return EffectSize(on_scale(measure, p), float(sei**2), measure, f"{measure} of p = {p:g}; SE {se:g} ({source}) by the delta method")


def se_from_ci(lower: float, upper: float, scale: str, *, level: float = 0.95) -> float:
    r"""SE on ``scale`` recovered from a CI built on that scale: :math:`(g(U)-g(L))/(2z_{1-\alpha/2})`.

    ``scale`` is one of :data:`CI_SCALES` for proportions or ``log`` for ratios.
    """
    z = norm_isf((1 - level) / 2)
    g = scale_transform(scale).forward
    return float(g(upper) - g(lower)) / (2 * z)


def proportion_from_ci(
    p: float, lower: float, upper: float, measure: str, *, ci_scale: str = "PR", level: float = 0.95
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
    scale_transform(ci_scale)
    if not (0 < lower <= p <= upper < 1) and not (ci_scale == "PR" and 0 <= lower <= p <= upper <= 1):
        raise PoolingError(f"CI [{lower:g}, {upper:g}] must contain p = {p:g} inside (0, 1)")
    se_s = se_from_ci(lower, upper, ci_scale, level=level)
    if ci_scale == measure:
        return EffectSize(on_scale(measure, p), se_s**2, measure, f"{measure} of p = {p:g}; SE from the {level:.0%} CI on the same scale")
    se_p = se_s / scale_slope(ci_scale, p)
    es = proportion_from_se(p, se_p, measure, source=f"from the {level:.0%} CI on the {ci_scale} scale")
    return es


def proportion_from_n(p: float, ni: float, measure: str) -> EffectSize:
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


def ratio_from_ci(est: float, lower: float, upper: float, measure: str, *, level: float = 0.95) -> EffectSize:
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
    get_measure(measure, RATIO_MEASURES)
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


def ratio_from_p(est: float, p: float | str, measure: str) -> EffectSize:
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
    get_measure(measure, RATIO_MEASURES)
    pv, bound = parse_p_value(p) if isinstance(p, str) else (float(p), False)
    if not (0 < pv < 1):
        raise PoolingError(f"p-value {pv:g} must lie strictly between 0 and 1")
    if not est > 0:
        raise PoolingError(f"{measure} {est:g} must be positive")
    if est == 1:
        raise PoolingError(f"{measure} = 1: the SE cannot be recovered from a p-value")
    z = norm_isf(pv / 2)
    sei = abs(np.log(est)) / z
    how = f"ln {measure} {est:g}; SE from two-sided p = {pv:g}"
    if bound:
        how += f" (reported as p < {pv:g}: the bound gives the largest, conservative SE)"
    return EffectSize(float(np.log(est)), float(sei**2), measure, how, approximate=bound)


def contrast_of_proportions(group: EffectSize, reference: EffectSize, measure: str) -> EffectSize:
    r"""The within-report ratio of two independent proportions from their effect sizes.

    Notes
    -----
    With both proportions on the logit scale (PLO) the difference is the log odds ratio, and
    on the log scale (PLN) the log risk ratio; the two groups are independent, so

    .. math:: y = y_1 - y_2, \qquad v = v_1 + v_2 .

    From counts this is metafor's ``escalc(measure = "OR", ai, n1i, ci, n2i)`` without a
    continuity correction: :math:`v = 1/a + 1/b + 1/c + 1/d` is the sum of the two PLO
    variances :math:`1/x + 1/(n - x)`; from an SE or a CI each variance is the delta-method
    one of :func:`proportion_from_se` / :func:`proportion_from_ci`.

    References
    ----------
    Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package.
    *J Stat Softw* 36(3):1-48 (``escalc``). Woolf B (1955). *Ann Hum Genet* 19:251-253.
    """
    scale = {"OR": "PLO", "RR": "PLN"}.get(measure)
    if scale is None or group.measure != scale or reference.measure != scale:
        raise PoolingError(f"a {measure} of two proportions needs both on the {scale or 'PLO/PLN'} scale")
    how = f"{measure} = difference of {scale} ({group.derivation} | {reference.derivation}), variance the sum"
    return EffectSize(group.yi - reference.yi, group.vi + reference.vi, measure, how, group.approximate or reference.approximate)
