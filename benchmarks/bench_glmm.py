"""Time secondhct's GLMM (glmm_pool) against metafor's rma.glmm on k = 10 and k = 50.

Usage: python3 benchmarks/bench_glmm.py [--reps 20]

Uses the two datasets of ``tests/reference/glmm_reference.json`` (k = 10; k = 50 with a
0/n and an n/n study).  secondhct is timed in this process (after one warm-up fit, best
of 3 rounds of ``reps`` fits); metafor in one Rscript run in which each configuration
is timed with ``system.time`` over ``reps`` fits after a warm-up, so R's start-up and
package loading are excluded (they are timed separately and shown on their own line).
metafor is timed with its default control and with the tight control used for the
reference values.  Needs Rscript with metafor and lme4.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from secondhct.stats.glmm import glmm_pool

HERE = Path(__file__).resolve().parent
REF = json.loads((HERE.parent / "tests" / "reference" / "glmm_reference.json").read_text(encoding="utf-8"))
TIGHT = "list(glmerCtrl = list(optimizer = 'bobyqa', tolPwrss = 1e-12, optCtrl = list(rhoend = 1e-12, maxfun = 1e5)))"

R_CODE = """
suppressPackageStartupMessages(library(metafor))
reps <- {reps}
sets <- list({sets})
tight <- {tight}
for (d in names(sets)) {{
  xi <- sets[[d]]$xi; ni <- sets[[d]]$ni
  for (cfg in c("default", "tight")) {{
    ctrl <- if (cfg == "tight") tight else list()
    fit <- function() suppressWarnings(rma.glmm(measure = "PLO", xi = xi, ni = ni, control = ctrl))
    r <- fit()  # warm-up
    t <- system.time(for (i in seq_len(reps)) r <- fit())[["elapsed"]] / reps
    cat(sprintf("%s,%s,%.9f,%.17g,%.17g,%.17g\\n", d, cfg, t, c(r$beta), r$se, r$tau2))
  }}
}}
"""


def r_vector(values: list[float]) -> str:
    return "c(" + ", ".join(repr(float(v)) for v in values) + ")"


def time_secondhct(xi: list[float], ni: list[float], reps: int) -> tuple[float, tuple[float, float, float]]:
    """Best-of-3 seconds per fit, and (estimate, se, tau2)."""
    res = glmm_pool(xi, ni)  # warm-up
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(reps):
            res = glmm_pool(xi, ni)
        best = min(best, (time.perf_counter() - t0) / reps)
    return best, (res.estimate, res.se, res.tau2)


def time_metafor(reps: int) -> tuple[float, dict[tuple[str, str], tuple[float, float, float, float]]]:
    """R start-up + library(metafor) seconds, and per (dataset, control): seconds per fit and fit."""
    t0 = time.perf_counter()
    subprocess.run(["Rscript", "-e", "suppressPackageStartupMessages(library(metafor))"], check=True)
    startup = time.perf_counter() - t0
    sets = ", ".join(f"{d} = list(xi = {r_vector(v['xi'])}, ni = {r_vector(v['ni'])})" for d, v in REF["datasets"].items())
    code = R_CODE.format(reps=reps, sets=sets, tight=TIGHT)
    proc = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, check=True)
    out = {}
    for line in proc.stdout.strip().splitlines():
        d, cfg, *nums = line.split(",")
        t, est, se, tau2 = (float(v) for v in nums)
        out[(d, cfg)] = (t, est, se, tau2)
    return startup, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=20)
    args = ap.parse_args()
    if shutil.which("Rscript") is None:
        print("Rscript not found: metafor cannot be timed", file=sys.stderr)
        return 1
    startup, r = time_metafor(args.reps)
    print(f"R start-up + library(metafor), not included below: {1e3 * startup:.0f} ms")
    print(f"{'data':5s} {'secondhct':>10s} {'rma.glmm':>10s} {'ratio':>6s} {'rma.glmm':>10s} {'ratio':>6s}   max rel. diff vs tight (est, se, tau2)")
    print(f"{'':5s} {'':>10s} {'default':>10s} {'':>6s} {'tight':>10s} {'':>6s}")
    for d, ds in REF["datasets"].items():
        t_py, fit = time_secondhct(ds["xi"], ds["ni"], args.reps)
        (t_def, *_), (t_tight, *ref) = r[(d, "default")], r[(d, "tight")]
        diffs = ", ".join(f"{abs(a / b - 1):.1e}" for a, b in zip(fit, ref))
        print(f"{d:5s} {1e3 * t_py:8.2f}ms {1e3 * t_def:8.2f}ms {t_py / t_def:6.2f} {1e3 * t_tight:8.2f}ms {t_py / t_tight:6.2f}   {diffs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
