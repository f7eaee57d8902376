"""The summary survival curve as an analysis kind (issue 22 item 4, on issue 20's registry), end to end
on fictional extractions: the rows a curve selects, its model against metafor's ``rma.mv``
(the reference values of ``tests/reference/make_curve_reference.R``), the few-studies rule,
incidences, refusals, the record, the figure and the R appendix."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from secondhct.curveresults import CurveRecord
from secondhct.extraction.schema import StudyExtraction
from secondhct.protocol.load import plan
from secondhct.protocol.schema import Analysis, Defaults
from secondhct.review.kinds import behaviour
from secondhct.review.kinds.curve import CurveResult
from secondhct.review.kinds.curvescript import curve_scripts

ROOT = Path(__file__).resolve().parents[2]
REF: dict[str, Any] = json.loads((ROOT / "tests" / "reference" / "curve_reference.json").read_text())
BASE: dict[str, Any] = yaml.safe_load((ROOT / "tests" / "data" / "project" / "studies" / "smith2020.yaml").read_text())
SRC = {"location": "table 2"}
POPULATION = {"diseases": ["ALL", "AML"], "age_groups": ["pediatric"], "time_origins": ["second_hct"]}
YEARS = {1: "1y", 2: "2y", 3: "3y", 4: "4y", 5: "5y"}


def _study(key: str, rows: list[tuple[float, float, float | None]], n: int, outcome: str = "os") -> StudyExtraction:
    """A fictional report printing ``(time in years, value as a proportion, SE or None)`` rows."""
    data = copy.deepcopy(BASE)
    data["key"] = key
    data["study"]["data_source"] = "not stated"  # fictional reports that cannot share patients
    data["study"].pop("may_share_patients_with", None)
    outcomes = [{"outcome": outcome, "time": YEARS[int(t)], "estimate": v, "unit": "proportion", "n": n, "source": SRC,
                 **({"se": se} if se is not None else {})} for t, v, se in rows]  # fmt: skip
    data.update({"subgroups": [], "outcomes": outcomes, "comparisons": [], "associations": []})
    return StudyExtraction.model_validate(data)


def _dataset(name: str, outcome: str = "os", flip: bool = False) -> list[StudyExtraction]:
    d = REF["datasets"][name]
    by: dict[str, list[tuple[float, float, float | None]]] = {}
    sizes = {}
    for s, t, v, n, se in zip(d["study"], d["time_years"], d["surv"], d["n"], d["se"]):
        by.setdefault(s, []).append((t, round(1 - v, 10) if flip else v, se))
        sizes[s] = int(n)
    return [_study(f"{s}2020", rows, sizes[s], outcome) for s, rows in by.items()]


def _run(studies: list[StudyExtraction], outcomes: list[str] | None = None, **extra: Any) -> CurveResult:
    analysis = Analysis.model_validate({"id": "c", "title": "a curve", "kind": "survival_curve", "outcomes": outcomes or ["os"],
                                        "time": {"min": "6mo", "max": "10y"}, "population": POPULATION, **extra})  # fmt: skip
    p = plan(analysis, Defaults())
    result = behaviour(p.kind).run(p, studies, {})
    assert isinstance(result, CurveResult)
    return result


def test_every_time_point_enters_and_reml_agrees_with_metafor() -> None:
    result = _run(_dataset("hetero_crude"))
    assert result.synthesis == "standard" and len(result.effects) == 9  # five reports, every printed time
    fit, ref = result.primary.fit, REF["cases"]["hetero_crude/weibull/REML"]  # type: ignore[union-attr]
    assert fit.method == "REML" and fit.time_model == "weibull"
    np.testing.assert_allclose(fit.tau2, ref["tau2"], rtol=1e-6)
    np.testing.assert_allclose(fit.beta, ref["beta"], rtol=1e-6)
    np.testing.assert_allclose(fit.se, ref["se"], rtol=1e-6)
    eta = [p.eta for p in result.primary.predictions.predictions]  # type: ignore[union-attr]
    np.testing.assert_allclose(eta, ref["pred"], rtol=1e-6, atol=1e-12)
    names = [f.name for f in result.sensitivity]
    assert names == ["bayes", "categorical-time"]  # the other model and the categorical time model


def test_few_reports_take_the_bayesian_model_first() -> None:
    result = _run(_dataset("two_reports"))
    assert result.synthesis == "few_studies" and result.primary is not None and result.primary.fit.method == "BAYES"
    assert [f.name for f in result.sensitivity][:2] == ["reml", "bayes-wide"]


def test_one_report_is_one_report() -> None:
    result = _run(_dataset("one_report"))
    assert result.synthesis == "single_report" and result.sensitivity == ()
    assert any("not a pooled estimate" in w for w in result.warnings)


def test_an_incidence_is_modelled_as_one_minus_and_reported_as_itself() -> None:
    survival = _run(_dataset("hetero_crude"))
    relapse = _run(_dataset("hetero_crude", "relapse", flip=True), outcomes=["relapse"])
    record = behaviour(relapse.plan.kind).record(relapse, {})
    assert isinstance(record, CurveRecord) and record.incidence
    for s, r in zip(survival.primary.predictions.predictions, record.model.predictions):  # type: ignore[union-attr]
        assert r.value == pytest.approx(1 - s.surv, rel=1e-9)
        assert r.lb == pytest.approx(1 - s.surv_ci_ub, rel=1e-9) and r.lb < r.value < r.ub  # bounds swap


def test_a_report_the_model_cannot_take_is_left_out_with_the_reason() -> None:
    studies = _dataset("hetero_crude")
    bad = REF["datasets"]["invalid"]  # report b: Var(log S) falls from 1 to 3 years
    rows = [(t, v, se) for s, t, v, se in zip(bad["study"], bad["time_years"], bad["surv"], bad["se"]) if s == "b"]
    result = _run([*studies, _study("bad2020", rows, 40)])
    assert "bad2020" not in {e.key for e in result.effects}
    reason = next(x.reason for x in result.excluded if x.key == "bad2020")
    assert reason.startswith("the curve model cannot take its rows") and "bad2020" in reason


def test_never_predicted_outside_the_reported_times() -> None:
    result = _run(_dataset("one_time"), curve={"time_model": "categorical"})
    record = behaviour(result.plan.kind).record(result, {})
    assert [p.time_years for p in record.model.predictions] == [2.0]  # type: ignore[union-attr]
    assert record.model.omitted == [1.0, 3.0, 5.0]  # type: ignore[union-attr]


def test_the_record_points_and_reports_around_each_time() -> None:
    result = _run(_dataset("hetero_crude"))
    record = behaviour(result.plan.kind).record(result, {"a2020": "A 2020"})
    assert record.k == 5 and record.rows == 9 and record.patients == 50 + 30 + 80 + 40 + 25
    first = record.points[0]
    assert (first.label, first.time, first.value) == ("A 2020", "1y", 0.6) and first.yi == pytest.approx(np.log(-np.log(0.6)))
    at = {p.time_years: p.reports for p in record.model.predictions}  # type: ignore[union-attr]
    assert at == {1.0: 3, 2.0: 3, 3.0: 2, 5.0: 1}


def test_the_figure_draws_the_curve_and_every_report() -> None:
    result = _run(_dataset("hetero_crude"))
    svg = behaviour(result.plan.kind).figures(result, {})["c.curve.svg"]
    assert 'id="summary-curve"' in svg and 'id="curve-prediction-band"' in svg
    assert all(f'id="report-{i}"' in svg for i in range(1, 6))


def test_curve_options_belong_to_the_curve_kind() -> None:
    from secondhct.protocol.load import _kind_rules

    proportion = Analysis.model_validate({"id": "p", "title": "t", "outcomes": ["os"], "time": {"exact": "2y"},
                                          "population": POPULATION, "curve": {"time_model": "weibull"}})  # fmt: skip
    assert [m for _, _, m in _kind_rules(plan(proportion, Defaults()), ())] == ["curve options are for kind: survival_curve (not proportion)"]
    curve = Analysis.model_validate({"id": "c", "title": "t", "kind": "survival_curve", "outcomes": ["os"], "subgroup": "disease",
                                     "time": {"min": "1y", "max": "5y"}, "population": POPULATION})  # fmt: skip
    assert [m for _, _, m in _kind_rules(plan(curve, Defaults()), ())] == ["subgroup given, but a survival_curve analysis "
                                                                          f"({curve_words()}) does not take it"]


def curve_words() -> str:
    from secondhct.protocol.kinds import SURVIVAL_CURVE

    return SURVIVAL_CURVE.words


@pytest.mark.slow
def test_the_r_appendix_refits_the_curve_with_rma_mv(tmp_path: Path) -> None:
    if shutil.which("Rscript") is None:
        pytest.skip("Rscript not installed")
    result = _run(_dataset("hetero_crude"))
    record = behaviour(result.plan.kind).record(result, {})
    script = curve_scripts([record], "test")["c.R"]
    (tmp_path / "c.R").write_text(script, encoding="utf-8")
    proc = subprocess.run(["Rscript", str(tmp_path / "c.R")], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    models = json.loads(proc.stdout.strip().splitlines()[-1])["models"]
    reml = models["reml"]
    assert reml["tau2"] == pytest.approx(record.model.tau2, rel=1e-6)  # type: ignore[union-attr]
    assert [reml["b_1"], reml["b_2"]] == pytest.approx(list(record.model.coefficients.values()), rel=1e-6)  # type: ignore[union-attr]


def test_explain_names_every_row_a_curve_takes() -> None:
    from secondhct.cli.explain import verdicts

    studies = _dataset("hetero_crude")
    analysis = Analysis.model_validate({"id": "c", "title": "a curve", "kind": "survival_curve", "outcomes": ["os"],
                                        "time": {"min": "6mo", "max": "10y"}, "population": POPULATION})  # fmt: skip
    (verdict,) = verdicts([plan(analysis, Defaults())], studies, {}, "a2020")
    assert verdict.entered and verdict.detail == "outcomes[0] (os 1y), outcomes[1] (os 2y), outcomes[2] (os 5y)"


def test_forest_of_a_curve_analysis_says_where_its_figure_is(frozen_copy: Path) -> None:
    from typer.testing import CliRunner

    from secondhct.cli import app

    protocol = frozen_copy / "protocol.yaml"
    protocol.write_text(protocol.read_text(encoding="utf-8") + """
  - id: os-curve
    kind: survival_curve
    title: Overall survival over time
    outcomes: [os]
    time: {min: 6mo, max: 10y}
    population: {diseases: [ALL, AML, acute_leukemia], age_groups: [infant, pediatric]}
