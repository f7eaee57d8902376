"""Vectorised GOSH and leave-one-out (stats/batch.py, PyMARE) vs looping the exact estimator.

Run from the project root:  PYTHONPATH=src python3 benchmarks/bench_batch.py [--k 12] [--runs 5]
Both sides fit DL with a z test to the same 2^k - 1 subsets (and the k leave-one-out sets);
medians of ``runs`` timings in one warm process (imports excluded on both sides).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from secondhct.stats.batch import gosh, leave_one_out
from secondhct.stats.permutation import permutation_test
from secondhct.stats.pooling import pool
from secondhct.stats.rma import fit_rma


def _median(fn: object, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--k", type=int, default=12)
    parser.add_argument("--runs", type=int, default=5)
    opts = parser.parse_args()
    rng = np.random.default_rng(1)
    y, v = rng.normal(0.3, 0.5, opts.k), rng.uniform(0.01, 0.2, opts.k)
    subsets = [m for m in gosh(y, v).members if m.sum() > 1]
    looped = _median(lambda: [pool(y[m], v[m], method="DL", test="z") for m in subsets], max(1, opts.runs // 2))
    vector = _median(lambda: gosh(y, v), opts.runs)
    print(f"GOSH k = {opts.k} ({2**opts.k - 1} subsets): vectorised {vector * 1e3:.1f} ms, "
          f"looped exact {looped * 1e3:.0f} ms ({looped / vector:.0f}x)")
    keep = [np.arange(opts.k) != i for i in range(opts.k)]
    looped = _median(lambda: [pool(y[m], v[m], method="DL", test="z") for m in keep], opts.runs)
    vector = _median(lambda: leave_one_out(y, v), opts.runs)
    print(f"leave-one-out k = {opts.k}: vectorised {vector * 1e3:.2f} ms, looped exact {looped * 1e3:.1f} ms ({looped / vector:.0f}x)")
    X = np.column_stack([np.ones(opts.k), np.arange(opts.k) % 2])
    rng_perm = np.random.default_rng(2)
    orders = [rng_perm.permutation(opts.k) for _ in range(1000)]
    looped = _median(lambda: [fit_rma(y, v, X[o], method="DL").qm for o in orders], max(1, opts.runs // 2))
    vector = _median(lambda: permutation_test(y, v, X, iter=1000), opts.runs)
    print(f"permutation test k = {opts.k}, 1,000 permutations: vectorised {vector * 1e3:.1f} ms, "
          f"looped exact {looped * 1e3:.0f} ms ({looped / vector:.0f}x)")


if __name__ == "__main__":
    main()
