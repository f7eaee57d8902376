"""Issue 21, item 2: ``forest --out`` (and the derived ``-funnel`` name) never replaces a curator's file.

A curator's source (``studies/``, ``references.bib``, ``protocol.yaml``, ``vocabulary.yaml``,
``searches.yaml``) is refused even with ``--overwrite``; a git-tracked file or an existing
file that is not a figure secondhct wrote is refused unless ``--overwrite`` is given.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from secondhct.cli import app

runner = CliRunner()
CSV = "study,xi,ni\nKato 2012,7,13\nSmith 2020,20,40\nLee 2019,5,25\n"


def _digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def review(project: Path) -> Path:
    (project / "protocol.yaml").write_text("analyses: []\n", encoding="utf-8")
    (project / "searches.yaml").write_text("searches: []\n", encoding="utf-8")
    (project / "data.csv").write_text(CSV, encoding="utf-8")
    return project


@pytest.mark.parametrize("target", ["references.bib", "studies/smith2020.yaml", "protocol.yaml", "vocabulary.yaml",
                                    "searches.yaml", "studies/new.svg"])  # fmt: skip
@pytest.mark.parametrize("overwrite", [False, True])
def test_out_refuses_a_curators_source(review: Path, target: str, overwrite: bool) -> None:
    before = _digest(review)
    args = ["forest", "--csv", str(review / "data.csv"), "--out", str(review / target), "--root", str(review)]
    result = runner.invoke(app, args + (["--overwrite"] if overwrite else []))
    assert result.exit_code == 1, result.output
    assert "curator's source" in result.output and "Traceback" not in result.output
    assert _digest(review) == before


def test_out_refuses_a_curators_source_from_inside_the_project(review: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(review)
    before = _digest(review)
    result = runner.invoke(app, ["forest", "--csv", "data.csv", "--out", "references.bib"])
    assert result.exit_code == 1 and "curator's source references.bib" in result.output
    assert _digest(review) == before


def test_funnel_name_obeys_the_same_rule(review: Path) -> None:
    other = review / "plot-funnel.svg"
    other.write_text("my notes\n", encoding="utf-8")
    result = runner.invoke(app, ["forest", "--csv", str(review / "data.csv"), "--out", str(review / "plot.svg"), "--funnel"])
    assert result.exit_code == 1 and "plot-funnel.svg" in result.output and "--overwrite" in result.output
    assert other.read_text(encoding="utf-8") == "my notes\n"
    assert not (review / "plot.svg").exists()  # nothing is written when one target is refused
    result = runner.invoke(app, ["forest", "--csv", str(review / "data.csv"), "--out", str(review / "plot.svg"), "--funnel", "--overwrite"])
    assert result.exit_code == 0, result.output
    assert other.read_bytes().startswith(b"<?xml")


def test_an_existing_file_it_did_not_write_needs_overwrite(review: Path) -> None:
    notes = review / "notes.svg"
    notes.write_text("not a figure\n", encoding="utf-8")
    result = runner.invoke(app, ["forest", "--csv", str(review / "data.csv"), "--out", str(notes)])
    assert result.exit_code == 1 and "not a SVG figure written by secondhct" in result.output
    assert notes.read_text(encoding="utf-8") == "not a figure\n"


def test_its_own_figure_is_replaced_without_overwrite(review: Path) -> None:
    out = review / "plot.svg"
    for _ in range(2):
        result = runner.invoke(app, ["forest", "--csv", str(review / "data.csv"), "--out", str(out)])
        assert result.exit_code == 0, result.output


def test_a_tracked_file_needs_overwrite(review: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    out = review / "figure.svg"
    assert runner.invoke(app, ["forest", "--csv", str(review / "data.csv"), "--out", str(out)]).exit_code == 0
    subprocess.run(["git", "init", "-q"], cwd=review, check=True)
    subprocess.run(["git", "add", "figure.svg"], cwd=review, check=True)
    result = runner.invoke(app, ["forest", "--csv", str(review / "data.csv"), "--out", str(out)])
    assert result.exit_code == 1 and "tracked by git" in result.output
    result = runner.invoke(app, ["forest", "--csv", str(review / "data.csv"), "--out", str(out), "--overwrite"])
    assert result.exit_code == 0, result.output
