from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # for the casefiles helper

DATA = Path(__file__).parent / "data"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A throw-away copy of the test project (references.bib + one valid study)."""
    root = tmp_path / "review"
    shutil.copytree(DATA / "project", root)
    return root
