"""The whole-run cache of ``validate`` (issue 27): the same inputs print the same lines without
importing the models; any change to what a run reads is a new run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from secondhct import validatecache
from secondhct.cli import app

runner = CliRunner()
SRC = Path(__file__).resolve().parents[1] / "src"


def _validate(project: Path) -> str:
    result = runner.invoke(app, ["validate", "--root", str(project)])
    return result.output


def test_a_second_run_prints_the_same_lines_and_an_edit_is_seen(project: Path) -> None:
    first = _validate(project)
    key = validatecache.run_key(project, None)
    assert validatecache.lookup(project, key) is not None and _validate(project) == first
    study = project / "studies" / "smith2020.yaml"
    study.write_text(study.read_text().replace("    events: 30\n    total: 60\n", "    events: 70\n    total: 60\n", 1))
    assert validatecache.run_key(project, None) != key
    edited = _validate(project)
    assert "events (70) exceed total (60)" in edited and "events (70)" not in first


def test_a_document_the_quotes_are_read_against_is_part_of_the_key(project: Path) -> None:
    study = project / "studies" / "smith2020.yaml"
    study.write_text(study.read_text().replace("      url: https://example.org/smith2020\n", "      path: docs/smith.txt\n", 1))
    (project / "docs").mkdir()
    (project / "docs" / "smith.txt").write_text("one text\n")
    key = validatecache.run_key(project, None)
    (project / "docs" / "smith.txt").write_text("another text\n")
    assert key is not None and validatecache.run_key(project, None) != key


def test_a_fifo_among_the_studies_is_never_cached(project: Path) -> None:
    os.mkfifo(project / "studies" / "pipe.yaml")
    assert validatecache.run_key(project, None) is None


def test_a_cached_run_imports_no_model(project: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    code = ("import sys; from secondhct.entry import main; sys.argv = ['secondhct', 'validate']\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('secondhct.validation' in sys.modules or 'secondhct.extraction.schema' in sys.modules)")
    runs = [subprocess.run([sys.executable, "-c", code], cwd=project, env=env, capture_output=True, text=True, check=True, timeout=120).stdout
            for _ in range(2)]  # fmt: skip
    assert [out.strip().splitlines()[-1] for out in runs] == ["True", "False"]
    assert runs[0].splitlines()[:-1] == runs[1].splitlines()[:-1]
