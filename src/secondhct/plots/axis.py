"""The x axis of a forest plot: limits, ticks and the arrow-head markers for clipped CIs."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.markers import MarkerStyle
from matplotlib.path import Path
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

from .scale import DisplayScale

#: Arrow heads whose tip is at the marker origin (so the tip sits on the axis limit).
ARROW_LEFT = MarkerStyle(Path([(0.0, 0.0), (1.0, 0.5), (1.0, -0.5), (0.0, 0.0)], closed=True))
ARROW_RIGHT = MarkerStyle(Path([(0.0, 0.0), (-1.0, 0.5), (-1.0, -0.5), (0.0, 0.0)], closed=True))

#: Log-axis ticks: powers of two when the range allows, else 1-2-5 decades.
LOG2_TICKS = tuple(2.0**k for k in range(-6, 7))
DECADE_TICKS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
LOG_RANGE = (0.01, 100.0)


def _finite(values: Sequence[float]) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(v)]


def axis_limits(scale: DisplayScale, values: Sequence[float]) -> tuple[float, float]:
    """Default x limits covering ``values`` (display scale) on nice ticks.

    Percent: multiples of 10 within [0, 100] (at least 20 wide).  Log: the enclosing
    powers of two (or 1-2-5 decades beyond 1/16..16), always including 1 and never
    beyond 0.01..100 (CIs beyond are clipped with arrows).  Linear: a nice range.
    """
    v = _finite(values)
    if not v:
        return (0.0, 100.0) if scale.percent else (0.5, 2.0) if scale.log_axis else (-1.0, 1.0)
    lo, hi = min(v), max(v)
    if scale.percent:
        a = max(0.0, math.floor(lo / 10) * 10)
        b = min(100.0, math.ceil(hi / 10) * 10)
        if b - a < 20:
            a, b = (max(0.0, a - 10), min(100.0, b + 10))
        t = MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]).tick_values(a, b)
        return max(0.0, float(t[0])), min(100.0, float(t[-1]))  # end on a labelled tick
    if scale.log_axis:
        lo = max(min(lo, 1.0), LOG_RANGE[0])
        hi = min(max(hi, 1.0), LOG_RANGE[1])
        ticks = LOG2_TICKS if lo >= 1 / 64 and hi <= 64 else DECADE_TICKS
        a = max([t for t in ticks if t <= lo * (1 + 1e-9)], default=ticks[0])
        b = min([t for t in ticks if t >= hi * (1 - 1e-9)], default=ticks[-1])
        if a == b:
            a, b = a / 2, b * 2
        return float(a), float(b)
    loc = MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10])
    t = loc.tick_values(lo, hi)
    return float(t[0]), float(t[-1])


def log_ticks(lo: float, hi: float) -> list[float]:
    """Readable ticks between ``lo`` and ``hi`` on a log axis (0.25, 0.5, 1, 2, 4 ...);
    a narrow range (fewer than two such ticks) gets evenly spaced round values."""
    ticks = _log_ticks(lo, hi)
    if len(ticks) >= 2:
        return ticks
    linear = MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)
    return [float(t) for t in linear if lo * 0.999 <= t <= hi * 1.001 and t > 0]


def _log_ticks(lo: float, hi: float) -> list[float]:
    ratio = hi / lo
    if ratio <= 64 ** 2 and lo >= 1 / 64 * 0.999 and hi <= 64 * 1.001:
        ticks = [t for t in LOG2_TICKS if lo * 0.999 <= t <= hi * 1.001]
        if len(ticks) > 7:
            ticks = [t for t in ticks if round(math.log2(t)) % 2 == 0]
        return ticks
    ticks = [t for t in DECADE_TICKS if lo * 0.999 <= t <= hi * 1.001]
    if len(ticks) > 7:
        ticks = [t for t in ticks if str(t).lstrip("0.").startswith("1")]
    return ticks


def _fmt_tick(x: float, _pos: object = None) -> str:
    if x >= 1 or x == 0:
        return f"{x:g}"
    return f"{x:.4f}".rstrip("0")


def apply_axis(ax: Axes, scale: DisplayScale, xlim: tuple[float, float]) -> None:
    """Set scale, limits and ticks of ``ax`` for ``scale``."""
    lo, hi = xlim
    if scale.log_axis:
        ax.set_xscale("log")
        ax.set_xlim(lo, hi)
        ax.xaxis.set_major_locator(FixedLocator(log_ticks(lo, hi)))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_major_formatter(FuncFormatter(_fmt_tick))
    else:
        ax.set_xlim(lo, hi)
        ticks = MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)
        ax.xaxis.set_major_locator(FixedLocator([t for t in np.asarray(ticks) if lo - 1e-9 <= t <= hi + 1e-9]))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p=None: f"{x:g}".replace("-", "\u2212")))
