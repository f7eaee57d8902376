"""Effect-direction plot (Thomson HJ, Thomas S. Res Synth Methods 2013;4:95-101): one row per report,
an arrow for the direction of its effect, the marker's area by the report's number of patients, filled
when the report found the difference significant at its own level, open otherwise; rows grouped by
population and adjustment. It shows direction and consistency, never a size (SWiM: Campbell M et al.
BMJ 2020;368:l6890, item 6).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .style import BLACK, BLUE, GREY, VERMILLION, inch_canvas, rc_context

Arrow = Literal["up", "down", "none", "unknown", "other"]
ROW_H = 0.22
WIDTH = 7.4
_COLUMNS = ((0.1, "Report", "left"), (1.75, "Disease", "left"), (2.85, "Evidence (outcome)", "left"),
            (5.05, "n", "right"), (5.15, "Risk of bias", "left"))  # fmt: skip
_SYMBOL_X = 6.75


@dataclass(frozen=True)
class DirectionRow:
    """One report: its label, the group it is drawn in, what the row is, n, direction, significance."""

    label: str
    group: str
    disease: str
    evidence: str
    n: int | None
    risk_of_bias: str
    arrow: Arrow
    significant: bool | None


def marker_area(n: int | None, largest: int) -> float:
    """Marker area in points^2, proportional to n (square-root scaled to the largest report); 30 when n is unknown."""
    if n is None or largest <= 0:
        return 30.0
    return 25.0 + 175.0 * math.sqrt(n / largest)


def _marker(ax: Axes, y: float, row: DirectionRow, largest: int) -> None:
    colour = {"up": BLUE, "down": VERMILLION}.get(row.arrow, GREY)
    if row.arrow in ("unknown", "other"):
        ax.text(_SYMBOL_X, y, "?" if row.arrow == "unknown" else "×", ha="center", va="center", color=GREY, fontsize=9)
        return
    shape = {"up": "^", "down": "v", "none": "D"}[row.arrow]
    filled = row.significant is True
    ax.scatter([_SYMBOL_X], [y], s=marker_area(row.n, largest) if row.arrow != "none" else 30.0, marker=shape,
               facecolors=colour if filled else "white", edgecolors=colour, linewidths=1.0, zorder=3)  # fmt: skip


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _draw_rows(ax: Axes, rows: Sequence[DirectionRow], top: float) -> float:
    largest = max((r.n for r in rows if r.n is not None), default=0)
    y, group = top, None
    for r in rows:
        if r.group != group:
            group = r.group
            y += ROW_H * (0.7 if y > top else 0.5)
            ax.text(0.1, y, group, ha="left", va="center", fontweight="bold", fontsize=7.5)
            y += ROW_H
        values = (_clip(r.label, 26), _clip(r.disease, 16), _clip(r.evidence, 36), "–" if r.n is None else str(r.n), r.risk_of_bias)
        for (x, _, align), text in zip(_COLUMNS, values):
            ax.text(x, y, text, ha=align, va="center", fontsize=7.2)
        _marker(ax, y, r, largest)
        y += ROW_H
    return y


def _legend(ax: Axes, y: float, up_words: str, down_words: str) -> None:
    items = [("^", BLUE, f"favours {up_words}"), ("v", VERMILLION, f"favours {down_words}"), ("D", GREY, "no difference stated")]
    x = 0.1
    for shape, colour, words in items:
        ax.scatter([x + 0.08], [y], s=40, marker=shape, facecolors=colour, edgecolors=colour)
        ax.text(x + 0.22, y, words, ha="left", va="center", fontsize=7)
        x += 0.45 + 0.052 * len(words)
    ax.text(0.1, y + ROW_H * 1.2, "? direction not stated.  × another contrast (not counted).  Area: number of patients.",
            ha="left", va="center", fontsize=7, color=BLACK)
    ax.text(0.1, y + ROW_H * 2.1, "Filled: significant at the report's own level; open: not significant or not stated.",
            ha="left", va="center", fontsize=7, color=BLACK)


def effect_direction_figure(title: str, subtitle: str, rows: Sequence[DirectionRow], up_words: str, down_words: str) -> Figure:
    """The effect-direction plot of one factor (rows already in group order)."""
    groups = len({r.group for r in rows})
    height = 0.75 + ROW_H * (len(rows) + 1.7 * groups) + 0.95
    with rc_context():
        fig, ax = inch_canvas(WIDTH, height)
        ax.text(0.1, 0.16, title, ha="left", va="center", fontsize=9, fontweight="bold")
        ax.text(0.1, 0.34, subtitle, ha="left", va="center", fontsize=7.5)
        for x, head, align in _COLUMNS:
            ax.text(x, 0.56, head, ha=align, va="center", fontsize=7.5, color=GREY)
        ax.text(_SYMBOL_X, 0.56, "Direction", ha="center", va="center", fontsize=7.5, color=GREY)
        ax.plot([0.1, WIDTH - 0.1], [0.68, 0.68], color=GREY, linewidth=0.5)
        end = _draw_rows(ax, rows, 0.68) if rows else 0.9
        if not rows:
            ax.text(0.1, end, "No report gives evidence on this factor.", ha="left", va="center", fontsize=7.5)
        ax.plot([0.1, WIDTH - 0.1], [end + 0.02, end + 0.02], color=GREY, linewidth=0.5)
        _legend(ax, end + ROW_H * 1.4, up_words, down_words)
    return fig
