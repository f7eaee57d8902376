"""``secondhct validate``: flags read as flags, and ``validate FILE`` is about that file."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from secondhct.cli import app
from secondhct.project import Project
from secondhct.validation import validate_project

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "project"


@pytest.mark.parametrize(("command", "flags"), [
    ("validate", ["--strict", "--quiet"]), ("build", ["--force"]), ("schema", ["--check"]),
    ("pool", ["--json"]), ("forest", ["--funnel", "--common"]),
])  # fmt: skip
def test_boolean_options_show_as_flags(command: str, flags: list[str]) -> None:
    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for flag in flags:
        assert re.search(rf"{flag}\b", result.output), result.output
        assert not re.search(rf"{flag}\s+(?:-\w\s+)?<bool>", result.output), result.output


def test_validate_one_file_reports_only_what_concerns_it(tmp_path: Path) -> None:
    """Another entry's bibliography warning is not this file's; its own entry's is."""
    shutil.copytree(DATA, tmp_path / "p")
    root = tmp_path / "p"
    bib = root / "references.bib"
    bib.write_text(bib.read_text(encoding="utf-8") + "\n@article{orphan2001,\n  title = {No year}\n}\n", encoding="utf-8")
    whole = validate_project(Project(root))
    assert any("'orphan2001' has no year" in d.message for d in whole.diagnostics)
    one = validate_project(Project(root), [root / "studies" / "smith2020.yaml"])
    assert not any("orphan2001" in d.message for d in one.diagnostics)
    assert {Path(d.file).name for d in one.diagnostics} <= {"smith2020.yaml", "references.bib"}
