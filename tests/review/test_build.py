"""secondhct build: reproducible, incremental, refuses invalid inputs, never leaves half-written outputs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from secondhct.cli import app
from secondhct.project import Project
from secondhct.review import build as build_module

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.fixture
def review(tmp_path: Path) -> Path:
    """A copy of the real review (extractions, bibliography, protocol, committed outputs)."""
    root = tmp_path / "review"
    root.mkdir()
    for name in ("studies", "outputs"):
        shutil.copytree(ROOT / name, root / name)
    for name in ("references.bib", "protocol.yaml"):
        shutil.copy(ROOT / name, root / name)
    if (ROOT.parent / "shared").is_dir():
        (tmp_path / "shared").symlink_to(ROOT.parent / "shared")
    return root


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.slow
def test_clean_build_reproduces_the_committed_results(review: Path) -> None:
    shutil.rmtree(review / "outputs")
    result = runner.invoke(app, ["build", "--root", str(review)])
    assert result.exit_code == 0, result.output
    committed = (ROOT / "outputs" / "results.json").read_text(encoding="utf-8")
    assert (review / "outputs" / "results.json").read_text(encoding="utf-8") == committed, "run: secondhct build, and commit outputs/"
    for name in ("evidence-summary.md", "evidence-summary.html", "manifest.json"):
        assert (review / "outputs" / name).is_file()


@pytest.mark.slow
def test_no_op_build_writes_nothing_and_reuses_every_analysis(review: Path) -> None:
    first = build_module.build(Project(review), force=True)
    before = {p.name: p.stat().st_mtime_ns for p in (review / "outputs").iterdir()}
    second = build_module.build(Project(review))
    assert second.computed == [] and len(second.reused) == len(first.computed) > 0
    assert second.written == []
    assert {p.name: p.stat().st_mtime_ns for p in (review / "outputs").iterdir()} == before


@pytest.mark.slow
def test_changing_a_study_recomputes_and_reports_the_change(review: Path) -> None:
    build_module.build(Project(review), force=True)
    kato = review / "studies" / "kato2012.yaml"
    kato.write_text(kato.read_text().replace("    plus_minus: 3.7\n", "    plus_minus: 3.9\n"))
    report = build_module.build(Project(review))
    assert "os-children-acute-2-3y" in report.computed and "results.json" in report.written
    summary = (review / "outputs" / "evidence-summary.md").read_text()
    assert "os-children-acute-2-3y: k 2 → 2, pooled" in summary


def test_invalid_inputs_write_nothing(review: Path) -> None:
    before = _snapshot(review / "outputs")
    kato = review / "studies" / "kato2012.yaml"
    kato.write_text(kato.read_text().replace("  n: 171\n", "  n: many\n", 1))
    result = runner.invoke(app, ["build", "--root", str(review)])
    assert result.exit_code == 1
    assert "nothing was written" in result.output and "kato2012.yaml" in result.output
    assert "Traceback" not in result.output
    assert _snapshot(review / "outputs") == before


def test_interrupted_build_leaves_previous_outputs(review: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _snapshot(review / "outputs")

    def boom(*args: object, **kwargs: object) -> dict[str, str]:
        raise KeyboardInterrupt

    monkeypatch.setattr("secondhct.review.summary.render_summaries", boom)
    with pytest.raises(KeyboardInterrupt):
        build_module.build(Project(review), force=True)
    assert _snapshot(review / "outputs") == before


def test_results_trace_to_extractions() -> None:
    """Every included row names its study and the outcome row it came from, with the printed value."""
    results = json.loads((ROOT / "outputs" / "results.json").read_text(encoding="utf-8"))
    analysis = next(a for a in results["analyses"] if a["id"] == "os-children-acute-2-3y")
    kato = next(r for r in analysis["included"] if r["key"] == "kato2012")
    assert kato["source"] == "outcomes[0]" and kato["reported"] == "29.4 ± 3.7%" and kato["assumed_se"] is True
    assert kato["natural"]["estimate"] == pytest.approx(0.294, rel=1e-12)
    weights = [r["weight"] for r in analysis["included"]]
    assert sum(weights) == pytest.approx(100.0, rel=1e-9)
