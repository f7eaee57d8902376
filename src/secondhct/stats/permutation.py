r"""Permutation test of the moderators of a meta-regression (subgroup differences included),
as metafor's ``permutest`` for ``rma.uni``, with all refits in one PyMARE pass.

The observed omnibus statistic :math:`Q_M = b_s^\top \mathrm{Var}(b_s)^{-1} b_s` (every
coefficient but the intercept; under the Knapp-Hartung tests ``knha`` and ``adhoc`` the F
statistic :math:`Q_M / (m s^2)` with :math:`s^2 = \sum w_i (y_i - x_i b)^2 / (k - p)`, truncated
below at 1 for ``adhoc``, as ``rma.uni`` reports it) is compared with its values when the rows of the moderator
matrix are permuted, which is the same as permuting the (y_i, v_i) pairs against a fixed X:
so every permutation is one column of a (k, d) matrix and PyMARE fits them all at once.
The p-value is :math:`\#\{Q_M^{(j)} \ge Q_M - \epsilon\} / d` with
:math:`\epsilon = \sqrt{\text{machine epsilon}}`, the identity among the d permutations
(metafor's definition). Exact when the number of distinct row permutations of X is at most
``iter`` (all of them, enumerated), else ``iter`` permutations drawn with numpy's seeded
generator (the first is the identity), or the row orders given as ``permutations`` (e.g. the
ones metafor drew, to compare like with like). DL and HE only: their tau^2 is closed-form, so
each Q_M is exact to rounding; PyMARE's REML locates its optimum from likelihood values
(about 2e-7 relative in tau^2), and an error of that size in Q_M could move a permutation
across the sqrt(machine epsilon) tie margin of the p-value.

Good, P. (2000). *Permutation Tests*, 2nd ed. Springer. Higgins, J. P. T. & Thompson, S. G.
(2004). Controlling the risk of spurious findings from meta-regression. Stat Med 23:1663-1682.
Viechtbauer, W. et al. (2015). Accounting for heterogeneity via random-effects models and
moderator analyses in meta-analysis. Z Psychol 215:104-121.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import PoolingError
from .batch import BatchMethod

COMPTOL = math.sqrt(2.220446049250313e-16)


@dataclass(frozen=True)
class PermutationTest:
    qm: float  # observed omnibus statistic of the moderators
    pval: float
    permutations: int  # how many were fitted (the identity included)
    exact: bool
    seed: int | None
    method: str = "DL"
    test: str = "z"
    distribution: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0), compare=False, repr=False)
    """Q_M of every permutation fitted, in the order fitted (the identity first unless enumerated)."""


def qm_columns(
    y: NDArray[np.float64], v: NDArray[np.float64], X: NDArray[np.float64], method: BatchMethod = "DL", test: str = "z"
) -> NDArray[np.float64]:
    r"""Q_M of the coefficients 2..p of the mixed-effects meta-regression of each column of (k, d)
    ``y``, ``v`` on the fixed (k, p) design ``X`` (first column: the intercept): tau^2 from PyMARE,
    and at it (also PyMARE's) :math:`b = (X^\top W X)^{-1} X^\top W y` with
    :math:`W = \mathrm{diag}(1/(v_i + \hat\tau^2))` and :math:`\mathrm{Var}(b) = (X^\top W X)^{-1}`, for all columns at once; under ``knha`` and
    ``adhoc`` divided by :math:`m s^2` (the F statistic, Knapp & Hartung 2003)."""
    from pymare.estimators import DerSimonianLaird, Hedges

    if method not in ("DL", "HE"):
        raise PoolingError(f"the permutation test fits DL or HE (closed-form tau^2), not {method}")
    if test not in ("z", "knha", "adhoc"):
        raise PoolingError(f"unknown test {test!r}: z, knha or adhoc")
    estimator = {"DL": DerSimonianLaird, "HE": Hedges}[method](small_sample_correction="wald")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator.fit(y, v, X)
    # PyMARE's closed-form tau^2 (d,), and at it the weighted least-squares b (p, d) and
    # Var(b) = (X'WX)^{-1} (p, p, d): "wald", no small-sample correction (applied below)
    tau2 = np.asarray(estimator.params_["tau2"], dtype=float).reshape(-1)
    b = np.asarray(estimator.params_["fe_params"], dtype=float).T  # (d, p)
    cov = np.moveaxis(np.asarray(estimator.params_["inv_cov"], dtype=float), -1, 0)[:, 1:, 1:]  # (d, p-1, p-1)
    bs = b[:, 1:]
    qm = (np.linalg.solve(cov, bs[:, :, None])[:, :, 0] * bs).sum(axis=1)
    if test == "z":
        return qm
    k, p = X.shape
    rss = ((y - X @ b.T) ** 2 / (v + tau2)).sum(axis=0)  # weighted residual sum of squares per column
    s2 = np.where(rss <= np.finfo(float).eps, 0.0, rss / (k - p))
    if test == "adhoc":
        s2 = np.maximum(s2, 1.0)
    with np.errstate(divide="ignore"):
        return qm / ((p - 1) * s2)


def distinct_permutations(X: NDArray[np.float64]) -> int:
    """The number of distinct row orders of X: k! / prod(m_r!) over its distinct rows."""
    counts = Counter(map(bytes, np.ascontiguousarray(X)))
    return math.factorial(len(X)) // math.prod(math.factorial(m) for m in counts.values())


def distinct_orders(label: NDArray[np.int64]) -> NDArray[np.int64]:
    """Every distinct row order of a design whose row i has the label ``label[i]`` (equal rows, equal
    labels), as a (d, k) array of row indices, d = k! / prod(m_r!): design j is ``X[orders[j]]``.

    Built without a Python loop over the d orders: the positions of each label in turn are every
    combination of the positions still free (the last label takes the rest), and the rows of one
    label fill its positions in their original order (so each distinct design appears once).
    """
    label = np.asarray(label, dtype=np.int64)
    k = label.size
    labels, counts = np.unique(label, return_counts=True)
    arrangement = np.full((1, k), -1, dtype=np.int64)  # (partial) label of each position
    for lab, m in zip(labels[:-1], counts[:-1]):
        free = np.nonzero(arrangement[0] < 0)[0].size
        free_pos = np.argsort(arrangement >= 0, axis=1, kind="stable")[:, :free]  # the free positions, in order
        combos = np.array(list(itertools.combinations(range(free), int(m))), dtype=np.int64)  # (c, m)
        grown = np.repeat(arrangement, len(combos), axis=0)
        chosen = np.repeat(free_pos, len(combos), axis=0)[np.arange(len(grown))[:, None], np.tile(combos, (len(arrangement), 1))]
        grown[np.arange(len(grown))[:, None], chosen] = lab
        arrangement = grown
    arrangement[arrangement < 0] = labels[-1]
    orders = np.empty_like(arrangement)
    for lab in labels:
        rows = np.nonzero(label == lab)[0]
        orders[arrangement == lab] = np.tile(rows, len(arrangement))  # row-major: each order's positions in turn
    return orders


def permutation_test(
    yi: ArrayLike, vi: ArrayLike, X: ArrayLike, *, method: BatchMethod = "DL", test: str = "z", iter: int = 1000,
    seed: int = 1, permutations: ArrayLike | None = None,
) -> PermutationTest:
    """metafor's ``permutest(rma(yi, vi, mods = X[, -1], method = method, test = test))`` for the
    omnibus test: exact when X has at most ``iter`` distinct row orders, else ``iter`` seeded draws;
    ``permutations`` (d, k): the row orders of X to fit instead (design j is ``X[permutations[j]]``;
    the first should be the identity, whose Q_M metafor counts as one of the d)."""
    y, v, design = np.asarray(yi, dtype=float), np.asarray(vi, dtype=float), np.asarray(X, dtype=float)
    k = len(y)
    if design.ndim != 2 or design.shape[0] != k or design.shape[1] < 2:
        raise PoolingError("a permutation test needs a (k, p) design with an intercept and at least one moderator")
    observed = float(qm_columns(y[:, None], v[:, None], design, method, test)[0])
    n_distinct = distinct_permutations(design)
    exact = n_distinct <= iter and permutations is None
    if permutations is not None:
        orders = np.asarray(permutations, dtype=np.int64)
        if orders.ndim != 2 or orders.shape[1] != k or not (np.sort(orders, axis=1) == np.arange(k)).all():
            raise PoolingError(f"permutations must be a (d, {k}) array of row orders")
        inverse = np.argsort(orders.T, axis=0)
    elif exact:
        _, label = np.unique(design, axis=0, return_inverse=True)
        # Fitting the data against X[order] is fitting the data permuted by order's inverse against X.
        inverse = np.argsort(distinct_orders(np.ravel(label)).T, axis=0)  # (k, d)
    else:
        rng = np.random.default_rng(seed)
        inverse = np.column_stack([np.arange(k), *(rng.permutation(k) for _ in range(iter - 1))])
    qm = qm_columns(y[inverse], v[inverse], design, method, test)
    pval = float(np.mean(qm >= observed - COMPTOL))
    seed_used = None if exact or permutations is not None else seed
    return PermutationTest(observed, pval, int(qm.size), exact, seed_used, method, test, qm)
