"""The risk-of-bias traffic-light plot, as robvis's ``rob_traffic_light()`` draws it.

Rows are reports, columns the tool's domains (D1, D2, ...) and an Overall column; each
cell a coloured circle with a symbol (+ low, − some concerns or moderate, × high or serious,
! critical, ? unclear or no information), so the
judgement reads in greyscale too. Below: what each domain is, and the legend.
(McGuinness LA, Higgins JPT. Risk-of-bias VISualization (robvis). Res Synth Methods
2021;12(1):55-61. doi:10.1002/jrsm.1411)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.figure import Figure
from matplotlib.patches import Circle

from ..extraction.riskofbias import JUDGEMENT_SYMBOLS, JUDGEMENT_WORDS, TOOLS
from .save import figure_bytes, svg_with_title
from .style import BLACK, FONT_FAMILY, GREEN, LIGHT_GREY, ORANGE, SKY_BLUE, VERMILLION, YELLOW, inch_canvas, rc_context
from .text import TextMeasurer, wrap_to_width

COLOURS = {"low": GREEN, "some_concerns": YELLOW, "high": VERMILLION, "unclear": SKY_BLUE, "not_applicable": "white",
           "moderate": YELLOW, "serious": ORANGE, "critical": VERMILLION, "no_information": SKY_BLUE}  # fmt: skip
FONT = 7.5
ROW = 0.30  # inches per report
COL = 0.34  # inches per domain column
LABEL_WIDTH = 2.3
LINE = 0.16


@dataclass(frozen=True)
class RobRow:
    """One report: its label and judgements by domain code (None: not assessed)."""

    label: str
    judgements: dict[str, str] | None
    overall: str | None


def rob_figure(tool_code: str, rows: Sequence[RobRow], title: str) -> Figure:
    """The traffic-light plot of ``rows`` under the tool ``tool_code``."""
    tool = TOOLS[tool_code]
    codes = list(tool.domains)
    n_cols = len(codes) + 1
    legend = [f"{tool.short[c].split(' ', 1)[0]}: {tool.short[c].split(' ', 1)[1]}" for c in codes]
    judgement_keys = list(tool.judgements)
    legend_rows = (len(legend) + 1) // 2
    width = LABEL_WIDTH + n_cols * COL + 0.3
    measurer = TextMeasurer([FONT_FAMILY], FONT)
    title_lines = wrap_to_width(title, (width - 0.2) * 72, measurer, FONT + 1, weight="bold")
    offset = (len(title_lines) - 1) * 0.17
    top = 0.55 + offset
    grid_bottom = top + len(rows) * ROW
    height = grid_bottom + 0.25 + (legend_rows + 1) * LINE + 0.25
    with rc_context():
        fig, ax = inch_canvas(width, height)
        ax.set_aspect("equal")
        for i, line in enumerate(title_lines):
            ax.text(0.1, 0.18 + i * 0.17, line, ha="left", va="center", fontsize=FONT + 1, fontweight="bold")
        ax.text(0.1, 0.38 + offset, tool.name, ha="left", va="center", fontsize=FONT, color="#444444")
        for j, code in enumerate([*codes, "overall"]):
            x = LABEL_WIDTH + (j + 0.5) * COL
            head = tool.short[code].split(" ", 1)[0] if code != "overall" else "Overall"
            ax.text(x, top - 0.05, head, ha="center", va="bottom", fontsize=FONT - 0.5, fontweight="bold" if code == "overall" else "normal")
        for i, row in enumerate(rows):
            y = top + (i + 0.5) * ROW
            ax.text(0.1, y, row.label, ha="left", va="center", fontsize=FONT)
            if row.judgements is None:
                ax.text(LABEL_WIDTH + 0.1, y, "not yet assessed", ha="left", va="center", fontsize=FONT, color="#666666", style="italic")
                continue
            for j, code in enumerate([*codes, "overall"]):
                judgement = row.overall if code == "overall" else row.judgements.get(code)
                if judgement is None:
                    continue
                x = LABEL_WIDTH + (j + 0.5) * COL
                edge = BLACK if judgement != "not_applicable" else LIGHT_GREY
                # add_artist, not add_patch: the limits are fixed (inch_canvas), so no data limits to update
                ax.add_artist(Circle((x, y), 0.115, facecolor=COLOURS[judgement], edgecolor=edge, linewidth=0.6))
                ax.text(x, y, JUDGEMENT_SYMBOLS[judgement], ha="center", va="center", fontsize=FONT + 1, fontweight="bold")
        y = grid_bottom + 0.25
        half = (width - 0.2) / 2
        for k, text in enumerate(legend):
            ax.text(0.1 + (k // legend_rows) * half, y + (k % legend_rows) * LINE, text, ha="left", va="center", fontsize=FONT - 1)
        y += legend_rows * LINE + 0.12
        x = 0.1
        for key in judgement_keys:
            ax.add_artist(Circle((x + 0.06, y), 0.06, facecolor=COLOURS[key], edgecolor=BLACK if key != "not_applicable" else LIGHT_GREY, linewidth=0.5))
            ax.text(x + 0.06, y, JUDGEMENT_SYMBOLS[key], ha="center", va="center", fontsize=FONT - 2)
            label = JUDGEMENT_WORDS[key]
            ax.text(x + 0.16, y, label, ha="left", va="center", fontsize=FONT - 1)
            x += 0.3 + measurer.width(label, size=FONT - 1) / 72
    return fig


def rob_svg(tool_code: str, rows: Sequence[RobRow], title: str) -> str:
    """The plot as SVG text with a ``<title>`` and a ``<desc>`` giving every judgement in words."""
    svg = figure_bytes(rob_figure(tool_code, rows, title), "svg").decode("utf-8")
    tool = TOOLS[tool_code]
    parts = []
    for row in rows:
        if row.judgements is None:
            parts.append(f"{row.label}: not yet assessed")
            continue
        cells = ", ".join(f"{tool.short[c]} {JUDGEMENT_WORDS.get(row.judgements.get(c, ''), 'not judged')}" for c in tool.domains)
        parts.append(f"{row.label}: {cells}; overall {JUDGEMENT_WORDS.get(row.overall or '', 'not judged')}")
    return svg_with_title(svg, title, tool.name + ". " + " | ".join(parts))
