"""The vectorised permutation test (stats/permutation.py) against looping the exact meta-regression."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from secondhct.stats.permutation import COMPTOL, distinct_permutations, permutation_test, qm_columns
from secondhct.stats.rma import fit_rma

RNG = np.random.default_rng(7)
K = 8
Y = RNG.normal(0.3, 0.4, K)
V = RNG.uniform(0.02, 0.2, K)
X = np.column_stack([np.ones(K), [0, 0, 0, 1, 1, 1, 1, 0]])


def test_qm_is_the_exact_meta_regression_statistic() -> None:
    assert qm_columns(Y[:, None], V[:, None], X)[0] == pytest.approx(fit_rma(Y, V, X, method="DL").qm, rel=1e-10)


def test_exact_enumeration_matches_a_loop_over_every_distinct_design() -> None:
    observed = fit_rma(Y, V, X, method="DL").qm
    designs = {X[list(p)].tobytes(): X[list(p)] for p in itertools.permutations(range(K))}
    looped = [fit_rma(Y, V, d, method="DL").qm for d in designs.values()]
    result = permutation_test(Y, V, X)
    assert distinct_permutations(X) == len(designs) == 70 == result.permutations and result.exact
    assert result.qm == pytest.approx(observed, rel=1e-10)
    assert result.pval == pytest.approx(np.mean(np.array(looped) >= observed - COMPTOL), abs=1e-15)


def test_a_seeded_sample_when_there_are_too_many_permutations() -> None:
    first = permutation_test(Y, V, X, iter=50, seed=3)
    assert not first.exact and first.permutations == 50 and first.seed == 3
    assert permutation_test(Y, V, X, iter=50, seed=3) == first
