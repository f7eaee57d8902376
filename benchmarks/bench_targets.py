"""Issue 13's speed targets, each beside the floor measured in the same run.

Run from the project root:  python3 benchmarks/bench_targets.py [--runs 5] [--synthetic 5000] [--only NAME ...]

Every figure is a fresh process, as a curator would start it, and the median of ``--runs``
runs. Each round runs every floor, then every command, once, so drift of the machine's speed
hits both. The floors: ``python -c pass`` (the interpreter), ``python -c 'import typer'`` (the
command-line library), and the imports of numpy + ``scipy.special`` (the statistics) and of
matplotlib's Agg canvas (the plots), which the commands that need them cannot go below.
Each run is started by a small wrapper process that reports the child's wall time, its CPU
time (user + system, ``resource.getrusage(RUSAGE_CHILDREN)``) and its peak resident memory.
``--src DIR`` times another copy of the package (e.g. an older commit's ``src/``) on the same
inputs, for a before/after comparison in one sitting.

Timings on a loaded machine (the reference machine has 2 cores shared with other jobs)
should be read as CPU time: wall time then includes waiting for a processor. CPU time
still grows somewhat with load (caches, frequency), so compare figures of one run.

Targets (issue 13, item 4):

* ``--help`` <= 0.10 s, or within 0.02 s of ``python -c 'import typer'`` if that is higher;
* ``validate`` on the corpus <= 0.25 s;
* ``pool`` on a 10-row CSV <= 0.35 s;
* one forest PNG (``forest ANALYSIS --format png``) <= 1 s;
* cold build <= 3 s; a build after editing one study that one analysis can select <= 1.5 s;
* ``validate`` of a synthetic corpus of 5,000 studies (``synthetic_corpus.py``) <= 8 s and
  <= 50 KB of peak memory per study. It is run twice per round: "first" without the parse
  cache (``.secondhct-cache/`` removed before the run), "cached" with it.

The builds, the forest plot and the synthetic corpus run in a temporary copy of the
project (with ``../shared`` linked, so quotes are checked against their documents).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "benchmarks")]

from synthetic_corpus import generate  # noqa: E402

PROJECT_FILES = ("references.bib", "protocol.yaml", "vocabulary.yaml", "searches.yaml",
                 "protocol.schema.json", "vocabulary.schema.json")  # fmt: skip
FOREST_ANALYSIS = "os-all-ages-2-3y"
CACHE_DIR = ".secondhct-cache"  # secondhct.parsecache.CACHE_DIR (the --before package may not have it)

# The wrapper: runs argv, prints wall seconds, child CPU seconds and the child's peak RSS (KB).
WRAPPER = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "rc = subprocess.run(sys.argv[2:], cwd=sys.argv[1], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode\n"
    "wall = time.perf_counter() - t\n"
    "r = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(wall, r.ru_utime + r.ru_stime, r.ru_maxrss, rc)\n"
)


@dataclass
class Measure:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    rss_kb: list[float] = field(default_factory=list)


def run_once(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float, float]:
    out = subprocess.run([sys.executable, "-c", WRAPPER, str(cwd), *argv], capture_output=True, text=True, check=True, env=env).stdout.split()
    wall, cpu, rss, rc = float(out[0]), float(out[1]), float(out[2]), int(out[3])
    if rc != 0:
        raise SystemExit(f"{' '.join(argv)} (in {cwd}) exited with {rc}")
    return wall, cpu, rss


def secondhct() -> list[str]:
    return [sys.executable, "-m", "secondhct"]


@dataclass
class Target:
    name: str
    limit: float
    argv: list[str]
    cwd: Path
    before: Callable[[], None] = lambda: None  # set-up before each run (not timed)
    env: dict[str, str] | None = None  # None: this process's (PYTHONPATH: the package timed)
    measure: Measure = field(default_factory=Measure)
    baseline: Target | None = None  # the same command with the --before package, run just after it


def copy_project(into: Path) -> Path:
    """A copy of the project (studies, inputs, outputs) in ``into/review``, with ``into/shared`` linked."""
    into.mkdir(parents=True, exist_ok=True)
    review = into / "review"
    shutil.copytree(ROOT / "studies", review / "studies")
    shutil.copytree(ROOT / "outputs", review / "outputs")
    for name in PROJECT_FILES:
        if (ROOT / name).is_file():
            shutil.copy(ROOT / name, review / name)
    if (ROOT.parent / "shared").is_dir():
        (into / "shared").symlink_to(ROOT.parent / "shared")
    return review


def one_analysis_study(review: Path) -> Path:
    """A study file that exactly one analysis of protocol.yaml can select (the edit of the incremental build)."""
    from secondhct.project import find_project
    from secondhct.protocol.load import plan
    from secondhct.protocol.select import analysis_inputs
    from secondhct.validation import validate_project

    project = find_project(review)
    report = validate_project(project, protocol=True)
    assert report.protocol is not None and report.protocol.model is not None and report.bibliography is not None
    protocol = report.protocol.model
    studies = [s.study for s in report.studies if s.study is not None]
    years = {k: int(r.year) if r.year else None for k, r in report.bibliography.references.items()}
    vocabulary = report.vocabulary.model if report.vocabulary is not None else None
    count: dict[str, int] = {}
    for analysis in protocol.analyses:
        inputs, _ = analysis_inputs(plan(analysis, protocol.defaults, vocabulary), studies, years)
        for s in inputs:
            count[s.key] = count.get(s.key, 0) + 1
    key = min(k for k, n in count.items() if n == 1)
    return project.study_path(key)


def editor(path: Path) -> Callable[[], None]:
    """Each call changes who extracted the study (a new name each time), as a curator's edit would."""
    original = path.read_text(encoding="utf-8")
    assert re.search(r"^  extracted_by: .*$", original, re.MULTILINE), path
    state = {"n": 0}

    def edit() -> None:
        state["n"] += 1
        changed = re.sub(r"^  extracted_by: .*$", f'  extracted_by: "benchmark edit {state["n"]}"', original, count=1, flags=re.MULTILINE)
        path.write_text(changed, encoding="utf-8")

    return edit


