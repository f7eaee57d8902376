"""Edge cases of pooling: stated behaviour, never a crash or NaN."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from secondhct.errors import PoolingError
from secondhct.stats.pooling import pool

Z975 = 1.959963984540054


def _no_nan(res: object) -> None:
    for f in dataclasses.fields(res):  # type: ignore[arg-type]
        v = getattr(res, f.name)
        if isinstance(v, float):
            assert math.isfinite(v), f.name


@pytest.mark.parametrize("test", ["z", "knha", "adhoc"])
def test_k1_is_the_study_itself(test: str) -> None:
    res = pool([0.4], [0.05], method="REML", test=test)  # type: ignore[arg-type]
    assert res.estimate == 0.4 and res.tau2 == 0 and res.test == "z"
    assert res.ci_lb == pytest.approx(0.4 - Z975 * math.sqrt(0.05), rel=1e-12)
    assert res.tau2_lb is None and res.i2 == 0 and res.q == 0
    assert any("k = 1" in n for n in res.notes)
    _no_nan(res)


def test_zero_variance_is_refused_with_the_study() -> None:
    with pytest.raises(PoolingError, match="study 2: sampling variance 0"):
        pool([0.1, 0.2, 0.3], [0.1, 0.0, 0.2])


def test_unknown_method_and_test_list_allowed_values() -> None:
    with pytest.raises(PoolingError, match="allowed: EE, DL, REML"):
        pool([0.1, 0.2], [0.1, 0.1], method="XX")  # type: ignore[arg-type]
    with pytest.raises(PoolingError, match="allowed: z, knha, adhoc"):
        pool([0.1, 0.2], [0.1, 0.1], test="t")  # type: ignore[arg-type]


def test_nonconvergence_falls_back_and_says_so() -> None:
    yi, vi = [0.1, 0.9, -0.5, 1.4], [0.02, 0.03, 0.05, 0.04]
    with pytest.raises(PoolingError, match="did not converge"):
        pool(yi, vi, method="REML", maxiter=1)
    with pytest.raises(PoolingError, match="root search did not converge"):
        pool(yi, vi, method="PM", maxiter=1)
    res = pool(yi, vi, method=("REML", "DL"), maxiter=1)
    dl = pool(yi, vi, method="DL")
    assert res.method == "DL" and res.tau2 == dl.tau2
    assert any("after REML failed" in n for n in res.notes)


def test_boundary_tau2_is_noted() -> None:
    res = pool([0.1, 0.11, 0.09], [0.1, 0.1, 0.1], method="DL")
    assert res.tau2 == 0 and any("boundary" in n for n in res.notes)


def test_identical_studies_knha_has_no_statistic_but_adhoc_does() -> None:
    knha = pool([0.2, 0.2, 0.2], [0.1, 0.2, 0.3], test="knha")
    assert knha.stat is None and knha.pval is None and any("scale factor is 0" in n for n in knha.notes)
    adhoc = pool([0.2, 0.2, 0.2], [0.1, 0.2, 0.3], test="adhoc")
    assert adhoc.stat is not None and adhoc.ci_ub > adhoc.ci_lb
    _no_nan(adhoc)


finite = st.floats(-3, 3, allow_nan=False)
variances = st.floats(1e-3, 2.0, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(finite, variances), min_size=2, max_size=12), st.sampled_from(["DL", "REML", "PM", "EB"]))
def test_adhoc_never_narrower_than_z_and_no_nan(studies: list[tuple[float, float]], method: str) -> None:
    yi, vi = np.array(studies).T
    z = pool(yi, vi, method=method, test="z")  # type: ignore[arg-type]
    adhoc = pool(yi, vi, method=method, test="adhoc")  # type: ignore[arg-type]
    assert adhoc.ci_ub - adhoc.ci_lb >= (z.ci_ub - z.ci_lb) * (1 - 1e-12)
    assert adhoc.estimate == pytest.approx(z.estimate, rel=1e-12, abs=1e-15)
    _no_nan(z)
    _no_nan(adhoc)
    if method == "PM":  # Q(tau2_PM) = k - 1 lies between the chi^2 quantiles: inside its Q-profile CI
        assert z.tau2_lb is not None and z.tau2_ub is not None
        assert z.tau2_lb <= z.tau2 + 1e-9 and z.tau2 <= z.tau2_ub + 1e-9


def test_oscillating_fisher_scoring_is_damped_as_metafor_suggests() -> None:
    # metafor 3.8 stops ("Fisher scoring algorithm did not converge"); with
    # control=list(stepadj=0.5) it gives tau^2 = 0.25 exactly, as we do.
    res = pool([0, 0, 0, 0, 0, 1.5], [1, 1, 1, 1, 1, 0.25], method="REML")
    assert res.tau2 == pytest.approx(0.25, rel=1e-9)
    assert any("step length 0.5" in n for n in res.notes)
