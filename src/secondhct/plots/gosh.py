"""The GOSH plot: pooled estimate against I² for the model fitted to every subset of the studies
(Olkin, Dahabreh & Trikalinos 2012; metafor's ``plot.gosh.rma`` without the histograms).

Each dot is one subset of 2 or more studies (:func:`secondhct.stats.batch.gosh`); clusters that
separate point to studies that drive heterogeneity. The fit of all studies is a black diamond.
Subsets containing ``highlight`` (a study index) are drawn in a second colour. ``transform``
maps the estimates to the axis (e.g. back to the natural scale, as percent); ``log_x`` for
ratios. Deterministic: the same inputs give the same bytes (:mod:`.save`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from numpy.typing import NDArray

from ..stats.batch import Gosh
from .style import BLACK, BLUE, FONT_FAMILY, VERMILLION, rc_context


def gosh_figure(
    result: Gosh, *, xlabel: str = "pooled estimate", highlight: int | None = None, label: str = "",
    transform: Callable[[NDArray[np.float64]], NDArray[np.float64]] | None = None, log_x: bool = False, title: str | None = None,
) -> Figure:
    """A scatter of the subsets' pooled estimate (x) against their I² (y), subsets of 2+ studies."""
    keep = result.fit.k >= 2
    x, y = result.fit.estimate[keep], result.fit.i2[keep]
    full = result.fit.k == result.members.shape[1]
    fx, fy = result.fit.estimate[full], result.fit.i2[full]
    if transform is not None:
        x, fx = np.asarray(transform(x), dtype=float), np.asarray(transform(fx), dtype=float)
    with rc_context():
        fig = Figure(figsize=(5.5, 4.2))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        alpha = float(np.clip(40 / max(len(x), 1), 0.35, 0.8))
        if highlight is None:
            ax.scatter(x, y, s=12, color=BLUE, alpha=alpha, linewidths=0, label="a subset of 2 or more")
        else:
            inside = result.members[keep][:, highlight]
            ax.scatter(x[~inside], y[~inside], s=12, color=BLUE, alpha=alpha, linewidths=0, label=f"without {label}")
            ax.scatter(x[inside], y[inside], s=12, color=VERMILLION, alpha=alpha, linewidths=0, label=f"with {label}")
        if len(fx) and result.members.shape[1] >= 2:
            ax.scatter(fx, fy, s=40, marker="D", color=BLACK, linewidths=0, label=f"all {result.members.shape[1]}", zorder=3)
        ax.legend(frameon=False, fontsize=8, markerscale=1.2, loc="best")
        if log_x:
            ax.set_xscale("log")
        ax.set_xlabel(xlabel, family=FONT_FAMILY)
        ax.set_ylabel("I² (%)", family=FONT_FAMILY)
        ax.set_ylim(-2, 102)
        heading = title or f"GOSH: {int(keep.sum())} subsets of {result.members.shape[1]} studies"
        ax.set_title(heading, fontsize=10, family=FONT_FAMILY)
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
    return fig
