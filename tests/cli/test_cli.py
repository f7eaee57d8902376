"""The command line, through typer's CliRunner: exit codes, messages, and files left untouched."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from secondhct.cli import app

runner = CliRunner()


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_version_and_help() -> None:
    assert runner.invoke(app, ["--version"]).output.strip() == "secondhct 0.1.0"
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("validate", "new", "schema"):
        assert command in result.output


def test_validate_clean_project_exits_0(project: Path) -> None:
    result = runner.invoke(app, ["validate", "--root", str(project)])
    assert result.exit_code == 0, result.output
    assert "checked 1 file: 0 error(s), 0 warning(s), 2 info" in result.output
    assert "info: entry 'smyth2021' is not used by any study" in result.output


def test_validate_error_prints_compiler_line_and_exits_1(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    study = project / "studies" / "smith2020.yaml"
    study.write_text(study.read_text().replace("    events: 30\n", "    events: 70\n"))
    before = _digest(project / "studies")
    monkeypatch.chdir(project)
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 1
    assert "studies/smith2020.yaml:72:13: error: outcomes[3].events: events (70) exceed total (60)" in result.output
    assert "Traceback" not in result.output
    assert _digest(project / "studies") == before  # validate never writes


def test_warnings_exit_0_unless_strict(project: Path) -> None:
    study = project / "studies" / "smith2020.yaml"
    study.write_text(study.read_text().replace("    se: 4.9\n", "    se: 8.0\n"))
    assert runner.invoke(app, ["validate", "--root", str(project)]).exit_code == 0
    strict = runner.invoke(app, ["validate", "--strict", "--root", str(project)])
    assert strict.exit_code == 1 and "warning: outcomes[0].se" in strict.output


def test_validate_named_file_and_folder(project: Path) -> None:
    study = project / "studies" / "smith2020.yaml"
    one = runner.invoke(app, ["validate", "--root", str(project), str(study)])
    assert one.exit_code == 0 and "checked 1 file:" in one.output
    assert "not used by any study" not in one.output  # unused entries only for the whole corpus
    folder = runner.invoke(app, ["validate", "--root", str(project), str(project / "studies")])
    assert folder.exit_code == 0 and "checked 1 file:" in folder.output


def test_validate_missing_file_is_a_diagnostic(project: Path) -> None:
    result = runner.invoke(app, ["validate", "--root", str(project), str(project / "studies" / "nope.yaml")])
    assert result.exit_code == 1
    assert "nope.yaml: error: cannot read file" in result.output


def test_outside_a_project_is_one_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", "--root", str(tmp_path)])
    assert result.exit_code == 1
    assert "error: no secondhct project" in result.output
    assert "Traceback" not in result.output


def test_new_creates_a_scaffold_that_lists_its_todos(project: Path) -> None:
    result = runner.invoke(app, ["new", "smyth2021", "--root", str(project), "--curator", "Ada"])
    assert result.exit_code == 0, result.output
    created = project / "studies" / "smyth2021.yaml"
    text = created.read_text()
    assert text.startswith("# yaml-language-server: $schema=./_schema.json\n# \"Smyth 2021\": \"Another fictional cohort\"\n")
    assert "key: smyth2021\n" in text and 'extracted_by: "Ada"' in text
    assert "next: fill in the TODOs, then run: secondhct validate" in result.output
    check = runner.invoke(app, ["validate", "--root", str(project), str(created)])
    assert check.exit_code == 1
    assert "smyth2021.yaml:20:11: error: study.design: text 'TODO' is not allowed" in check.output
    assert "smyth2021.yaml:17:12: error: curation.documents[0].url: still TODO" in check.output
    assert "smyth2021.yaml:36:16: error: population.description: still TODO" in check.output
    assert "Traceback" not in check.output


def test_new_prefills_doi_and_meeting_abstracts(project: Path) -> None:
    bib = project / "references.bib"
    bib.write_text(bib.read_text() + "\n@inproceedings{ash2010, author={Doe, J.}, title={An abstract}, year={2010}, doi={10.1/x}}\n")
    assert runner.invoke(app, ["new", "ash2010", "--root", str(project)]).exit_code == 0
    text = (project / "studies" / "ash2010.yaml").read_text()
    assert 'url: "https://doi.org/10.1/x"' in text
    assert "publication: meeting_abstract\n" in text


def test_new_refuses_to_overwrite(project: Path) -> None:
    study = project / "studies" / "smith2020.yaml"
    before = study.read_bytes()
    result = runner.invoke(app, ["new", "smith2020", "--root", str(project)])
    assert result.exit_code == 1
    assert "already exists; it was left untouched" in result.output
    assert study.read_bytes() == before


def test_new_unknown_key_suggests(project: Path) -> None:
    result = runner.invoke(app, ["new", "smith2021", "--root", str(project)])
    assert result.exit_code == 1
    assert "'smith2021' is not a key in" in result.output and "'smith2020'" in result.output
    assert not (project / "studies" / "smith2021.yaml").exists()


def test_schema_write_then_check(project: Path) -> None:
    assert runner.invoke(app, ["schema", "--check", "--root", str(project)]).exit_code == 1
    written = runner.invoke(app, ["schema", "--root", str(project)])
    assert written.exit_code == 0 and "wrote" in written.output
    assert runner.invoke(app, ["schema", "--check", "--root", str(project)]).exit_code == 0


def test_forest_draws_a_protocol_analysis(tmp_path: Path, frozen_root: Path) -> None:
    root = frozen_root  # the frozen fixture project: which reports the analysis draws is fixed
    out = tmp_path / "os.svg"
    result = runner.invoke(app, ["forest", "os-children-acute-2-3y", "--root", str(root), "--out", str(out)])
    assert result.exit_code == 0, result.output
    svg = out.read_text(encoding="utf-8")
    assert "Kato 2012" in svg and "Hazar 2020" in svg and "29.4 ± 3.7%" in svg
    missing = runner.invoke(app, ["forest", "nope", "--root", str(root)])
    assert missing.exit_code == 1 and "no analysis 'nope' in protocol.yaml" in missing.output
    neither = runner.invoke(app, ["forest", "--root", str(root)])
    assert neither.exit_code == 1 and "give either an ANALYSIS id" in neither.output
