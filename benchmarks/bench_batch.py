"""Vectorised GOSH, leave-one-out and permutation test (stats/batch.py, stats/permutation.py; PyMARE)
against looping the exact estimator over the same refits, side by side in one run.

Run from the project root:  PYTHONPATH=src python3 benchmarks/bench_batch.py [--k 12] [--runs 5]

Each line fits the same datasets both ways: GOSH all 2^k - 1 subsets with DL and with REML
(looped: ``pool``), leave-one-out the k sets (DL), and the permutation test on 1,000 random row
orders of a two-level design, the same orders on both sides (DL, ad hoc Knapp-Hartung; looped:
``fit_rma`` on ``X[order]``). Times are CPU time (user + sys of this process, which a busy
shared machine disturbs less than wall time), the median of ``runs`` paired runs (the looped side
of each pair right after the vectorised one), imports and the first (warm-up) call excluded.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from secondhct.stats.batch import gosh, leave_one_out
from secondhct.stats.permutation import permutation_test
from secondhct.stats.pooling import pool
from secondhct.stats.rma import fit_rma


def _paired(vector: Callable[[], Any], looped: Callable[[], Any], runs: int) -> tuple[float, float]:
    vector(), looped()  # warm-up: lazy imports, caches
    v_times, l_times = [], []
    for _ in range(runs):
        start = time.process_time()
        vector()
        v_times.append(time.process_time() - start)
        start = time.process_time()
        looped()
        l_times.append(time.process_time() - start)
    return statistics.median(v_times), statistics.median(l_times)


def _line(name: str, vector: float, looped: float) -> str:
    return f"{name}: vectorised {vector * 1e3:8.2f} ms CPU, looped exact {looped * 1e3:8.1f} ms CPU  ({looped / vector:5.0f}x)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--k", type=int, default=12)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--permutations", type=int, default=1000)
    opts = parser.parse_args()
    k = opts.k
    rng = np.random.default_rng(1)
    y, v = rng.normal(0.3, 0.5, k), rng.uniform(0.01, 0.2, k)
    subsets = [m for m in gosh(y, v).members if m.sum() > 1]
    for method in ("DL", "REML"):
        runs = opts.runs if method == "DL" else max(1, opts.runs // 2)
        vec, loop = _paired(lambda: gosh(y, v, method),  # type: ignore[arg-type]  # noqa: B023
                            lambda: [pool(y[m], v[m], method=method, test="z") for m in subsets], runs)  # noqa: B023
        print(_line(f"GOSH k = {k}, {len(subsets)} subsets, {method:4}", vec, loop))
    keep = [np.arange(k) != i for i in range(k)]
    vec, loop = _paired(lambda: leave_one_out(y, v), lambda: [pool(y[m], v[m], method="DL", test="z") for m in keep], opts.runs)
    print(_line(f"leave-one-out k = {k}, DL", vec, loop))
    X = np.column_stack([np.ones(k), np.arange(k) % 2])
    orders = np.vstack([np.arange(k), *(rng.permutation(k) for _ in range(opts.permutations - 1))])
    vec, loop = _paired(lambda: permutation_test(y, v, X, test="adhoc", permutations=orders),
                        lambda: [fit_rma(y, v, X[o], method="DL", test="adhoc").qm for o in orders], opts.runs)  # fmt: skip
    print(_line(f"permutation test k = {k}, {opts.permutations:,} permutations, DL", vec, loop))


if __name__ == "__main__":
    main()
