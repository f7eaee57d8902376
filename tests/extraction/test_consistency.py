"""Rounding-aware consistency checks, against values worked out by hand."""

from __future__ import annotations

import math

import pytest

from secondhct.extraction.consistency import (
    half_unit,
    printed_p_interval,
    ratio_p_range,
    se_matches_ci,
    z_for_level,
)


def test_half_unit_follows_printed_decimals() -> None:
    assert half_unit(54) == 0.5
    assert half_unit(29.4) == 0.05
    assert half_unit(4.0) == 0.05
    assert half_unit(0.035) == 0.0005
    assert half_unit(1e-05) == pytest.approx(5e-06)


def test_z_for_95_percent() -> None:
    assert z_for_level(95) == pytest.approx(1.959963984540054, rel=1e-12)


def test_symmetric_ci_matches_its_se() -> None:
    # 40 ± 1.96 * 4.9 = [30.396, 49.604] -> printed 30.4, 49.6
    ok, implied = se_matches_ci(40.0, 4.9, 30.4, 49.6, 95, 100.0)
    assert ok
    assert implied["linear"] == pytest.approx((30.396, 49.604), abs=1e-3)


def test_log_log_ci_matches_under_its_own_scale_only() -> None:
    # S = 0.294, se = 0.037; log(-log S) CI computed by hand:
    p, se, z = 0.294, 0.037, z_for_level(95)
    s = se / (p * abs(math.log(p)))
    lower, upper = p ** math.exp(z * s), p ** math.exp(-z * s)
    lo, up = round(lower * 100, 1), round(upper * 100, 1)
    assert se_matches_ci(29.4, 3.7, lo, up, 95, 100.0, ["log_log"])[0]
    assert not se_matches_ci(29.4, 3.7, lo + 2, up + 2, 95, 100.0, ["log_log"])[0]


def test_wrong_se_does_not_match_any_scale() -> None:
    ok, _ = se_matches_ci(40.0, 8.0, 30.4, 49.6, 95, 100.0)
    assert not ok


def test_ratio_p_value_from_ci() -> None:
    # HR 2.0 (1.2-3.4): se = (ln 3.4 - ln 1.2) / (2 * 1.95996) = 0.26570; z = ln 2 / se = 2.6088
    p, p_min, p_max = ratio_p_range(2.0, 1.2, 3.4, 95)
    se = (math.log(3.4) - math.log(1.2)) / (2 * z_for_level(95))
    assert p == pytest.approx(math.erfc(math.log(2.0) / se / math.sqrt(2)), rel=1e-12)
    assert p == pytest.approx(0.009084, abs=2e-6)
    assert p_min < p < p_max


def test_printed_p_intervals() -> None:
    assert printed_p_interval(0.04) == pytest.approx((0.035, 0.045))
    assert printed_p_interval("<0.001") == (0.0, 0.001)
    assert printed_p_interval(">0.05") == (0.05, 1.0)
    assert printed_p_interval("=0.04") == pytest.approx((0.035, 0.045))


def test_not_significant_is_accepted_and_admits_any_p() -> None:
    from secondhct.extraction.schema import _check_p

    assert _check_p("n.s.") == "n.s."
    assert printed_p_interval("n.s.") == (0.0, 1.0)


def test_absurd_se_does_not_overflow() -> None:
    """Found by hypothesis: a huge SE overflowed exp() in the logit and log-log constructions."""
    ok, implied = se_matches_ci(50.0, 1e6, 30.0, 70.0, 95, 100.0)
    assert not ok and "logit" not in implied
