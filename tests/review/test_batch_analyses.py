"""The protocol's ``batch:`` block end to end: a permutation test beside the subgroup test and a
GOSH plot, on fictional extractions run through run_analysis as the build does."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from pydantic import ValidationError

from secondhct.extraction.schema import StudyExtraction
from secondhct.protocol.load import plan
from secondhct.protocol.schema import Analysis, Defaults
from secondhct.review.analysis import AnalysisResult, run_analysis
from secondhct.review.analysis_text import gosh_words, permutation_words
from secondhct.review.figures import render_figures
from secondhct.review.results import analysis_record
from secondhct.stats.batch import gosh
from secondhct.stats.permutation import distinct_permutations, permutation_test
from secondhct.stats.subgroups import subgroup_design

ROOT = Path(__file__).resolve().parents[2]
BASE: dict[str, Any] = yaml.safe_load((ROOT / "tests" / "data" / "project" / "studies" / "smith2020.yaml").read_text())
#: (key, age group, percent alive at 2 years, SE) of seven fictional reports
REPORTS = [("a1", "pediatric", 40.0, 4.9), ("a2", "pediatric", 52.0, 6.1), ("a3", "adult", 28.0, 3.5), ("a4", "adult", 35.0, 5.2),
           ("a5", "adult", 22.0, 4.1), ("a6", "mixed", 31.0, 3.9), ("a7", "pediatric", 47.0, 7.4)]  # fmt: skip
POPULATION = {"diseases": ["ALL", "AML"], "age_groups": ["pediatric", "adult", "mixed"], "time_origins": ["second_hct"]}


def _study(key: str, age: str, pct: float, se: float) -> StudyExtraction:
    data = copy.deepcopy(BASE)
    data["key"] = key
    data["study"]["data_source"] = "not stated"
    data["study"].pop("may_share_patients_with", None)
    data["population"]["age_group"] = age
    outcome = {"outcome": "os", "time": "2y", "statistic": "kaplan_meier", "estimate": pct, "unit": "percent", "se": se,
               "source": {"location": "abstract"}}  # fmt: skip
    data.update({"subgroups": [], "outcomes": [outcome], "comparisons": [], "associations": []})
    return StudyExtraction.model_validate(data)


STUDIES = [_study(*r) for r in REPORTS]


def _run(batch: dict[str, Any] | None) -> AnalysisResult:
    analysis = {"id": "t", "title": "test", "outcomes": ["os"], "time": {"exact": "2y"}, "population": POPULATION,
                "subgroup_factors": ["age_group"], "sensitivity": [], **({"batch": batch} if batch is not None else {})}  # fmt: skip
    return run_analysis(plan(Analysis.model_validate(analysis), Defaults(), None), STUDIES, {})


def test_the_permutation_test_is_the_one_of_stats_permutation_with_the_analysis_test() -> None:
    result = _run({"gosh": True, "permutation": {"iterations": 1000, "seed": 5}})
    assert result.synthesis == "standard" and len(result.effects) == 7
    factor = result.factors[0]
    assert factor.result is not None and factor.permutation is not None
    groups = [next(r[1] for r in REPORTS if r[0] == e.key) for e in result.effects]
    X, _ = subgroup_design(groups)
    expected = permutation_test([e.effect.yi for e in result.effects], [e.effect.vi for e in result.effects], X,
                                method="DL", test="adhoc", iter=1000, seed=5)  # fmt: skip
    assert factor.permutation == expected and expected.exact and expected.permutations == distinct_permutations(X) == 140
    record = analysis_record(result, {}).subgroup_factors[0]
    assert record.permutation is not None and record.permutation.p == expected.pval and record.permutation.seed is None
    words = permutation_words(record.permutation)
    assert words.startswith("permutation test p = ") and "all 140 distinct permutations, exact" in words
    assert "DerSimonian-Laird τ², Knapp-Hartung (ad hoc) F statistic" in words


def test_a_sample_when_the_protocol_allows_fewer_permutations_than_there_are() -> None:
    factor = _run({"permutation": {"iterations": 50, "seed": 5}}).factors[0]
    assert factor.permutation is not None and not factor.permutation.exact and factor.permutation.permutations == 50
    record = _run({"permutation": {"iterations": 50, "seed": 5}})
    perm = analysis_record(record, {}).subgroup_factors[0].permutation
    assert perm is not None and "50 random permutations, seed 5" in permutation_words(perm)


def test_gosh_refits_every_subset_with_the_analysis_method_and_is_drawn() -> None:
    result = _run({"gosh": True})
    assert result.gosh is not None and result.gosh.fits is not None and result.gosh.method == "REML"
    yi, vi = [e.effect.yi for e in result.effects], [e.effect.vi for e in result.effects]
    direct = gosh(yi, vi, "REML")
    np.testing.assert_array_equal(result.gosh.fits.fit.estimate, direct.fit.estimate)
    full = result.gosh.fits.fit.k == 7
    assert result.pooled is not None
    assert result.gosh.fits.fit.estimate[full][0] == pytest.approx(result.pooled.result.estimate, rel=1e-6)
    record = analysis_record(result, {})
    assert record.gosh is not None and record.gosh.subsets == 2**7 - 1 - 7 and record.gosh.figure == "t.gosh.svg"
    figures = render_figures(result, {})
    assert "<title>GOSH plot: test</title>" in figures["t.gosh.svg"]
    caption = gosh_words(record.gosh, "proportion")
    assert caption is not None and caption["caption"].startswith("GOSH plot: the model (REML) refitted to each of the 120 subsets")


def test_nothing_is_added_where_the_protocol_does_not_ask() -> None:
    result = _run(None)
    assert result.gosh is None and result.factors[0].permutation is None
    dumped = analysis_record(result, {}).model_dump(exclude_unset=True)
    assert "gosh" not in dumped and "permutation" not in dumped["subgroup_factors"][0]
    assert "t.gosh.svg" not in render_figures(result, {})


def test_the_protocol_form() -> None:
    base = {"id": "t", "title": "t", "outcomes": ["os"], "population": POPULATION}
    parsed = Analysis.model_validate({**base, "batch": {"gosh": True, "permutation": False}})
    assert parsed.batch is not None and parsed.batch.gosh is not None and parsed.batch.gosh.method is None
    assert parsed.batch.permutation is None
    with pytest.raises(ValidationError, match="permutation.method"):
        Analysis.model_validate({**base, "batch": {"permutation": {"method": "REML"}}})
