"""The summary survival curve figure: the pooled curve with its interval and prediction bands
over the reported range, and every report's printed values, sized by the report's patients and
labelled (the reports' own points, joined per report).

:func:`curve_figure` draws a :class:`CurveFigureData` and returns the matplotlib Figure (it
saves nothing; see :mod:`secondhct.plots.save`). Values are percentages of the outcome (survival,
or the incidence of relapse or NRM). Deterministic: the same inputs give the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .style import BLACK, BLUE, FONT_FAMILY, GREY, SKY_BLUE, rc_context
from .text import TextMeasurer, wrap_to_width

_PALETTE = ("#E69F00", "#009E73", "#D55E00", "#CC79A7", "#0072B2", "#56B4E9", "#8C6D31", "#000000")


@dataclass(frozen=True)
class ReportPoints:
    """One report's printed values: its label, times (years), values (proportions) and patients."""

    label: str
    times: tuple[float, ...]
    values: tuple[float, ...]
    n: int | None


@dataclass(frozen=True)
class CurveFigureData:
    """What the figure shows: the curve on a grid of times (proportions; None: no curve), its bands,
    the reports, and the words (title, axis, footer lines)."""

    title: str
    ylabel: str
    reports: tuple[ReportPoints, ...]
    grid: tuple[float, ...] = ()
    value: tuple[float, ...] = ()
    lb: tuple[float, ...] = ()
    ub: tuple[float, ...] = ()
    pred_lb: tuple[float, ...] = ()
    pred_ub: tuple[float, ...] = ()
    interval_words: str = "95% CI"
    footer: tuple[str, ...] = field(default=())


def _size(n: int | None, largest: int) -> float:
    """Marker area in points², growing with the square root of the report's patients."""
    if not n or largest <= 0:
        return 18.0
    return 18.0 + 110.0 * math.sqrt(n / largest)


def curve_figure(data: CurveFigureData) -> Figure:
    """Draw the summary curve of ``data`` (see the module docstring)."""
    width = 8.2
    meas = TextMeasurer([FONT_FAMILY], 8)
    footer = [ln for text in data.footer for ln in wrap_to_width(text, (width - 0.3) * 72, meas, 7.5)]
    title = wrap_to_width(data.title, (width - 0.3) * 72, meas, 10, weight="bold")
    foot_h, title_h = 0.15 + 0.14 * len(footer), 0.15 + 0.18 * len(title)
    height = 4.2 + foot_h + title_h
    with rc_context():
        fig = Figure(figsize=(width, height))
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0.75 / width, (0.55 + foot_h) / height, (width - 3.7) / width, (height - 0.75 - foot_h - title_h) / height))
        _draw_curve(ax, data)
        _draw_reports(ax, data.reports)
        ax.set_xlabel("Years after the second HCT", family=FONT_FAMILY, fontsize=9)
        ax.set_ylabel(data.ylabel, family=FONT_FAMILY, fontsize=9)
        ax.set_ylim(0, 100)
        ax.set_xlim(left=0)
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
        for j, ln in enumerate(title):
            fig.text(0.15 / width, 1 - (0.12 + 0.18 * (j + 0.5)) / height, ln, fontsize=10, fontweight="bold", va="center")
        for j, ln in enumerate(footer):
            fig.text(0.15 / width, (foot_h - 0.1 - 0.14 * (j + 0.5)) / height, ln, fontsize=7.5, va="center")
    return fig


def _draw_curve(ax: object, data: CurveFigureData) -> None:
    """The prediction band, the interval band and the curve (percent)."""
    if not data.grid:
        return
    pct = lambda xs: [100 * x for x in xs]  # noqa: E731
    if data.pred_lb:
        ax.fill_between(data.grid, pct(data.pred_lb), pct(data.pred_ub), color=SKY_BLUE, alpha=0.18, linewidth=0,  # type: ignore[attr-defined]
                        label="95% prediction interval", gid="curve-prediction-band")  # fmt: skip
    if data.lb:
        ax.fill_between(data.grid, pct(data.lb), pct(data.ub), color=BLUE, alpha=0.25, linewidth=0,  # type: ignore[attr-defined]
                        label=data.interval_words, gid="curve-interval-band")  # fmt: skip
    ax.plot(data.grid, pct(data.value), color=BLACK, linewidth=1.6, label="summary curve", gid="summary-curve")  # type: ignore[attr-defined]


def _draw_reports(ax: object, reports: Sequence[ReportPoints]) -> None:
    """Each report's values joined by a thin line, markers sized by its patients; a colour and a legend
    entry per report, or (more reports than colours) grey markers with the label at the last point."""
    largest = max((r.n or 0 for r in reports), default=0)
    coloured = len(reports) <= len(_PALETTE)
    for i, r in enumerate(reports):
        colour = _PALETTE[i] if coloured else GREY
        ys = [100 * v for v in r.values]
        if len(r.times) > 1:
            ax.plot(r.times, ys, color=colour, linewidth=0.7, alpha=0.8)  # type: ignore[attr-defined]
        label = f"{r.label} (n = {r.n})" if r.n else r.label
        ax.scatter(r.times, ys, s=_size(r.n, largest), color=colour, edgecolors="white", linewidths=0.5, zorder=3,  # type: ignore[attr-defined]
                   label=label if coloured else None, gid=f"report-{i + 1}")  # fmt: skip
        if not coloured:
            ax.annotate(r.label, (r.times[-1], ys[-1]), xytext=(4, 2), textcoords="offset points", fontsize=6.5,  # type: ignore[attr-defined]
                        color=BLACK, family=FONT_FAMILY)  # fmt: skip
