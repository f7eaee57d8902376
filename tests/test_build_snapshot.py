"""Issue 21, item 3: one snapshot per build.

The build reads each input once: validation, the computation and the hashes recorded in the
manifest all come from the same bytes. A study saved between validation and hashing (simulated
by a hook that edits the file right after validation returns) must never give a manifest that
calls the old results current: the next plain build notices the edit and equals a clean build.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from secondhct import validation
from secondhct.project import Project
from secondhct.review import build as build_module
from test_build_transaction import _make_project, _tree  # the transaction tests' small project

OLD, NEW = "countries: [Nowhere]", "countries: [Elsewhere]"  # shown in the summary's table of studies


def _edit(root: Path) -> None:
    smith = root / "studies" / "smith2020.yaml"
    smith.write_text(smith.read_text(encoding="utf-8").replace(OLD, NEW), encoding="utf-8")


def test_an_edit_during_the_build_is_never_called_current(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _make_project(tmp_path / "review")
    assert OLD in (root / "studies" / "smith2020.yaml").read_text(encoding="utf-8")
    old_digest = build_module.data_digest(Project(root))
    real = validation.validate_project

    def validate_then_edit(*args: Any, **kwargs: Any) -> Any:
        report = real(*args, **kwargs)
        _edit(root)  # a curator saves the study while the build runs
        return report

    monkeypatch.setattr(validation, "validate_project", validate_then_edit)
    build_module.build(Project(root))
    monkeypatch.setattr(validation, "validate_project", real)

    manifest = json.loads((root / "outputs" / "manifest.json").read_text(encoding="utf-8"))
    results = json.loads((root / "outputs" / "results.json").read_text(encoding="utf-8"))
    assert manifest["inputs_sha256"] == old_digest == results["inputs_sha256"]  # the bytes that were computed
    assert "Nowhere" in (root / "outputs" / "evidence-summary.md").read_text(encoding="utf-8")

    report = build_module.build(Project(root))  # a plain build sees the edit
    assert report.written, "the build called outputs current although a study changed"
    plain = _tree(root / "outputs")
    assert "Elsewhere" in plain["evidence-summary.md"].decode("utf-8")
    build_module.build(Project(root), force=True)
    assert _tree(root / "outputs") == plain


def test_the_manifest_hash_is_the_hash_of_what_was_read(tmp_path: Path) -> None:
    root = _make_project(tmp_path / "review")
    build_module.build(Project(root))
    manifest = json.loads((root / "outputs" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs_sha256"] == build_module.data_digest(Project(root))


def test_a_study_deleted_during_the_build_is_not_an_error_against_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The snapshot holds what validation read: a study deleted meanwhile is built from it, and the next build notices."""
    root = _make_project(tmp_path / "review")
    real = validation.validate_project

    def validate_then_delete(*args: Any, **kwargs: Any) -> Any:
        report = real(*args, **kwargs)
        (root / "studies" / "lee2019.yaml").unlink()
        return report

    monkeypatch.setattr(validation, "validate_project", validate_then_delete)
    build_module.build(Project(root))
    monkeypatch.setattr(validation, "validate_project", real)
    assert "lee2019" in json.loads((root / "outputs" / "results.json").read_text(encoding="utf-8"))["studies"]
    assert build_module.build(Project(root)).written  # the deletion is seen
    assert "lee2019" not in json.loads((root / "outputs" / "results.json").read_text(encoding="utf-8"))["studies"]
