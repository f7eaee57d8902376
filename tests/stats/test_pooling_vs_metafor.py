"""Every number of secondhct's effect sizes and pooling against R's metafor.

Reference values: ``tests/reference/metafor_reference.json``, written by
``tests/reference/make_metafor_reference.R`` (see the README beside them for versions,
options and the deliberate differences from metafor).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from secondhct.measures import MEASURES as MEASURE_TABLE
from secondhct.measures import transf_iarcsin, transf_ilogit, transf_ipft_hm
from secondhct.stats.escalc import escalc_proportions, ratio_from_ci
from secondhct.stats.pooling import pool

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "reference"
REFERENCE_JSON = REFERENCE_DIR / "metafor_reference.json"
REFERENCE_SCRIPT = REFERENCE_DIR / "make_metafor_reference.R"

#: Closed-form quantities (escalc, back-transformations; EE, DL, HS, HE, SJ fits): the
#: same formulas in double precision; only summation order differs.
RTOL_CLOSED = 1e-10
#: Iterative quantities (REML/ML/EB Fisher scoring stopped at |change in tau^2| < 1e-10;
#: PM and the Q-profile bounds found by root finding to 1e-12 absolute, in both R and
#: Python) and everything computed from them.  Well inside the required 1e-6.
RTOL_ITERATIVE = 1e-8
#: Absolute floor for values that are 0 in one implementation and ~1e-12 in the other
#: (EB approaches the boundary tau^2 = 0 by step halving and stops within the threshold).
ATOL = 1e-10

CLOSED_FORM_METHODS = {"EE", "DL", "HS", "HE", "SJ"}
COMPARED_FIELDS = (
    "k", "estimate", "se", "stat", "pval", "ci_lb", "ci_ub", "pi_lb", "pi_ub",
    "tau2", "tau2_se", "tau2_lb", "tau2_ub", "i2", "i2_lb", "i2_ub", "h2", "h2_lb", "h2_ub",
    "q", "q_p",
)  # fmt: skip

COUNT_DATASETS = ("zeros", "k2", "homog", "hetero", "allzero")
GEN_DATASETS = ("gen", "loghr", "k1")
MEASURES = ("PLO", "PAS", "PFT", "PR", "PLN")
METHODS = ("EE", "DL", "REML", "ML", "PM", "HS", "SJ", "HE", "EB")
TESTS = ("z", "knha", "adhoc")


def _load() -> dict:
    with REFERENCE_JSON.open(encoding="utf-8") as fh:
        return json.load(fh)


REF = _load()


def _inputs(case: dict) -> tuple[np.ndarray, np.ndarray]:
    ds = REF["datasets"][case["dataset"]]
    if case["measure"] == "GEN":
        return np.array(ds["yi"]), np.array(ds["vi"])
    yi, vi, _ = escalc_proportions(case["measure"], ds["xi"], ds["ni"])
    return yi, vi


def test_reference_covers_the_full_grid() -> None:
    expected = set(itertools.product(COUNT_DATASETS, MEASURES, METHODS, TESTS)) | set(
        itertools.product(GEN_DATASETS, ("GEN",), METHODS, TESTS)
    )
    got = {(c["dataset"], c["measure"], c["method"], c["test"]) for c in REF["cases"].values()}
    assert got == expected


@pytest.mark.parametrize("case_id", sorted(REF["cases"]))
def test_pool_matches_metafor(case_id: str) -> None:
    case = REF["cases"][case_id]
    yi, vi = _inputs(case)
    res = pool(yi, vi, method=case["method"], test=case["test"])
    rtol = RTOL_CLOSED if case["method"] in CLOSED_FORM_METHODS else RTOL_ITERATIVE
    for name in COMPARED_FIELDS:
        want, got = case[name], getattr(res, name)
        if want is None:
            # metafor gives NA: no CI for tau^2 under EE or k = 1 (confint stops), no
            # test statistic when the Knapp-Hartung factor is 0.  We give None too.
            assert got is None, f"{name}: metafor NA, secondhct {got}"
            continue
        assert got is not None, f"{name}: metafor {want}, secondhct None"
        np.testing.assert_allclose(got, want, rtol=rtol, atol=ATOL, err_msg=name)
    np.testing.assert_allclose(res.weights, case["weights"], rtol=rtol, atol=ATOL, err_msg="weights")
    assert res.method == case["method"] and res.k == case["k"]


@pytest.mark.parametrize("key", sorted(REF["escalc"]))
def test_escalc_matches_metafor(key: str) -> None:
    dataset, measure = key.split("/")
    ds = REF["datasets"][dataset]
    yi, vi, _ = escalc_proportions(measure, ds["xi"], ds["ni"])
    np.testing.assert_allclose(yi, REF["escalc"][key]["yi"], rtol=RTOL_CLOSED, atol=0)
    np.testing.assert_allclose(vi, REF["escalc"][key]["vi"], rtol=RTOL_CLOSED, atol=0)


def test_log_hr_from_ci_matches_r() -> None:
    ds = REF["datasets"]["loghr"]
    es = [ratio_from_ci(e, lo, up, "HR") for e, lo, up in zip(ds["hr_est"], ds["hr_lower"], ds["hr_upper"])]
    np.testing.assert_allclose([e.yi for e in es], ds["yi"], rtol=RTOL_CLOSED)
    np.testing.assert_allclose([e.vi for e in es], ds["vi"], rtol=RTOL_CLOSED)


def test_backtransforms_match_metafor() -> None:
    bt = REF["backtransforms"]
    np.testing.assert_allclose(transf_ilogit(bt["ilogit"]["x"]), bt["ilogit"]["y"], rtol=RTOL_CLOSED)
    np.testing.assert_allclose(transf_iarcsin(bt["iarcsin"]["x"]), bt["iarcsin"]["y"], rtol=RTOL_CLOSED)
    got = transf_ipft_hm(bt["ipft_hm"]["x"], bt["ipft_hm"]["ni"])
    np.testing.assert_allclose(got, bt["ipft_hm"]["y"], rtol=RTOL_CLOSED)
    _, warning = MEASURE_TABLE["PFT"].natural(bt["ipft_hm"]["x"], bt["ipft_hm"]["ni"])
    assert warning is not None and "discouraged" in warning


@pytest.mark.slow
@pytest.mark.metafor
def test_reference_json_regenerates_identically(tmp_path: Path) -> None:
    """The committed JSON is exactly what the committed R script produces."""
    from reference_scripts import regenerate

    assert regenerate(REFERENCE_SCRIPT, tmp_path / "metafor_reference.json") == REF
