"""Issue 21, item 1: text from data files never becomes code or markup.

Every generated language has one escaping function (``secondhct.escape``); these tests put
hostile text (a newline followed by R code, CR, NUL, U+2028, an ESC sequence, a bidi
override, Markdown and HTML syntax) through each, through the R scripts actually run by
Rscript, through the ``new`` scaffold, and through ``validate``, which refuses control
characters in any text field with the file, line and field.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from secondhct import escape
from secondhct.bibliography import parse_bibliography
from secondhct.cli import app
from secondhct.extraction.scaffold import scaffold_text
from secondhct.results import read_results
from secondhct.review.rscripts import r_scripts
from secondhct.yamlsource import load_yaml

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()

#: A newline then R code: in a raw ``# ...`` comment, the second line would run.
R_PAYLOAD = 'x\nfile.create("PWNED")\n# "); file.create("PWNED2"); ("\r\u2028file.create("PWNED3")'
CONTROLS = ["\x00", "\r", "\x1b[31m", "\u2028", "\u2029", "\u202e", "\x85", "\x7f"]


def test_r_comment_and_r_string_keep_everything_on_one_line() -> None:
    for text in [R_PAYLOAD, *CONTROLS]:
        assert "\n" not in escape.r_comment(text) and "\r" not in escape.r_comment(text)
        assert escape.CONTROL.search(escape.r_comment(text)) is None
        literal = escape.r_string(text)
        assert "\n" not in literal and escape.CONTROL.search(literal) is None
    assert escape.r_string('a"b\\c') == '"a\\"b\\\\c"'


def test_markdown_text_is_one_table_cell() -> None:
    cell = escape.markdown_text("a\nb | c\r\u2028<script>[x](javascript:1)\x1b")
    assert "\n" not in cell and "\r" not in cell and "\u2028" not in cell and "\x1b" not in cell
    assert "\\|" in cell and "&lt;script&gt;" in cell and "\\[x\\]" in cell


def test_doi_is_one_url() -> None:
    url = escape.doi_url('10.1/x"><script>alert(1)</script> y\n')
    assert url.startswith("https://doi.org/10.1/x") and not set(url) & set('"<> \n')


def test_yaml_string_is_one_quoted_scalar() -> None:
    for text in [R_PAYLOAD, *CONTROLS, "a\\", 'say "hi"\nkey: injected']:
        quoted = escape.yaml_string(text)
        assert "\n" not in quoted and escape.CONTROL.search(quoted) is None
        assert yaml.safe_load(f"k: {quoted}\n") == {"k": text}


def test_terminal_text_makes_escape_sequences_visible() -> None:
    assert escape.terminal_text("a\x1b[2Jb\u202ec") == "a\\u001b[2Jb\\u202ec"


def _payload_document():
    """outputs/results.json with a payload in the analysis titles, sensitivity labels and report
    labels (which come from references.bib's author and shortauthor fields)."""
    document = read_results((ROOT / "outputs" / "results.json").read_text(encoding="utf-8"))
    analyses = []
    for a in document.analyses:
        included = [r.model_copy(update={"label": r.label + R_PAYLOAD}) for r in a.included]
        sensitivity = [s.model_copy(update={"title": s.title + R_PAYLOAD}) for s in a.sensitivity]
        analyses.append(a.model_copy(update={"title": a.title + R_PAYLOAD, "included": included, "sensitivity": sensitivity}))
    return document.model_copy(update={"analyses": analyses})


def test_no_line_of_a_script_starts_with_the_payload() -> None:
    scripts = r_scripts(_payload_document())
    assert scripts
    for name, text in scripts.items():
        for line in text.splitlines():
            assert not line.lstrip().startswith("file.create"), f"{name}: {line}"
        assert escape.CONTROL.search(text) is None, name


@pytest.mark.slow
def test_payload_never_runs_when_the_scripts_run(tmp_path: Path) -> None:
    if shutil.which("Rscript") is None:
        if os.environ.get("CI"):
            pytest.fail("Rscript is not installed but CI is set")
        pytest.skip("Rscript not installed")
    scripts = r_scripts(_payload_document())
    name = next(n for n, t in scripts.items() if "bayesmeta" not in t or "sensitivity" in t)
    for script in [name, *sorted(scripts)[:1]]:
        (tmp_path / script).write_text(scripts[script], encoding="utf-8")
        proc = subprocess.run(["Rscript", script], cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
        assert proc.returncode == 0, proc.stderr
    assert not list(tmp_path.glob("PWNED*")), "a payload in a title or label ran as R code"


def test_new_scaffold_quotes_bibtex_text(tmp_path: Path) -> None:
    bib = parse_bibliography(
        "@article{evil2020,\n  author = {Evil, A.},\n  shortauthor = {Ev\\\\il},\n"
        "  title = {A title\n  key: injected \\# {with # hash}},\n  year = {2020}\n}\n",
        "references.bib",
    )
    ref = bib.references["evil2020"]
    text = scaffold_text(ref, bib, "Ada\nkey: injected", date(2026, 1, 1))
    loaded = load_yaml(text, "studies/evil2020.yaml")
    assert loaded.diagnostics == [] and loaded.data["key"] == "evil2020"
    assert loaded.data["curation"]["extracted_by"] == "Ada\nkey: injected"
    assert "injected" not in str(set(loaded.data) - {"key"})
    second = text.splitlines()[1]
    assert second.startswith('# "') and "\n" not in second


@pytest.mark.parametrize("char", ["\\0", "\\r", "\\e", "\\u2028", "\\u2029", "\\u202E", "\\x85", "\\u2066"])
def test_validate_refuses_control_characters_in_a_study(project: Path, char: str) -> None:
    study = project / "studies" / "smith2020.yaml"
    lines = study.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("description:"))
    indent = lines[at][: len(lines[at]) - len(lines[at].lstrip())]
    lines[at] = f'{indent}description: "before{char}after"'
    study.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", "--root", str(project)])
    assert result.exit_code == 1, result.output
    assert f"studies/smith2020.yaml:{at + 1}:" in result.output and "control character U+" in result.output
    assert "description" in result.output and "Traceback" not in result.output
    assert "\x1b" not in result.output and "\u202e" not in result.output


def test_validate_refuses_a_control_character_in_references_bib(project: Path) -> None:
    bib = project / "references.bib"
    text = bib.read_text(encoding="utf-8")
    start = text.index("title")
    bib.write_text(text[:start] + "note = {a\u2028b\x1b[2J},\n  " + text[start:], encoding="utf-8")
    result = runner.invoke(app, ["validate", "--root", str(project)])
    assert result.exit_code == 1, result.output
    assert "references.bib:" in result.output and "field 'note'" in result.output and "U+2028" in result.output
    assert "\x1b" not in result.output


def test_a_hash_inside_braces_of_a_bibtex_title_is_text() -> None:
    """A valid title with '#' inside braces was rejected as an undefined @string macro."""
    bib = parse_bibliography("@article{hash2020,\n  author = {Doe, J.},\n  title = {The {#1} cause # of relapse},\n  year = {2020}\n}\n",
                             "references.bib")  # fmt: skip
    assert [d for d in bib.diagnostics if d.severity == "error"] == []
    assert bib.references["hash2020"].fields["title"] == "The #1 cause # of relapse"
