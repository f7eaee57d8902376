"""'What changed' names the new reports that entered no analysis, with the first reason (on the frozen fixture project)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from secondhct.cli import app
from secondhct.results import read_results
from secondhct.review.changes import Baseline, describe_changes


def _baseline_without(results: Path, *keys: str) -> Baseline:
    old = json.loads(results.read_text(encoding="utf-8"))
    for key in keys:
        del old["studies"][key]
    return Baseline(old, "an earlier build", "x")


def test_a_new_report_in_no_analysis_is_named_with_its_first_exclusion(frozen_root: Path) -> None:
    results = frozen_root / "outputs" / "results.json"
    document = read_results(results.read_text(encoding="utf-8"))
    assert document is not None
    changes = describe_changes(document, _baseline_without(results, "nagayama1999", "kato2012"), lambda m, v: str(v))
    assert changes["added"] == ["Kato 2012 (kato2012)", "Nagayama 1999 (nagayama1999)"]
    (entry,) = changes["not_entered"]  # kato2012 enters analyses: not listed
    assert entry["key"] == "nagayama1999" and entry["label"] == "Nagayama 1999"
    # one line: the reason of the analyses it got furthest in, with their titles, and where to see every reason
    reasons = {f"{x.stage}: {x.reason}" for a in document.analyses for x in a.excluded if x.key == "nagayama1999"}
    furthest = "population: no arm of second allogeneic HCT (arms: IL-2/LAK cells)"
    assert furthest in reasons and entry["reason"].startswith(f"{furthest} (")
    assert entry["reason"].endswith(f"; {len(reasons) - 1} other reasons elsewhere: `secondhct explain nagayama1999`")


def test_a_moved_analysis_is_named_by_title_with_its_ci_and_the_reports_that_entered(frozen_root: Path) -> None:
    results = frozen_root / "outputs" / "results.json"
    document = read_results(results.read_text(encoding="utf-8"))
    assert document is not None
    old = json.loads(results.read_text(encoding="utf-8"))
    target = next(a for a in old["analyses"] if a["pooled"] is not None and a["k"] >= 2)
    left_out = target["included"].pop()
    target["k"] -= 1
    target["pooled"]["natural"]["ci_lb"] = 0.001
    changes = describe_changes(document, Baseline(old, "an earlier build", "x"), lambda m, v: f"{v:.3f}")
    (moved,) = [m for m in changes["moved"] if m["id"] == target["id"]]
    new = next(a for a in document.analyses if a.id == target["id"]).pooled.natural  # type: ignore[union-attr]
    assert moved["title"] == target["title"] and (moved["k_old"], moved["k_new"]) == (target["k"], target["k"] + 1)
    assert moved["old"] == f"{new.estimate:.3f} (0.001 to {new.ci_ub:.3f})"
    assert moved["new"] == f"{new.estimate:.3f} ({new.ci_lb:.3f} to {new.ci_ub:.3f})"
    assert moved["why"] == f"entered: {document.studies[left_out['key']]}"


@pytest.mark.slow
def test_the_summary_shows_it(frozen_copy: Path, tmp_path: Path) -> None:
    root = frozen_copy
    old = json.loads((root / "outputs" / "results.json").read_text(encoding="utf-8"))
    del old["studies"]["nagayama1999"]
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(old), encoding="utf-8")
    result = CliRunner().invoke(app, ["build", "--root", str(root), "--baseline", str(baseline)])
    assert result.exit_code == 0, result.output
    md = (root / "outputs" / "evidence-summary.md").read_text(encoding="utf-8")
    html = (root / "outputs" / "evidence-summary.html").read_text(encoding="utf-8")
    line = "New report in no analysis: nagayama1999 (Nagayama 1999): population: no arm of second allogeneic HCT ("
    assert f"- {line}" in md
    assert f"<li>{line}" in html


def test_a_renamed_report_is_neither_removed_nor_added(frozen_root: Path) -> None:
    results = frozen_root / "outputs" / "results.json"
    document = read_results(results.read_text(encoding="utf-8"))
    assert document is not None
    old = json.loads(results.read_text(encoding="utf-8"))
    old["studies"]["placeholder2012"] = old["studies"].pop("kato2012")  # the baseline knew kato2012 by a former key
    changes = describe_changes(document, Baseline(old, "an earlier build", "x"), lambda m, v: str(v), {"placeholder2012": "kato2012"})
    assert changes["renamed"] == [{"old": "placeholder2012", "new": "Kato 2012 (kato2012)"}]
    assert changes["added"] == [] and changes["removed"] == []
    without = describe_changes(document, Baseline(old, "an earlier build", "x"), lambda m, v: str(v))
    assert without["added"] == ["Kato 2012 (kato2012)"] and without["removed"] == ["Kato 2012 (placeholder2012)"]
    assert without["renamed"] == []
