"""Pure functions that test whether printed numbers agree with each other *beyond rounding*.

A printed number ``29.4`` stands for anything in [29.35, 29.45]; every check
here widens each printed value by half a unit of its last printed digit and
only reports a disagreement that no choice of unrounded values can explain.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from itertools import product
from statistics import NormalDist

_NORMAL = NormalDist()


def half_unit(value: float) -> float:
    """Half a unit of the last printed digit of ``value``.

    YAML gives ``54`` as an int and ``54.0`` as a float, so the number of printed
    decimals survives loading (only a second trailing zero, as in ``4.00``, is
    lost, which makes the checks more lenient, never stricter).

    >>> half_unit(29.4)
    0.05
    >>> half_unit(54)
    0.5
    >>> half_unit(4.0)
    0.05
    >>> half_unit(0.035)
    0.0005
    """
    if isinstance(value, int):
        return 0.5
    text = repr(float(value))
    if "e" in text or "E" in text:
        mantissa, exponent = text.lower().split("e")
        decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
        return 0.5 * 10 ** (int(exponent) - decimals)
    decimals = len(text.split(".")[1]) if "." in text else 0
    return round(0.5 * 10.0**-decimals, decimals + 2)


def z_for_level(level_percent: float) -> float:
    """Two-sided normal quantile for a confidence level in percent (95 -> 1.959964)."""
    return _NORMAL.inv_cdf(1 - (1 - level_percent / 100) / 2)


def two_sided_p(z: float) -> float:
    """Two-sided p-value of a standard normal statistic: ``erfc(|z|/sqrt 2)``."""
    return math.erfc(abs(z) / math.sqrt(2))


def _interval(value: float) -> tuple[float, float]:
    h = half_unit(value)
    return (value - h, value + h)


# CI constructions for a survival or incidence proportion p with standard error se,
# on the proportion scale (0-1). Each returns (lower, upper) or None if undefined.
def _ci_linear(p: float, se: float, z: float) -> tuple[float, float] | None:
    return (p - z * se, p + z * se)


def _ci_log(p: float, se: float, z: float) -> tuple[float, float] | None:
    if p <= 0:
        return None
    s = se / p  # delta method: var(log p) = var(p) / p^2
    return (p * math.exp(-z * s), p * math.exp(z * s))


def _ci_log_log(p: float, se: float, z: float) -> tuple[float, float] | None:
    if not 0 < p < 1:
        return None
    s = se / (p * abs(math.log(p)))  # Kalbfleisch & Prentice log(-log S) transform
    return (p ** math.exp(z * s), p ** math.exp(-z * s))


def _ci_logit(p: float, se: float, z: float) -> tuple[float, float] | None:
    if not 0 < p < 1:
        return None
    s = se / (p * (1 - p))
    lo, hi = math.log(p / (1 - p)) - z * s, math.log(p / (1 - p)) + z * s
    return (1 / (1 + math.exp(-lo)), 1 / (1 + math.exp(-hi)))


def _ci_arcsine(p: float, se: float, z: float) -> tuple[float, float] | None:
    if not 0 < p < 1:
        return None
    s = se / (2 * math.sqrt(p * (1 - p)))
    a = math.asin(math.sqrt(p))
    lo, hi = max(0.0, a - z * s), min(math.pi / 2, a + z * s)
    return (math.sin(lo) ** 2, math.sin(hi) ** 2)


CI_CONSTRUCTIONS: dict[str, Callable[[float, float, float], tuple[float, float] | None]] = {
    "linear": _ci_linear,
    "log": _ci_log,
    "log_log": _ci_log_log,
    "logit": _ci_logit,
    "arcsine": _ci_arcsine,
}


def _safely(
    build: Callable[[float, float, float], tuple[float, float] | None], p: float, se: float, z: float
) -> tuple[float, float] | None:
    """A CI construction, or None where it is undefined or overflows (absurd SEs)."""
    try:
        return build(p, se, z)
    except (OverflowError, ValueError, ZeroDivisionError):
        return None


def se_matches_ci(
    estimate: float,
    se: float,
    lower: float,
    upper: float,
    level: float,
    scale_factor: float,
    scales: Iterable[str] = tuple(CI_CONSTRUCTIONS),
) -> tuple[bool, dict[str, tuple[float, float]]]:
    """Whether a proportion's SE and CI agree under at least one of ``scales``.

    All four printed numbers are in the same unit; ``scale_factor`` converts
    them to a proportion (100 for percent, 1 for proportion). Returns the
    verdict and, per scale, the CI the printed SE implies (in printed units).
    """
    z = z_for_level(level)
    lo_int, up_int = _interval(lower), _interval(upper)
    implied: dict[str, tuple[float, float]] = {}
    for scale in scales:
        build = CI_CONSTRUCTIONS[scale]
        corners = []
        for est, s in product(_interval(estimate), _interval(se)):
            ci = _safely(build, est / scale_factor, s / scale_factor, z)
            if ci is not None:
                corners.append(ci)
        if not corners:
            continue
        lows = [c[0] * scale_factor for c in corners]
        highs = [c[1] * scale_factor for c in corners]
        centre = _safely(build, estimate / scale_factor, se / scale_factor, z)
        if centre is not None:
            implied[scale] = (centre[0] * scale_factor, centre[1] * scale_factor)
        if min(lows) <= lo_int[1] and max(lows) >= lo_int[0] and min(highs) <= up_int[1] and max(highs) >= up_int[0]:
            return True, implied
    return False, implied


def ratio_p_range(estimate: float, lower: float, upper: float, level: float) -> tuple[float, float, float]:
    """The two-sided Wald p-value a ratio and its CI imply: (p, p_min, p_max) over rounding.

    SE of the log ratio from the CI, ``(ln U - ln L) / (2 z)``, and
    ``p = 2 (1 - Phi(|ln est| / SE))`` (Altman & Bland, BMJ 2011;343:d2304).
    """
    z = z_for_level(level)

    def p_of(est: float, lo: float, up: float) -> float | None:
        if min(est, lo, up) <= 0 or up <= lo:
            return None
        se = (math.log(up) - math.log(lo)) / (2 * z)
        return two_sided_p(math.log(est) / se)

    centre = p_of(estimate, lower, upper)
    values = [p for p in (p_of(*c) for c in product(_interval(estimate), _interval(lower), _interval(upper))) if p is not None]
    if centre is None or not values:
        return (math.nan, math.nan, math.nan)
    return (centre, min(values), max(values))


def printed_p_interval(p: float | str) -> tuple[float, float]:
    """The values a printed p-value admits: ``0.04`` -> [0.035, 0.045]; ``'<0.001'`` -> [0, 0.001]."""
    if isinstance(p, (int, float)):
        lo, hi = _interval(p)
        return (max(lo, 0.0), min(hi, 1.0))
    text = p.strip()
    if not any(ch.isdigit() for ch in text):  # 'n.s.': the threshold is not printed
        return (0.0, 1.0)
    for op in ("<=", ">=", "≤", "≥", "<", ">", "="):
        if text.startswith(op):
            value = float(text[len(op) :].strip())
            if op in ("<", "<=", "≤"):
                return (0.0, value)
            if op in (">", ">=", "≥"):
                return (value, 1.0)
            return printed_p_interval(_number(text[len(op) :].strip()))
    return printed_p_interval(_number(text))


def _number(text: str) -> float:
    """Parse text as int when it has no decimal point, so half_unit sees the printed digits."""
    return int(text) if text.isdigit() else float(text)
