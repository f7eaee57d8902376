"""The GOSH plot draws one dot per subset of 2+ studies, deterministically."""

from __future__ import annotations

import numpy as np

from secondhct.plots.gosh import gosh_figure
from secondhct.plots.save import figure_bytes
from secondhct.stats.batch import gosh

Y = np.array([-1.2, -0.9, -0.8, -0.95, -0.4, -1.0])
V = np.array([0.04, 0.02, 0.05, 0.03, 0.06, 0.02])


def test_one_dot_per_subset_of_two_or_more_and_same_bytes_twice() -> None:
    result = gosh(Y, V)
    fig = gosh_figure(result, highlight=4, label="study 5")
    ax = fig.axes[0]
    assert sum(len(c.get_offsets()) for c in ax.collections[:2]) == 2**6 - 1 - 6 == 57
    assert len(ax.collections[2].get_offsets()) == 1  # the fit of all six, a diamond
    assert ax.get_title() == "GOSH: 57 subsets of 6 studies" and ax.get_ylabel() == "I² (%)"
    assert figure_bytes(fig, "svg") == figure_bytes(gosh_figure(result, highlight=4, label="study 5"), "svg")
