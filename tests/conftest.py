from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # for the casefiles, frozen and invariants helpers

DATA = Path(__file__).parent / "data"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A throw-away copy of the test project (references.bib + one valid study)."""
    root = tmp_path / "review"
    shutil.copytree(DATA / "project", root)
    return root


@pytest.fixture(scope="session")
def frozen_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The frozen fixture project (tests/frozen.py), built once per session. Read it only;
    a test that changes a file takes ``frozen_copy``."""
    from frozen import build_frozen

    return build_frozen(tmp_path_factory.mktemp("frozen") / "review")


@pytest.fixture
def frozen_copy(frozen_root: Path, tmp_path: Path) -> Path:
    """A throw-away copy of the built frozen project (inputs and outputs)."""
    from frozen import copy_project

    return copy_project(frozen_root, tmp_path / "review")


@pytest.fixture(scope="session")
def frozen_review(frozen_root: Path):  # type: ignore[no-untyped-def]
    """The frozen project opened with the notebook API (secondhct.api.load_review)."""
    from secondhct.api import load_review

    return load_review(frozen_root)
