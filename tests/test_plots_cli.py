"""``secondhct forest`` on ad hoc CSV files, and the CSV reader behind it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from secondhct.cli import app
from secondhct.errors import InputError
from secondhct.plots.csvinput import forest_data_from_csv, read_studies

CSV = """study,xi,ni,disease,excluded,note
Kato 2012,7,13,AML,,
Ruutu 2015,12,40,ALL,,events from the Kaplan-Meier curve
Andersson 2008,30,60,AML,,
Vrhovac 2016,0,15,ALL,,
Shimoni 2016,9,20,AML,same registry as Kato 2012,
"""


def test_cli_writes_a_deterministic_svg_next_to_the_csv(tmp_path: Path) -> None:
    src = tmp_path / "os.csv"
    src.write_text(CSV)
    runner = CliRunner()
    r1 = runner.invoke(app, ["forest", "--csv", str(src), "--by", "disease"])
    assert r1.exit_code == 0, r1.output
    out = tmp_path / "os-forest.svg"
    first = out.read_bytes()
    assert b"Kato 2012" in first and b"Test for subgroup differences" in first
    r2 = runner.invoke(app, ["forest", "--csv", str(src), "--by", "disease"])
    assert r2.exit_code == 0 and out.read_bytes() == first


@pytest.mark.parametrize("fmt,magic", [("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_cli_formats_out_and_funnel(tmp_path: Path, fmt: str, magic: bytes) -> None:
    src = tmp_path / "os.csv"
    src.write_text(CSV)
    out = tmp_path / f"plot.{fmt}"
    r = CliRunner().invoke(app, ["forest", "--csv", str(src), "--format", fmt, "--out", str(out), "--funnel"])
    assert r.exit_code == 0, r.output
    assert out.read_bytes()[:4] == magic
    assert (tmp_path / f"plot-funnel.{fmt}").read_bytes()[:4] == magic


@pytest.mark.parametrize(
    "text,args,message",
    [
        ("study,a,b\nx,1,2\n", [], "need columns xi,ni or yi,vi"),
        ("study,xi,ni\nx,5,3\n", [], "line 2: need whole numbers 0 <= xi <= ni"),
        ("study,yi,vi\nx,0.1,0\n", [], "line 2, column 'vi': variance 0 must be positive"),
        ("study,xi,ni\nx,1,10\n", ["--measure", "HR"], "measure HR does not fit counts"),
        ("study,xi,ni\nx,1,10\n", ["--by", "disease"], "no column 'disease' for --by"),
        ("study,xi,ni\nx,1,10\n", ["--format", "jpg"], "unknown figure format 'jpg'"),
        ("study,xi,ni\nx,1,10\n", ["--test", "t"], "unknown test 't'"),
    ],
)
def test_cli_bad_input_is_one_message_and_exit_1(tmp_path: Path, text: str, args: list[str], message: str) -> None:
    src = tmp_path / "bad.csv"
    src.write_text(text)
    r = CliRunner().invoke(app, ["forest", "--csv", str(src), *args])
    assert r.exit_code == 1
    assert message in r.output and "Traceback" not in r.output
    assert not list(tmp_path.glob("*.svg"))


def test_cli_missing_file_is_an_error(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["forest", "--csv", str(tmp_path / "none.csv")])
    assert r.exit_code == 1 and "cannot read" in r.output


def test_cli_module_does_not_import_matplotlib_or_numpy() -> None:
    code = "import sys, secondhct.cli; print(sorted(m for m in ('matplotlib', 'numpy') if m in sys.modules))"
    src = str(Path(__file__).resolve().parents[1] / "src")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": src, "PATH": "/usr/bin:/bin"}).stdout.strip()  # fmt: skip
    assert out == "[]"


def test_reader_counts_and_yi_layouts() -> None:
    s = read_studies(CSV, "x.csv")
    assert s.layout == "counts" and s.measure == "PLO" and len(s.rows) == 5
    assert [r.patients for r in s.rows] == [13, 40, 60, 15, 20]
    assert s.rows[3].derived_note == "1/2 added to events and non-events (zero cell)"
    assert s.rows[1].derived_note == "events from the Kaplan-Meier curve" and s.rows[0].reported == "7/13"
    assert s.rows[4].excluded_reason == "same registry as Kato 2012"
    y = read_studies("study,yi,vi,patients\nA,-0.2,0.04,30\nB,0.1,0.09,\n", "y.csv", "HR")
    assert y.layout == "yi" and y.measure == "HR" and [r.patients for r in y.rows] == [30, None]


def test_subgroup_test_is_the_moderator_test_with_common_tau2() -> None:
    from secondhct.stats.pooling import fit_rma

    data = forest_data_from_csv(CSV, "x.csv", by="disease")
    inc = [r for r in data.rows if r.included]
    X = [[1.0, float(r.subgroup == "ALL")] for r in inc]
    fit = fit_rma([r.yi for r in inc], [r.vi for r in inc], X, method="REML", test="adhoc")
    assert data.subgroup_test is not None
    assert (data.subgroup_test.q, data.subgroup_test.df, data.subgroup_test.df2) == (pytest.approx(fit.qm), 1, 2)
    assert [lev for lev, _ in data.subgroups] == ["AML", "ALL"]
    assert [r.subgroup for r in data.rows] == ["AML", "AML", "AML", "ALL", "ALL"]
    assert data.pooled is not None and data.pooled.k == 4


def test_all_excluded_is_an_input_error() -> None:
    with pytest.raises(InputError, match="every study is excluded"):
        forest_data_from_csv("study,xi,ni,excluded\na,1,10,dup\n", "z.csv")
