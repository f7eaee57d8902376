"""secondhct build: reproducible, incremental, refuses invalid inputs, never leaves half-written outputs.

On the frozen fixture project (tests/frozen.py); that the live review's committed outputs are
current is an invariant of tests/invariants.py."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from secondhct.cli import app
from secondhct.project import Project
from secondhct.review import build as build_module

runner = CliRunner()


@pytest.fixture
def review(frozen_copy: Path) -> Path:
    """A copy of the frozen fixture project (extractions, bibliography, protocol, search log and
    the outputs of its build): tests/data/frozen/, not the live review."""
    return frozen_copy


def _revise(kato: str) -> str:
    """A corrected number whose quote is taken out: validate checks that a quote prints the
    row's numbers and is printed word for word in its document (which says 3.7)."""
    return kato.replace("    plus_minus: 3.7\n", "    plus_minus: 3.9\n").replace("      quote: OS at 2 years was 29.4±3.7%\n", "", 1)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.slow
def test_clean_build_reproduces_the_results(review: Path, frozen_root: Path) -> None:
    """A clean build from the command line writes, byte for byte, the results of the API build of the same inputs."""
    shutil.rmtree(review / "outputs")
    result = runner.invoke(app, ["build", "--root", str(review)])
    assert result.exit_code == 0, result.output
    built = (frozen_root / "outputs" / "results.json").read_text(encoding="utf-8")
    assert (review / "outputs" / "results.json").read_text(encoding="utf-8") == built
    for name in ("evidence-summary.md", "evidence-summary.html", "manifest.json"):
        assert (review / "outputs" / name).is_file()


@pytest.mark.slow
def test_the_build_draws_the_prisma_diagram_from_the_search_log(review: Path) -> None:
    """outputs/prisma.svg comes from searches.yaml; the summaries show it (inline in HTML, linked in Markdown)."""
    result = runner.invoke(app, ["build", "--root", str(review), "--force"])
    assert result.exit_code == 0, result.output
    svg = (review / "outputs" / "prisma.svg").read_text(encoding="utf-8")
    assert "<title>PRISMA 2020 flow diagram</title>" in svg and "(n = not stated)" in svg
    md = (review / "outputs" / "evidence-summary.md").read_text(encoding="utf-8")
    page = (review / "outputs" / "evidence-summary.html").read_text(encoding="utf-8")
    assert "![PRISMA 2020 flow diagram](prisma.svg)" in md and "last search 2026-12-01" in md
    assert "<title>PRISMA 2020 flow diagram</title>" in page and "<?xml" not in page
    (review / "searches.yaml").unlink()
    assert runner.invoke(app, ["build", "--root", str(review)]).exit_code == 0
    assert not (review / "outputs" / "prisma.svg").exists()
    assert "How the reports were found" not in (review / "outputs" / "evidence-summary.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_no_op_build_writes_nothing_and_reuses_every_analysis(review: Path) -> None:
    first = build_module.build(Project(review), force=True)
    before = {p.name: p.stat().st_mtime_ns for p in (review / "outputs").iterdir()}
    second = build_module.build(Project(review))
    assert second.computed == [] and len(second.reused) == len(first.computed) > 0
    assert second.written == []
    assert {p.name: p.stat().st_mtime_ns for p in (review / "outputs").iterdir()} == before


def _git(root: Path, *args: str) -> str:
    import subprocess

    done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-C", str(root), *args],
                          capture_output=True, text=True, check=True)
    return done.stdout


@pytest.mark.slow
def test_changing_a_study_recomputes_and_reports_the_change_against_the_committed_results(review: Path) -> None:
    build_module.build(Project(review), force=True)
    _git(review, "init", "-q")
    _git(review, "add", "-A")
    _git(review, "commit", "-q", "-m", "first")
    first = _git(review, "rev-parse", "HEAD").strip()
    kato = review / "studies" / "kato2012.yaml"
    kato.write_text(_revise(kato.read_text()))
    report = build_module.build(Project(review))
    assert "os-children-acute-2-3y" in report.computed and "results.json" in report.written
    summary = (review / "outputs" / "evidence-summary.md").read_text()
    assert f"Compared with outputs/results.json as committed in {first[:12]}" in summary
    assert "Overall survival 2-3 years after a second allogeneic HCT, children with acute leukemia: k 2 → 2, pooled" in summary
    # Committing the new results does not change the comparison: a build at that commit
    # reproduces the committed summary (the baseline is the latest *different* version).
    _git(review, "add", "-A")
    _git(review, "commit", "-q", "-m", "second")
    again = build_module.build(Project(review), force=True)
    assert again.written == []
    assert (review / "outputs" / "evidence-summary.md").read_text() == summary


