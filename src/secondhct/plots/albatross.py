"""Albatross plot (Harrison S, Jones HE, Martin RM, Lewis SJ, Higgins JPT. Res Synth Methods
2017;8:281-289): each report placed by its two-sided p-value, signed by the direction of its effect
(centre: p = 1; towards either edge: smaller p), against its number of patients (log scale), over
contours of constant standardised effect.

Contours: for a standardised mean difference d between two equal groups of n/2, z = d sqrt(n) / 2, so
p = 2 (1 - Phi(d sqrt(n) / 2)) (Harrison et al. 2017, Table 1, ratio of group sizes 1). A log odds
ratio of d pi / sqrt(3) corresponds to d (Chinn S, Stat Med 2000;19:3127-31); the contours are a guide
to size, not an estimate. A p printed as a bound ('<0.001') is drawn at the bound, open.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from scipy.stats import norm

from .style import BLUE, GREY, LIGHT_GREY, VERMILLION, rc_context

#: Standardised effects drawn as contours (small, small-to-medium, medium, large: Cohen 1988).
CONTOURS = (0.1, 0.25, 0.5, 1.0)
_P_FLOOR = 1e-6


@dataclass(frozen=True)
class AlbatrossPoint:
    """One report: its label, n, two-sided p (or the bound printed), +1/-1 direction, whether p is a bound."""

    label: str
    n: int
    p: float
    direction: int
    bound: bool = False


def signed_log_p(p: float, direction: int) -> float:
    """The x position: -log10(p) on the side of the direction (0 at p = 1)."""
    return direction * -math.log10(max(p, _P_FLOOR))


def contour_p(d: float, n: np.ndarray) -> np.ndarray:
    """Two-sided p of a standardised mean difference ``d`` between two equal groups totalling ``n``."""
    return 2 * norm.sf(d * np.sqrt(n) / 2)


def _contour_label_at(d: float, span: float, top: float, side: int) -> tuple[float, float, str]:
    """Where a contour's label goes, on ``side`` (the one with fewer reports): where it leaves the plot, or at the top."""
    x_edge = span * 0.97
    n_edge = (2 * float(norm.isf(10**-x_edge / 2)) / d) ** 2
    if n_edge <= top:
        return side * x_edge, n_edge, "right" if side > 0 else "left"
    x_top = float(-np.log10(max(contour_p(d, np.array([top]))[0], _P_FLOOR)))
    return side * x_top, top * 0.8, "left" if side > 0 else "right"


def _axes_scales(ax: Axes, span: float, top: float, left_words: str, right_words: str) -> None:
    ticks = list(range(-int(span), int(span) + 1))
    ax.set_xticks(ticks, [("1" if t == 0 else f"{10 ** -abs(t):g}") for t in ticks])
    ax.set_xlim(-span, span)
    ax.set_yscale("log")
    ax.set_ylim(5, top)
    n_ticks = [t for t in (5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000) if t <= top]
    ax.set_yticks(n_ticks, [str(t) for t in n_ticks])
    ax.minorticks_off()
    ax.set_xlabel(f"two-sided p-value   ← favours {left_words}  |  favours {right_words} →", fontsize=7.5)
    ax.set_ylabel("patients (log scale)", fontsize=7.5)


def albatross_figure(title: str, subtitle: str, points: Sequence[AlbatrossPoint], right_words: str, left_words: str) -> Figure:
    """The albatross plot of one factor: right of centre favours ``right_words``, left ``left_words``."""
    top = max(max((pt.n for pt in points), default=100) * 3, 200)
    span = max(4.0, max((abs(signed_log_p(pt.p, pt.direction)) for pt in points), default=0) + 0.7)
    with rc_context():
        fig = Figure(figsize=(6.6, 4.4))
        ax = fig.add_axes((0.1, 0.2, 0.8, 0.66))
        n = np.geomspace(5, top, 200)
        side = -1 if 2 * sum(pt.direction > 0 for pt in points) >= len(points) else 1
        for d in CONTOURS:
            x = -np.log10(np.maximum(contour_p(d, n), _P_FLOOR))
            for side in (1, -1):
                ax.plot(side * x, n, color=LIGHT_GREY, linewidth=0.8, zorder=1)
            lx, ly, align = _contour_label_at(d, span, top, side)
            ax.text(lx, ly, f"d = {d:g}", fontsize=6.5, color=GREY, ha=align, va="bottom")
        for pt in points:
            colour, x = (BLUE if pt.direction > 0 else VERMILLION), signed_log_p(pt.p, pt.direction)
            ax.scatter([x], [pt.n], s=28, zorder=3, facecolors="white" if pt.bound else colour, edgecolors=colour)
            ax.annotate(pt.label, (x, pt.n), textcoords="offset points", xytext=(4, 3), fontsize=6.5, annotation_clip=False)
        ax.axvline(0, color=GREY, linewidth=0.6)
        _axes_scales(ax, span, top, left_words, right_words)
        fig.text(0.02, 0.965, title, fontsize=9, fontweight="bold", va="top")
        fig.text(0.02, 0.915, subtitle, fontsize=7.5, va="top")
        fig.text(0.02, 0.05, "Contours: standardised mean difference d between two equal groups (a guide to size, not an\n"
                 "estimate). Open circle: p printed as a bound (drawn at the bound).", fontsize=6.5, color=GREY)  # fmt: skip
    return fig
