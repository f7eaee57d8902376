"""Vectorised leave-one-out and GOSH fits (stats/batch.py) agree with the exact estimator."""

from __future__ import annotations

import numpy as np
import pytest

from secondhct.errors import PoolingError
from secondhct.stats.batch import gosh, leave_one_out
from secondhct.stats.pooling import pool

RTOL = 1e-10  # closed-form estimators: rounding only
RTOL_REML = 1e-6  # PyMARE's REML search (stats/batch.py): observed <= 2e-7 against Fisher scoring at 1e-10
RNG = np.random.default_rng(20261201)
Y = RNG.normal(0.3, 0.5, 9)
V = RNG.uniform(0.01, 0.2, 9)


def _agree(fit: object, j: int, exact: object, rtol: float = RTOL, atol: float = 1e-13) -> None:
    for name in ("estimate", "se", "tau2", "q", "i2"):
        assert getattr(fit, name)[j] == pytest.approx(getattr(exact, name), rel=rtol if name != "q" else RTOL, abs=atol), name


@pytest.mark.parametrize("method", ["DL", "HE"])
def test_gosh_fits_every_subset_as_the_exact_estimator(method: str) -> None:
    result = gosh(Y, V, method)  # type: ignore[arg-type]
    assert result.members.shape == (2**9 - 1, 9) and len({r.tobytes() for r in result.members}) == 511
    assert result.fit.k.tolist() == result.members.sum(axis=1).tolist()
    for j in range(0, 511, 7):
        m = result.members[j]
        if m.sum() == 1:
            assert result.fit.tau2[j] == 0 and result.fit.estimate[j] == Y[m][0] and result.fit.i2[j] == 0
            continue
        _agree(result.fit, j, pool(Y[m], V[m], method=method, test="z"))  # type: ignore[arg-type]


def test_gosh_reml_agrees_with_the_exact_reml_to_its_search_tolerance() -> None:
    result = gosh(Y, V, "REML")
    for j in range(0, 511, 5):
        m = result.members[j]
        if m.sum() > 1:  # near tau^2 = 0 Fisher scoring stops within its threshold 1e-10 of 0
            _agree(result.fit, j, pool(Y[m], V[m], method="REML", test="z"), RTOL_REML, 1e-8)


def test_leave_one_out_omits_study_i_in_column_i() -> None:
    fit = leave_one_out(Y, V)
    for i in range(len(Y)):
        keep = np.arange(len(Y)) != i
        _agree(fit, i, pool(Y[keep], V[keep], method="DL", test="z"))


def test_gosh_refuses_more_than_15_studies() -> None:
    with pytest.raises(PoolingError, match="k must be 1 to 15"):
        gosh(np.zeros(16), np.ones(16))
