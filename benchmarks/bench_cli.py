"""Start-up speed of the command line: `secondhct --help` and `secondhct validate` on studies/.

Run from the project root:  python3 benchmarks/bench_cli.py [--runs 15]
Prints the median, minimum and maximum wall and CPU time (user + system of the child) of
each command over the runs, each run a fresh process as a curator would start it, beside
the floors `python -c pass` and `python -c 'import typer'` run in turn with them. Targets
(issue 13): --help <= 0.10 s (or within 0.02 s of `import typer` if that is higher),
validate <= 0.25 s. On a loaded machine read the CPU column: wall time then includes waiting
for a processor. benchmarks/bench_targets.py measures every target of the issue.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"--help": 0.10, "validate": 0.25}
FLOORS = {"python -c pass": [sys.executable, "-c", "pass"], "import typer": [sys.executable, "-c", "import typer"]}


def command() -> list[str]:
    exe = shutil.which("secondhct")
    return [exe] if exe else [sys.executable, "-m", "secondhct"]


def time_once(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    opts = parser.parse_args()
    n_studies = len([p for p in (ROOT / "studies").glob("*.yaml") if not p.name.startswith("_")])
    commands = {**{f"floor: {k}": v for k, v in FLOORS.items()},
                **{k: command() + ([k] if k.startswith("-") else [k, "--quiet"]) for k in TARGETS}}  # fmt: skip
    for argv in commands.values():
        time_once(argv)  # warm the file cache
    walls: dict[str, list[float]] = {k: [] for k in commands}
    cpus: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(opts.runs):  # in turn, so that drift of the machine's speed hits every command
        for name, argv in commands.items():
            wall, cpu = time_once(argv)
            walls[name].append(wall)
            cpus[name].append(cpu)
    typer_floor = statistics.median(cpus["floor: import typer"])
    print(f"secondhct start-up, {opts.runs} runs each, {n_studies} studies, Python {sys.version.split()[0]} (seconds)")
    print(f"{'command':<22} {'wall med':>8} {'cpu med':>8} {'cpu min':>8} {'cpu max':>8} {'target':>7}")
    for name in commands:
        target = TARGETS.get(name)
        if name == "--help" and target is not None:
            target = max(target, typer_floor + 0.02)
        shown = f"{target:7.2f}" if target is not None else ""
        c = cpus[name]
        print(f"{name:<22} {statistics.median(walls[name]):8.3f} {statistics.median(c):8.3f} {min(c):8.3f} {max(c):8.3f} {shown:>7}")


if __name__ == "__main__":
    main()
