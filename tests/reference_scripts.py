"""Run a committed R reference script into a temporary file and read back its JSON.

Shared by the regeneration tests: without Rscript they skip, except when the environment
variable CI is set (then the reference values could not be checked, and they fail);
``needs_env`` names a variable that must point at an R source the script loads (bayesmeta,
a newer metafor), without which the test skips even in CI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest


def regenerate(script: Path, out: Path, *, needs_env: str | None = None, timeout: float = 600) -> Any:
    """The JSON ``script`` writes to ``out`` (skip or fail as the module docstring says)."""
    if needs_env is not None and not os.environ.get(needs_env):
        pytest.skip(f"needs {needs_env} (the R sources {script.name} loads)")
    if shutil.which("Rscript") is None:
        if os.environ.get("CI") and needs_env is None:
            pytest.fail(f"Rscript is not installed but CI is set: {script.name}'s reference values cannot be checked")
        pytest.skip("Rscript not installed (this test fails instead when CI is set)")
    proc = subprocess.run(["Rscript", str(script), str(out)], capture_output=True, text=True, timeout=timeout, check=False)
    assert proc.returncode == 0, proc.stderr
    with out.open(encoding="utf-8") as fh:
        return json.load(fh)
