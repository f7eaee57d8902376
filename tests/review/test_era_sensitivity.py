"""The era sensitivity analyses (issue 23, item 4) end to end on fictional extractions.

The reports of ``tests/data/era/reports.csv`` are written as extractions (events/total of 2-year
OS, accrual periods as coded) and run through :func:`~secondhct.review.analysis.run_analysis` as the
build does: the meta-regression on the accrual midpoint must equal metafor's
``rma(yi, vi, mods = ~ era, method = "REML", test = "adhoc")`` (``era_reference.json``) at 1e-6
relative; the recent-era analysis must take a period's row with its own n only.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from frozen import FROZEN
from secondhct.extraction.schema import StudyExtraction
from secondhct.protocol.load import plan
from secondhct.protocol.schema import Analysis, Defaults
from secondhct.review.analysis import AnalysisResult, run_analysis
from secondhct.review.results import analysis_record
from secondhct.vocabulary import load_vocabulary

ROOT = Path(__file__).resolve().parents[2]
REF: dict[str, Any] = json.loads((ROOT / "tests" / "reference" / "era_reference.json").read_text())
BASE: dict[str, Any] = yaml.safe_load((ROOT / "tests" / "data" / "project" / "studies" / "smith2020.yaml").read_text())
FIXTURE = ROOT / "tests" / "data" / "era" / "reports.csv"
RTOL = 1e-6
SRC = {"location": "table 1"}
VOCAB = load_vocabulary(FROZEN / "vocabulary.yaml", "vocabulary.yaml").model
POPULATION = {"diseases": ["ALL", "AML"], "age_groups": ["pediatric"], "time_origins": ["second_hct"]}


def _study(key: str, start: str, end: str, events: int, total: int, **parts: Any) -> StudyExtraction:
    data = copy.deepcopy(BASE)
    data["key"] = key
    data["study"]["data_source"] = "not stated"  # fictional reports that cannot share patients
    data["study"].pop("may_share_patients_with", None)
    accrual = {k: v for k, v in (("start", start), ("end", end)) if v}
    data["study"]["accrual"] = {**accrual, "source": SRC}
    data["arms"][0]["n"] = data["population"]["n"] = total
    data["population"].pop("disease_counts", None)
    os_row = {"outcome": "os", "time": "2y", "events": events, "total": total, "source": SRC}
    data.update({"subgroups": [], "outcomes": [os_row], "comparisons": [], "associations": []})
    data.update(parts)
    return StudyExtraction.model_validate(data)


def _fixture(dataset: str) -> list[StudyExtraction]:
    import csv

    with FIXTURE.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["dataset"] == dataset]
    return [_study(r["key"], r["start"], r["end"], int(r["events"]), int(r["total"])) for r in rows]


def _only(result: AnalysisResult, name: str) -> Any:
    """The one result of the registered analysis ``name`` (the rule may add models beside it)."""
    (found,) = [s for s in result.sensitivity if s.name == name]
    return found


def _run(studies: list[StudyExtraction], sensitivity: list[dict[str, Any]]) -> AnalysisResult:
    analysis = {"id": "t", "title": "test", "outcomes": ["os"], "population": POPULATION, "sensitivity": sensitivity,
                "time": {"min": "2y", "max": "3y"}}  # fmt: skip
    few = Defaults().model_copy(update={"few_studies": Defaults().few_studies.model_copy(update={"max_k": 2})})
    return run_analysis(plan(Analysis.model_validate(analysis), few, VOCAB), studies, {}, batch=False)


@pytest.mark.parametrize("dataset", sorted(REF["datasets"]))
def test_era_meta_regression_in_the_analysis_matches_rma(dataset: str) -> None:
    result = _run(_fixture(dataset), [{"kind": "era_meta_regression", "min_k": 5}])
    sens = _only(result, "era_meta_regression")
    ref = REF["datasets"][dataset]
    theirs = ref["fits"]["adhoc"]  # the analysis's test (the protocol default)
    assert sens.regression is not None and sorted(sens.keys) == sorted(ref["keys"])  # the analysis orders by key
    fit = sens.regression.fit
    for name in ("intercept", "slope", "se", "pval", "ci_lb", "ci_ub"):
        np.testing.assert_allclose(getattr(fit, name), theirs[name], rtol=RTOL, err_msg=name)
    np.testing.assert_allclose([fit.tau2, fit.tau2_null, fit.r2], [theirs["tau2"], theirs["tau2_null"], theirs["R2"]], rtol=RTOL, atol=1e-9)
    mid = dict(zip(sens.regression.keys, sens.regression.midpoints))
    np.testing.assert_allclose([mid[k] for k in ref["keys"]], ref["mid"], rtol=1e-15)
    assert sens.regression.not_stated == (("theta_ns",) if dataset == "trend" else ("six",))
    record = next(s.regression for s in analysis_record(result, {}).sensitivity if s.name == "era_meta_regression")
    assert record is not None and record.figure == "t.era.svg" and record.not_stated == list(sens.regression.not_stated)


def test_era_meta_regression_needs_min_k_reports_with_a_stated_period() -> None:
    studies = _fixture("trend")
    result = _run(studies, [{"kind": "era_meta_regression", "min_k": 8}])
    sens = _only(result, "era_meta_regression")
    assert sens.regression is None and sens.keys == ()
    assert sens.note == "not run: 7 of 8 reports state their accrual period (at least 8 needed for a meta-regression)"
    assert not [s for s in _run(studies[:4], [{"kind": "era_meta_regression"}]).sensitivity if s.name == "era_meta_regression"]


def _by_period(key: str, recent: dict[str, Any], earlier_n: Any = 30) -> StudyExtraction:
    """A report with no whole-cohort row and 2-year OS for two calendar periods."""
    subgroups = [
        {"id": "p1", "factor": "transplant_era", "level": "earlier", "level_as_printed": "1995-2004", "n": earlier_n, "source": SRC},
        {"id": "p2", "factor": "transplant_era", "level": "recent", "level_as_printed": "2005-2014", "n": recent.pop("n", "not stated"),
         "source": SRC},
    ]  # fmt: skip
    outcomes = [{"outcome": "os", "subgroup": "p1", "time": "2y", "estimate": 20, "unit": "percent", "source": SRC},
                {"outcome": "os", "subgroup": "p2", "time": "2y", "unit": "percent", "source": SRC, **recent}]  # fmt: skip
    return _study(key, "1995", "2014", 0, 100, subgroups=subgroups, outcomes=outcomes)


def test_recent_era_takes_the_most_recent_period_with_its_own_n_only() -> None:
    studies = _fixture("trend")[:5]
    with_n = _by_period("periods_n", {"estimate": 40, "n": 50})
    without_n = _by_period("periods_no_n", {"estimate": 35})  # the cohort's n (100) must not weight the period
    result = _run([*studies, with_n, without_n], [{"kind": "recent_era"}])
    primary = sorted(s.key for s in studies)
    assert [e.key for e in result.effects] == primary  # no whole-cohort row: not in the primary
    sens = _only(result, "recent_era")
    assert sens.keys == (*primary, "periods_n")
    assert "periods_no_n (2005-2014): 35%: no SE, CI, counts or number of patients to weight it" in sens.note
    assert sens.pooled is not None and sens.pooled.result.k == 6
    # the period's row is weighted by its own 50 patients: binomial variance of logit(0.4) with n = 50
    expected_vi = 1 / (50 * 0.4 * 0.6)
    from secondhct.review.era import recent_rows

    rows = recent_rows(result.plan, [*studies, with_n, without_n], {}, "transplant_era", "recent")
    (effect,) = rows.effects
    assert effect.n == 50 and effect.effect.vi == pytest.approx(expected_vi, rel=1e-12)


def test_recent_era_replaces_a_whole_cohort_row_and_is_absent_without_period_rows() -> None:
    studies = _fixture("trend")[:5]
    whole = _study("whole_and_periods", "1995", "2014", 30, 100)
    whole = whole.model_copy(update={"subgroups": _by_period("x", {"estimate": 40, "n": 50}).subgroups,
                                     "outcomes": [*whole.outcomes, *_by_period("x", {"estimate": 40, "n": 50}).outcomes]})  # fmt: skip
    result = _run([*studies, whole], [{"kind": "recent_era"}])
    sens = _only(result, "recent_era")
    assert sens.keys == tuple(e.key for e in result.effects)  # the same reports, one row replaced
    assert "(whole_and_periods)" in sens.title
    primary = next(e for e in result.effects if e.key == "whole_and_periods")
    assert primary.subgroup is None and sens.pooled is not None
    assert sens.pooled.result.estimate != pytest.approx(result.pooled.result.estimate)  # type: ignore[union-attr]
    assert not [s for s in _run(studies, [{"kind": "recent_era"}]).sensitivity if s.name == "recent_era"]


def test_the_methods_text_says_how_era_was_examined_from_the_records() -> None:
    from types import SimpleNamespace

    from secondhct.review.methods_text import era_paragraphs

    def analysis(*sens: SimpleNamespace) -> SimpleNamespace:
        return SimpleNamespace(method="REML", test="knha", measure="PLO", sensitivity=list(sens))

    title = "meta-regression on the accrual midpoint per decade (where at least 6 reports state their accrual period)"
    ran = SimpleNamespace(name="era_meta_regression", title=title, regression=object(), pooled=None)
    not_run = SimpleNamespace(name="era_meta_regression", title=title, regression=None, pooled=None)
    recent = SimpleNamespace(name="recent_era", title="…", regression=None, pooled=None)
    doc = SimpleNamespace(analyses=[analysis(ran, recent), analysis(not_run), analysis()])
    first, second = era_paragraphs(doc)  # type: ignore[arg-type]
    assert "at least 6 reports" in first and "REML with the Knapp-Hartung adjustment" in first
    assert "Thompson & Higgins 2002, Stat Med 21:1559-1573" in first
    assert "It ran in 1 analysis; in 1 analysis with enough reports, too few stated their accrual period." in first
    assert "for 1 analysis; none could be weighted." in second
    assert era_paragraphs(SimpleNamespace(analyses=[analysis()])) == []  # type: ignore[arg-type]


@pytest.mark.slow
@pytest.mark.metafor
def test_the_analysis_r_script_refits_the_era_regression(tmp_path: Path) -> None:
    """The reproducibility script of an analysis with the era meta-regression refits it with
    rma(mods = ~ era) and prints the slope, CI, p and tau^2 of results.json."""
    import shutil
    import subprocess

    from secondhct.results import RESULTS_FORMAT, ResultsDocument
    from secondhct.review.rscripts import r_scripts

    if shutil.which("Rscript") is None:
        pytest.skip("Rscript not installed")
    result = _run(_fixture("trend"), [{"kind": "era_meta_regression"}])
    record = analysis_record(result, {})
    doc = ResultsDocument(format=RESULTS_FORMAT, title="t", tool_version="0", inputs_sha256="0", data_date=None, studies={},
                          few_studies={}, analyses=[record])  # fmt: skip
    ((name, text),) = r_scripts(doc).items()
    (tmp_path / name).write_text(text, encoding="utf-8")
    proc = subprocess.run(["Rscript", str(tmp_path / name)], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    models = json.loads(proc.stdout.strip().splitlines()[-1])["models"]
    i = next(i for i, s in enumerate(record.sensitivity) if s.regression is not None)
    got, reg = models[f"sensitivity[{i}]"], record.sensitivity[i].regression
    assert reg is not None
    for field in ("slope", "se", "ci_lb", "ci_ub", "pval", "tau2"):
        np.testing.assert_allclose(got[field], getattr(reg, field), rtol=RTOL, err_msg=field)
    np.testing.assert_allclose(got["R2"], reg.r2, rtol=RTOL)


def test_the_summary_shows_the_slope_per_decade_and_the_bubble_plot() -> None:
    from secondhct.review.analysis_text import analysis_context
    from secondhct.review.figures import render_figures

    result = _run(_fixture("trend"), [{"kind": "era_meta_regression"}])
    labels = {k: k.capitalize() for k in result.studies}
    record = analysis_record(result, labels)
    ctx = analysis_context(record, {k: i + 1 for i, k in enumerate(sorted(result.studies))}, labels)
    (row,) = [s for s in ctx["sensitivity"] if s["title"].startswith("meta-regression")]
    theirs = REF["datasets"]["trend"]["fits"]["adhoc"]
    assert row["k"] == 7 and row["estimate"] == f"slope {theirs['slope']:.3f} per decade (logit scale)"
    assert "p = 0.28" in row["ci"] and "R² = 21%" in row["ci"] and "odds ratio per decade 1.23" in row["ci"]
    assert "accrual not stated: Theta_ns [7]" in row["ci"]  # keys read as labels with their citation
    assert ctx["era"]["figure"] == "t.era.svg" and "ecological" in ctx["era"]["caption"]
    svg = render_figures(result, labels)["t.era.svg"]
    assert "Bubble plot: test" in svg and "Alpha1990" in svg
    assert all(row["accrual"] != "not stated" for row in ctx["included"] if row["label"] != "Theta_ns")
