"""``secondhct curve``: CSV input, JSON keys and values (against metafor and bayesmeta), one-line errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from secondhct.cli import app

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "reference"
REF = json.loads((REFERENCE_DIR / "curve_reference.json").read_text(encoding="utf-8"))
BAYES_REF = json.loads((REFERENCE_DIR / "curve_bayesmeta_reference.json").read_text(encoding="utf-8"))
runner = CliRunner()
#: The CLI calls the same functions as tests/stats/test_curve_*.py; the same tolerances.
RTOL, RTOL_BAYES = 1e-6, 1e-4
FREQ_KEYS = {"tau2", "tau", "beta", "se", "QE", "QE_df", "QE_p", "curve_decreasing", "predictions"}
PRED_KEYS = {"time_years", "eta", "se", "surv", "surv_ci_lb", "surv_ci_ub", "surv_pi_lb", "surv_pi_ub"}
BAYES_KEYS = {"tau_median", "tau_lb", "tau_ub", "prob_log_time_coef_le_0", "predictions"}
BAYES_PRED_KEYS = {"time_years", "surv_median", "surv_lb", "surv_ub", "surv_pred_lb", "surv_pred_ub"}


def _csv(tmp_path: Path, name: str) -> Path:
    ds = REF["datasets"][name]
    lines = ["study,time_years,surv,n,se,comment"]
    for s, t, S, n, se in zip(ds["study"], ds["time_years"], ds["surv"], ds["n"], ds["se"]):
        lines.append(f"{s},{t!r},{S!r},{n!r},{'' if se is None else repr(se)},ignored")
    path = tmp_path / f"{name}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _json(*args: str) -> dict:
    result = runner.invoke(app, ["curve", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("case_id", ["hetero_crude/weibull/REML", "two_reports/weibull/ML", "categorical/categorical/REML"])
def test_json_matches_metafor(tmp_path: Path, case_id: str) -> None:
    case = REF["cases"][case_id]
    out = _json(str(_csv(tmp_path, case["dataset"])), "--method", case["method"], "--time-model", case["time_model"])
    assert FREQ_KEYS <= set(out)
    assert out["tau2"] == pytest.approx(case["tau2"], rel=RTOL, abs=1e-9)
    assert list(out["beta"]) == case["coef_names"]
    assert list(out["beta"].values()) == pytest.approx(case["beta"], rel=RTOL)
    assert list(out["se"].values()) == pytest.approx(case["se"], rel=RTOL)
    assert (out["QE"], out["QE_df"], out["QE_p"]) == (pytest.approx(case["QE"], rel=RTOL), case["QE_df"], pytest.approx(case["QE_p"], rel=RTOL))
    assert [p["time_years"] for p in out["predictions"]] == case["pred_times"]
    assert out["omitted_times"] == case["omitted_times"]
    for p, eta, lb, ub in zip(out["predictions"], case["pred"], case["pred_pi_lb"], case["pred_pi_ub"]):
        assert set(p) == PRED_KEYS
        assert p["surv"] == pytest.approx(math.exp(-math.exp(eta)), rel=RTOL)
        assert (p["surv_pi_lb"], p["surv_pi_ub"]) == pytest.approx((math.exp(-math.exp(ub)), math.exp(-math.exp(lb))), rel=RTOL)


def test_bayes_json_matches_bmr(tmp_path: Path) -> None:
    case = BAYES_REF["cases"]["one_time_each/weibull/halfnormal:0.5"]
    out = _json(str(_csv(tmp_path, "one_time_each")), "--method", "BAYES", "--tau-prior", "halfnormal:0.5")
    assert BAYES_KEYS <= set(out) and out["method"] == "BAYES"
    assert [out["tau_median"], out["tau_lb"], out["tau_ub"]] == pytest.approx(case["tau"], rel=RTOL_BAYES)
    assert out["prob_log_time_coef_le_0"] == pytest.approx(case["prob_log_time_coef_le_0"], rel=RTOL_BAYES)
    for p, eta, lb, ub in zip(out["predictions"], case["eta_median"], case["eta_pred_lb"], case["eta_pred_ub"]):
        assert set(p) == BAYES_PRED_KEYS
        assert p["surv_median"] == pytest.approx(math.exp(-math.exp(eta)), rel=RTOL_BAYES)
        assert (p["surv_pred_lb"], p["surv_pred_ub"]) == pytest.approx((math.exp(-math.exp(ub)), math.exp(-math.exp(lb))), rel=RTOL_BAYES)


def test_table_output_and_times_outside_the_range(tmp_path: Path) -> None:
    result = runner.invoke(app, ["curve", str(_csv(tmp_path, "two_reports")), "--times", "0.5,1,2,4,5"])
    assert result.exit_code == 0, result.output
    assert "5 rows from 2 reports" in result.output and "(approximate)" in result.output
    assert "not predicted (outside the reported times, 1-4 years): 0.5, 5" in result.output
    assert "95% PI" in result.output
    bayes = runner.invoke(app, ["curve", str(_csv(tmp_path, "two_reports")), "--method", "BAYES"])
    assert bayes.exit_code == 0 and "half-normal(scale = 0.5)" in bayes.output and "95% predictive" in bayes.output


BAD = [
    ("study,time_years,surv,n,se\na,1,45,50,\n", "bad.csv, line 2, column 'surv': 45 is outside (0, 1) (give a percentage as a proportion: 0.45)"),
    ("study,time_years,surv,n,se\na,0,0.5,50,\n", "bad.csv, line 2, column 'time_years': 0 must be > 0"),
    ("study,time_years,surv,n,se\na,1,0.5,,\n", "bad.csv, line 2, column 'n': needed when se is empty"),
    ("study,time_years,surv,n,se\na,1,0.5,x,\n", "bad.csv, line 2, column 'n': 'x' is not a number"),
    ("study,time_years,surv,n,se\na,1,0.5,50,-0.1\n", "bad.csv, line 2, column 'se': -0.1 must be > 0"),
    ("study,surv,n\na,0.5,50\n", "bad.csv, line 1: the header lacks the column(s) time_years"),
    ("study,time_years,surv,n,se\na,1,0.5,50\n", "bad.csv, line 2: 4 fields, but the header has 5"),
    ("study,time_years,surv,n,se\na,1,0.7,50,\na,1,0.6,50,\nb,2,0.5,40,\n", "bad.csv: report 'a': two values at 1 years (0.7 and 0.6) (lines 2 and 3)"),
    ("study,time_years,surv,n,se\na,1,0.6,50,\na,2,0.7,50,\nb,2,0.5,40,\n", "bad.csv: report 'a': survival rises from 0.6 at 1 years to 0.7 at 2 years (lines 2 and 3)"),
    ("study,time_years,surv,n,se\na,1,0.7,50,0.065\na,2,0.5,50,0.071\nb,1,0.6,40,0.077\nb,3,0.4,40,0.030\n", "bad.csv: report 'b': Var(log S) = 0.005625 at 3 years is not above 0.01647 at 1 years (lines 4 and 5)"),
    ("study,time_years,surv,n,se\na,2,0.5,50,\nb,2,0.4,50,\nc,2,0.6,50,\n", "bad.csv: every row is at the same time"),
    ("", "bad.csv: the file is empty"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_input_is_one_line_naming_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["curve", str(path)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    assert message.replace("bad.csv", str(path)) in lines[0]


@pytest.mark.parametrize(("args", "message"), [(["--method", "DL"], "--method 'DL' is not one of: REML, ML, BAYES"),
                                               (["--time-model", "spline"], "--time-model 'spline'"),
                                               (["--times", "1,-2"], "--times '1,-2': every time must be a positive"),
                                               (["--method", "BAYES", "--tau-prior", "halfnormal:-1"], "must be positive")])  # fmt: skip
def test_bad_options_exit_1(tmp_path: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["curve", str(_csv(tmp_path, "two_reports")), *args])
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output
