"""Properties of the summary survival curve that no reference software checks: refusals,
plateaus, order invariance, the score at the solution, flags and what is never predicted."""

from __future__ import annotations

import numpy as np
import pytest

from secondhct.errors import PoolingError
from secondhct.stats.curve import CurveRow, Likelihood, design, fit_curve, predict, prepare_curve

ROWS = [
    CurveRow("a", 1, 0.60, 50, 0.070), CurveRow("a", 2, 0.45, 50, 0.072), CurveRow("a", 5, 0.30, 50, 0.068),
    CurveRow("b", 1, 0.50, 30), CurveRow("b", 3, 0.30, 30), CurveRow("c", 2, 0.50, 80, 0.056),
    CurveRow("d", 1, 0.75, 40), CurveRow("d", 2, 0.55, 40), CurveRow("e", 3, 0.20, 25),
]  # fmt: skip


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([CurveRow("a", 1, 1.0, 50), CurveRow("b", 2, 0.5, 50)], r"report 'a', 1 years: survival 1 is outside \(0, 1\)"),
        ([CurveRow("a", 1, 0.0, 50)], r"survival 0 is outside"),
        ([CurveRow("a", 0, 0.5, 50)], r"report 'a', 0 years: time must be a positive"),
        ([CurveRow("a", 1, 0.5, None)], r"no se, so n \(patients\) is needed"),
        ([CurveRow("a", 1, 0.5, 50, 0.0)], r"se 0 is not a positive number"),
        ([CurveRow("a", 1, 0.6, 50), CurveRow("a", 1, 0.5, 50)], r"report 'a': two values at 1 years"),
        ([CurveRow("a", 1, 0.5, 50), CurveRow("a", 2, 0.6, 50)], r"report 'a': survival rises"),
        ([CurveRow("b", 1, 0.6, 40, 0.077), CurveRow("b", 3, 0.4, 40, 0.03)], r"report 'b': Var\(log S\) = .* must increase with time"),
        ([], r"no survival rows"),
    ],
)
def test_refusals_name_the_report(rows: list[CurveRow], message: str) -> None:
    with pytest.raises(PoolingError, match=message):
        prepare_curve(rows)


def test_plateau_keeps_the_earlier_row_and_says_so() -> None:
    rows = [CurveRow("a", 1, 0.7, 50, line=2), CurveRow("a", 2, 0.7, 50, line=3), CurveRow("a", 3, 0.5, 50, line=4)]
    data = prepare_curve(rows)
    assert [r.time for r in data.rows] == [1, 3] and [r.time for r in data.dropped] == [2]
    assert any("report 'a': S = 0.7 at 1 and 2 years (lines 2 and 3), a plateau: kept the earlier row" in n for n in data.notes)


def test_row_order_does_not_matter() -> None:
    shuffled = [ROWS[i] for i in (8, 3, 0, 6, 2, 5, 1, 7, 4)]
    a, b = fit_curve(ROWS), fit_curve(shuffled)
    assert a.tau2 == pytest.approx(b.tau2, rel=1e-12)
    np.testing.assert_allclose(a.beta, b.beta, rtol=1e-12)


def test_covariance_is_greenwood_within_reports_only() -> None:
    data = prepare_curve(ROWS)
    assert data.V[0, 3] == 0 and data.V[2, 3] == 0  # a and b are different reports
    w0 = (0.07 / 0.6) ** 2
    assert data.V[0, 2] == pytest.approx(w0 / (np.log(0.6) * np.log(0.3)), rel=1e-14)
    assert np.all(np.linalg.eigvalsh(data.V) > 0)


@pytest.mark.parametrize("method", ["REML", "ML"])
def test_tau2_is_the_root_of_the_score_and_the_maximum(method: str) -> None:
    fit = fit_curve(ROWS, method=method)
    X, _, _ = design(fit.data, "weibull")
    lik = Likelihood(fit.data, X)
    # the score changes sign within 1e-10 relative of the solution
    assert lik.at(fit.tau2 * (1 - 1e-10), f"score_{method.lower()}") > 0 > lik.at(fit.tau2 * (1 + 1e-10), f"score_{method.lower()}")
    # and it is the maximum over a fine grid
    grid = np.linspace(0, 1, 2001)
    assert lik.evaluate(grid)[method.lower()].max() <= fit.loglik + 1e-12
    # the analytic score is the derivative of the log-likelihood
    h = 1e-6
    numeric = (lik.at(0.05 + h, method.lower()) - lik.at(0.05 - h, method.lower())) / (2 * h)
    assert lik.at(0.05, f"score_{method.lower()}") == pytest.approx(numeric, rel=1e-6)


def test_a_rising_curve_is_flagged() -> None:
    rows = [CurveRow("a", 1, 0.3, 80), CurveRow("b", 3, 0.7, 80), CurveRow("c", 2, 0.5, 80)]
    fit = fit_curve(rows)
    assert not fit.curve_decreasing and fit.beta[1] <= 0
    assert any("does not decrease" in n for n in fit.notes)
    assert any("one time point per report" in n for n in fit.notes)


def test_never_predicts_outside_the_reported_times() -> None:
    fit = fit_curve(ROWS)
    pred = predict(fit, (0.5, 1, 2, 5, 5.0000000001, 6))
    assert [p.time for p in pred.predictions] == [1, 2, 5, 5.0000000001] and pred.omitted == (0.5, 6)
    cat = predict(fit_curve(ROWS, time_model="categorical"), (1, 1.5, 2, 4))
    assert [p.time for p in cat.predictions] == [1, 2] and cat.omitted == (1.5, 4)


def test_one_report_fixes_tau2_at_zero_and_too_few_rows_are_refused() -> None:
    fit = fit_curve(ROWS[:3])
    assert fit.tau2 == 0 and any("tau^2 fixed at 0" in n for n in fit.notes)
    with pytest.raises(PoolingError, match="2 row"):
        fit_curve(ROWS[:1] + ROWS[3:4])
    with pytest.raises(PoolingError, match="same time"):
        fit_curve([CurveRow("a", 2, 0.5, 50), CurveRow("b", 2, 0.4, 50), CurveRow("c", 2, 0.6, 50)])
    with pytest.raises(PoolingError, match="time model 'spline'"):
        fit_curve(ROWS, time_model="spline")
    with pytest.raises(PoolingError, match="method 'DL'"):
        fit_curve(ROWS, method="DL")
