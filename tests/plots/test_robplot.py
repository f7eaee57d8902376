"""The traffic-light risk-of-bias plot: real text, one circle per judgement, a title and a description."""

from __future__ import annotations

from secondhct.plots.robplot import RobRow, rob_figure, rob_svg


def test_traffic_light_text_and_cells() -> None:
    judged = {"participation": "low", "attrition": "unclear", "factor_measurement": "some_concerns",
              "outcome_measurement": "low", "confounding": "high", "analysis": "some_concerns"}  # fmt: skip
    rows = [RobRow("Smith 2020 (abstract)", judged, "high"), RobRow("Lee 2021 (abstract)", None, None)]
    svg = rob_svg("quips", rows, "Risk of bias: a test analysis")
    assert "<title>Risk of bias: a test analysis</title>" in svg
    assert "Smith 2020 (abstract): D1 Participation low, D2 Attrition unclear" in svg
    assert "Lee 2021 (abstract): not yet assessed" in svg
    for text in ("Smith 2020 (abstract)", "not yet assessed", "Overall", "D6: Analysis, reporting", "some concerns"):
        assert f">{text}<" in svg
    fig = rob_figure("quips", rows, "t")
    circles = [p for p in fig.axes[0].patches if type(p).__name__ == "Circle"]
    assert len(circles) == 7 + 4  # six domains and overall for one report; four legend keys


def test_long_title_wraps_inside_the_figure() -> None:
    title = "Risk of bias: overall survival 2-3 years after a second allogeneic HCT, children and adults with acute leukemia"
    fig = rob_figure("jbi_case_series", [RobRow("Smith 2020 (abstract)", None, None)], title)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    width_px = fig.get_figwidth() * fig.dpi
    title_texts = [t for t in fig.axes[0].texts if t.get_fontweight() == "bold" and t.get_text() in title]
    assert len(title_texts) >= 2  # wrapped, not one clipped line
    assert " ".join(t.get_text() for t in title_texts) == title
    for t in title_texts:
        assert t.get_window_extent(renderer).x1 <= width_px
