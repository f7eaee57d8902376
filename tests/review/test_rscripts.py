"""The R scripts of the reproducibility appendix refit every analysis and agree with results.json.

Run with Rscript where R is installed (skipped without it, failing in CI); the Bayesian
models need bayesmeta, which the scripts skip (with a message) when it is not installed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from secondhct.results import read_results
from secondhct.review.rscripts import r_scripts

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "outputs"
REL = 1e-6


def _document():
    return read_results((OUT / "results.json").read_text(encoding="utf-8"))


def test_build_writes_exactly_the_generated_scripts() -> None:
    scripts = r_scripts(_document())
    assert scripts, "no analysis has a model to refit"
    assert sorted(scripts) == sorted(p.name for p in OUT.glob("*.R"))
    for name, text in scripts.items():
        assert (OUT / name).read_text(encoding="utf-8") == text
        assert "library(metafor)" in text and "control = CTRL" in text or "qnorm(0.975)" in text
    manifest = json.loads((OUT / "manifest.json").read_text(encoding="utf-8"))
    assert set(scripts) <= set(manifest["files"])  # part of the transactional output set


def _close(a: float | None, b: float | None, floor: float = 1e-12) -> bool:
    """Equal to 1e-6 relative; ``floor`` is an absolute tolerance for values at a boundary (tau^2 near 0)."""
    if a is None or b is None:
        return a is b
    return abs(a - b) <= max(REL * max(abs(a), abs(b)), floor)


def _check_curve(name: str, curve: Any, models: dict[str, Any]) -> int:
    """Each frequentist curve model of the script against the record: tau^2 and every coefficient with its SE."""
    fitted = {m.name: m for m in [curve.model, *curve.sensitivity] if m is not None}
    for model_name, got in models.items():
        want = fitted[model_name]
        assert _close(got["tau2"], want.tau2, 1e-9), (name, model_name, got["tau2"], want.tau2)
        coefficients = list(want.coefficients.values())
        for i, value in enumerate(coefficients, 1):
            assert _close(got[f"b_{i}"], value), (name, model_name, i, got[f"b_{i}"], value)
    return len(models)


# One R session sources every script in a fresh environment (metafor is loaded once: 29 Rscript
# start-ups took most of this test's minute); a script's error is reported with its name.
_RUNNER = """
for (f in commandArgs(trailingOnly = TRUE)) {
  cat("@@SCRIPT ", basename(f), "\\n", sep = "")
  tryCatch(sys.source(f, envir = new.env()), error = function(e) cat("@@ERROR ", conditionMessage(e), "\\n", sep = ""))
}
"""


def _run_scripts(paths: list[Path]) -> dict[str, list[str]]:
    """The non-empty lines each script printed, by file name (every script run in one R session)."""
    proc = subprocess.run(["Rscript", "-e", _RUNNER, *map(str, paths)], capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr
    printed: dict[str, list[str]] = {}
    for line in proc.stdout.splitlines():
        if line.startswith("@@SCRIPT "):
            current = printed.setdefault(line.removeprefix("@@SCRIPT "), [])
        elif line.strip():
            assert not line.startswith("@@ERROR"), f"{list(printed)[-1]}: {line}"
            current.append(line)
    assert sorted(printed) == sorted(p.name for p in paths)
    return printed


@pytest.mark.slow
def test_scripts_reproduce_results_json() -> None:
    if shutil.which("Rscript") is None:
        if os.environ.get("CI"):
            pytest.fail("Rscript is not installed but CI is set")
        pytest.skip("Rscript not installed")
    document = _document()
    by_id = {a.id: a for a in document.analyses}
    curves = {c.id: c for c in document.curves}
    checked = 0
    for name, printed_lines in _run_scripts(sorted(OUT.glob("*.R"))).items():
        path = OUT / name
        printed = json.loads(printed_lines[-1])
        if printed["analysis"] in curves:  # a summary curve: rma.mv, tau^2 polished to metafor's score root
            checked += _check_curve(path.name, curves[printed["analysis"]], printed["models"])
            continue
        a = by_id[printed["analysis"]]
        for name, got in printed["models"].items():
            if name == "primary" and a.pooled is None:  # a single report: its own Wald interval
                row = a.included[0]
                assert row.yi is not None and row.vi is not None
                assert _close(got["estimate"], row.yi) and _close(got["se"], row.vi**0.5), path.name
                continue
            if name.startswith("permutation["):  # permutest on the same levels, estimator and test
                perm = next(f.permutation for f in a.subgroup_factors if f"permutation[{f.factor}]" == name)
                assert perm is not None and _close(got["QM"], perm.q), (path.name, name)
                if perm.exact:  # every distinct permutation on both sides: the same p-value
                    assert abs(got["pval"] - perm.p) < 1e-12, (path.name, name, got["pval"], perm.p)
                checked += 1
                continue
            sens = None if name == "primary" else a.sensitivity[int(name.removeprefix("sensitivity[").rstrip("]"))]
            if sens is not None and sens.regression is not None:  # the era meta-regression: rma(mods = ~ era)
                r = sens.regression
                for field, want in (("slope", r.slope), ("se", r.se), ("ci_lb", r.ci_lb), ("ci_ub", r.ci_ub), ("pval", r.pval),
                                    ("tau2", r.tau2)):  # fmt: skip
                    assert _close(got[field], want, 1e-9 if field == "tau2" else 1e-12), (path.name, name, field, got[field], want)
                checked += 1
                continue
            record = a.pooled if sens is None else sens.pooled
            assert record is not None, (path.name, name)
            fields = ["estimate", "ci_lb", "ci_ub"] + (["se", "tau2"] if record.model == "frequentist" else ["tau"])
            for field in fields:
                want = getattr(record, field)
                floor = 1e-9 if field in ("tau2", "tau") else 1e-12  # both fits stop within 1e-10 of tau^2 = 0
                assert _close(got[field], want, floor), (path.name, name, field, got[field], want)
            checked += 1
    assert checked >= 5  # frequentist models are refitted even where bayesmeta is missing
