"""The GOSH plot: pooled estimate against I² for the model fitted to every subset of the studies
(Olkin, Dahabreh & Trikalinos 2012; metafor's ``plot.gosh.rma`` without the histograms).

Each dot is one subset (:func:`secondhct.stats.batch.gosh`); clusters that separate point to
studies that drive heterogeneity. Subsets containing ``highlight`` (a study index) are drawn in
a second colour. Deterministic: the same inputs give the same bytes (:mod:`.save`).
"""

from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..stats.batch import Gosh
from .style import FONT_FAMILY, rc_context


def gosh_figure(result: Gosh, *, xlabel: str = "pooled estimate", highlight: int | None = None, label: str = "") -> Figure:
    """A scatter of the subsets' pooled estimate (x) against their I² (y), subsets of 2+ studies."""
    keep = result.fit.k >= 2
    x, y = result.fit.estimate[keep], result.fit.i2[keep]
    with rc_context():
        fig = Figure(figsize=(5.5, 4.2))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        alpha = float(np.clip(30 / max(len(x), 1), 0.08, 0.8))
        if highlight is None:
            ax.scatter(x, y, s=6, color="#1f4e79", alpha=alpha, linewidths=0)
        else:
            inside = result.members[keep][:, highlight]
            ax.scatter(x[~inside], y[~inside], s=6, color="#1f4e79", alpha=alpha, linewidths=0, label=f"without {label}")
            ax.scatter(x[inside], y[inside], s=6, color="#c0504d", alpha=alpha, linewidths=0, label=f"with {label}")
            ax.legend(frameon=False, fontsize=8, markerscale=2)
        ax.set_xlabel(xlabel, family=FONT_FAMILY)
        ax.set_ylabel("I² (%)", family=FONT_FAMILY)
        ax.set_ylim(-2, 102)
        ax.set_title(f"GOSH: {int(keep.sum())} subsets of {result.members.shape[1]} studies", fontsize=10, family=FONT_FAMILY)
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
    return fig
