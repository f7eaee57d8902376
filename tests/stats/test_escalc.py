"""Effect sizes: formulas checked against independent derivations, and their records."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from secondhct.errors import PoolingError
from secondhct.measures import transf_ipft_hm, transf_pft
from secondhct.stats.escalc import (
    escalc_proportions,
    parse_p_value,
    proportion_effect_sizes,
    proportion_from_ci,
    proportion_from_n,
    proportion_from_se,
    ratio_from_ci,
    ratio_from_p,
)

Z975 = 1.959963984540054  # qnorm(0.975)


def test_ratio_from_ci_log_scale_se() -> None:
    es = ratio_from_ci(0.5, 0.25, 1.0, "HR")
    assert es.yi == pytest.approx(math.log(0.5), rel=1e-15)
    assert es.sei == pytest.approx(math.log(4.0) / (2 * Z975), rel=1e-12)
    assert "CI" in es.derivation and not es.approximate


def test_ratio_from_ci_flags_asymmetric_ci() -> None:
    assert "not symmetric" in ratio_from_ci(0.9, 0.25, 1.0, "HR").derivation


def test_ratio_from_ci_other_level() -> None:
    es = ratio_from_ci(2.0, 1.0, 4.0, "OR", level=0.90)
    assert es.sei == pytest.approx(math.log(4.0) / (2 * 1.6448536269514722), rel=1e-12)


def test_ratio_from_p_inverts_the_wald_test() -> None:
    es = ratio_from_p(2.0, 0.05, "HR")
    assert es.sei == pytest.approx(math.log(2.0) / Z975, rel=1e-12)
    assert not es.approximate


def test_p_bound_is_conservative_and_flagged() -> None:
    bound = ratio_from_p(2.0, "<0.05", "HR")
    assert bound.approximate and "conservative" in bound.derivation
    # any p below the bound gives a smaller SE: the bound is the largest possible SE
    for p in (0.049, 0.01, 0.001):
        assert ratio_from_p(2.0, p, "HR").sei < bound.sei


def test_parse_p_value() -> None:
    assert parse_p_value("0.03") == (0.03, False)
    assert parse_p_value("< .001") == (0.001, True)
    with pytest.raises(PoolingError, match="not a number"):
        parse_p_value("NS")


def test_ratio_from_p_refuses_null_estimate() -> None:
    with pytest.raises(PoolingError, match="cannot be recovered"):
        ratio_from_p(1.0, 0.5, "HR")


@pytest.mark.parametrize("measure", ["PLO", "PAS", "PR", "PLN", "PCLL"])
def test_delta_method_matches_numerical_derivative(measure: str) -> None:
    p, se, h = 0.37, 0.04, 1e-6
    es = proportion_from_se(p, se, measure)  # type: ignore[arg-type]
    g = {
        "PLO": lambda t: math.log(t / (1 - t)),
        "PAS": lambda t: math.asin(math.sqrt(t)),
        "PR": lambda t: t,
        "PLN": math.log,
        "PCLL": lambda t: math.log(-math.log(1 - t)),
    }[measure]
    deriv = (g(p + h) - g(p - h)) / (2 * h)
    assert es.yi == pytest.approx(g(p), rel=1e-14)
    assert es.sei == pytest.approx(se * abs(deriv), rel=1e-7)


def test_proportion_from_ci_same_scale_is_exact() -> None:
    lo, hi = 0.2, 0.6
    es = proportion_from_ci(0.4, lo, hi, "PLO", ci_scale="PLO")
    logit = lambda t: math.log(t / (1 - t))  # noqa: E731
    assert es.sei == pytest.approx((logit(hi) - logit(lo)) / (2 * Z975), rel=1e-12)


def test_proportion_from_ci_other_scale_uses_delta_method() -> None:
    es = proportion_from_ci(0.4, 0.3, 0.5, "PLO", ci_scale="PR")
    se_p = 0.2 / (2 * Z975)
    assert es.sei == pytest.approx(se_p / (0.4 * 0.6), rel=1e-12)
    assert "delta method" in es.derivation


def test_binomial_variance_is_flagged_approximate() -> None:
    es = proportion_from_n(0.25, 40, "PLO")
    assert es.vi == pytest.approx(1 / (40 * 0.25 * 0.75), rel=1e-12)
    assert es.approximate and "approximate" in es.derivation


def test_zero_cell_correction_defaults() -> None:
    # PLO: 1/2 added to events and non-events of 0/n and n/n studies only
    yi, vi, corrected = escalc_proportions("PLO", [0, 5, 10], [10, 10, 10])
    assert corrected.tolist() == [True, False, True]
    assert yi[0] == pytest.approx(math.log(0.5 / 10.5), rel=1e-14)
    assert vi[0] == pytest.approx(1 / 0.5 + 1 / 10.5, rel=1e-14)
    # PAS and PFT are defined at 0 and n: no correction
    yi, vi, corrected = escalc_proportions("PAS", [0, 10], [10, 10])
    assert not corrected.any() and yi[0] == 0 and yi[1] == pytest.approx(math.pi / 2)
    es = proportion_effect_sizes("PLO", [0], [10])[0]
    assert "zero cell" in es.derivation


@pytest.mark.parametrize(
    ("xi", "ni", "message"),
    [([11], [10], "exceed"), ([-1], [10], ">= 0"), ([1], [0], "> 0"), ([1, 2], [10], "values")],
)
def test_escalc_refuses_impossible_counts(xi: list[int], ni: list[int], message: str) -> None:
    with pytest.raises(PoolingError, match=message):
        escalc_proportions("PLO", xi, ni)


def test_unknown_measure_lists_allowed() -> None:
    with pytest.raises(PoolingError, match="allowed: PLO, PAS, PFT, PR, PLN"):
        escalc_proportions("XX", [1], [2])  # type: ignore[arg-type]


@given(st.floats(0.0, 1.0), st.integers(1, 500))
def test_ipft_hm_inverts_pft_for_equal_n(p: float, n: int) -> None:
    back = transf_ipft_hm(transf_pft(p, n), [n, n])
    assert back == pytest.approx(p, abs=1e-7)
