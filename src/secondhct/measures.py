"""The table of effect measures: one frozen record per measure, everything else derived.

Each :class:`Measure` says what family it belongs to (:mod:`secondhct.families`), the
transformation ``g`` from the natural scale to the analysis scale with its derivative
``g'`` (delta method) and inverse (back-transformation), the ``escalc`` rule for counts
(with metafor's zero-cell default), and the words used on axes, in headers and footers.
Literal types, CLI choices and help texts, protocol validation, plot scales, funnel
ticks, CSV layouts and back-transformations all read this table (``MEASURES``).

The transformations reproduce metafor 3.8 (``escalc``, ``transf.ilogit``,
``transf.iarcsin``, ``transf.ipft.hm``, ``exp``) and, for ``PRZ``, metafor 4.4 and later
(``escalc(measure="PRZ")``, ``transf.iprobit``).

numpy and scipy are imported inside the functions: reading the table imports neither.

References
----------
Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. *J Stat
Softw* 36(3):1-48.
Freeman MF, Tukey JW (1950). Transformations related to the angular and the square root.
*Ann Math Stat* 21:607-611.
Miller JJ (1978). The inverse of the Freeman-Tukey double arcsine transformation. *Am Stat*
32:138.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import PoolingError
from .families import FAMILIES, Family, MeasureFamily

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

    Array = NDArray[Any]
else:
    ArrayLike = Array = Any

Unary = Callable[["ArrayLike"], "Array"]

IPFT_HM_WARNING = (
    "Freeman-Tukey back-transformation with the harmonic mean of the sample sizes "
    "(Miller 1978; metafor transf.ipft.hm) is discouraged: it can be misleading when "
    "sample sizes differ (Schwarzer et al. 2019, Res Synth Methods 10:476-483)"
)


def _arr(x: ArrayLike) -> Array:
    import numpy as np

    return np.asarray(x, dtype=float)


# ---- transformations of a proportion p (or a ratio) ------------------------------------


@dataclass(frozen=True)
class Transform:
    """A monotone map ``g`` of the natural scale, its derivative and its inverse."""

    name: str
    forward: Unary
    derivative: Unary
    inverse: Unary


def _logit(p: ArrayLike) -> Array:
    import numpy as np

    p = _arr(p)
    return np.log(p / (1 - p))


def transf_ilogit(y: ArrayLike) -> Array:
    r"""Inverse logit :math:`1/(1+e^{-y})` (metafor ``transf.ilogit``)."""
    import numpy as np

    return 1 / (1 + np.exp(-_arr(y)))


def _arcsine(p: ArrayLike) -> Array:
    import numpy as np

    return np.arcsin(np.sqrt(_arr(p)))


def _darcsine(p: ArrayLike) -> Array:
    import numpy as np

    p = _arr(p)
    return 1 / (2 * np.sqrt(p * (1 - p)))


def transf_iarcsin(y: ArrayLike) -> Array:
    r"""Inverse arcsine square root :math:`\sin^2 y`, clipped to [0, 1] outside
    :math:`[0, \pi/2]` (metafor ``transf.iarcsin``)."""
    import numpy as np

    y = _arr(y)
    return np.where(y < 0, 0.0, np.where(y > np.arcsin(1.0), 1.0, np.sin(y) ** 2))


def _probit(p: ArrayLike) -> Array:
    from scipy.special import ndtri

    return ndtri(_arr(p))


def transf_iprobit(y: ArrayLike) -> Array:
    r"""Inverse probit :math:`\Phi(y)` (metafor ``transf.iprobit``)."""
    from scipy.special import ndtr

    return ndtr(_arr(y))


def _dprobit(p: ArrayLike) -> Array:
    r""":math:`d\Phi^{-1}(p)/dp = 1/\varphi(\Phi^{-1}(p)) = \sqrt{2\pi}\,e^{z^2/2}`."""
    import numpy as np

    z = _probit(p)
    return np.sqrt(2 * np.pi) * np.exp(z**2 / 2)


def _cloglog(p: ArrayLike) -> Array:
    import numpy as np

    return np.log(-np.log(1 - _arr(p)))


def _icloglog(y: ArrayLike) -> Array:
    import numpy as np

    return 1 - np.exp(-np.exp(_arr(y)))


def _dcloglog(p: ArrayLike) -> Array:
    import numpy as np

    p = _arr(p)
    return 1 / ((1 - p) * np.abs(np.log(1 - p)))


def _log(x: ArrayLike) -> Array:
    import numpy as np

    return np.log(_arr(x))


def _exp(y: ArrayLike) -> Array:
    import numpy as np

    return np.exp(_arr(y))


def _one(p: ArrayLike) -> Array:
    import numpy as np

    return np.ones_like(_arr(p))


IDENTITY = Transform("identity", _arr, _one, _arr)
LOGIT = Transform("logit", _logit, lambda p: 1 / (_arr(p) * (1 - _arr(p))), transf_ilogit)
ARCSINE = Transform("arcsine", _arcsine, _darcsine, transf_iarcsin)
LOG = Transform("log", _log, lambda p: 1 / _arr(p), _exp)
PROBIT = Transform("probit", _probit, _dprobit, transf_iprobit)
CLOGLOG = Transform("cloglog", _cloglog, _dcloglog, _icloglog)


def transf_pft(p: ArrayLike, ni: ArrayLike) -> Array:
    """Freeman-Tukey transformation of proportion ``p`` with total ``ni`` (metafor ``transf.pft``)."""
    import numpy as np

    n = _arr(ni)
    x = _arr(p) * n
    return 0.5 * (np.arcsin(np.sqrt(x / (n + 1))) + np.arcsin(np.sqrt((x + 1) / (n + 1))))


def _dpft(p: ArrayLike, ni: ArrayLike) -> Array:
    r"""Derivative of :func:`transf_pft` in ``p``: with :math:`a = n/(n+1)`,
    :math:`\tfrac{d}{dp}\arcsin\sqrt{ap+b} = a/(2\sqrt{(ap+b)(1-ap-b)})` for b = 0 and 1/(n+1)."""
    import numpy as np

    n = _arr(ni)
    a, b = n / (n + 1), 1 / (n + 1)
    u, w = a * _arr(p), a * _arr(p) + b
    return 0.5 * (a / (2 * np.sqrt(u * (1 - u))) + a / (2 * np.sqrt(w * (1 - w))))


def transf_ipft_hm(y: ArrayLike, ni: ArrayLike) -> Array:
    r"""Inverse Freeman-Tukey with the harmonic mean of the ``ni`` (metafor ``transf.ipft.hm``).

    Notes
    -----
    With :math:`\bar n` the harmonic mean of the sample sizes (Miller 1978):

    .. math:: p = \tfrac12\left[1 - \mathrm{sgn}(\cos 2y)\sqrt{1 - \left(\sin 2y + \frac{\sin 2y - 1/\sin 2y}{\bar n}\right)^2}\right]

    set to 0 below ``transf_pft(0, n)`` and to 1 above ``transf_pft(1, n)``.  The caveat
    :data:`IPFT_HM_WARNING` belongs with every result back-transformed this way.

    References
    ----------
    Schwarzer G, Chemaitelly H, Abu-Raddad LJ, Rücker G (2019). Seriously misleading
    results using inverse of Freeman-Tukey double arcsine transformation in meta-analysis
    of single proportions. *Res Synth Methods* 10:476-483.
    """
    import numpy as np

    y = _arr(y)
    nhm = 1 / np.mean(1 / _arr(ni))
    s = np.sin(2 * y)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = 0.5 * (1 - np.sign(np.cos(2 * y)) * np.sqrt(1 - (s + (s - 1 / s) / nhm) ** 2))
    z = np.where(y > transf_pft(1.0, nhm), 1.0, z)
    return np.where(y < transf_pft(0.0, nhm), 0.0, z)


# ---- escalc rules: (corrected events x, corrected non-events m) -> (yi, vi) --------------

Escalc = Callable[["Array", "Array"], "tuple[Array, Array]"]


def _escalc_plo(x: Array, m: Array) -> tuple[Array, Array]:
    import numpy as np

    p = x / (x + m)
    return np.log(p / (1 - p)), 1 / x + 1 / m


def _escalc_pas(x: Array, m: Array) -> tuple[Array, Array]:
    return _arcsine(x / (x + m)), 1 / (4 * (x + m))


def _escalc_pft(x: Array, m: Array) -> tuple[Array, Array]:
    import numpy as np

    n = x + m
    return 0.5 * (np.arcsin(np.sqrt(x / (n + 1))) + np.arcsin(np.sqrt((x + 1) / (n + 1)))), 1 / (4 * n + 2)


def _escalc_pr(x: Array, m: Array) -> tuple[Array, Array]:
    p = x / (x + m)
    return p, p * (1 - p) / (x + m)


def _escalc_pln(x: Array, m: Array) -> tuple[Array, Array]:
    import numpy as np

    return np.log(x / (x + m)), 1 / x - 1 / (x + m)


def _escalc_prz(x: Array, m: Array) -> tuple[Array, Array]:
    import numpy as np

    p = x / (x + m)
    y = _probit(p)
    return y, 2 * np.pi * p * (1 - p) * np.exp(y**2) / (x + m)


# ---- the table ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """One effect measure.

    ``transform`` maps the natural scale to the analysis scale (``None`` for PFT, whose
    transformation needs each study's n: see :meth:`forward`); ``escalc`` computes yi/vi
    from corrected counts (proportions only) and ``add`` is metafor's default value added
    to the cells of a study with 0 events or 0 non-events (``to = "only0"``).
    """

    code: str
    family: Family
    title: str
    scale_words: str
    natural_words: str
    transform: Transform | None
    escalc: Escalc | None = None
    add: float = 0.0
    header: str | None = None

    @property
    def needs_n(self) -> bool:
        """The transformation and its inverse need the studies' sample sizes (PFT)."""
        return self.transform is None

    @property
    def transformed(self) -> bool:
        """Pooled on a scale other than the natural one (results get back-transformed values)."""
        return self.transform is not IDENTITY

    @property
    def family_info(self) -> MeasureFamily:
        """The measure's :class:`MeasureFamily`."""
        return FAMILIES[self.family]

    @property
    def null(self) -> float | None:
        """The natural-scale value of no effect (1 for ratios), where a reference line goes."""
        return self.family_info.null

    @property
    def layouts(self) -> tuple[str, ...]:
        """The CSV layouts (:mod:`secondhct.inputs.csvtable`) that can give this measure."""
        if self.family_info.is_ratio:
            return ("yi", "ratio_ci", "ratio_p")
        if not self.family_info.absolute:
            return ("yi",)
        return ("counts",) if self.needs_n else ("counts", "yi", "prop_se", "prop_ci")

    def forward(self, p: ArrayLike, ni: ArrayLike | None = None) -> Array:
        """``g(p)``: natural scale to analysis scale."""
        if self.transform is None:
            return transf_pft(p, _need_n(self, ni))
        return self.transform.forward(p)

    def derivative(self, p: ArrayLike, ni: ArrayLike | None = None) -> Array:
        """``g'(p)`` (delta method: ``SE(g(p)) = g'(p) SE(p)``)."""
        if self.transform is None:
            return _dpft(p, _need_n(self, ni))
        return self.transform.derivative(p)

    def inverse(self, y: ArrayLike, ni: ArrayLike | None = None) -> Array:
        """Back-transformation to the natural scale (PFT: harmonic mean of ``ni``)."""
        if self.transform is None:
            return transf_ipft_hm(y, _need_n(self, ni))
        return self.transform.inverse(y)

    def study_interval(self, yi: float, vi: float, n: int | None = None, level: float = 0.95) -> tuple[float, float, float]:
        """A study's estimate and Wald CI on the natural scale (for tables and plots), with the
        same normal quantile as the models' z intervals.

        For PFT the inverse needs the study's n (``transf.ipft``); without it NaNs are returned.
        """
        from scipy.special import ndtri

        z = float(-ndtri((1 - level) / 2))
        se = math.sqrt(vi)
        values = [yi, yi - z * se, yi + z * se]
        if self.needs_n:
            if not n:
                return (float("nan"), float("nan"), float("nan"))
            nat, _ = self.natural(values, [float(n)] * 3)
        else:
            nat, _ = self.natural(values)
        return nat[0], nat[1], nat[2]

    def natural(self, y: ArrayLike, ni: ArrayLike | None = None) -> tuple[list[float], str | None]:
        """Analysis-scale values on the natural scale, and a caveat to record with them (or None)."""
        values = [float(v) for v in self.inverse(y, ni)]
        return values, IPFT_HM_WARNING if self.needs_n else None


def _need_n(measure: Measure, ni: ArrayLike | None) -> ArrayLike:
    if ni is None:
        raise PoolingError(f"the {measure.code} back-transformation needs the sample sizes")
    return ni


_RATIO = {"HR": "Hazard ratio", "RR": "Risk ratio", "OR": "Odds ratio"}

MEASURES: dict[str, Measure] = {
    m.code: m
    for m in (
        Measure("PLO", "proportion", "logit-transformed proportion", "logit", "Proportion", LOGIT, _escalc_plo, 0.5),
        Measure("PAS", "proportion", "arcsine square root transformed proportion", "arcsine", "Proportion", ARCSINE, _escalc_pas),
        Measure("PFT", "proportion", "Freeman-Tukey double arcsine transformed proportion", "Freeman-Tukey double arcsine",
                "Proportion", None, _escalc_pft),  # fmt: skip
        Measure("PR", "proportion", "raw proportion", "untransformed proportions", "Proportion", IDENTITY, _escalc_pr, 0.5),
        Measure("PLN", "proportion", "log-transformed proportion", "log", "Proportion", LOG, _escalc_pln, 0.5),
        Measure("PRZ", "proportion", "probit-transformed proportion", "probit", "Proportion", PROBIT, _escalc_prz, 0.5),
        *(Measure(code, "ratio", f"log {w.lower()}", f"log {w.lower()}", w, LOG, header=code) for code, w in _RATIO.items()),
        Measure("GEN", "generic", "generic effect size", "as given", "Estimate", IDENTITY, header="Estimate"),
    )
}

#: Scales a reported CI of a proportion may have been built on: the proportion measures'
#: transformations, plus the complementary log-log (``PCLL``, Kalbfleisch & Prentice 2002).
CI_SCALES: dict[str, Transform] = {
    **{m.code: m.transform for m in MEASURES.values() if m.family_info.percent and m.transform is not None},
    "PCLL": CLOGLOG,
}


def codes(family: Family | None = None) -> tuple[str, ...]:
    """Measure codes in table order, optionally of one family."""
    return tuple(c for c, m in MEASURES.items() if family is None or m.family == family)


def get_measure(code: str, allowed: tuple[str, ...] | None = None) -> Measure:
    """The :class:`Measure` of ``code``; a :class:`PoolingError` naming the allowed codes otherwise."""
    ok = allowed if allowed is not None else codes()
    if code not in ok:
        raise PoolingError(f"unknown measure {code!r}; allowed: {', '.join(ok)}")
    return MEASURES[code]
