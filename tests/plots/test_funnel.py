"""Funnel plot and Egger's regression test."""

from __future__ import annotations

import math
import shutil
import subprocess

import numpy as np
import pytest

from secondhct.plots import PlotInputError, figure_bytes
from secondhct.plots import examples as ex
from secondhct.plots.egger import EGGER_MIN_K, egger_test
from secondhct.plots.funnel import FunnelData, funnel_data_from_forest, funnel_plot
from secondhct.stats.escalc import escalc_proportions
from secondhct.stats.pooling import pool

XI = [7, 12, 30, 5, 3, 18, 25, 13, 40, 9, 22, 4]
NI = [13, 40, 60, 20, 15, 30, 26, 50, 90, 31, 70, 25]

# metafor 3.8-1 (R 4.2.2), written by this script:
#   es <- escalc("PLO", xi=c(7,12,30,5,3,18,25,13,40,9,22,4), ni=c(13,40,60,20,15,30,26,50,90,31,70,25))
#   r <- regtest(rma(yi, vi, data=es), model="lm")
#   sprintf("%.17g", c(r$zval, r$pval, r$est, coef(summary(r$fit))["Xsei", 1:2]))
METAFOR = {"t": 0.070400761509791854, "p": 0.94526268104781119, "limit": -0.50799479656141877,
           "intercept": 0.10908674452492192, "se": 1.5495108601879162, "df": 10}  # fmt: skip


def test_egger_matches_metafor_regtest_lm() -> None:
    yi, vi, _ = escalc_proportions("PLO", XI, NI)
    e = egger_test(yi, vi)
    assert e.df == METAFOR["df"] and e.k == 12
    for name in ("t", "p", "limit", "intercept", "se"):
        assert getattr(e, name) == pytest.approx(METAFOR[name], rel=1e-9), name


def test_egger_equals_weighted_regression_of_yi_on_sei() -> None:
    """Independent formulation: WLS of yi on sei with weights 1/vi; the sei slope is Egger's intercept."""
    rng = np.random.default_rng(5)
    vi = rng.uniform(0.01, 0.5, 15)
    yi = rng.normal(0.3, 0.3, 15) + 0.8 * np.sqrt(vi)
    sei = np.sqrt(vi)
    X = np.column_stack([np.ones(15), sei])
    W = np.diag(1 / vi)
    b = np.linalg.solve(X.T @ W @ X, X.T @ W @ yi)
    res = yi - X @ b
    s2 = float(res @ W @ res) / 13
    se_b = np.sqrt(np.diag(s2 * np.linalg.inv(X.T @ W @ X)))
    e = egger_test(yi, vi)
    assert e.intercept == pytest.approx(b[1], rel=1e-10) and e.se == pytest.approx(se_b[1], rel=1e-10)
    assert e.limit == pytest.approx(b[0], rel=1e-10) and e.limit_se == pytest.approx(se_b[0], rel=1e-10)
    assert e.intercept > 0  # the built-in small-study effect is found


@pytest.mark.metafor
@pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript not installed")
def test_egger_against_live_metafor() -> None:
    rng = np.random.default_rng(11)
    vi = rng.uniform(0.02, 0.4, 13)
    yi = rng.normal(0.0, 0.4, 13)
    script = (
        "suppressMessages(library(metafor));"
        f"r <- regtest(rma(yi=c({','.join(repr(float(v)) for v in yi)}), vi=c({','.join(repr(float(v)) for v in vi)})), model='lm');"
        "cat(sprintf('%.17g', c(r$zval, r$pval, r$est)))"
    )
    out = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, check=True, timeout=120).stdout.split()
    e = egger_test(yi, vi)
    assert [e.t, e.p, e.limit] == pytest.approx([float(x) for x in out], rel=1e-9)


def test_egger_refuses_what_it_cannot_compute() -> None:
    with pytest.raises(PlotInputError, match="at least 3 studies"):
        egger_test([0.1, 0.2], [0.1, 0.1])
    with pytest.raises(PlotInputError, match="same SE"):
        egger_test([0.1, 0.2, 0.5], [0.1, 0.1, 0.1])


def _all_text(fig) -> str:  # type: ignore[no-untyped-def]
    return " ".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")) if t.get_text())


