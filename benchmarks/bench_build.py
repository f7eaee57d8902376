"""Time `secondhct build`: cold (no outputs) and no-op (nothing changed), in a copy of the review.

Run from the project root:  python3 benchmarks/bench_build.py [--runs 3]
Each run is a fresh process, as a curator would start it.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(args: list[str], cwd: Path) -> float:
    exe = shutil.which("secondhct")
    cmd = [exe] if exe else [sys.executable, "-m", "secondhct"]
    start = time.perf_counter()
    subprocess.run(cmd + args, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    opts = parser.parse_args()
    cold, noop = [], []
    with tempfile.TemporaryDirectory() as tmp:
        review = Path(tmp) / "review"
        review.mkdir()
        shutil.copytree(ROOT / "studies", review / "studies")
        for name in ("references.bib", "protocol.yaml"):
            shutil.copy(ROOT / name, review / name)
        for _ in range(opts.runs):
            shutil.rmtree(review / "outputs", ignore_errors=True)
            cold.append(run(["build"], review))
            noop.append(run(["build"], review))
    print(f"secondhct build, {opts.runs} runs each, {len(list((ROOT / 'studies').glob('*.yaml')))} studies")
    print(f"cold build   median {statistics.median(cold):.2f} s  (min {min(cold):.2f}, max {max(cold):.2f})")
    print(f"no-op build  median {statistics.median(noop):.2f} s  (min {min(noop):.2f}, max {max(noop):.2f})")


if __name__ == "__main__":
    main()
