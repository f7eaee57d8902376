"""Publication-quality forest and funnel plots (matplotlib, deterministic output).

Drawing functions return a :class:`matplotlib.figure.Figure` and never save;
:func:`save_figure` / :func:`figure_bytes` write SVG (default), PNG or PDF with
byte-identical output for identical input.  matplotlib is imported here, so import
this package only where a plot is drawn (not at CLI start-up).

Typical use (analysis-scale numbers in, natural-scale figure out)::

    from secondhct.plots import ForestData, ForestRow, forest_plot, rows_with_weights, save_figure
    from secondhct.stats.pooling import pool

    rows = [ForestRow("Kato 2012", yi=-0.15, vi=0.31, disease="AML", patients=13, reported="7/13"),
            ForestRow("Ruutu 2015", yi=-0.85, vi=0.12, disease="ALL", patients=40, reported="12/40",
                      derived_note="events read from the Kaplan-Meier curve")]
    res = pool([r.yi for r in rows], [r.vi for r in rows])        # REML + ad hoc Knapp-Hartung
    data = ForestData(rows_with_weights(rows, res.weights), res, "PLO", title="OS at 2 years")
    save_figure(forest_plot(data), "os.svg")                     # or .png (300 dpi) / .pdf

:func:`secondhct.plots.funnel.funnel_plot` draws the funnel plot (with Egger's test
from k = 10); ``secondhct forest --csv FILE`` does both from a CSV file.
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
