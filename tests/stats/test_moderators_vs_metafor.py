"""Subgroup tests, meta-regression, leave-one-out and cumulative analyses against metafor."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from secondhct.stats.escalc import escalc_proportions
from secondhct.stats.models import FitOptions
from secondhct.stats.sensitivity import cumulative, leave_one_out
from secondhct.stats.subgroups import meta_regression, subgroup_analysis, subgroup_design

REF = json.loads((Path(__file__).resolve().parents[1] / "reference" / "metafor_reference.json").read_text(encoding="utf-8"))

#: Same tolerances as tests/stats/test_pooling_vs_metafor.py: REML/PM are iterative (tau^2
#: converged to 1e-10 / 1e-12 in both implementations); EE and DL are closed-form.
RTOL = 1e-8
ATOL = 1e-10
MOD_METHODS = ("EE", "DL", "REML", "PM")
TESTS = ("z", "knha", "adhoc")


def _hetero() -> tuple[np.ndarray, np.ndarray]:
    ds = REF["datasets"]["hetero"]
    yi, vi, _ = escalc_proportions("PLO", ds["xi"], ds["ni"])
    return yi, vi


def _gen() -> tuple[np.ndarray, np.ndarray]:
    ds = REF["datasets"]["gen"]
    return np.array(ds["yi"]), np.array(ds["vi"])


def _close(got: object, want: object, name: str) -> None:
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float), rtol=RTOL, atol=ATOL, err_msg=name)


def test_moderator_grids_are_complete() -> None:
    expected = {f"{m}/{t}" for m, t in itertools.product(MOD_METHODS, TESTS)}
    assert set(REF["subgroups"]) == expected and set(REF["metareg"]) == expected
    expected_seq = {f"{m}/{t}" for m, t in itertools.product(("DL", "REML"), TESTS)}
    assert set(REF["leave1out"]) == expected_seq and set(REF["cumul"]) == expected_seq


def _check_fit(fit, case: dict) -> None:  # type: ignore[no-untyped-def]
    _close(fit.beta, case["beta"], "beta")
    _close(fit.se, case["se"], "se")
    _close(fit.qm, case["qm"], "QM")
    _close(fit.qm_p, case["qm_p"], "QMp")
    assert fit.qm_df[0] == case["qm_df"][0]
    assert (fit.qm_df[1] is None) == (case["qm_df"][1] is None)
    for name in ("tau2", "q", "q_p", "i2", "h2"):
        _close(getattr(fit, name), case[name], name)


@pytest.mark.parametrize("case_id", sorted(REF["subgroups"]))
def test_subgroup_moderator_test_matches_metafor(case_id: str) -> None:
    case = REF["subgroups"][case_id]
    yi, vi = _hetero()
    groups = REF["moderators"]["group_hetero"]
    X, levels = subgroup_design(groups)
    assert levels == ("a", "b", "c")
    _check_fit(meta_regression(yi, vi, X, method=case["method"], test=case["test"]), case)
    res = subgroup_analysis(yi, vi, groups, method=case["method"], options=FitOptions(test=case["test"], fallback=False))
    assert res.test is not None
    _close(res.test.q, case["qm"], "subgroup Q")
    _close(res.test.p, case["qm_p"], "subgroup p")
    assert res.test.distribution == ("chi2" if case["test"] == "z" else "F")
    assert sum(r.k for r in res.results.values()) == len(groups)


@pytest.mark.parametrize("case_id", sorted(REF["metareg"]))
def test_meta_regression_on_year_matches_metafor(case_id: str) -> None:
    case = REF["metareg"][case_id]
    yi, vi = _gen()
    year = np.array(REF["moderators"]["year_gen"])
    _check_fit(meta_regression(yi, vi, np.column_stack([np.ones(yi.size), year]), method=case["method"], test=case["test"]), case)


SEQ_FIELDS = ("estimate", "se", "pval", "ci_lb", "ci_ub", "q", "q_p", "tau2", "i2", "h2")


@pytest.mark.parametrize("case_id", sorted(REF["leave1out"]))
def test_leave_one_out_matches_metafor(case_id: str) -> None:
    case = REF["leave1out"][case_id]
    yi, vi = _hetero()
    res = leave_one_out(yi, vi, method=case["method"], options=FitOptions(test=case["test"], fallback=False))
    for name in SEQ_FIELDS:
        _close(res.column(name), case[name], name)


@pytest.mark.parametrize("case_id", sorted(REF["cumul"]))
def test_cumulative_newest_first_matches_metafor(case_id: str) -> None:
    case = REF["cumul"][case_id]
    yi, vi = _gen()
    year = np.array(REF["moderators"]["year_gen"])
    res = cumulative(yi, vi, -year, method=case["method"], options=FitOptions(test=case["test"], fallback=False))
    # ties (two studies in 2003) keep input order, as R's order()
    assert list(res.index[:3]) == [9, 8, 7]
    for name in SEQ_FIELDS:
        _close(res.column(name), case[name], name)
