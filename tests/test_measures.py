"""The measure table: every measure has every function, its inverse undoes it, its derivative is right."""

from __future__ import annotations

import numpy as np
import pytest

from secondhct.errors import PoolingError
from secondhct.inputs.csvtable import LAYOUTS, parse_study_table
from secondhct.measures import CI_SCALES, MEASURES, codes, get_measure
from secondhct.stats.escalc import escalc_proportions, proportion_from_se

GRID = np.linspace(0.02, 0.98, 49)
N = 37.0


@pytest.mark.parametrize("code", list(MEASURES))
def test_every_measure_is_complete(code: str) -> None:
    m = MEASURES[code]
    assert m.code == code and m.family in ("proportion", "ratio", "generic")
    assert m.title and m.scale_words and m.natural_words
    assert m.layouts and all(layout in ("counts", "yi", "ratio_ci", "prop_se", "prop_ci", "ratio_p") for layout in m.layouts)
    if m.family == "proportion":
        assert m.escalc is not None and m.add in (0.0, 0.5)
        assert "counts" in m.layouts
    else:
        assert m.escalc is None and m.header


@pytest.mark.parametrize("code", list(MEASURES))
def test_inverse_undoes_the_transformation(code: str) -> None:
    m = MEASURES[code]
    x = GRID if m.family == "proportion" else np.exp(np.linspace(-3, 3, 49)) if m.family == "ratio" else np.linspace(-3, 3, 49)
    ni = np.full(x.size, N) if m.needs_n else None
    back = m.inverse(m.forward(x, ni), ni)
    np.testing.assert_allclose(back, x, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("code", list(MEASURES))
def test_derivative_matches_a_central_difference(code: str) -> None:
    m = MEASURES[code]
    x = GRID if m.family != "ratio" else np.exp(np.linspace(-2, 2, 41))
    ni = np.full(x.size, N) if m.needs_n else None
    h = 1e-6
    numeric = (m.forward(x + h, ni) - m.forward(x - h, ni)) / (2 * h)
    np.testing.assert_allclose(m.derivative(x, ni), numeric, rtol=1e-6)


@pytest.mark.parametrize("code", codes("proportion"))
def test_escalc_variance_is_the_delta_method_of_the_binomial(code: str) -> None:
    """vi from counts equals g'(p)^2 p(1-p)/n (exactly for PAS/PLO/PR/PLN... by construction,
    to O(1/n) for PFT, whose transformation depends on n)."""
    m = MEASURES[code]
    x, n = np.array([7.0, 30.0, 55.0]), np.array([20.0, 60.0, 80.0])
    yi, vi, _ = escalc_proportions(code, x, n)
    p = x / n
    np.testing.assert_allclose(yi, m.forward(p, n), rtol=1e-12)
    delta = m.derivative(p, n) ** 2 * p * (1 - p) / n
    np.testing.assert_allclose(vi, delta, rtol=0.1 if m.needs_n else 1e-12)


def test_ci_scales_are_the_proportion_transforms_plus_cloglog() -> None:
    assert set(CI_SCALES) == {c for c in codes("proportion") if not MEASURES[c].needs_n} | {"PCLL"}
    se = proportion_from_se(0.3, 0.05, "PCLL")
    assert se.vi == pytest.approx((0.05 / ((1 - 0.3) * abs(np.log(0.7)))) ** 2, rel=1e-12)


def test_unknown_measure_names_the_allowed_ones() -> None:
    with pytest.raises(PoolingError, match="unknown measure 'XYZ'; allowed: PLO"):
        get_measure("XYZ")


@pytest.mark.parametrize("code", list(MEASURES))
def test_each_measure_reads_from_its_csv_layouts(code: str) -> None:
    texts = {
        "counts": "xi,ni\n3,10\n5,12\n",
        "yi": "yi,vi\n0.1,0.04\n0.3,0.05\n",
        "ratio_ci": "estimate,ci_lower,ci_upper\n0.8,0.5,1.3\n1.2,0.9,1.6\n",
        "prop_se": "estimate,se\n0.3,0.05\n0.4,0.06\n",
        "prop_ci": "estimate,ci_lower,ci_upper\n0.3,0.2,0.4\n0.4,0.3,0.5\n",
        "ratio_p": "estimate,p\n0.8,0.04\n1.2,<0.05\n",
    }
    for layout in MEASURES[code].layouts:
        assert parse_study_table(texts[layout], "t.csv", code).measure == code
    assert LAYOUTS.count("|") == 5
