"""``secondhct pool``: input layouts, output keys, subgroups and one-line errors."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from secondhct.cli import app

REF = json.loads((Path(__file__).resolve().parents[1] / "reference" / "metafor_reference.json").read_text(encoding="utf-8"))
runner = CliRunner()

KEYS = {"k", "estimate", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2", "tau2_lb", "tau2_ub",
        "I2", "I2_lb", "I2_ub", "H2", "Q", "Q_p"}  # fmt: skip
BT_KEYS = {"bt_estimate", "bt_ci_lb", "bt_ci_ub", "bt_pi_lb", "bt_pi_ub"}
#: The CLI calls the same pool() as the metafor comparison; same tolerance as there.
RTOL = 1e-8


def _write(tmp_path: Path, text: str, name: str = "studies.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _run_json(*args: str) -> dict:
    result = runner.invoke(app, ["pool", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _assert_matches_metafor(out: dict, case_id: str) -> None:
    case = REF["cases"][case_id]
    mapping = {"I2": "i2", "I2_lb": "i2_lb", "I2_ub": "i2_ub", "H2": "h2", "Q": "q", "Q_p": "q_p"}
    for key in KEYS:
        assert out[key] == pytest.approx(case[mapping.get(key, key)], rel=RTOL, abs=1e-10), key


def test_counts_default_is_reml_adhoc_logit_and_matches_metafor(tmp_path: Path) -> None:
    ds = REF["datasets"]["zeros"]
    rows = "\n".join(f"S{i},{int(x)},{int(n)}" for i, (x, n) in enumerate(zip(ds["xi"], ds["ni"])))
    out = _run_json(str(_write(tmp_path, "study,xi,ni\n" + rows + "\n")))
    assert KEYS | BT_KEYS <= set(out)
    assert out["method"] == "REML" and out["test"] == "adhoc" and out["measure"] == "PLO"
    _assert_matches_metafor(out, "zeros/PLO/REML/adhoc")
    assert out["bt_estimate"] == pytest.approx(1 / (1 + math.exp(-out["estimate"])), rel=1e-14)
    assert out["studies"][0]["study"] == "S0" and "zero cell" in out["studies"][0]["derivation"]


@pytest.mark.parametrize("measure", ["PAS", "PFT", "PR", "PLN"])
@pytest.mark.parametrize(("method", "test"), [("DL", "z"), ("PM", "knha"), ("ML", "adhoc")])
def test_count_measures_and_options_match_metafor(tmp_path: Path, measure: str, method: str, test: str) -> None:
    ds = REF["datasets"]["hetero"]
    rows = "\n".join(f"{int(x)},{int(n)}" for x, n in zip(ds["xi"], ds["ni"]))
    path = _write(tmp_path, "xi,ni\n" + rows + "\n")
    out = _run_json(str(path), "--measure", measure, "--method", method, "--test", test)
    _assert_matches_metafor(out, f"hetero/{measure}/{method}/{test}")
    assert (BT_KEYS <= set(out)) == (measure != "PR")
    if measure == "PFT":
        assert any("discouraged" in n for n in out["notes"])


def test_ratio_with_ci_is_log_hr_and_back_transformed(tmp_path: Path) -> None:
    ds = REF["datasets"]["loghr"]
    rows = "\n".join(f"{e},{lo},{up}" for e, lo, up in zip(ds["hr_est"], ds["hr_lower"], ds["hr_upper"]))
    out = _run_json(str(_write(tmp_path, "estimate,ci_lower,ci_upper\n" + rows + "\n")), "--test", "knha", "--measure", "HR")
    _assert_matches_metafor(out, "loghr/GEN/REML/knha")
    assert out["measure"] == "HR" and out["bt_estimate"] == pytest.approx(math.exp(out["estimate"]), rel=1e-14)


def test_ratio_with_p_matches_the_factor_reference(tmp_path: Path) -> None:
    """estimate,p: SE = |ln HR| / z(1 - p/2), as make_factor_reference.R computes it."""
    factor = json.loads((Path(__file__).resolve().parents[1] / "reference" / "factor_reference.json").read_text())["ratios"]
    out = _run_json(str(_write(tmp_path, f"study,estimate,p\na,{factor['p_est']!r},{factor['p']!r}\nb,1.8,<0.05\n")), "--json")
    assert out["measure"] == "HR"
    assert out["studies"][0]["yi"] == pytest.approx(factor["yi"][-1], rel=1e-12)
    assert out["studies"][0]["vi"] == pytest.approx(factor["vi"][-1], rel=1e-12)


def test_yi_sei_equals_yi_vi(tmp_path: Path) -> None:
    ds = REF["datasets"]["gen"]
    vi_rows = "\n".join(f"{y!r},{v!r}" for y, v in zip(ds["yi"], ds["vi"]))
    sei_rows = "\n".join(f"{y!r},{math.sqrt(v)!r}" for y, v in zip(ds["yi"], ds["vi"]))
    a = _run_json(str(_write(tmp_path, "yi,vi\n" + vi_rows + "\n", "a.csv")), "--method", "DL", "--test", "z")
    b = _run_json(str(_write(tmp_path, "yi,sei\n" + sei_rows + "\n", "b.csv")), "--method", "DL", "--test", "z")
    _assert_matches_metafor(a, "gen/GEN/DL/z")
    assert b["estimate"] == pytest.approx(a["estimate"], rel=1e-12)
    assert "bt_estimate" not in a


def test_proportion_with_se(tmp_path: Path) -> None:
    out = _run_json(str(_write(tmp_path, "study,estimate,se\nA,0.4,0.05\nB,0.55,0.08\nC,0.3,0.04\n")))
    assert out["k"] == 3 and 0.3 < out["bt_estimate"] < 0.55
    assert "delta method" in out["studies"][0]["derivation"]


def test_by_gives_subgroups_and_test(tmp_path: Path) -> None:
    text = "study,xi,ni,region\nA,0,15,EU\nB,3,20,EU\nC,10,10,US\nD,12,40,US\nE,20,25,EU\nF,7,30,US\n"
    out = _run_json(str(_write(tmp_path, text)), "--by", "region", "--test", "z")
    assert set(out["subgroups"]) == {"EU", "US"}
    assert KEYS <= set(out["subgroups"]["EU"]) and out["subgroups"]["EU"]["k"] == 3
    assert set(out["subgroup_test"]) >= {"Q", "df", "p"} and out["subgroup_test"]["df"] == 1
    assert out["subgroup_test"]["df2"] is None  # chi^2 under z


def test_table_output_is_readable(tmp_path: Path) -> None:
    result = runner.invoke(app, ["pool", str(_write(tmp_path, "study,xi,ni\nA,3,20\nB,5,25\nC,9,30\n"))])
    assert result.exit_code == 0, result.output
    assert "tau^2" in result.output and "proportion:" in result.output and "A " in result.output


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("", ["studies.csv", "empty"]),
        ("study,a,b\nA,1,2\n", ["studies.csv", "line 1", "xi,ni"]),
        ("xi,ni\n3,20\nabc,25\n", ["studies.csv", "line 3", "'xi'", "'abc' is not a number"]),
        ("xi,ni\n3,20\n30,25\n", ["line 3", "'xi'", "exceed"]),
        ("yi,vi\n0.1,0.2\n0.3,-0.1\n", ["line 3", "'vi'", "must be positive"]),
        ("xi,ni\n3,20\n4,\n", ["line 3", "'ni'", "empty"]),
        ("xi,ni\n", ["no data rows"]),
        ("xi,ni\n3,20,7\n", ["line 2", "3 fields"]),
        ("estimate,ci_lower,ci_upper\n36.9,25.1,48.7\n", ["can be ratios or proportions", "--measure: HR, RR, OR for a ratio", "PLO"]),
    ],
)
def test_malformed_csv_is_one_clear_error(tmp_path: Path, text: str, needles: list[str]) -> None:
    result = runner.invoke(app, ["pool", str(_write(tmp_path, text))])
    assert result.exit_code == 1
    assert result.output.startswith("error: ") and result.output.count("\n") == 1, result.output
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in result.output


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--method", "XX"], "--method 'XX' is not one of: REML, DL"),
        (["--test", "t"], "--test 't' is not one of: z, knha, adhoc"),
        (["--measure", "HR"], "allowed: PLO, PAS, PFT, PR, PLN"),
        (["--by", "nope"], "--by column 'nope' not found"),
    ],
)
def test_bad_options_are_one_clear_error(tmp_path: Path, args: list[str], needle: str) -> None:
    result = runner.invoke(app, ["pool", str(_write(tmp_path, "xi,ni\n3,20\n5,25\n")), *args])
    assert result.exit_code == 1 and needle in result.output, result.output


def test_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["pool", str(tmp_path / "nope.csv")])
    assert result.exit_code == 1 and "no such file" in result.output


def test_cli_import_does_not_load_numerics() -> None:
    code = "import sys, secondhct.cli.pool; print(sorted(m for m in ('numpy','scipy','pandas') if m in sys.modules))"
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert proc.stdout.strip() == "[]"


def test_subgroup_test_under_default_adhoc_matches_metafor_qm(tmp_path: Path) -> None:
    ds = REF["datasets"]["hetero"]
    groups = REF["moderators"]["group_hetero"]
    rows = "\n".join(f"{int(x)},{int(n)},{g}" for x, n, g in zip(ds["xi"], ds["ni"], groups))
    out = _run_json(str(_write(tmp_path, "xi,ni,arm\n" + rows + "\n")), "--by", "arm")
    case = REF["subgroups"]["REML/adhoc"]
    sg = out["subgroup_test"]
    assert (sg["df"], sg["df2"], sg["distribution"]) == (2, 7, "F")
    assert sg["Q"] == pytest.approx(case["qm"], rel=RTOL) and sg["p"] == pytest.approx(case["qm_p"], rel=RTOL)


csv_cells = st.one_of(
    st.integers(-5, 200).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(alphabet='0123456789.-eE,"x \n', max_size=6),
    st.just(""),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    header=st.sampled_from(["xi,ni", "yi,vi", "yi,sei", "estimate,ci_lower,ci_upper", "estimate,se", "estimate,p", "study,xi,ni", "a,b"]),
    rows=st.lists(st.lists(csv_cells, min_size=1, max_size=4), max_size=5),
)
def test_any_csv_gives_a_result_or_one_error_line(tmp_path: Path, header: str, rows: list[list[str]]) -> None:
    text = header + "\n" + "\n".join(",".join(r) for r in rows) + "\n"
    result = runner.invoke(app, ["pool", str(_write(tmp_path, text)), "--json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code == 0:
        out = json.loads(result.output)
        assert math.isfinite(out["estimate"]) and math.isfinite(out["se"])
    else:
        assert result.exit_code == 1 and result.output.startswith("error: ") and result.output.count("\n") == 1


def test_cli_falls_back_to_dl_when_the_iterative_estimator_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import secondhct.stats.rma as pooling
    from secondhct.stats.tau2 import Tau2Estimate

    real = pooling.estimate_tau2

    def failing_reml(yi, vi, X, method, **kw):  # type: ignore[no-untyped-def]
        if method == "REML":
            return Tau2Estimate(float("nan"), float("nan"), "REML", False, 1000, "REML: Fisher scoring did not converge")
        return real(yi, vi, X, method, **kw)

    monkeypatch.setattr(pooling, "estimate_tau2", failing_reml)
    ds = REF["datasets"]["hetero"]
    rows = "\n".join(f"{int(x)},{int(n)}" for x, n in zip(ds["xi"], ds["ni"]))
    out = _run_json(str(_write(tmp_path, "xi,ni\n" + rows + "\n")))
    assert out["method"] == "DL" and any("after REML failed" in n for n in out["notes"])
    _assert_matches_metafor(out, "hetero/PLO/DL/adhoc")


@pytest.mark.parametrize("sei", ["1.3407807929942597e+154", "1.3407807929942596e+154"])
def test_an_absurd_standard_error_is_one_error_not_a_crash_or_nan(tmp_path: Path, sei: str) -> None:
    """Found by hypothesis: an SE whose square overflows (or nearly) gave OverflowError or a NaN estimate."""
    from typer.testing import CliRunner

    from secondhct.cli import app

    csv = _write(tmp_path, f"yi,sei\n0,{sei}\n")
    result = CliRunner().invoke(app, ["pool", str(csv), "--json"])
    assert result.exit_code == 1 and result.exception is None or isinstance(result.exception, SystemExit)
    assert result.output.startswith(f"error: {csv}, line 2:") and "Traceback" not in result.output  # file and line, not "study 1"


def test_percentages_with_ci_need_a_measure_and_pool_as_proportions(tmp_path: Path) -> None:
    """Issue 27: percentages with CIs were pooled as hazard ratios ('HR 36.9'); now --measure says which."""
    percent = _write(tmp_path, "study,estimate,ci_lower,ci_upper\nA,36.9,25.1,48.7\nB,42,30,54\n")
    refused = runner.invoke(app, ["pool", str(percent)])
    assert refused.exit_code == 1 and "say which with --measure" in refused.output
    out = _run_json(str(percent), "--measure", "PR", "--method", "DL", "--test", "z")
    same = _run_json(str(_write(tmp_path, "estimate,ci_lower,ci_upper\n0.369,0.251,0.487\n0.42,0.30,0.54\n")), "--measure", "PR", "--method", "DL", "--test", "z")
    assert out["estimate"] == pytest.approx(same["estimate"], rel=1e-12)
    # PR with a Wald CI: SE = (upper - lower) / (2 z), inverse-variance weights (tau^2 = 0 here)
    z = 1.959963984540054
    se = [(0.487 - 0.251) / (2 * z), (0.54 - 0.30) / (2 * z)]
    w = [1 / s**2 for s in se]
    assert out["tau2"] == 0 and out["estimate"] == pytest.approx((w[0] * 0.369 + w[1] * 0.42) / sum(w), rel=1e-12)