def small_csv(folder: Path) -> Path:
    path = folder / "small.csv"
    rows = [(0.1, 0.01), (0.3, 0.02), (0.2, 0.015), (0.5, 0.03), (0.25, 0.01), (0.4, 0.02), (0.1, 0.04), (0.35, 0.02), (0.15, 0.01), (0.3, 0.025)]
    path.write_text("yi,vi\n" + "".join(f"{y},{v}\n" for y, v in rows), encoding="utf-8")
    return path


def make_targets(folder: Path, csv: Path, synthetic: Path | None, n_synthetic: int, env: dict[str, str] | None) -> list[Target]:
    """The commands of the targets, each build in its own copy of the project under ``folder``."""
    review = copy_project(folder / "copy")
    cold_review = copy_project(folder / "cold")
    edit = editor(one_analysis_study(review))
    subprocess.run(secondhct() + ["build"], cwd=review, check=True, capture_output=True, env=env)  # the copy's outputs are current

    def cold() -> None:
        shutil.rmtree(cold_review / "outputs", ignore_errors=True)
        shutil.rmtree(cold_review / CACHE_DIR, ignore_errors=True)

    targets = [
        Target("--help", 0.10, secondhct() + ["--help"], ROOT, env=env),
        Target("validate", 0.25, secondhct() + ["validate", "--quiet"], ROOT, env=env),
        Target("pool", 0.35, secondhct() + ["pool", str(csv)], ROOT, env=env),
        Target("forest png", 1.0, secondhct() + ["forest", FOREST_ANALYSIS, "--format", "png", "--out", str(folder / "f.png")], review, env=env),
        Target("cold build", 3.0, secondhct() + ["build"], cold_review, cold, env=env),
        Target("edit build", 1.5, secondhct() + ["build"], review, edit, env=env),
    ]
    if synthetic is not None:
        argv = secondhct() + ["validate", "--quiet"]
        targets += [
            # (the --before package is timed with the cache as it is: it may not read it, and must not remove it)
            Target(f"validate {n_synthetic} first", 8.0, argv, synthetic,
                   (lambda: shutil.rmtree(synthetic / CACHE_DIR, ignore_errors=True)) if env is None else (lambda: None), env=env),
            Target(f"validate {n_synthetic} cached", 8.0, argv, synthetic, env=env),
        ]
    return targets


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--synthetic", type=int, default=5000, help="studies in the synthetic corpus (0: skip it)")
    parser.add_argument("--synthetic-runs", type=int, default=2)
    parser.add_argument("--only", nargs="*", default=None, help="names of the targets to run (default: all)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
    parser.add_argument("--src", type=Path, default=ROOT / "src", help="the package to time (default: this checkout's src/)")
    parser.add_argument("--before", type=Path, default=None, help="another copy of the package (e.g. an older commit's src/), run just after each command")
    opts = parser.parse_args()
    # the commands import that package, whatever else is installed
    os.environ["PYTHONPATH"] = os.pathsep.join([str(opts.src.resolve()), *filter(None, [os.environ.get("PYTHONPATH")])])
    tmp = Path(tempfile.mkdtemp(prefix="secondhct-bench-"))
    try:
        csv = small_csv(tmp)
        synthetic = generate(opts.synthetic, tmp / "synthetic") if opts.synthetic else None
        targets = make_targets(tmp / "now", csv, synthetic, opts.synthetic, None)
        if opts.before is not None:
            env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(opts.before.resolve()), *filter(None, [os.environ.get("PYTHONPATH")])]))
            for target, old in zip(targets, make_targets(tmp / "before", csv, synthetic, opts.synthetic, env)):
                target.baseline = old
        if opts.only:
            targets = [t for t in targets if any(o in t.name for o in opts.only)]
        floors = {  # the interpreter, the command-line library, and the libraries the commands cannot do without
            "python -c pass": [sys.executable, "-c", "pass"],
            "python -c 'import typer'": [sys.executable, "-c", "import typer"],
            "import numpy, scipy.special": [sys.executable, "-c", "import numpy, scipy.special"],
            "import matplotlib (Agg)": [sys.executable, "-c", "import matplotlib.figure, matplotlib.backends.backend_agg"],
        }
        floor_measures = {name: Measure() for name in floors}
        for target in targets:  # warm-up: file caches, .pyc, matplotlib's font cache
            for t in (target, target.baseline):
                if t is not None:
                    t.before()
                    run_once(t.argv, t.cwd, t.env)
        for i in range(opts.runs):  # a round: each floor, then each command, once (and its baseline)
            for name, argv in floors.items():
                w, c, r = run_once(argv, ROOT)
                m = floor_measures[name]
                m.wall.append(w), m.cpu.append(c), m.rss_kb.append(r)
            for target in targets:
                if target.name.startswith("validate ") and i >= opts.synthetic_runs:
                    continue
                for t in (target, target.baseline):
                    if t is not None:
                        t.before()
                        w, c, r = run_once(t.argv, t.cwd, t.env)
                        t.measure.wall.append(w), t.measure.cpu.append(c), t.measure.rss_kb.append(r)
        n_studies = len([p for p in (ROOT / "studies").glob("*.yaml") if not p.name.startswith("_")])
        print(f"issue 13 speed targets: {n_studies} studies, Python {sys.version.split()[0]}, median of {opts.runs} fresh processes "
              f"(synthetic corpus: {opts.synthetic_runs}); seconds; package {opts.src}")
        print(f"{'target':<30} {'limit':>6} {'wall':>7} {'cpu':>7} {'peak MB':>8}  met (cpu)"
              + ("   before: wall / cpu / peak MB" if opts.before else ""))
        floor_pass = median(floor_measures["python -c pass"].cpu)
        floor_typer = median(floor_measures["python -c 'import typer'"].cpu)
        figures: dict[str, dict[str, float]] = {}
        for name, m in floor_measures.items():
            print(f"{'floor: ' + name:<30} {'':>6} {median(m.wall):7.3f} {median(m.cpu):7.3f} {median(m.rss_kb) / 1024:8.1f}")
            figures[name] = {"wall": median(m.wall), "cpu": median(m.cpu), "peak_mb": median(m.rss_kb) / 1024}
        for t in targets:
            m = t.measure
            limit = max(t.limit, floor_typer + 0.02) if t.name == "--help" else t.limit
            cpu, wall, peak = median(m.cpu), median(m.wall), median(m.rss_kb) / 1024
            extra = ""
            if t.name.startswith("validate ") and opts.synthetic:
                per_study = (peak - median(floor_measures["python -c pass"].rss_kb) / 1024) * 1024 / opts.synthetic
                extra = f"  {per_study:.0f} KB a study above the floor (limit 50)"
            b = t.baseline.measure if t.baseline is not None else None
            was = f"   {median(b.wall):7.3f} / {median(b.cpu):7.3f} / {median(b.rss_kb) / 1024:6.1f}" if b else ""
            print(f"{t.name:<30} {limit:6.2f} {wall:7.3f} {cpu:7.3f} {peak:8.1f}  {'yes' if cpu <= limit else 'NO ':<3}{was}{extra}")
            figures[t.name] = {"limit": limit, "wall": wall, "cpu": cpu, "peak_mb": peak}
            if b:
                figures[t.name] |= {"before_wall": median(b.wall), "before_cpu": median(b.cpu), "before_peak_mb": median(b.rss_kb) / 1024}
        print(f"(floors: python -c pass {floor_pass:.3f} s cpu, import typer {floor_typer:.3f} s cpu)")
        if opts.json:
            opts.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
