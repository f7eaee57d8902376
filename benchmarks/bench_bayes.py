"""Time secondhct's Bayesian model (bayes_pool) against R's bayesmeta and secondhct's REML pool.

Usage: python3 benchmarks/bench_bayes.py [--ks 2,6,13] [--repeat 50] [--tau-prior halfnormal:0.5]
                                         [--seed 20261121] [--no-fine]

Simulates one random-effects dataset per k (fixed seed), times ``bayes_pool`` (mean of
``--repeat`` calls) and ``pool`` (REML, ad hoc Knapp-Hartung: the project's default
frequentist analysis, as a floor), and in the same run bayesmeta via Rscript with its
default accuracy (delta = 0.01, epsilon = 1e-4) and with the reference setting (delta =
1e-5, epsilon = 1e-7; skipped with --no-fine, it takes up to a minute per fit).  Prints
the time per analysis and the largest difference of bayesmeta's mu median, 95% CI,
prediction interval and tau median from secondhct's, in units of the posterior SD of mu.
R needs BAYESMETA_SRC (the R/ folder of the bayesmeta source package) and metafor,
mvtnorm, numDeriv; without them only the Python timings are printed.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from secondhct.stats.bayes import bayes_pool, parse_tau_prior
from secondhct.stats.pooling import pool

R_SCRIPT = r"""
suppressPackageStartupMessages({library(metafor); library(mvtnorm); library(numDeriv)})
source(file.path(Sys.getenv("BAYESMETA_SRC"), "bayesmeta.R"))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); prior <- strsplit(args[3], "[:,]")[[1]]; p <- as.numeric(prior[-1])
tp <- switch(prior[1], halfnormal = function(t) dhalfnormal(t, scale = p[1]),
             halfcauchy = function(t) dhalfcauchy(t, scale = p[1]),
             uniform = function(t) dunif(t, 0, p[1]), lognormal = function(t) dlnorm(t, p[1], p[2]))
settings <- list(default = c(0.01, 1e-4), fine = c(1e-5, 1e-7))
if (args[4] == "0") settings$fine <- NULL
out <- NULL
for (k in unique(d$k)) for (s in names(settings)) {
  x <- d[d$k == k, ]
  t0 <- proc.time()[["elapsed"]]
  b <- bayesmeta(x$yi, sqrt(x$vi), tau.prior = tp, interval.type = "central",
                 delta = settings[[s]][1], epsilon = settings[[s]][2])
  sec <- proc.time()[["elapsed"]] - t0
  out <- rbind(out, data.frame(k = k, setting = s, seconds = sec, mu_median = b$summary["median", "mu"],
    ci_lb = b$summary["95% lower", "mu"], ci_ub = b$summary["95% upper", "mu"],
    pi_lb = b$summary["95% lower", "theta"], pi_ub = b$summary["95% upper", "theta"],
    tau = b$summary["median", "tau"]))
}
write.csv(out, args[2], row.names = FALSE)
"""
COMPARED = ("mu_median", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau")


def simulate(ks: list[int], seed: int) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Log hazard ratio-like data: mu = -0.3, tau^2 = 0.04, vi ~ U(0.02, 0.1)."""
    rng = np.random.default_rng(seed)
    out = {}
    for k in ks:
        vi = rng.uniform(0.02, 0.1, k)
        out[k] = (rng.normal(-0.3, np.sqrt(0.04 + vi)), vi)
    return out


def per_call_ms(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    fn()  # warm-up (imports, caches)
    t0 = time.perf_counter()
    for _ in range(repeat):
        fn()
    return 1e3 * (time.perf_counter() - t0) / repeat


def run_r(data: dict[int, tuple[np.ndarray, np.ndarray]], prior: str, fine: bool) -> list[dict[str, str]] | None:
    if shutil.which("Rscript") is None or not os.environ.get("BAYESMETA_SRC"):
        print("Rscript or BAYESMETA_SRC missing: bayesmeta not timed", file=sys.stderr)
        return None
    with tempfile.TemporaryDirectory() as tmp:
        script, src, dst = Path(tmp) / "bench.R", Path(tmp) / "data.csv", Path(tmp) / "res.csv"
        script.write_text(R_SCRIPT, encoding="utf-8")
        with src.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["k", "yi", "vi"])
            for k, (yi, vi) in data.items():
                w.writerows((k, repr(float(y)), repr(float(v))) for y, v in zip(yi, vi))
        proc = subprocess.run(["Rscript", str(script), str(src), str(dst), prior, "1" if fine else "0"],
                              capture_output=True, text=True, check=False)  # fmt: skip
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return None
        with dst.open() as fh:
            return list(csv.DictReader(fh))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ks", default="2,6,13")
    ap.add_argument("--repeat", type=int, default=50)
    ap.add_argument("--tau-prior", default="halfnormal:0.5")
    ap.add_argument("--seed", type=int, default=20261121)
    ap.add_argument("--no-fine", action="store_true", help="skip bayesmeta with delta = 1e-5 (slow)")
    args = ap.parse_args()
    parse_tau_prior(args.tau_prior)  # refuse bad text before timing anything
    data = simulate([int(k) for k in args.ks.split(",")], args.seed)
    ours = {k: bayes_pool(yi, vi, tau_prior=args.tau_prior) for k, (yi, vi) in data.items()}
    t_bayes = {k: per_call_ms(lambda yi=yi, vi=vi: bayes_pool(yi, vi, tau_prior=args.tau_prior), args.repeat)
               for k, (yi, vi) in data.items()}  # fmt: skip
    t_reml = {k: per_call_ms(lambda yi=yi, vi=vi: pool(yi, vi), args.repeat) for k, (yi, vi) in data.items()}
    rows = run_r(data, args.tau_prior, not args.no_fine) or []
    print(f"tau prior {args.tau_prior}, flat mu prior, seed {args.seed}; ms per analysis")
    print(f"{'k':>3} {'bayes_pool':>11} {'REML pool':>10} {'bayesmeta':>11} {'max diff/SD':>13} "
          f"{'bayesmeta':>11} {'max diff/SD':>13}")  # fmt: skip
    print(f"{'':>3} {'':>11} {'':>10} {'delta=0.01':>11} {'':>13} {'delta=1e-5':>11} {'':>13}")
    for k in data:
        cells = []
        for setting in ("default", "fine"):
            r = next((r for r in rows if int(r["k"]) == k and r["setting"] == setting), None)
            if r is None:
                cells.append(f"{'-':>11} {'-':>13}")
                continue
            diff = max(abs(float(r[f]) - getattr(ours[k], f)) for f in COMPARED) / ours[k].mu_sd
            cells.append(f"{1e3 * float(r['seconds']):11.0f} {diff:13.1e}")
        print(f"{k:>3} {t_bayes[k]:11.2f} {t_reml[k]:10.2f} {' '.join(cells)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
