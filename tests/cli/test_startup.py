"""The CLI's start-up path must not import the heavy scientific libraries (speed: see benchmarks/)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ["pandas", "matplotlib", "pymare", "statsmodels", "scipy", "numpy"]
ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
from typer.testing import CliRunner
from secondhct.cli import app
runner = CliRunner()
codes = [runner.invoke(app, args).exit_code for args in {args}]
print(json.dumps({{"codes": codes, "heavy": sorted(m for m in {heavy} if m in sys.modules)}}))
"""


def _probe(args: list[list[str]]) -> dict:
    code = PROBE.format(args=repr(args), heavy=repr(HEAVY))
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_help_and_validate_import_no_heavy_library() -> None:
    result = _probe([["--help"], ["validate", "--root", str(ROOT)]])
    assert result["codes"] == [0, 0]
    assert result["heavy"] == []


def test_curve_help_imports_no_heavy_library() -> None:
    result = _probe([["curve", "--help"]])
    assert result["codes"] == [0]
    assert result["heavy"] == []
