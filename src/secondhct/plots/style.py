"""Colours, fonts and sizes shared by the plots; the rcParams they need, applied locally.

The palette is Okabe & Ito's (2008) colour-blind-safe set; every element that carries
meaning also differs in shape or lightness, so the plots stay readable in greyscale
(study squares dark, pooled diamonds black, prediction bar mid-grey with a black edge,
excluded studies light grey with an open marker).

Nothing here mutates the global ``matplotlib.rcParams``: :data:`RC` is passed to
``matplotlib.rc_context`` around drawing and saving.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, cast

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure

#: Okabe-Ito colours (Okabe M, Ito K. Color Universal Design, 2008).
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
GREY = "#8C8C8C"
LIGHT_GREY = "#BDBDBD"

FONT_FAMILY = "DejaVu Sans"
#: A fixed salt so SVG element ids do not change between runs.
SVG_HASHSALT = "secondhct"

#: rcParams used while a figure is drawn and saved (never set globally).
RC: Any = {  # rcParams keys; typed Any because matplotlib stubs want a literal-keyed dict
    "font.family": "sans-serif",
    # DejaVu Sans measures the layout (it is always installed with matplotlib); SVG viewers
    # without it fall back to the next, narrower, families, so text never overflows
    "font.sans-serif": [FONT_FAMILY, "Arial", "Helvetica", "Liberation Sans"],
    "font.size": 8.0,
    "text.parse_math": False,
    # exact (unhinted) glyph outlines: at 300 dpi hinting adds nothing visible, costs ~15% of
    # the PNG render time, and hinting would make measured widths differ from the drawn text
    "text.hinting": "no_hinting",
    "axes.linewidth": 0.6,
    "xtick.major.width": 0.6,
    "xtick.major.size": 3.0,
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "lines.solid_capstyle": "butt",
    "svg.fonttype": "none",
    "svg.hashsalt": SVG_HASHSALT,
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "path.simplify": False,
    "savefig.dpi": 300,
}


def rc_context() -> AbstractContextManager[None]:
    """A ``matplotlib.rc_context`` with :data:`RC` (restores every rcParam on exit)."""
    return matplotlib.rc_context(cast(Any, RC))


def inch_canvas(width: float, height: float) -> tuple[Figure, Axes]:
    """A figure of ``width`` x ``height`` inches with one axes spanning it in inch
    coordinates, y growing downwards (as a page is read), no axis drawn."""
    fig = Figure(figsize=(width, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.set_axis_off()
    return fig, ax


@dataclass(frozen=True)
class ForestStyle:
    """Sizes (inches, points) and colours of a forest plot; override with ``dataclasses.replace``."""

    font_size: float = 8.0
    row_height: float = 0.19
    plot_width: float = 2.6
    column_gap: float = 0.16
    margin: float = 0.12
    label_wrap: int = 34
    note_wrap: int = 110
    square_colour: str = BLUE
    whisker_colour: str = BLACK
    diamond_colour: str = BLACK
    common_diamond_colour: str = "#FFFFFF"
    subtotal_colour: str = "#4D4D4D"
    prediction_colour: str = LIGHT_GREY
    excluded_colour: str = GREY
    reference_colour: str = VERMILLION
    max_square_fraction: float = 0.78
    line_width: float = 0.8


@dataclass(frozen=True)
class FunnelStyle:
    """Sizes and colours of a funnel plot."""

    width: float = 4.6
    height: float = 4.4
    font_size: float = 8.0
    point_colour: str = BLACK
    excluded_colour: str = GREY
    estimate_colour: str = BLUE
    #: fills inside the 90, 95 and 99% contours and outside them: white to darker grey,
    #: monotone in lightness so the regions read in greyscale (contour-enhanced funnel).
    contour_fills: tuple[str, str, str] = ("#FFFFFF", "#E3E3E3", "#C6C6C6")
    contour_outer: str = "#A8A8A8"
