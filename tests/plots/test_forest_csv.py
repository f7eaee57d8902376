"""``secondhct forest`` on ad hoc CSV files, and the CSV reader behind it."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from secondhct.cli import app
from secondhct.errors import InputError
from secondhct.inputs.csvtable import parse_study_table
from secondhct.plots.csvinput import forest_data_from_csv, rows_from_table

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
        ("study,a,b\nx,1,2\n", [], "lacks the columns of every input layout"),
        ("study,xi,ni\nx,5,3\n", [], "line 2, column 'xi': 5 events exceed the total ni = 3"),
        ("study,yi,vi\nx,0.1,0\n", [], "line 2, column 'vi': variance 0 must be positive"),
        ("study,xi,ni\nx,1,10\n", ["--measure", "HR"], "--measure HR does not fit columns xi,ni"),
        ("study,xi,ni\nx,1,10\n", ["--by", "disease"], "--by column 'disease' not found"),
        ("study,xi,ni,g\nx,1,10,\n", ["--by", "g"], "line 2, column 'g': the subgroup is empty"),
        ("study,xi,ni,patients\nx,1,10,ten\n", [], "column 'patients': 'ten' is not a number"),
        ("study,yi,vi\nx,0.1,0.2\n", ["--method", "GLMM"], "binomial-normal GLMM needs events and totals (xi, ni)"),
        ("study,xi,ni\nx,1,10\n", ["--method", "BAYES", "--tau-prior", "halfnormal:-1"], "the scale (upper bound, sdlog, sd) must be positive"),
        ("study,xi,ni\nx,1,10\n", ["--method", "XX"], "unknown method 'XX'"),
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
    src = str(Path(__file__).resolve().parents[2] / "src")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": src, "PATH": "/usr/bin:/bin"}).stdout.strip()  # fmt: skip
    assert out == "[]"


def test_rows_follow_the_pool_reader_for_every_layout() -> None:
    rows = rows_from_table(parse_study_table(CSV, "x.csv"))
    assert [r.patients for r in rows] == [13, 40, 60, 15, 20]
    assert [r.reported for r in rows] == ["7/13", "12/40", "30/60", "0/15", "9/20"]
    assert rows[3].derived_note == "1/2 added to events and non-events (zero cell)"
    assert rows[1].derived_note == "events from the Kaplan-Meier curve" and rows[0].derived_note is None
    assert rows[4].excluded_reason == "same registry as Kato 2012" and rows[0].excluded_reason is None
    hr = rows_from_table(parse_study_table("study,estimate,ci_lower,ci_upper\nA,0.72,0.51,1.02\n", "h.csv", "HR"))
    assert hr[0].reported == "HR 0.72 (0.51\u20131.02)" and hr[0].yi == pytest.approx(math.log(0.72))
    assert hr[0].derived_note == "SE derived from the 95% CI on the log scale (Parmar et al. 1998)"
    ps = rows_from_table(parse_study_table("study,estimate,se\nA,0.294,0.037\n", "p.csv"))
    assert ps[0].reported == "29.4 \u00b1 3.7%" and ps[0].derived_note == "SE carried to the PLO scale by the delta method"
    yv = rows_from_table(parse_study_table("study,yi,sei,patients\nA,-0.2,0.2,30\nB,0.1,0.3,\n", "y.csv", "HR"))
    assert [r.patients for r in yv] == [30, None] and yv[1].vi == pytest.approx(0.09)


def test_forest_pooled_result_equals_secondhct_pool(tmp_path: Path) -> None:
    from secondhct.calculator import pool_table

    text = "study,xi,ni,disease\n" + "".join(f"S{i},{x},{n},{'AML' if i % 2 else 'ALL'}\n"
                                           for i, (x, n) in enumerate([(7, 13), (12, 40), (30, 60), (0, 15), (9, 20)]))  # fmt: skip
    data = forest_data_from_csv(text, "t.csv", by="disease")
    ref = pool_table(parse_study_table(text, "t.csv"), by="disease")
    assert data.pooled is not None
    assert data.pooled.estimate == pytest.approx(ref.record.estimate, rel=1e-12)
    assert data.pooled.tau2 == pytest.approx(ref.record.tau2, rel=1e-12, abs=1e-15)
    assert [r.weight for r in data.rows] != [None] * 5
    assert data.subgroup_test is not None and ref.subgroup_test is not None
    assert data.subgroup_test.q == pytest.approx(ref.subgroup_test.q, rel=1e-12)
    assert {lev: res.estimate for lev, res in data.subgroups} == pytest.approx(
        {lev: rec.estimate for lev, (_, rec) in ref.subgroups.items()}, rel=1e-12)


def test_excluded_rows_stay_out_of_pooling_and_subgroups_are_in_factor_order() -> None:
    data = forest_data_from_csv(CSV, "x.csv", by="disease")
    assert [lev for lev, _ in data.subgroups] == ["ALL", "AML"]  # sorted, as R's factor
    assert [r.subgroup for r in data.rows] == ["ALL", "ALL", "AML", "AML", "AML"]
    assert data.pooled is not None and data.pooled.k == 4
    assert [r.weight is None for r in data.rows] == [False, False, False, False, True]
    assert sum(r.weight for r in data.rows if r.weight is not None) == pytest.approx(100.0)


def test_all_excluded_is_an_input_error() -> None:
    with pytest.raises(InputError, match="every study is excluded"):
        forest_data_from_csv("study,xi,ni,excluded\na,1,10,dup\n", "z.csv")


def test_cli_common_outcome_and_xlim(tmp_path: Path) -> None:
    src = tmp_path / "hr.csv"
    src.write_text("study,estimate,ci_lower,ci_upper\nA,0.72,0.51,1.02\nB,1.10,0.80,1.52\nC,0.45,0.12,1.70\n")
    out = tmp_path / "hr.svg"
    r = CliRunner().invoke(app, ["forest", "--csv", str(src), "--measure", "HR", "--out", str(out), "--common", "--outcome", "Overall survival",
                                 "--xlim", "0.25,4"])  # fmt: skip
    assert r.exit_code == 0, r.output
    svg = out.read_text()
    assert 'id="diamond-common"' in svg and 'id="clip-arrows-left"' in svg  # C's CI 0.12 runs past 0.25
    assert "Common-effect model" in svg and "Overall survival: hazard ratio (log scale)" in svg
    bad = CliRunner().invoke(app, ["forest", "--csv", str(src), "--measure", "HR", "--xlim", "4,0.25"])
    assert bad.exit_code == 1 and "LOW must be below HIGH" in bad.output
    bad = CliRunner().invoke(app, ["forest", "--csv", str(src), "--measure", "HR", "--xlim", "a"])
    assert bad.exit_code == 1 and "give two numbers LOW,HIGH" in bad.output


def test_cli_unwritable_output_is_one_message(tmp_path: Path) -> None:
    src = tmp_path / "os.csv"
    src.write_text(CSV)
    blocker = tmp_path / "file"
    blocker.write_text("")
    r = CliRunner().invoke(app, ["forest", "--csv", str(src), "--out", str(blocker / "x.svg")])
    assert r.exit_code == 1 and "error:" in r.output and "Traceback" not in r.output
    out_dir = tmp_path / "out.svg"
    out_dir.mkdir()  # a folder where the file should go: os.replace fails
    r = CliRunner().invoke(app, ["forest", "--csv", str(src), "--out", str(out_dir)])
    assert r.exit_code == 1 and f"cannot write {out_dir}" in r.output
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []  # temporary file removed


def test_bayesian_forest_from_csv_draws_the_posterior_median_and_a_predictive_interval() -> None:
    from secondhct.stats.bayes import BayesResult, bayes_pool

    text = "study,xi,ni\nA,13,51\nB,50,171\nC,38,122\n"
    data = forest_data_from_csv(text, "b.csv", method="BAYES", params=(("tau_prior", "halfnormal:0.5"),))
    assert isinstance(data.pooled, BayesResult)
    yi = [r.yi for r in data.rows]
    vi = [r.vi for r in data.rows]
    assert data.pooled.mu_median == pytest.approx(bayes_pool(tuple(yi), tuple(vi), tau_prior="halfnormal:0.5").mu_median, rel=1e-12)
    assert all(r.weight is None for r in data.rows)  # a Bayesian model has no study weights
    from secondhct.plots.forest import forest_plot

    fig = forest_plot(data)
    texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    assert "Bayesian random-effects model" in texts and "Predictive interval (new setting)" in texts
    assert any(t.startswith("Bayesian random-effects model: half-normal(scale = 0.5) prior on τ") for t in texts)
