"""Contour-enhanced funnel plot with Egger's test.

:func:`funnel_plot` draws effect (x, analysis scale with natural-scale tick labels)
against standard error (y, inverted), shaded pseudo-confidence contours (90/95/99%),
the pooled estimate as a vertical line and, below the axes, Egger's test or the reason
it was not computed.  It returns the Figure and saves nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, MaxNLocator

from ..measures import MEASURES
from ..stats.distributions import norm_isf
from ..stats.models import ModelFit
from .data import ForestData, effect_arrays
from .egger import EGGER_MIN_K, EggerTest, egger_test
from .scale import RATIOS, SCALE_WORDS, PlotInputError
from .style import FONT_FAMILY, FunnelStyle, rc_context
from .text import TextMeasurer, fmt_num, fmt_p, wrap_to_width

CONTOUR_LEVELS = (0.90, 0.95, 0.99)


@dataclass(frozen=True)
class FunnelData:
    """Studies in a funnel plot (analysis scale) and the pooled result.

    ``centre`` of the contours: ``"null"`` (significance contours around 0, Peters et
    al. 2008; default for ratios) or ``"estimate"`` (pseudo-confidence region around
    the pooled estimate; default otherwise, as for proportions where 0 is no null).
    """

    yi: tuple[float, ...]
    vi: tuple[float, ...]
    pooled: ModelFit | None
    measure: str
    title: str = ""
    centre: str | None = None

    def __post_init__(self) -> None:
        if len(self.yi) != len(self.vi):
            raise PlotInputError(f"{len(self.yi)} effects but {len(self.vi)} variances")
        if not self.yi:
            raise PlotInputError("a funnel plot needs at least one study")
        if any(not (math.isfinite(v) and v > 0) for v in self.vi) or any(not math.isfinite(y) for y in self.yi):
            raise PlotInputError("a funnel plot needs finite effects and positive variances")
        if self.centre not in (None, "null", "estimate"):
            raise PlotInputError(f"centre must be 'null' or 'estimate', not {self.centre!r}")


def funnel_data_from_forest(data: ForestData) -> FunnelData:
    """The included studies of a forest plot as a :class:`FunnelData` (SE from vi or the CI)."""
    yi, vi = effect_arrays(data.included_rows, data.pooled.level if data.pooled else 0.95)
    return FunnelData(tuple(yi), tuple(vi), data.pooled, data.measure, data.title)


def egger_text(yi: Sequence[float], vi: Sequence[float]) -> tuple[str, EggerTest | None]:
    """The sentence shown under the funnel: Egger's result, or why it was not computed."""
    k = len(yi)
    if k < EGGER_MIN_K:
        return (f"Egger's test not computed: k = {k} < {EGGER_MIN_K} studies, too few to tell asymmetry "
                "from chance (Sterne et al., BMJ 2011;343:d4002).", None)  # fmt: skip
    if len(set(vi)) == 1:
        return "Egger's test not computed: all studies have the same standard error.", None
    e = egger_test(yi, vi)
    return (f"Egger's test (Egger et al., BMJ 1997;315:629): intercept {fmt_num(e.intercept)} "
            f"(SE {fmt_num(e.se)}), t = {fmt_num(e.t)}, df = {e.df}, {fmt_p(e.p)}.", e)  # fmt: skip


def _ticks(measure: str, lo: float, hi: float) -> tuple[list[float], list[str], str]:
    """Tick positions on the analysis scale, their natural-scale labels and the axis label."""
    m = MEASURES.get(measure)
    if m is not None and m.family_info.log_axis:
        cand = [2.0**k for k in range(-6, 7) if lo <= k * math.log(2) <= hi]
        if len(cand) > 7:
            cand = [v for v in (0.01, 0.1, 1, 10, 100) if lo <= math.log(v) <= hi]
        return [math.log(v) for v in cand], [f"{v:g}" if v >= 1 else f"{v:.4f}".rstrip("0") for v in cand], f"{m.natural_words} (log scale)"
    if m is not None and m.family_info.percent and not m.needs_n:

        def f(p: float) -> float:
            return float(m.forward(p))

        nat = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99]
        cand = [p for p in nat if lo <= f(p) <= hi]
        if len(cand) > 7:
            cand = [p for p in cand if p in (0.01, 0.05, 0.1, 0.2, 0.4, 0.5, 0.6, 0.8, 0.9, 0.95, 0.99)]
        if len(cand) > 7:
            cand = [p for p in cand if p in (0.01, 0.1, 0.5, 0.9, 0.99)]
        return [f(p) for p in cand], [f"{100 * p:g}" for p in cand], f"Proportion, % ({SCALE_WORDS[measure]} scale)"
    t = [float(v) for v in MaxNLocator(nbins=6).tick_values(lo, hi) if lo <= v <= hi]
    return t, [f"{v:g}".replace("-", "\u2212") for v in t], f"Effect ({SCALE_WORDS.get(measure, measure)})"


def funnel_plot(data: FunnelData, style: FunnelStyle | None = None) -> Figure:
    """Draw the contour-enhanced funnel plot of ``data`` and return the Figure."""
    st = style or FunnelStyle()
    with rc_context():
        return _draw(data, st)