def test_funnel_below_10_studies_is_drawn_but_says_why_egger_is_missing() -> None:
    data = funnel_data_from_forest(ex.hazard_ratios())
    fig = funnel_plot(data)
    (pts,) = [a for a in fig.findobj() if a.get_gid() == "funnel-points"]
    assert len(pts.get_offsets()) == 6
    text = _all_text(fig)
    assert f"Egger's test not computed: k = 6 < {EGGER_MIN_K} studies" in text
    assert "intercept" not in text


def test_funnel_with_enough_studies_shows_egger_result() -> None:
    forest = ex.proportions(60)
    data = funnel_data_from_forest(forest)
    e = egger_test(data.yi, data.vi)
    text = _all_text(funnel_plot(data))
    assert f"t = {e.t:.2f}".replace("-", "\u2212") in text and f"df = {e.df}" in text
    assert "Egger et al., BMJ 1997;315:629" in text


def test_funnel_axes_contours_and_estimate_line() -> None:
    forest = ex.hazard_ratios()
    fig = funnel_plot(funnel_data_from_forest(forest))
    ax = fig.axes[0]
    lo, hi = ax.get_ylim()
    assert lo > hi == 0  # SE axis inverted, 0 at the top
    gids = {a.get_gid() for a in fig.findobj()}
    assert {"contour-90", "contour-95", "contour-99", "pooled-estimate", "null-line"} <= gids
    (est,) = [a for a in fig.findobj() if a.get_gid() == "pooled-estimate"]
    assert est.get_xdata()[0] == pytest.approx(forest.pooled.estimate)  # type: ignore[union-attr]
    # the 95% contour of a null-centred funnel reaches +-1.96 SE at the bottom
    (c95,) = [a for a in fig.findobj() if a.get_gid() == "contour-95"]
    xs = c95.get_paths()[0].vertices[:, 0]
    assert max(abs(xs)) == pytest.approx(1.959963984540054 * lo, rel=1e-6)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["0.25", "0.5", "1", "2", "4"]


def test_funnel_of_proportions_is_centred_on_the_estimate() -> None:
    forest = ex.proportions(12)
    fig = funnel_plot(funnel_data_from_forest(forest))
    gids = {a.get_gid() for a in fig.findobj()}
    assert "null-line" not in gids
    (c90,) = [a for a in fig.findobj() if a.get_gid() == "contour-90"]
    xs = c90.get_paths()[0].vertices[:, 0]
    est = forest.pooled.estimate  # type: ignore[union-attr]
    assert (xs.min() + xs.max()) / 2 == pytest.approx(est, abs=1e-9)


@pytest.mark.parametrize("fmt", ["svg", "png", "pdf"])
def test_funnel_is_deterministic(fmt: str) -> None:
    data = funnel_data_from_forest(ex.proportions(15))
    assert figure_bytes(funnel_plot(data), fmt) == figure_bytes(funnel_plot(data), fmt)


def test_funnel_data_is_validated() -> None:
    with pytest.raises(PlotInputError, match="positive variances"):
        FunnelData((0.1,), (0.0,), None, "GEN")
    with pytest.raises(PlotInputError, match="centre"):
        FunnelData((0.1,), (0.1,), None, "GEN", centre="zero")
    res = pool([0.1, 0.3], [0.05, 0.07])
    fig = funnel_plot(FunnelData((0.1, 0.3), (0.05, 0.07), res, "GEN"))
    assert math.isfinite(fig.get_size_inches()[1])


@pytest.mark.parametrize("k", [1, 2, 12, 60])
def test_funnel_text_stays_inside_the_figure_and_off_the_axes(k: int) -> None:
    fig = funnel_plot(funnel_data_from_forest(ex.proportions(k)))
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax_box = fig.axes[0].get_window_extent(renderer)
    for t in fig.texts:  # title and Egger sentence
        b = t.get_window_extent(renderer)
        assert 0 <= b.x0 and b.x1 <= fig.bbox.width and 0 <= b.y0 and b.y1 <= fig.bbox.height, t.get_text()
        assert b.y0 >= ax_box.y1 or b.y1 <= ax_box.y0, t.get_text()
    xlabel = fig.axes[0].xaxis.label.get_window_extent(renderer)
    egger = [t for t in fig.texts if t.get_text().startswith("Egger") or t.get_text().startswith("(")]
    assert egger and all(t.get_window_extent(renderer).y1 <= xlabel.y0 for t in egger)
