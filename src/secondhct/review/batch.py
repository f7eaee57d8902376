"""The batch analyses an analysis's ``batch:`` block asks for: a permutation test of each subgroup
factor's test for subgroup differences and a GOSH plot, fitted with the vectorised estimators of
:mod:`secondhct.stats.permutation` and :mod:`secondhct.stats.batch` (PyMARE).

Pure: effects in, results out. The permutation test uses the analysis's test (z, knha or adhoc)
with the closed-form tau^2 the protocol names (DL by default); its p-value is the share of
permutations whose statistic reaches the observed one (metafor's ``permutest``). GOSH refits
every subset of 2 or more reports (up to :data:`~secondhct.stats.batch.GOSH_MAX_K`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import PoolingError
from ..protocol.load import Plan
from ..stats.batch import GOSH_MAX_K, BatchMethod, Gosh
from ..stats.permutation import PermutationTest
from .effects import StudyEffect

#: Below this many reports a GOSH plot has at most 4 subsets of 2 or more: nothing to see.
MIN_K_GOSH = 3
VECTORISED_METHODS: tuple[BatchMethod, ...] = ("DL", "HE", "REML")


@dataclass(frozen=True)
class GoshResult:
    """A GOSH analysis: the estimator, the fits of every subset (None: not computed) and why not."""

    method: str
    fits: Gosh | None
    keys: tuple[str, ...]
    note: str = ""


def gosh_method(plan: Plan) -> BatchMethod:
    """The protocol's GOSH estimator, else the analysis's when it can be vectorised, else DL."""
    spec = plan.analysis.batch.gosh if plan.analysis.batch is not None else None
    if spec is not None and spec.method is not None:
        return spec.method
    return next((m for m in VECTORISED_METHODS if m == plan.method), "DL")


def gosh_for(plan: Plan, effects: Sequence[StudyEffect]) -> GoshResult | None:
    """The GOSH fits the protocol asks for (None when it does not ask)."""
    from ..stats.batch import gosh

    if plan.analysis.batch is None or plan.analysis.batch.gosh is None:
        return None
    method, k, keys = gosh_method(plan), len(effects), tuple(e.key for e in effects)
    if k < MIN_K_GOSH:
        return GoshResult(method, None, keys, f"not drawn: {k} report(s), a GOSH plot needs at least {MIN_K_GOSH}")
    if k > GOSH_MAX_K:
        return GoshResult(method, None, keys, f"not drawn: {k} reports give {2**k - 1:,} subsets; at most {GOSH_MAX_K} reports are enumerated")
    try:
        return GoshResult(method, gosh([e.effect.yi for e in effects], [e.effect.vi for e in effects], method), keys)
    except PoolingError as exc:
        return GoshResult(method, None, keys, f"not drawn: {exc}")


def permutation_for(plan: Plan, yi: Sequence[float], vi: Sequence[float], groups: Sequence[str]) -> tuple[PermutationTest | None, str]:
    """The permutation test of the subgroup factor ``groups`` the protocol asks for ((None, "") when it does not)."""
    from ..stats.permutation import permutation_test
    from ..stats.subgroups import subgroup_design

    spec = plan.analysis.batch.permutation if plan.analysis.batch is not None else None
    if spec is None:
        return None, ""
    X, _ = subgroup_design(groups)
    try:
        return permutation_test(yi, vi, X, method=spec.method, test=plan.test, iter=spec.iterations, seed=spec.seed), ""
    except PoolingError as exc:
        return None, f"permutation test not computed: {exc}"
