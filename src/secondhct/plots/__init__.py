"""Publication-quality forest and funnel plots (matplotlib, deterministic output).

Drawing functions return a :class:`matplotlib.figure.Figure` and never save;
:func:`save_figure` / :func:`figure_bytes` write SVG (default), PNG or PDF with
byte-identical output for identical input.  matplotlib is imported here, so import
this package only where a plot is drawn (not at CLI start-up).
"""

from __future__ import annotations

from .data import ForestData, ForestRow, SubgroupTestResult, rows_with_weights
from .forest import forest_plot
from .save import FORMATS, figure_bytes, save_figure
from .scale import DisplayScale, PlotInputError, display_scale
from .style import ForestStyle, FunnelStyle

__all__ = [
    "FORMATS",
    "DisplayScale",
    "ForestData",
    "ForestRow",
    "ForestStyle",
    "FunnelStyle",
    "PlotInputError",
    "SubgroupTestResult",
    "display_scale",
    "figure_bytes",
    "forest_plot",
    "rows_with_weights",
    "save_figure",
]