""", encoding="utf-8")
    result = CliRunner().invoke(app, ["forest", "os-curve", "--root", str(frozen_copy)])
    assert result.exit_code == 1 and "survival_curve analysis, which has no forest plot" in result.output
    assert "outputs/os-curve.curve.svg" in result.output


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"outcomes": ["os", "relapse"]}, "takes outcomes of one role"),
        ({"outcomes": ["cgvhd"]}, "takes outcomes of one role"),
        ({"time": {"exact": "2y"}}, "takes every time point in a window of times"),
        ({"time": {"min": "1y", "max": "5y", "max_spread": "1y"}}, "max_spread limits one time point per report"),
        ({"measure": "PLO"}, "measure given, but a survival_curve analysis"),
        ({"sensitivity": [{"kind": "leave_one_out"}]}, "sensitivity given, but a survival_curve analysis"),
        ({"subgroup_factors": ["disease"]}, "subgroup_factors given, but a survival_curve analysis"),
    ],
)
def test_the_protocol_refuses_what_a_curve_cannot_mean(fields: dict[str, Any], message: str) -> None:
    from secondhct.protocol.load import _kind_rules

    base = {"id": "c", "title": "t", "kind": "survival_curve", "outcomes": ["os"], "time": {"min": "6mo", "max": "10y"},
            "population": POPULATION}  # fmt: skip
    messages = [m for _, _, m in _kind_rules(plan(Analysis.model_validate({**base, **fields}), Defaults()), ())]
    assert any(message in m for m in messages), messages


def test_one_series_per_report_first_outcome_of_the_analysis() -> None:
    """A report printing EFS at 2 years before LFS at 2 and 3 years: the curve takes its LFS series
    (the analysis lists lfs first), never EFS stitched into it."""
    study = _study("mixed2020", [(2, 0.40, 0.05), (2, 0.50, 0.05), (3, 0.42, 0.05)], 80, outcome="lfs")
    data = study.model_dump()
    data["outcomes"][0]["outcome"] = "efs"
    study = StudyExtraction.model_validate(data)
    result = _run([study], outcomes=["lfs", "efs"])
    assert [e.index for e in result.effects] == [1, 2]


def test_a_value_of_100_percent_is_left_out_not_corrected() -> None:
    studies = _dataset("hetero_crude")
    full = _study("full2020", [(1, 1.0, None), (2, 0.7, 0.06), (3, 0.6, 0.065)], 50)
    result = _run([*studies, full])
    assert [e.index for e in result.effects if e.key == "full2020"] == [1, 2]
    assert any(w.startswith("full2020: outcomes[0] (1y: 100%) is 1 on the survival scale") for w in result.warnings)
    only = _run([*studies, _study("only2020", [(1, 1.0, None)], 50)])
    assert "every value is 100% or 0%" in next(x.reason for x in only.excluded if x.key == "only2020")


def test_what_changed_lists_a_curve_whose_value_or_k_moved() -> None:
    from secondhct.results import ResultsDocument
    from secondhct.review.changes import Baseline, describe_changes

    record = behaviour(_run(_dataset("hetero_crude")).plan.kind).record(_run(_dataset("hetero_crude")), {})
    document = ResultsDocument(format=3, title="t", tool_version="0", inputs_sha256="x", data_date=None, studies={},
                               few_studies={}, analyses=[], curves=[record])  # fmt: skip
    old = json.loads(document.text())
    same = describe_changes(document, Baseline(old, "the same", "id"), lambda m, v: f"{v}")
    assert same["moved"] == []
    old["curves"][0]["k"] = 4
    old["curves"][0]["model"]["predictions"][0]["value"] = 0.5
    moved = describe_changes(document, Baseline(old, "earlier", "id"), lambda m, v: f"{v:.3f}")["moved"]
    value = record.model.predictions[0].value  # type: ignore[union-attr]
    assert moved == [{"id": "c", "title": record.title, "why": "", "k_old": 4, "k_new": 5, "old": "0.500 at 1 year", "new": f"{value:.3f} at 1 year"}]
