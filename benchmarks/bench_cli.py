"""Start-up speed of the command line: `secondhct --help` and `secondhct validate` on studies/.

Run from the project root:  python3 benchmarks/bench_cli.py [--runs 15]
Prints the median, minimum and maximum wall time of each command over the runs
(each run is a fresh process, as a curator would start it). Targets on the
2-core reference machine: --help < 0.3 s, validate < 0.6 s.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"--help": 0.3, "validate": 0.6}


def command() -> list[str]:
    exe = shutil.which("secondhct")
    return [exe] if exe else [sys.executable, "-m", "secondhct"]


def time_runs(args: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command() + args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    opts = parser.parse_args()
    n_studies = len(list((ROOT / "studies").glob("*.yaml")))
    time_runs(["--help"], 2)  # warm the file cache
    print(f"secondhct start-up, {opts.runs} runs each, {n_studies} studies, Python {sys.version.split()[0]}")
    print(f"{'command':<12} {'median':>8} {'min':>8} {'max':>8} {'target':>8}")
    for name, target in TARGETS.items():
        args = [name] if name.startswith("-") else [name, "--quiet"]
        times = time_runs(args, opts.runs)
        print(f"{name:<12} {statistics.median(times):8.3f} {min(times):8.3f} {max(times):8.3f} {target:8.1f}")


if __name__ == "__main__":
    main()
