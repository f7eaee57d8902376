"""Tail probabilities and quantiles of the normal, t, chi-squared and F distributions, and
Brent's root finder, on :mod:`scipy.special` alone.

``scipy.stats`` and ``scipy.optimize`` take about a second to import on a busy 2-core machine
(most of it parsing docstrings); the few functions the statistics need are thin wrappers over
the same Cephes routines scipy.stats calls itself (``ndtr``, ``stdtr``, ``chdtrc``, ``fdtrc``
and their inverses), so the values are scipy's own, bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from scipy import special

__all__ = ["brentq", "chi2_isf", "chi2_ppf", "chi2_sf", "f_sf", "norm_isf", "norm_sf", "t_isf", "t_sf"]


def norm_sf(x: float) -> float:
    """P(Z > x), Z ~ N(0, 1) (``scipy.stats.norm.sf``)."""
    return float(special.ndtr(-x))


def norm_isf(q: float) -> float:
    """z with P(Z > z) = q (``scipy.stats.norm.isf``)."""
    return float(-special.ndtri(q))


def t_sf(x: float, df: float) -> float:
    """P(T > x), T ~ t(df) (``scipy.stats.t.sf``)."""
    return float(special.stdtr(df, -x))


def t_isf(q: float, df: float) -> float:
    """t with P(T > t) = q (``scipy.stats.t.isf``)."""
    return float(-special.stdtrit(df, q))


def chi2_sf(x: float, df: float) -> float:
    """P(X > x), X ~ chi^2(df) (``scipy.stats.chi2.sf``)."""
    return float(special.chdtrc(df, x))


def chi2_isf(q: float, df: float) -> float:
    """x with P(X > x) = q (``scipy.stats.chi2.isf``)."""
    return float(special.chdtri(df, q))


def chi2_ppf(p: float, df: float) -> float:
    """x with P(X <= x) = p (``scipy.stats.chi2.ppf``: twice the inverse regularised gamma)."""
    return float(2 * special.gammaincinv(df / 2, p))


def f_sf(x: float, dfn: float, dfd: float) -> float:
    """P(F > x), F ~ F(dfn, dfd) (``scipy.stats.f.sf``)."""
    return float(special.fdtrc(dfn, dfd, x))


_RTOL = 4 * 2.220446049250313e-16  # scipy.optimize.brentq's default rtol


def brentq(f: Callable[[float], float], xa: float, xb: float, *, xtol: float = 2e-12, maxiter: int = 100) -> float:
    """A root of ``f`` in [xa, xb] by Brent's (1973) method, step for step as ``scipy.optimize.brentq``
    (its C routine ``brentq.c``: inverse quadratic / secant steps, bisection when they are not
    short enough; stop when half the bracket is below (xtol + rtol |x|) / 2).

    Raises ValueError when f(xa) and f(xb) have the same sign and RuntimeError when
    ``maxiter`` iterations do not converge, as scipy does.

    Brent, R. P. (1973). *Algorithms for Minimization without Derivatives*, ch. 4. Prentice-Hall.
    """
    xpre, xcur = float(xa), float(xb)
    fpre, fcur = float(f(xpre)), float(f(xcur))
    if fpre == 0:
        return xpre
    if fcur == 0:
        return xcur
    if math.copysign(1.0, fpre) == math.copysign(1.0, fcur):
        raise ValueError("f(a) and f(b) must have different signs")
    xblk = fblk = spre = scur = 0.0
    for _ in range(maxiter):
        if fpre != 0 and fcur != 0 and math.copysign(1.0, fpre) != math.copysign(1.0, fcur):
            xblk, fblk = xpre, fpre
            spre = scur = xcur - xpre
        if abs(fblk) < abs(fcur):
            xpre, xcur, xblk = xcur, xblk, xcur
            fpre, fcur, fblk = fcur, fblk, fcur
        delta = (xtol + _RTOL * abs(xcur)) / 2
        sbis = (xblk - xcur) / 2
        if fcur == 0 or abs(sbis) < delta:
            return xcur
        if abs(spre) > delta and abs(fcur) < abs(fpre):
            if xpre == xblk:  # interpolate
                stry = -fcur * (xcur - xpre) / (fcur - fpre)
            else:  # extrapolate (inverse quadratic)
                dpre = (fpre - fcur) / (xpre - xcur)
                dblk = (fblk - fcur) / (xblk - xcur)
                stry = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
            if 2 * abs(stry) < min(abs(spre), 3 * abs(sbis) - delta):  # a good short step
                spre, scur = scur, stry
            else:
                spre = scur = sbis
        else:
            spre = scur = sbis
        xpre, fpre = xcur, fcur
        xcur += scur if abs(scur) > delta else (delta if sbis > 0 else -delta)
        fcur = float(f(xcur))
    raise RuntimeError(f"brentq did not converge in {maxiter} iterations")
