"""``secondhct new``: the scaffold is generated from the schema, so once its TODOs are filled it validates."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from secondhct.cli import app
from secondhct.extraction.scaffold import field_choices

runner = CliRunner()

# What a curator writes in place of each TODO, by field name.
FILLED = {
    "content": "abstract", "url": '"https://example.org/smyth2021"', "design": "registry", "publication": "article",
    "data_source": "CIBMTR", "description": '"children with ALL relapsed after a first allogeneic HCT"', "diseases": "[ALL]",
    "age_group": "pediatric", "n": "20", "time_origin": "second_hct",
}  # fmt: skip
_TODO = re.compile(r"^(\s*)(\w+): (?:TODO|\[TODO\])(\s+#.*)?$")


def _fill(text: str) -> str:
    lines = []
    for line in text.splitlines():
        match = _TODO.match(line)
        lines.append(f"{match[1]}{match[2]}: {FILLED[match[2]]}" if match else line)
    return "\n".join(lines) + "\n"


def test_filled_scaffold_validates_with_no_finding(project: Path) -> None:
    assert runner.invoke(app, ["new", "smyth2021", "--root", str(project), "--curator", "Ada"]).exit_code == 0
    study = project / "studies" / "smyth2021.yaml"
    filled = _fill(study.read_text(encoding="utf-8"))
    assert [line for line in filled.splitlines() if "TODO" in line.split("#")[0]] == []
    study.write_text(filled, encoding="utf-8")
    result = runner.invoke(app, ["validate", "--root", str(project), str(study)])
    assert result.exit_code == 0, result.output
    assert "0 error(s), 0 warning(s)" in result.output


def test_scaffold_lists_the_codes_of_the_schema_and_no_obsolete_field(project: Path) -> None:
    assert runner.invoke(app, ["new", "smyth2021", "--root", str(project)]).exit_code == 0
    text = (project / "studies" / "smyth2021.yaml").read_text(encoding="utf-8")
    assert "overlap_group" not in text
    for field in ("data_source: TODO", "may_share_patients_with:", "selection:", "estimator:", "risk_of_bias:", "inclusion_criteria:"):
        assert field in text, field
    assert "leukemia_type_not_stated" in text and "EBMT-ALWP" in text
    assert field_choices(None)["unit"] == "percent | proportion | days | weeks | months | years"


def test_authorless_entry_gets_a_shortauthor_suggestion(project: Path) -> None:
    bib = project / "references.bib"
    bib.write_text(bib.read_text() + "\n@article{bmt2008, author={Unknown}, title={A report}, journal={Bone Marrow Transplantation}, year={2008}}\n")
    assert runner.invoke(app, ["new", "bmt2008", "--root", str(project)]).exit_code == 0
    text = (project / "studies" / "bmt2008.yaml").read_text(encoding="utf-8")
    assert 'this entry has no usable author, so the report is labelled "Bone Marrow Transplantation 2008"' in text
    assert "shortauthor" not in (project / "studies" / "smith2020.yaml").read_text(encoding="utf-8")