def _draw(data: FunnelData, st: FunnelStyle) -> Figure:
    y = np.asarray(data.yi, dtype=float)
    se = np.sqrt(np.asarray(data.vi, dtype=float))
    centre_kind = data.centre or ("null" if data.measure in RATIOS else "estimate")
    est = data.pooled.estimate if data.pooled is not None else float(np.average(y, weights=1 / se**2))
    c = 0.0 if centre_kind == "null" else est
    se_max = float(se.max()) * 1.08
    z = [norm_isf((1 - lev) / 2) for lev in CONTOUR_LEVELS]
    half = z[-1] * se_max
    lo = min(c - half, float(y.min()), est) - 0.05 * half
    hi = max(c + half, float(y.max()), est) + 0.05 * half

    text, _ = egger_text(list(data.yi), list(data.vi))
    meas = TextMeasurer([FONT_FAMILY], st.font_size)
    lines = wrap_to_width(text, (st.width - 0.24) * 72, meas, st.font_size - 0.5)
    foot_h = 0.12 + len(lines) * (st.font_size + 2) / 72
    title_size = st.font_size + 1.5
    title_lines = wrap_to_width(data.title, (st.width - 0.24) * 72, meas, title_size, weight="bold") if data.title else []
    title_step = (title_size + 3) / 72
    title_h = 0.12 + title_step * len(title_lines) if title_lines else 0.0
    ax_top, ax_left, ax_bottom = 0.15 + title_h, 0.62, 0.5 + foot_h
    fig = Figure(figsize=(st.width, st.height + foot_h + max(0.0, title_h - 0.3)), dpi=100)
    FigureCanvasAgg(fig)
    W, H = st.width, st.height + foot_h + max(0.0, title_h - 0.3)
    ax = fig.add_axes((ax_left / W, ax_bottom / H, (W - ax_left - 0.2) / W, (H - ax_top - ax_bottom) / H))
    ax.set_xlim(lo, hi)
    ax.set_ylim(se_max, 0)
    ax.set_facecolor(st.contour_outer)
    ses = np.array([0.0, se_max])
    handles: list[Artist] = []
    fills = st.contour_fills[::-1]  # 99 first (darkest of the inner three), 90 last (white)
    names_null = ["0.01 < p ≤ 0.05", "0.05 < p ≤ 0.10", "p > 0.10"]
    for i, (zz, fill) in enumerate(zip(z[::-1], fills)):
        ax.fill_betweenx(ses, c - zz * ses, c + zz * ses, facecolor=fill, edgecolor="#7F7F7F", linewidth=0.4,
                         zorder=1, gid=f"contour-{int(round(100 * CONTOUR_LEVELS[::-1][i]))}")  # fmt: skip
        name = names_null[i] if centre_kind == "null" else f"{100 * CONTOUR_LEVELS[::-1][i]:g}% pseudo-CI"
        handles.append(Patch(facecolor=fill, edgecolor="#7F7F7F", linewidth=0.4, label=name))
    if centre_kind == "null":
        handles.insert(0, Patch(facecolor=st.contour_outer, edgecolor="#7F7F7F", linewidth=0.4, label="p ≤ 0.01"))
    if data.pooled is not None:
        ax.axvline(est, color=st.estimate_colour, lw=1.0, zorder=2, gid="pooled-estimate")
    if centre_kind == "null":
        ax.axvline(0.0, color="#000000", lw=0.6, linestyle=(0, (3, 2)), zorder=2, gid="null-line")
    ax.scatter(y, se, s=18, c=st.point_colour, edgecolors="white", linewidths=0.4, zorder=3, gid="funnel-points")
    ticks, labels, xlabel = _ticks(data.measure, lo, hi)
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.set_xticklabels(labels)
    ax.set_xlabel(xlabel, fontsize=st.font_size)
    ax.set_ylabel("Standard error", fontsize=st.font_size)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5))
    legend_title = "Contours (two-sided p vs null)" if centre_kind == "null" else "Around the pooled estimate"
    if data.pooled is not None:
        handles.append(Line2D([], [], color=st.estimate_colour, lw=1.0, label="Pooled estimate"))
    ax.legend(handles=handles, title=legend_title, fontsize=st.font_size - 1, title_fontsize=st.font_size - 1,
              loc="lower left" if float(np.median(y)) > c else "lower right", frameon=True, framealpha=1.0,
              edgecolor="#7F7F7F", fancybox=False)  # fmt: skip
    _footer_and_title(fig, lines, foot_h, title_lines, (W, H), st)
    return fig


def _footer_and_title(fig: Figure, lines: list[str], foot_h: float, title_lines: list[str], size: tuple[float, float],
                      st: FunnelStyle) -> None:  # fmt: skip
    """Egger's test under the plot and the title above it, each wrapped to the figure's width (never clipped)."""
    W, H = size
    title_size = st.font_size + 1.5
    title_step = (title_size + 3) / 72
    yb = foot_h - 0.05
    for ln in lines:
        yb -= (st.font_size + 2) / 72
        fig.text(0.12 / W, (yb + 0.04) / H, ln, fontsize=st.font_size - 0.5, ha="left", va="bottom", gid=None)
    for i, ln in enumerate(title_lines):
        fig.text(0.12 / W, 1 - (0.1 + title_step * (i + 0.5)) / H, ln, fontsize=title_size, fontweight="bold", ha="left", va="center")
