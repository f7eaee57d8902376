"""The vectorised permutation test (stats/permutation.py) against looping the exact meta-regression."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from secondhct.errors import PoolingError
from secondhct.stats.permutation import COMPTOL, distinct_orders, distinct_permutations, permutation_test, qm_columns
from secondhct.stats.rma import fit_rma

RNG = np.random.default_rng(7)
K = 8
Y = RNG.normal(0.3, 0.4, K)
V = RNG.uniform(0.02, 0.2, K)
X = np.column_stack([np.ones(K), [0, 0, 0, 1, 1, 1, 1, 0]])


@pytest.mark.parametrize("method", ["DL", "HE"])
@pytest.mark.parametrize("test", ["z", "knha", "adhoc"])
def test_qm_is_the_exact_meta_regression_statistic(method: str, test: str) -> None:
    got = qm_columns(Y[:, None], V[:, None], X, method, test)[0]  # type: ignore[arg-type]
    assert got == pytest.approx(fit_rma(Y, V, X, method=method, test=test).qm, rel=1e-10)  # type: ignore[arg-type]


def test_reml_is_refused_for_the_permutation_test() -> None:
    with pytest.raises(PoolingError, match="closed-form"):
        permutation_test(Y, V, X, method="REML")


def test_exact_enumeration_matches_a_loop_over_every_distinct_design() -> None:
    observed = fit_rma(Y, V, X, method="DL").qm
    designs = {X[list(p)].tobytes(): X[list(p)] for p in itertools.permutations(range(K))}
    looped = [fit_rma(Y, V, d, method="DL").qm for d in designs.values()]
    result = permutation_test(Y, V, X)
    assert distinct_permutations(X) == len(designs) == 70 == result.permutations and result.exact
    assert result.qm == pytest.approx(observed, rel=1e-10)
    assert result.pval == pytest.approx(np.mean(np.array(looped) >= observed - COMPTOL), abs=1e-15)


def test_given_permutations_are_fitted_as_given() -> None:
    rng = np.random.default_rng(11)
    orders = np.vstack([np.arange(K), *(rng.permutation(K) for _ in range(30))])
    result = permutation_test(Y, V, X, test="adhoc", permutations=orders)
    looped = np.array([fit_rma(Y, V, X[o], method="DL", test="adhoc").qm for o in orders])
    np.testing.assert_allclose(result.distribution, looped, rtol=1e-10)
    assert not result.exact and result.seed is None and result.pval == np.mean(looped >= result.qm - COMPTOL)


def test_a_seeded_sample_when_there_are_too_many_permutations() -> None:
    first = permutation_test(Y, V, X, iter=50, seed=3)
    assert not first.exact and first.permutations == 50 and first.seed == 3
    assert permutation_test(Y, V, X, iter=50, seed=3) == first


@pytest.mark.parametrize("labels", [[0, 0, 1, 1, 1], [2, 0, 1, 0, 2, 1, 0], [0, 1, 2, 3], [1, 1, 1, 0]])
def test_distinct_orders_are_every_distinct_design_once(labels: list[int]) -> None:
    label = np.array(labels)
    orders = distinct_orders(label)
    designs = {tuple(label[list(p)]) for p in itertools.permutations(range(len(label)))}
    assert len(orders) == len(designs) == len({tuple(label[o]) for o in orders})
    assert (np.sort(orders, axis=1) == np.arange(len(label))).all()  # each a permutation of the rows
