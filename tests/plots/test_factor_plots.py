"""Effect-direction and albatross plots of the prognostic factors (issue 24)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from secondhct.plots.albatross import AlbatrossPoint, albatross_figure, contour_p, signed_log_p
from secondhct.plots.effectdirection import DirectionRow, effect_direction_figure, marker_area
from secondhct.plots.save import figure_bytes


def _rows() -> list[DirectionRow]:
    return [DirectionRow("Alpha 2020", "second-HCT recipients: adjusted", "AML", "HR 2.00 (overall survival)", 400, "high", "up", True),
            DirectionRow("Beta 2021", "second-HCT recipients: unadjusted", "ALL", "words (overall survival)", None, "low", "unknown", None),
            DirectionRow("Gamma 2019", "all relapsed patients: adjusted", "AML", "p 0.3 (overall survival)", 50, "some concerns",
                         "down", False)]  # fmt: skip


def test_effect_direction_plot_shows_every_report_its_group_and_the_legend() -> None:
    svg = figure_bytes(effect_direction_figure("Early vs late relapse", "early vs late", _rows(), "late relapse", "early relapse"), "svg").decode()
    for text in ("Alpha 2020", "Beta 2021", "Gamma 2019", "second-HCT recipients: adjusted", "all relapsed patients: adjusted",
                 "favours late relapse", "favours early relapse", "direction not stated"):  # fmt: skip
        assert text in svg, text
    assert figure_bytes(effect_direction_figure("t", "s", _rows(), "a", "b"), "svg") == figure_bytes(
        effect_direction_figure("t", "s", _rows(), "a", "b"), "svg")  # deterministic


def test_marker_area_grows_with_n_and_has_a_floor_when_n_is_unknown() -> None:
    assert marker_area(None, 400) == 30.0
    assert marker_area(400, 400) == 200.0 and marker_area(100, 400) == pytest.approx(25 + 175 * 0.5)


def test_albatross_contour_is_the_two_sided_p_of_a_standardised_difference() -> None:
    # d = 0.5 between two groups of 32: z = 0.5 * sqrt(64) / 2 = 2
    assert contour_p(0.5, np.array([64.0]))[0] == pytest.approx(2 * norm.sf(2.0), rel=1e-12)
    assert signed_log_p(0.01, 1) == pytest.approx(2.0) and signed_log_p(0.01, -1) == pytest.approx(-2.0)
    assert signed_log_p(1.0, 1) == 0.0


def test_albatross_plot_draws_each_report_and_the_contours() -> None:
    points = [AlbatrossPoint("Alpha 2020", 400, 0.001, 1, bound=True), AlbatrossPoint("Gamma 2019", 50, 0.3, -1)]
    svg = figure_bytes(albatross_figure("Early vs late relapse", "sub", points, "late relapse", "early relapse"), "svg").decode()
    for text in ("Alpha 2020", "Gamma 2019", "d = 0.5", "favours late relapse", "favours early relapse", "patients (log scale)"):
        assert text in svg, text
