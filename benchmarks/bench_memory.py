"""Memory and time of `secondhct pool` as k grows: pooling is O(k) in memory.

Run from the project root:  python3 benchmarks/bench_memory.py [--max-k 1000000]
Writes yi,vi CSVs of k = 10^3 ... max-k rows into a temporary folder, runs
`secondhct pool FILE --method REML` on each in a fresh process and prints the wall
time and the peak resident memory (from the child's rusage), beside the floor of the
same measurement for `python -c pass`. Memory per row should stay flat as k grows; a
k x k matrix would need 8 k^2 bytes (7.5 TB at k = 10^6).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np


def command() -> list[str]:
    exe = shutil.which("secondhct")
    return [exe] if exe else [sys.executable, "-m", "secondhct"]


def measure(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS in MB of one child process (run alone, so the maximum is its own)."""
    code = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), float(out[1]) / 1024


def write_csv(path: Path, k: int) -> None:
    rng = np.random.default_rng(k)
    vi = rng.uniform(0.01, 0.2, k)
    yi = rng.normal(0.3, np.sqrt(vi + 0.05))
    np.savetxt(path, np.column_stack([yi, vi]), fmt="%.6f", delimiter=",", header="yi,vi", comments="")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-k", type=int, default=1_000_000)
    opts = parser.parse_args()
    floor_s, floor_mb = measure([sys.executable, "-c", "pass"])
    print(f"{'k':>9}  {'wall s':>7}  {'peak MB':>8}  {'KB/row above floor':>19}   floor: python -c pass {floor_s:.3f} s, {floor_mb:.0f} MB")
    with tempfile.TemporaryDirectory() as tmp:
        k = 1000
        while k <= opts.max_k:
            csv = Path(tmp) / f"k{k}.csv"
            write_csv(csv, k)
            s, mb = measure(command() + ["pool", str(csv), "--method", "REML"])
            print(f"{k:>9}  {s:>7.2f}  {mb:>8.0f}  {(mb - floor_mb) * 1024 / k:>19.2f}")
            k *= 10


if __name__ == "__main__":
    main()
