"""Time secondhct's REML pooling against metafor's rma() on the same simulated datasets.

Usage: python3 benchmarks/bench_pooling.py [--n 1000] [--k 10] [--seed 20261121]

Simulates n random-effects datasets (k studies each; fixed seed), fits each with
secondhct (``fit_rma``: estimate + inference, like ``rma``; and ``pool``: also the
Q-profile CI for tau^2 and the prediction interval) and with metafor via
``benchmarks/bench_pooling.R`` in the same run, checks that the estimates agree and
prints the time per meta-analysis and the ratio.  Needs Rscript with metafor.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from secondhct.stats.pooling import fit_rma, pool

HERE = Path(__file__).resolve().parent


def simulate(n: int, k: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Log odds ratios-like data: mu = -0.5, tau^2 = 0.1, vi ~ U(0.02, 0.5)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        vi = rng.uniform(0.02, 0.5, k)
        yi = rng.normal(-0.5, np.sqrt(0.1 + vi))
        out.append((yi, vi))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--seed", type=int, default=20261121)
    args = ap.parse_args()
    data = simulate(args.n, args.k, args.seed)

    fit_rma(*data[0], method="REML", test="z")  # warm-up (imports, caches)
    t0 = time.perf_counter()
    fits = [fit_rma(yi, vi, method="REML", test="z") for yi, vi in data]
    t_fit = time.perf_counter() - t0
    t0 = time.perf_counter()
    for yi, vi in data:
        pool(yi, vi, method="REML", test="z")
    t_pool = time.perf_counter() - t0

    per = lambda t: 1e3 * t / args.n  # noqa: E731  (ms per meta-analysis)
    print(f"{args.n} datasets, k = {args.k}, seed {args.seed}")
    print(f"secondhct fit_rma (REML, z)              : {per(t_fit):8.3f} ms per meta-analysis")
    print(f"secondhct pool (+ Q-profile CI, PI)       : {per(t_pool):8.3f} ms per meta-analysis")
    if shutil.which("Rscript") is None:
        print("Rscript not found: metafor not timed", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "data.csv", Path(tmp) / "res.csv"
        with src.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["dataset", "yi", "vi"])
            for i, (yi, vi) in enumerate(data):
                w.writerows((i, repr(float(y)), repr(float(v))) for y, v in zip(yi, vi))
        proc = subprocess.run(["Rscript", str(HERE / "bench_pooling.R"), str(src), str(dst)],
                              capture_output=True, text=True, check=False)  # fmt: skip
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return 1
        t_r = float(proc.stdout.strip().splitlines()[-1])
        with dst.open() as fh:
            rows = list(csv.DictReader(fh))
    est_r = np.array([float(r["estimate"]) for r in rows])
    tau2_r = np.array([float(r["tau2"]) for r in rows])
    est_py = np.array([f.beta[0] for f in fits])
    tau2_py = np.array([f.tau2 for f in fits])
    rel = lambda a, b: np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-12))  # noqa: E731
    print(f"metafor rma (REML, z)                    : {per(t_r):8.3f} ms per meta-analysis")
    print(f"ratio secondhct fit_rma / metafor         : {t_fit / t_r:8.2f}")
    print(f"ratio secondhct pool / metafor            : {t_pool / t_r:8.2f}")
    print(f"max relative difference: estimate {rel(est_py, est_r):.2e}, tau^2 {np.max(np.abs(tau2_py - tau2_r)):.2e} (absolute)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
