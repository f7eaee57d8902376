"""The summary survival curve (secondhct.stats.curve) against metafor's rma.mv, and its refusals.

Reference values: ``tests/reference/curve_reference.json``, written by
``tests/reference/make_curve_reference.R`` from the datasets of ``curve_datasets.R``
(optimiser settings and the polishing of tau^2: ``tests/reference/README.md``).

R code of one case (the script does this for every dataset, method and time model)::

    w <- ifelse(is.na(se), (1 - S) / (n * S), (se / S)^2); yi <- log(-log(S))
    res <- rma.mv(yi, V, mods = log(t), random = ~ 1 | study, method = "REML",
                  sigma2 = <tau^2 polished by solving the score equation>)
    predict(res, newmods = log(c(1, 2, 3, 5)))
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from reference_scripts import regenerate
from secondhct.errors import PoolingError
from secondhct.stats.curve import CurveRow, fit_curve, predict, prepare_curve

REFERENCE_DIR = Path(__file__).parents[1] / "reference"
REFERENCE_JSON = REFERENCE_DIR / "curve_reference.json"
REFERENCE_SCRIPT = REFERENCE_DIR / "make_curve_reference.R"
REF = json.loads(REFERENCE_JSON.read_text(encoding="utf-8"))

#: Both sides solve the same score equation: ours to ~1e-14 (Brent on the analytic score),
#: R's to ~1e-10 (uniroot on a Richardson derivative of metafor's logLik); 1e-6 as asked.
RTOL = 1e-6
#: Absolute floor for quantities that are 0 or near it (tau^2 at the boundary, a coefficient
#: near 0): the numerical derivative at tau^2 = 0 decides the boundary, values there are 0.
ATOL = 1e-9
#: y and V are closed-form: only rounding differs.
RTOL_EXACT = 1e-12
#: rma.mv's own optimum (nlminb, rel.tol = 1e-10) before polishing: 1e-9 to 1.2e-6 relative
#: off the root of the score (categorical/ML is the worst), ~1e-11 instead of 0 at the
#: boundary (it optimises log sigma^2) -- the reason the reference polishes tau^2.
RTOL_OPTIMIZER = 1e-5
ATOL_OPTIMIZER = 1e-9

DATASETS = {"one_report", "two_reports", "one_time_each", "hetero_crude", "categorical", "homog", "one_time", "invalid"}


def rows_of(ds: dict) -> list[CurveRow]:
    return [CurveRow(study=s, time=t, surv=S, n=n, se=se) for s, t, S, n, se in zip(ds["study"], ds["time_years"], ds["surv"], ds["n"], ds["se"])]


def test_reference_grid_is_complete() -> None:
    assert set(REF["datasets"]) == DATASETS
    cases = REF["cases"].values()
    assert {c["method"] for c in cases} == {"REML", "ML"}
    assert {(c["dataset"], c["time_model"]) for c in cases} == {
        ("one_report", "weibull"), ("two_reports", "weibull"), ("one_time_each", "weibull"), ("hetero_crude", "weibull"),
        ("hetero_crude", "categorical"), ("categorical", "weibull"), ("categorical", "categorical"), ("homog", "weibull"),
        ("one_time", "categorical"),
    }  # fmt: skip
    assert len(REF["cases"]) == 18
    # the grid exercises interior solutions and the boundary
    assert any(c["tau2"] == 0 for c in cases) and sum(c["tau2"] > 0 for c in cases) >= 8
    # a crude row (no SE) in the heterogeneous set
    assert None in REF["datasets"]["hetero_crude"]["se"]


@pytest.mark.parametrize("name", sorted(DATASETS - {"invalid"}))
def test_y_and_v_match_r(name: str) -> None:
    ds = REF["datasets"][name]
    data = prepare_curve(rows_of(ds))
    np.testing.assert_allclose(data.yi, ds["yi"], rtol=RTOL_EXACT)
    np.testing.assert_allclose(data.V, np.array(ds["V"]), rtol=RTOL_EXACT, atol=0)
    assert data.approximate == tuple(se is None for se in ds["se"])


@pytest.mark.parametrize("case_id", sorted(REF["cases"]))
def test_fit_matches_rma_mv(case_id: str) -> None:
    case = REF["cases"][case_id]
    fit = fit_curve(rows_of(REF["datasets"][case["dataset"]]), method=case["method"], time_model=case["time_model"])
    assert fit.coef_names == tuple(case["coef_names"])
    assert fit.tau2 == pytest.approx(case["tau2"], rel=RTOL, abs=ATOL)
    assert fit.tau2 == pytest.approx(case["tau2_optimizer"], rel=RTOL_OPTIMIZER, abs=ATOL_OPTIMIZER)
    for ours, theirs in [("beta", "beta"), ("se", "se"), ("zval", "zval"), ("pval", "pval"), ("ci_lb", "ci_lb"), ("ci_ub", "ci_ub")]:
        np.testing.assert_allclose(getattr(fit, ours), case[theirs], rtol=RTOL, atol=ATOL, err_msg=ours)
    assert fit.qe == pytest.approx(case["QE"], rel=RTOL)
    assert fit.qe_df == case["QE_df"]
    assert fit.qe_p == pytest.approx(case["QE_p"], rel=RTOL)
    assert fit.loglik == pytest.approx(case["logLik"], rel=RTOL, abs=ATOL)
    # ours is the root of the score (or the boundary with a non-positive score)
    assert abs(fit.score) < 1e-8 or (fit.tau2 == 0 and fit.score <= 0)


@pytest.mark.parametrize("case_id", sorted(REF["cases"]))
def test_predictions_match_predict_rma(case_id: str) -> None:
    case = REF["cases"][case_id]
    fit = fit_curve(rows_of(REF["datasets"][case["dataset"]]), method=case["method"], time_model=case["time_model"])
    pred = predict(fit, REF["source"]["times"])
    assert [p.time for p in pred.predictions] == case["pred_times"]
    assert list(pred.omitted) == case["omitted_times"]
    s = lambda eta: math.exp(-math.exp(eta))
    for j, p in enumerate(pred.predictions):
        assert p.eta == pytest.approx(case["pred"][j], rel=RTOL, abs=ATOL)
        assert p.se == pytest.approx(case["pred_se"][j], rel=RTOL)
        # S = exp(-exp(eta)) decreases in eta: the lower S bound is the upper eta bound
        expected = [s(case["pred"][j]), s(case["pred_ci_ub"][j]), s(case["pred_ci_lb"][j]), s(case["pred_pi_ub"][j]), s(case["pred_pi_lb"][j])]
        got = [p.surv, p.surv_ci_lb, p.surv_ci_ub, p.surv_pi_lb, p.surv_pi_ub]
        np.testing.assert_allclose(got, expected, rtol=RTOL)
        assert p.surv_pi_lb <= p.surv_ci_lb < p.surv < p.surv_ci_ub <= p.surv_pi_ub


def test_invalid_set_is_refused_naming_the_report() -> None:
    with pytest.raises(PoolingError, match=r"report 'b'.*must increase with time"):
        prepare_curve(rows_of(REF["datasets"]["invalid"]))


@pytest.mark.slow
@pytest.mark.metafor
def test_reference_json_regenerates_identically(tmp_path: Path) -> None:
    out = tmp_path / "curve_reference.json"
    assert regenerate(REFERENCE_SCRIPT, out) == REF
    assert out.read_text(encoding="utf-8") == REFERENCE_JSON.read_text(encoding="utf-8")
