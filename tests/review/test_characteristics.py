"""The characteristics-of-included-studies table reads every cell from the extraction (issue 25)."""

from __future__ import annotations

from pathlib import Path

import yaml

from secondhct.extraction.schema import StudyExtraction
from secondhct.review.characteristics import characteristics_rows, reasons_out

FROZEN = Path(__file__).resolve().parents[1] / "data" / "frozen" / "studies"


def _study(key: str) -> StudyExtraction:
    return StudyExtraction.model_validate(yaml.safe_load((FROZEN / f"{key}.yaml").read_text()))


def test_each_cell_is_what_the_report_prints() -> None:
    orti, kato = _study("orti2016"), _study("kato2012")
    rows = {r["key"]: r for r in characteristics_rows([orti, kato], {"orti2016": "Orti 2016"}, {"orti2016": 1, "kato2012": 2})}
    assert rows["orti2016"]["diseases"] == "AML 88, MDS 25, MPN 3"
    assert rows["orti2016"]["label"] == "Orti 2016" and rows["orti2016"]["ref"] == 1
    assert rows["orti2016"]["accrual"] == orti.study.accrual.as_printed  # type: ignore[union-attr]
    assert (rows["kato2012"]["n"], rows["kato2012"]["setting"], rows["kato2012"]["follow_up"]) == (171, "JSHCT, Japan", "not printed")
    assert list(rows) == ["orti2016", "kato2012"]  # citation order
    (yalniz,) = characteristics_rows([_study("yalniz_nd")], {}, {"yalniz_nd": 1})
    assert yalniz["age"] == "median 44 years (range 18-73)" and yalniz["follow_up"] == "median 66 months"
    assert yalniz["donor"] == "HLA-identical sibling 37; HLA-matched unrelated 34; haploidentical 19; cord blood 1"
    assert (yalniz["remission"], yalniz["conditioning"]) == ("in remission at HCT2 56", "reduced intensity 71")


def test_a_report_in_no_analysis_gets_the_reason_of_the_analysis_it_got_furthest_in() -> None:
    excluded = [("a", "outcome", "no OS"), ("a", "population", "age group adult"), ("a", "population", "age group adult"),
                ("b", "overlap", "may share patients with c"), ("c", "scope", "30% outside")]
    assert reasons_out(excluded, entered={"c"}) == {
        "a": "outcome: no OS (and 1 other reason in other analyses)",
        "b": "overlap: may share patients with c",
    }
