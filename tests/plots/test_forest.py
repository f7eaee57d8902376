"""Structure and determinism of the forest plot (issue 4)."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import replace

import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from secondhct.measures import transf_ilogit
from secondhct.plots import ForestData, ForestRow, ForestStyle, PlotInputError, figure_bytes, forest_plot, save_figure
from secondhct.plots import examples as ex
from secondhct.stats.pooling import pool


def by_gid(fig: Figure, gid: str) -> list:
    return [a for a in fig.findobj() if a.get_gid() == gid]


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text") and a.get_gid() != "x") if t.get_text()]


def squares(fig: Figure) -> np.ndarray:
    (sc,) = by_gid(fig, "study-squares")
    return np.asarray(sc.get_offsets())


def diamond_x(fig: Figure, tag: str) -> tuple[float, float, float]:
    (poly,) = by_gid(fig, f"diamond-{tag}")
    xy = poly.get_xy()
    return float(xy[0, 0]), float(xy[1, 0]), float(xy[2, 0])  # lower bound, centre, upper bound


def weights_shown(fig: Figure) -> list[float]:
    out = []
    for t in fig.findobj(lambda a: str(a.get_gid() or "").startswith("weight-")):
        out.append(float(t.get_text().rstrip("%")))
    return out


def svg_texts(svg: bytes) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(el.itertext()) for el in root.iter("{http://www.w3.org/2000/svg}text")]


CASES = {
    "k1": lambda: ex.proportions(1),
    "k2": lambda: ex.proportions(2),
    "k10": lambda: ex.proportions(10),
    "k60": lambda: ex.proportions(60),
    "extremes": ex.extremes,
    "hr": ex.hazard_ratios,
    "subgroups": ex.subgroups,
}


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request: pytest.FixtureRequest) -> tuple[str, ForestData, Figure]:
    data = CASES[request.param]()
    fig = forest_plot(data)
    fig.canvas.draw()  # places axis labels and ticks, as saving does
    return request.param, data, fig


def test_one_square_per_included_study_with_area_proportional_to_weight(case: tuple[str, ForestData, Figure]) -> None:
    name, data, fig = case
    inc = data.included_rows
    xy = squares(fig)
    assert len(xy) == len(inc)
    (sc,) = by_gid(fig, "study-squares")
    sizes = np.asarray(sc.get_sizes())
    w = np.array([r.weight for r in inc])
    # scatter sizes are marker areas in pt^2: area / weight is one constant
    assert np.allclose(sizes / w, sizes[0] / w[0], rtol=1e-12)
    assert np.max(sizes) == pytest.approx((ForestStyle().max_square_fraction * ForestStyle().row_height * 72) ** 2)


def test_square_positions_are_the_back_transformed_estimates(case: tuple[str, ForestData, Figure]) -> None:
    name, data, fig = case
    xs = sorted(squares(fig)[:, 0])
    if data.measure == "PLO":
        expected = sorted(100 * transf_ilogit([r.yi for r in data.included_rows]))
    else:
        expected = sorted(np.exp([r.yi for r in data.included_rows]))
    assert np.allclose(xs, expected, rtol=1e-12)


def test_diamond_centre_and_ends_are_the_pooled_estimate_and_ci(case: tuple[str, ForestData, Figure]) -> None:
    name, data, fig = case
    p = data.pooled
    assert p is not None
    back = (lambda v: 100 * float(transf_ilogit(v))) if data.measure == "PLO" else math.exp
    lo, centre, hi = diamond_x(fig, "random")
    assert centre == pytest.approx(back(p.estimate), rel=1e-12)
    assert (lo, hi) == (pytest.approx(back(p.ci_lb), rel=1e-12), pytest.approx(back(p.ci_ub), rel=1e-12))


def test_weights_shown_sum_to_100(case: tuple[str, ForestData, Figure]) -> None:
    name, data, fig = case
    shown = weights_shown(fig)
    assert len(shown) == len(data.included_rows)
    assert sum(shown) == pytest.approx(100.0, abs=0.05 * len(shown) + 1e-9)  # each rounded to 0.1


def test_no_two_texts_overlap_and_all_are_inside_the_figure(case: tuple[str, ForestData, Figure]) -> None:
    name, data, fig = case
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in fig.findobj(lambda a: hasattr(a, "get_text")) if t.get_text() and t.get_visible()]
    fw, fh = fig.bbox.width, fig.bbox.height
    for b in boxes:
        assert b.x0 >= -0.5 and b.y0 >= -0.5 and b.x1 <= fw + 0.5 and b.y1 <= fh + 0.5, (name, b)
    arr = np.array([[b.x0, b.y0, b.x1, b.y1] for b in boxes])
    shrink = 0.5  # pixels of tolerance for touching boxes
    ox = (np.minimum(arr[:, None, 2], arr[None, :, 2]) - np.maximum(arr[:, None, 0], arr[None, :, 0])) > shrink
    oy = (np.minimum(arr[:, None, 3], arr[None, :, 3]) - np.maximum(arr[:, None, 1], arr[None, :, 1])) > shrink
    overlap = ox & oy
    np.fill_diagonal(overlap, False)
    pairs = [(i, j) for i, j in zip(*np.nonzero(overlap)) if i < j]
    assert not pairs, [(boxes[i], boxes[j]) for i, j in pairs[:3]]


def test_text_columns_stay_clear_of_the_plot_area(case: tuple[str, ForestData, Figure]) -> None:
    name, data, fig = case
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    ab = ax.get_window_extent(renderer)
    row_texts = [t for t in ax.texts if t.get_text()]
    for t in row_texts:
        b = t.get_window_extent(renderer)
        assert b.x1 <= ab.x0 or b.x0 >= ab.x1, (name, t.get_text())


def test_labels_are_real_searchable_text_in_the_svg(case: tuple[str, ForestData, Figure]) -> None:
    name, data, fig = case
    svg = figure_bytes(fig, "svg")
    found = svg_texts(svg)
    joined = "\n".join(found)
    for r in data.rows:
        for word in r.label.split():
            assert word in joined
        assert r.label.split()[0] in found or any(s.startswith(r.label.split()[0]) for s in found)
    assert b"<path id=\"DejaVuSans" not in svg  # glyphs are not outlines


def test_excluded_study_is_grey_with_reason_and_no_square() -> None:
    data = ex.extremes()
    fig = forest_plot(data)
    (excluded,) = [r for r in data.rows if not r.included]
    (mk,) = by_gid(fig, "excluded-markers")
    offs = np.asarray(mk.get_offsets())
    assert len(offs) == 1
    assert offs[0, 0] == pytest.approx(100 * float(transf_ilogit(excluded.yi)))
    assert offs[0, 1] not in set(squares(fig)[:, 1])
    grey = ForestStyle().excluded_colour.lower()
    label = [t for t in fig.axes[0].texts if t.get_text() == excluded.label]
    assert label and to_hex(label[0].get_color()) == grey
    reason = [t for t in fig.axes[0].texts if t.get_text().startswith("excluded: overlapping")]
    assert reason and to_hex(reason[0].get_color()) == grey and reason[0].get_fontstyle() == "italic"
    (wh,) = by_gid(fig, "excluded-whiskers")
    assert to_hex(wh.get_colors()[0]) == grey
    assert "excluded" in [t.get_text() for t in fig.axes[0].texts]
    assert any("1 excluded from pooling" in t for t in texts(fig))


def test_clipped_cis_get_arrows_at_the_axis_limit() -> None:
    data = ex.hazard_ratios(clip=True)
    fig = forest_plot(data)
    ax = fig.axes[0]
    assert ax.get_xlim() == pytest.approx((0.25, 4.0))
    (left,) = by_gid(fig, "clip-arrows-left")
    (right,) = by_gid(fig, "clip-arrows-right")
    lo, hi = np.asarray(left.get_offsets()), np.asarray(right.get_offsets())
    assert lo.shape == (1, 2) and hi.shape == (1, 2)
    assert lo[0, 0] == pytest.approx(0.25) and hi[0, 0] == pytest.approx(4.0)
    row_y = {t.get_text(): t.get_position()[1] for t in ax.texts}
    assert lo[0, 1] == pytest.approx(row_y["Andersson 2008"])  # CI 0.12-1.70
    assert hi[0, 1] == pytest.approx(row_y["Vrhovac 2016"])  # CI 0.48-7.56
    (wh,) = by_gid(fig, "study-whiskers")
    segs = [np.asarray(s) for s in wh.get_segments()]
    assert min(s[:, 0].min() for s in segs) == pytest.approx(0.25)
    assert max(s[:, 0].max() for s in segs) == pytest.approx(4.0)


def test_no_arrows_when_nothing_is_clipped() -> None:
    fig = forest_plot(ex.hazard_ratios(clip=False))
    assert not by_gid(fig, "clip-arrows-left") and not by_gid(fig, "clip-arrows-right")
    lo, hi = fig.axes[0].get_xlim()
    assert lo <= 0.12 and hi >= 7.56


def test_ratios_are_on_a_log_axis_with_readable_ticks_and_a_null_line() -> None:
    fig = forest_plot(ex.hazard_ratios())
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert list(ax.get_xticks()) == [0.25, 0.5, 1.0, 2.0, 4.0]
    fig.canvas.draw()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.25", "0.5", "1", "2", "4"]
    (ref,) = by_gid(fig, "reference-line")
    assert list(ref.get_xdata()) == [1.0, 1.0]
    assert "Hazard ratio (log scale)" == ax.get_xlabel()


def test_proportions_on_a_linear_percent_axis_without_null_line() -> None:
    fig = forest_plot(ex.extremes())
    ax = fig.axes[0]
    assert ax.get_xscale() == "linear"
    assert ax.get_xlim() == (0.0, 100.0)  # CIs reach 0% and 100%: the axis covers them without clipping
    assert not by_gid(fig, "clip-arrows-left") and not by_gid(fig, "clip-arrows-right")
    assert not by_gid(fig, "reference-line")
    assert ax.get_xlabel() == "NRM (%)"


def test_ci_at_0_and_100_percent() -> None:
    data = ex.extremes()
    fig = forest_plot(data)
    est = [t.get_text() for t in fig.axes[0].texts]
    assert "3.8 [0.2, 40.3]" in est  # 0/12 with 1/2 added
    assert "95.5 [55.2, 99.7]" in est  # 10/10
    (wh,) = by_gid(fig, "study-whiskers")
    xs = np.concatenate([np.asarray(s)[:, 0] for s in wh.get_segments()])
    assert xs.min() > 0 and xs.max() < 100


def test_footer_reports_method_k_patients_heterogeneity_and_footnotes() -> None:
    data = ex.extremes()
    p = data.pooled
    assert p is not None
    all_text = " ".join(texts(forest_plot(data)))
    assert "Random-effects model: REML, Knapp-Hartung (ad hoc), logit; k = 5 studies, 95 patients" in all_text
    assert f"I² = {p.i2:.0f}% [{p.i2_lb:.0f}%, {p.i2_ub:.0f}%]" in all_text
    assert f"Q = {p.q:.2f}, df = 4, p < 0.001" in all_text
    # † and ‡ are reserved for the review's two derived numbers; other notes take § on
    assert "13.3 ± 7.1%‖" in all_text and "0/12§" in all_text
    assert "‖ events reconstructed from the Kaplan-Meier estimate and its SE" in all_text
    assert "§ 1/2 added to events and non-events (zero cell)" in all_text


def test_derived_numbers_have_the_same_mark_as_in_the_summary_tables() -> None:
    """† always means '±' read as the SE and ‡ the binomial variance, whatever the row order."""
    from dataclasses import replace

    from secondhct.format import DERIVED_FOOTNOTES

    se_mark, se_text = DERIVED_FOOTNOTES["assumed_se"]
    bin_mark, bin_text = DERIVED_FOOTNOTES["approximate"]
    assert (se_mark, bin_mark) == ("†", "‡")
    data = ex.extremes()
    rows = list(data.rows)
    rows[0] = replace(rows[0], derived_note=bin_text)  # the binomial note comes first in the plot
    rows[1] = replace(rows[1], derived_note=se_text)
    all_text = " ".join(texts(forest_plot(replace(data, rows=tuple(rows)))))
    assert f"{bin_mark} {bin_text}" in all_text and f"{se_mark} {se_text}" in all_text
    assert all_text.index(f"{se_mark} {se_text}") < all_text.index(f"{bin_mark} {bin_text}")


def test_subgroups_have_subtotal_diamonds_and_the_test_for_differences() -> None:
    data = ex.subgroups()
    fig = forest_plot(data)
    for n, (_level, res) in enumerate(data.subgroups, start=1):
        lo, centre, hi = diamond_x(fig, f"subtotal-{n}")
        assert centre == pytest.approx(100 * float(transf_ilogit(res.estimate)), rel=1e-12)
    assert not by_gid(fig, f"diamond-subtotal-{len(data.subgroups) + 1}")
    common = data.common
    assert common is not None
    assert diamond_x(fig, "common")[1] == pytest.approx(100 * float(transf_ilogit(common.estimate)), rel=1e-12)
    all_text = texts(fig)
    assert "Test for subgroup differences: Q = 2.31, df = 2, p = 0.32." in all_text
    assert [t for t in all_text if t.startswith("Subtotal (k = ")] == ["Subtotal (k = 4)", "Subtotal (k = 4)", "Subtotal (k = 3)"]
    # subgroup weights (of the overall model) add up to the subtotal shown
    ax = fig.axes[0]
    y_sub = [t.get_position()[1] for t in ax.texts if t.get_text().startswith("Subtotal")][0]
    (sub_w,) = [t.get_text() for t in ax.texts if t.get_position()[1] == y_sub and t.get_text().endswith("%") and "[" not in t.get_text()]
    aml = [r.weight for r in data.rows if r.subgroup == "AML"]
    assert sub_w == f"{sum(aml):.1f}%"  # type: ignore[arg-type]
    assert sum(weights_shown(fig)[:4]) == pytest.approx(sum(aml), abs=0.2)  # type: ignore[arg-type]


def test_one_and_two_studies_have_no_prediction_interval() -> None:
    for k in (1, 2):
        fig = forest_plot(ex.proportions(k))
        assert not by_gid(fig, "prediction-interval")
        assert len(squares(fig)) == k
    fig = forest_plot(ex.proportions(3))
    (bar,) = by_gid(fig, "prediction-interval")
    data = ex.proportions(3)
    assert bar.get_x() == pytest.approx(100 * float(transf_ilogit(data.pooled.pi_lb)))  # type: ignore[union-attr]


def test_figure_grows_with_rows_and_long_labels_wrap() -> None:
    h10 = forest_plot(ex.proportions(10)).get_size_inches()[1]
    h60 = forest_plot(ex.proportions(60)).get_size_inches()[1]
    assert h60 - h10 == pytest.approx(50 * ForestStyle().row_height, rel=1e-9)
    fig = forest_plot(ex.extremes())
    lines = [t.get_text() for t in fig.axes[0].texts]
    assert "Ruutu 2015 (haploidentical donors," in lines and "AML)" in lines
    assert all(len(s) <= ForestStyle().label_wrap for s in lines if s.startswith("Ruutu"))


@pytest.mark.parametrize("fmt", ["svg", "png", "pdf"])
def test_identical_input_gives_byte_identical_files(fmt: str) -> None:
    a = figure_bytes(forest_plot(ex.subgroups()), fmt)
    b = figure_bytes(forest_plot(ex.subgroups()), fmt)
    assert a == b and len(a) > 1000
    if fmt == "svg":
        assert b"<dc:date>" not in a and b"Matplotlib v" not in a
    if fmt == "pdf":
        assert b"/CreationDate" not in a and b"/Producer" not in a and b"/FontFile2" in a  # TrueType, not Type 3
    if fmt == "png":
        assert a[:8] == b"\x89PNG\r\n\x1a\n" and b"Software" not in a
        assert b"pHYs" in a and int.from_bytes(a[a.index(b"pHYs") + 4 : a.index(b"pHYs") + 8], "big") == round(300 / 0.0254)
        w_in, h_in = forest_plot(ex.subgroups()).get_size_inches()
        width, height = int.from_bytes(a[16:20], "big"), int.from_bytes(a[20:24], "big")  # IHDR
        assert (width, height) == (int(w_in * 300), int(h_in * 300))


def test_save_figure_writes_atomically_and_infers_the_format(tmp_path) -> None:  # type: ignore[no-untyped-def]
    fig = forest_plot(ex.proportions(4))
    out = save_figure(fig, tmp_path / "f.pdf")
    assert out.read_bytes() == figure_bytes(fig, "pdf") and out.read_bytes()[:5] == b"%PDF-"
    svg = save_figure(fig, tmp_path / "g")  # no suffix: SVG
    assert svg.read_bytes().lstrip().startswith(b"<?xml")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.pdf", "g"]  # no temporary files left
    with pytest.raises(PlotInputError, match="unknown figure format '.jpg'"):
        save_figure(fig, tmp_path / "h.jpg")
    with pytest.raises(PlotInputError, match="does not exist"):
        save_figure(fig, tmp_path / "missing" / "f.svg")


def test_drawing_does_not_touch_global_rcparams() -> None:
    import matplotlib

    before = dict(matplotlib.rcParams)
    figure_bytes(forest_plot(ex.hazard_ratios()), "svg")
    assert dict(matplotlib.rcParams) == before


def test_bad_rows_are_refused_with_the_study_named() -> None:
    with pytest.raises(PlotInputError, match="Kato 2012: give vi or both ci_lb and ci_ub"):
        ForestRow("Kato 2012", 0.1)
    with pytest.raises(PlotInputError, match="Kato 2012: variance -1"):
        ForestRow("Kato 2012", 0.1, -1.0)
    with pytest.raises(PlotInputError, match="does not contain"):
        ForestRow("Kato 2012", 0.1, ci_lb=0.2, ci_ub=0.4)
    with pytest.raises(PlotInputError, match="at least one study"):
        ForestData((), None, "PLO")
    with pytest.raises(PlotInputError, match="unknown measure 'XYZ'"):
        forest_plot(ForestData((ForestRow("a", 0.0, 0.1),), None, "XYZ"))


def test_rows_with_given_ci_and_no_pooled_result() -> None:
    rows = (ForestRow("A 2001", math.log(0.8), ci_lb=math.log(0.5), ci_ub=math.log(1.3)),
            ForestRow("B 2002", math.log(1.2), ci_lb=math.log(0.9), ci_ub=math.log(1.6)))  # fmt: skip
    fig = forest_plot(ForestData(rows, None, "HR"))
    assert len(squares(fig)) == 2 and not by_gid(fig, "diamond-random")
    assert "0.80 [0.50, 1.30]" in texts(fig)


def test_pft_backtransform_needs_patients_and_says_so() -> None:
    rows = (ForestRow("A", 0.5, 0.01, patients=20), ForestRow("B", 0.7, 0.02, patients=30))
    res = pool([0.5, 0.7], [0.01, 0.02])
    fig = forest_plot(ForestData(rows, res, "PFT"))
    assert any("harmonic mean" in t for t in texts(fig))
    with pytest.raises(PlotInputError, match="needs the patients"):
        forest_plot(ForestData(tuple(replace(r, patients=None) for r in rows), res, "PFT"))
    with pytest.raises(PlotInputError, match="needs the patients"):
        forest_plot(ForestData((rows[0], replace(rows[1], patients=None)), res, "PFT"))
    # the inverse uses the harmonic mean of the pooled studies only (metafor transf.ipft.hm, ni = 20, 30)
    from secondhct.measures import transf_ipft_hm

    extra = ForestRow("C", 0.9, 0.05, patients=1000, excluded_reason="duplicate")
    fig = forest_plot(ForestData((*rows, extra), res, "PFT"))
    (poly,) = by_gid(fig, "diamond-random")
    assert poly.get_xy()[1, 0] == pytest.approx(100 * float(transf_ipft_hm([res.estimate], [20, 30])[0]), rel=1e-12)


def test_weight_labels_are_ids_in_the_svg() -> None:
    svg = figure_bytes(forest_plot(ex.proportions(3)), "svg").decode()
    assert len(re.findall(r'id="weight-\d+"', svg)) == 3
    assert 'id="study-squares"' in svg and 'id="diamond-random"' in svg


@pytest.mark.parametrize("name", ["k1", "k2", "k10", "k60", "extremes", "subgroups"])
def test_percent_axis_ends_on_labelled_ticks_and_covers_all_intervals(name: str) -> None:
    data = CASES[name]()
    fig = forest_plot(data)
    ax = fig.axes[0]
    lo, hi = ax.get_xlim()
    ticks = list(ax.get_xticks())
    assert ticks[0] == lo and ticks[-1] == hi and 0 <= lo < hi <= 100
    (wh,) = by_gid(fig, "study-whiskers")
    xs = np.concatenate([np.asarray(s)[:, 0] for s in wh.get_segments()])
    z = 1.959963984540054
    widest = [100 * float(transf_ilogit(r.yi + s * z * math.sqrt(r.vi))) for r in data.included_rows for s in (-1, 1)]  # type: ignore[arg-type]
    assert xs.min() == pytest.approx(min(widest)) and xs.max() == pytest.approx(max(widest))  # nothing clipped


def test_pooled_diamond_past_the_axis_is_cut_with_an_arrow() -> None:
    data = replace(ex.hazard_ratios(), xlim=(0.5, 1.0))  # pooled HR 0.82 [0.61, 1.12]
    fig = forest_plot(data)
    lo, centre, hi = diamond_x(fig, "random")
    assert hi == pytest.approx(1.0) and centre == pytest.approx(math.exp(data.pooled.estimate))  # type: ignore[union-attr]
    (arrow,) = by_gid(fig, "diamond-arrow-random-right")
    assert not by_gid(fig, "diamond-arrow-random-left")
    assert np.asarray(arrow.get_offsets())[0, 0] == pytest.approx(1.0)
    assert lo == pytest.approx(math.exp(data.pooled.ci_lb))  # type: ignore[union-attr]
    assert not by_gid(forest_plot(ex.hazard_ratios()), "diamond-arrow-random-right")


def test_everything_clipped_on_both_sides_keeps_svg_ids_unique() -> None:
    data = replace(ex.hazard_ratios(), xlim=(0.7, 0.9))  # every CI, the diamond and the PI run past both ends
    fig = forest_plot(data)
    for gid in ("diamond-arrow-random-left", "diamond-arrow-random-right", "prediction-arrow-left", "prediction-arrow-right"):
        assert len(by_gid(fig, gid)) == 1, gid
    z = 1.959963984540054
    below = sum(math.exp(r.yi - z * math.sqrt(r.vi)) < 0.7 for r in data.rows)  # type: ignore[arg-type]
    above = sum(math.exp(r.yi + z * math.sqrt(r.vi)) > 0.9 for r in data.rows)  # type: ignore[arg-type]
    assert (below, above) == (5, 5)  # Ruutu 2015 (0.80-1.52) ends inside on the left, Shimoni 2016 (0.41-0.88) on the right
    assert len(by_gid(fig, "clip-arrows-left")[0].get_offsets()) == below
    assert len(by_gid(fig, "clip-arrows-right")[0].get_offsets()) == above
    fig.canvas.draw()
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["0.7", "0.8", "0.9"]  # round values in a narrow range
    ids = re.findall(r' id="([^"]+)"', figure_bytes(fig, "svg").decode())
    assert len(ids) == len(set(ids))


def test_ci_level_of_the_model_is_in_the_header_and_model_notes_in_the_footer() -> None:
    rows = tuple(ForestRow(f"S{i}", y, v) for i, (y, v) in enumerate([(0.1, 0.04), (0.5, 0.02)]))
    res = pool([0.1, 0.5], [0.04, 0.02], level=0.9)
    all_text = texts(forest_plot(ForestData(rows, res, "GEN")))
    assert "[90% CI]" in all_text and "[95% CI]" not in all_text
    assert not any(t.startswith("Note:") for t in all_text)  # this model has no notes
    k2 = ex.proportions(2)
    assert k2.pooled is not None and "upper bound of the tau^2 CI truncated at tau2.max = 100" in k2.pooled.notes
    assert "Note: upper bound of the τ² CI truncated at tau2.max = 100." in texts(forest_plot(k2))
    assert not any(t.startswith("Note:") for t in texts(forest_plot(replace(k2, show_model_notes=False))))


def test_same_bytes_in_fresh_processes_with_different_hash_seeds(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys; from secondhct.plots import examples as ex, forest_plot, figure_bytes; "
            "sys.stdout.buffer.write(b''.join(figure_bytes(forest_plot(ex.subgroups()), f) for f in ('svg', 'pdf', 'png')))")  # fmt: skip
    src = str(Path(__file__).resolve().parents[2] / "src")
    outs = [subprocess.run([sys.executable, "-c", code], capture_output=True, check=True,
                           env={**os.environ, "PYTHONPATH": src, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")]  # fmt: skip
    assert outs[0] == outs[1] and len(outs[0]) > 10_000


def test_generic_effects_keep_dollar_signs_and_use_true_minus_signs() -> None:
    rows = (ForestRow("Cost $5 $x^2$ Müller 2019", 0.2, 0.05), ForestRow("B", -0.1, 0.03))
    fig = forest_plot(ForestData(rows, pool([0.2, -0.1], [0.05, 0.03]), "GEN"))
    fig.canvas.draw()
    assert "Cost $5 $x^2$ Müller 2019" in svg_texts(figure_bytes(fig, "svg"))  # no mathtext
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert "\u22121" in labels and not any(s.startswith("-") for s in labels)
    assert "\u22120.10 [\u22120.44, 0.24]" in texts(fig)
    assert not by_gid(fig, "reference-line")  # no null line unless given
    fig = forest_plot(ForestData(rows, None, "GEN", reference=0.0))
    (ref,) = by_gid(fig, "reference-line")
    assert list(ref.get_xdata()) == [0.0, 0.0]


def test_accrual_is_a_column_only_when_rows_give_it() -> None:
    """Era beside each report (issue 23): an "Accrual" column with each row's period, absent for ad hoc data."""
    rows = (ForestRow("A", 0.1, 0.04, accrual="1990–2010"), ForestRow("B", -0.2, 0.05, accrual="not stated"))
    shown = texts(forest_plot(ForestData(rows=rows, pooled=None, measure="GEN")))
    assert "Accrual" in shown and "1990–2010" in shown and "not stated" in shown
    bare = texts(forest_plot(ForestData(rows=tuple(replace(r, accrual="") for r in rows), pooled=None, measure="GEN")))
    assert "Accrual" not in bare