@pytest.mark.slow
def test_the_summary_does_not_depend_on_the_previous_outputs(review: Path) -> None:
    build_module.build(Project(review), force=True)
    first = _snapshot(review / "outputs")
    summary = first["evidence-summary.md"].decode()
    assert "No baseline to compare with" in summary  # not in git: says so, instead of comparing with outputs/
    kato = review / "studies" / "kato2012.yaml"
    original = kato.read_text()
    kato.write_text(_revise(original))
    build_module.build(Project(review))
    kato.write_text(original)
    build_module.build(Project(review), force=True)
    assert _snapshot(review / "outputs") == first


@pytest.mark.slow
def test_an_explicit_baseline_file(review: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    shutil.copy(review / "outputs" / "results.json", baseline)
    kato = review / "studies" / "kato2012.yaml"
    kato.write_text(_revise(kato.read_text()))
    result = runner.invoke(app, ["build", "--root", str(review), "--baseline", str(baseline)])
    assert result.exit_code == 0, result.output
    summary = (review / "outputs" / "evidence-summary.md").read_text()
    assert "Compared with baseline.json (SHA-256 " in summary
    assert "Overall survival 2-3 years after a second allogeneic HCT, children with acute leukemia: k 2 → 2, pooled" in summary


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


def test_results_trace_to_extractions(frozen_root: Path) -> None:
    """Every included row names its study and the outcome row it came from, with the printed value."""
    results = json.loads((frozen_root / "outputs" / "results.json").read_text(encoding="utf-8"))
    analysis = next(a for a in results["analyses"] if a["id"] == "os-children-acute-2-3y")
    kato = next(r for r in analysis["included"] if r["key"] == "kato2012")
    assert kato["source"] == "outcomes[0]" and kato["reported"] == "29.4 ± 3.7%" and kato["assumed_se"] is True
    assert kato["natural"]["estimate"] == pytest.approx(0.294, rel=1e-12)
    # two reports: the Bayesian model is primary (few-studies rule); its weights are the posterior mean weights
    assert analysis["synthesis"] == "few_studies" and analysis["pooled"]["model"] == "bayesian"
    weights = [r["weight"] for r in analysis["included"]]
    assert sum(weights) == pytest.approx(100.0, rel=1e-12) and all(0 < w < 100 for w in weights)
    larger = next(a for a in results["analyses"] if a["id"] == "os-all-ages-2-3y")
    assert larger["synthesis"] == "standard" and larger["pooled"]["method"] == "REML"
    assert sum(r["weight"] for r in larger["included"]) == pytest.approx(100.0, rel=1e-9)


def test_funnel_plots_only_from_five_reports(frozen_root: Path) -> None:
    """With fewer reports a funnel plot shows nothing about small-study effects: not drawn."""
    results = json.loads((frozen_root / "outputs" / "results.json").read_text(encoding="utf-8"))
    drawn = {p.name.removesuffix(".funnel.svg") for p in (frozen_root / "outputs").glob("*.funnel.svg")}
    expected = {a["id"] for a in results["analyses"] if a["k"] >= 5 and a["pooled"] is not None}
    assert drawn == expected == {"os-all-ages-2-3y", "lfs-all-ages-2-3y"}


def test_markdown_summary_escapes_text_from_bibtex() -> None:
    """A hostile title cannot inject HTML or a link into evidence-summary.md."""
    from secondhct.review.summary import markdown_text

    assert markdown_text("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert markdown_text("[x](javascript:alert(1))") == "\\[x\\](javascript:alert(1))"
    assert markdown_text("a | b") == "a \\| b"


@pytest.mark.slow
def test_one_study_edit_recomputes_only_its_analyses_and_equals_a_forced_build(review: Path, tmp_path: Path) -> None:
    """An analysis is recomputed only when a report it can select changes; the incremental
    outputs are byte for byte those of a clean --force build of the same inputs."""
    build_module.build(Project(review), force=True)
    kato = review / "studies" / "kato2012.yaml"
    kato.write_text(_revise(kato.read_text()))
    report = build_module.build(Project(review))
    # kato2012's OS analyses, and the second-HCT-versus-alternative analyses: they select every
    # second-HCT arm and look for the comparator arm of the same report afterwards
    assert sorted(report.computed) == ["os-all-ages-2-3y", "os-children-acute-2-3y", "os-children-all-2-3y",
                                       "versus-chemotherapy-or-dli-os", "versus-chemotherapy-os", "versus-dli-os",
                                       "versus-no-second-hct-os"]
    assert "os-adults-2-3y" in report.reused and "os-adults-2-3y.forest.svg" not in report.written
    clean = tmp_path / "clean"
    shutil.copytree(review, clean, ignore=shutil.ignore_patterns("outputs"))
    build_module.build(Project(clean), force=True)
    assert _snapshot(review / "outputs") == _snapshot(clean / "outputs")


@pytest.mark.slow
def test_a_current_build_says_so_and_how_to_force(review: Path) -> None:
    build_module.build(Project(review), force=True)
    result = runner.invoke(app, ["build", "--root", str(review)])
    assert result.exit_code == 0, result.output
    assert re.search(r"is current \(\d+ analyses unchanged, nothing written", result.output)
    last = result.output.rstrip().splitlines()[-1]
    assert last.startswith("open ") and last.endswith("outputs/evidence-summary.html (the evidence summary; results.json has every number)")
    assert "use `secondhct build --force` to recompute everything" in result.output


HOSTILE = "<script>alert(1)</script> [x](javascript:alert(2)) *bold* | pipe"


def test_hostile_bibtex_title_and_label_stay_text_in_both_summaries(review: Path) -> None:
    """A BibTeX title and display label with HTML and link syntax reach the Markdown and the
    HTML summary as literal text (every BibTeX and extraction string goes through the escaper)."""
    bib = (review / "references.bib").read_text(encoding="utf-8")
    bib = bib.replace("title   = {Second allogeneic hematopoietic SCT for relapsed ALL in children}", f"title   = {{{HOSTILE}}}")
    bib = bib.replace("@article{kato2012,\n", f"@article{{kato2012,\n  shortauthor = {{{HOSTILE}}},\n")
    (review / "references.bib").write_text(bib, encoding="utf-8")
    result = runner.invoke(app, ["build", "--root", str(review), "--force"])
    assert result.exit_code == 0, result.output
    md = (review / "outputs" / "evidence-summary.md").read_text(encoding="utf-8")
    page = (review / "outputs" / "evidence-summary.html").read_text(encoding="utf-8")
    assert "<script>" not in md and "<script>alert" not in page
    assert not re.search(r"(?<!\\)\]\(javascript:", md)  # only the escaped \](... remains
    assert 'href="javascript' not in page
    assert md.count("&lt;script&gt;alert(1)&lt;/script&gt; \\[x\\](javascript:alert(2)) \\*bold\\* \\| pipe") >= 3  # label, reference
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.slow
def test_a_stale_certainty_override_does_not_block_the_build_that_would_correct_it(review: Path) -> None:
    """An override whose reason cites a number the build does not give: the build runs and warns;
    validate then reports it as an error."""
    protocol = review / "protocol.yaml"
    text = protocol.read_text(encoding="utf-8")
    marker = "  - id: os-children-all-2-3y\n"
    override = '    certainty:\n      imprecision: {rating: not_serious, reason: "2190 patients, more than needed"}\n'
    protocol.write_text(text.replace(marker, marker + override, 1), encoding="utf-8")
    result = runner.invoke(app, ["build", "--root", str(review)])
    assert result.exit_code == 0, result.output
    assert ("protocol.yaml: warning: certainty of os-children-all-2-3y: imprecision: the override's reason cites 2190, "
            "which the build does not give") in result.output  # fmt: skip
    checked = runner.invoke(app, ["validate", "--root", str(review)])
    assert checked.exit_code == 1 and "imprecision override cites 2190, which the build does not give" in checked.output
