"""The bubble plot of a meta-regression on one continuous moderator (metafor's ``regplot``).

Each report is a circle at its moderator value (x: the accrual midpoint, a calendar year) and
its estimate (y), with area proportional to its weight in the model; the fitted line and its
confidence band run across the observed range. ``transform`` maps the analysis scale to the
axis (e.g. logits back to percent: the line then curves); ``log_y`` for ratios. Returns the
Figure; saves nothing (:mod:`.save`). Deterministic: the same inputs give the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from numpy.typing import NDArray

from ..stats.metareg import SlopeFit
from .style import BLACK, BLUE, FONT_FAMILY, GREY, LIGHT_GREY, rc_context

Transform = Callable[[NDArray[np.float64]], NDArray[np.float64]]

#: Marker area (points^2) of a report that carries all the weight; the others scale down by weight.
MAX_AREA = 900.0


@dataclass(frozen=True)
class BubbleData:
    """The points (moderator ``x`` on the plot's axis, ``yi`` on the analysis scale, weights in
    percent, labels), the fit, and how x maps to the model's moderator (``x_to_moderator``)."""

    x: tuple[float, ...]
    yi: tuple[float, ...]
    weights: tuple[float, ...]
    labels: tuple[str, ...]
    fit: SlopeFit
    x_to_moderator: Callable[[NDArray[np.float64]], NDArray[np.float64]]
    xlabel: str
    ylabel: str
    title: str
    spans: tuple[tuple[float, float], ...] = ()
    """Each report's accrual period (start, end) on the x axis: a thin line through its bubble (the era is a period)."""
    note: str = ""
    """A line under the axis (the slope, its p-value, R^2)."""


def bubble_plot(data: BubbleData, *, transform: Transform | None = None, log_y: bool = False) -> Figure:
    """Draw the bubble plot of ``data`` and return the Figure."""
    tf: Transform = transform if transform is not None else (lambda v: np.asarray(v, dtype=float))
    x = np.asarray(data.x, dtype=float)
    w = np.asarray(data.weights, dtype=float)
    span = max(float(x.max() - x.min()), 1.0)
    grid = np.linspace(float(x.min()) - 0.05 * span, float(x.max()) + 0.05 * span, 200)
    line, lo, hi = data.fit.fitted(data.x_to_moderator(grid))
    with rc_context():
        fig = Figure(figsize=(6.4, 4.4))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        ax.fill_between(grid, tf(lo), tf(hi), color=LIGHT_GREY, alpha=0.45, linewidth=0, label=f"{100 * data.fit.level:g}% CI of the line")
        ax.plot(grid, tf(line), color=BLACK, linewidth=1.2, label="fitted line")
        y = tf(np.asarray(data.yi, dtype=float))
        for (start, end), yv in zip(data.spans, y):
            ax.plot([start, end], [yv, yv], color=GREY, linewidth=0.8, alpha=0.8, zorder=2, solid_capstyle="butt")
        area = MAX_AREA * w / 100
        ax.scatter(x, y, s=area, color=BLUE, alpha=0.55, edgecolors=BLACK, linewidths=0.6, zorder=3, label="report (area ∝ weight)")
        _label_points(ax, x, y, data.labels)
        if log_y:
            ax.set_yscale("log")
        ax.set_xlabel(data.xlabel, family=FONT_FAMILY)
        ax.set_ylabel(data.ylabel, family=FONT_FAMILY)
        ax.set_title(data.title, fontsize=10, family=FONT_FAMILY)
        ax.spines[["top", "right"]].set_visible(False)
        if data.spans:
            ax.plot([], [], color=GREY, linewidth=0.8, label="accrual period")
        ax.legend(frameon=False, fontsize=7.5, loc="best", markerscale=0.4)
        if data.note:
            fig.text(0.01, 0.01, data.note, fontsize=7.5, family=FONT_FAMILY, ha="left", va="bottom")
        fig.tight_layout(rect=(0, 0.04 if data.note else 0, 1, 1))
    return fig


def _label_points(ax: object, x: NDArray[np.float64], y: NDArray[np.float64], labels: Sequence[str]) -> None:
    """Each bubble's report in small grey type, above it or below it: away from its nearest neighbour
    (distances in axis fractions), so that the labels of two close bubbles part."""
    sx = max(float(np.ptp(x)), 1e-9)
    sy = max(float(np.ptp(y)), 1e-9)
    for i in range(len(x)):
        d = np.hypot((x - x[i]) / sx, (y - y[i]) / sy)
        d[i] = np.inf
        j = int(np.argmin(d)) if len(x) > 1 else i
        dy = 9 if y[i] >= y[j] else -14
        ax.annotate(labels[i], (x[i], y[i]), xytext=(7, dy), textcoords="offset points", fontsize=6.5,  # type: ignore[attr-defined]
                    color=GREY, family=FONT_FAMILY, zorder=4,
                    bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.75})  # fmt: skip
