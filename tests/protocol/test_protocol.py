"""protocol.yaml: validation with located diagnostics, and which reports enter an analysis."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from secondhct.extraction.schema import StudyExtraction
from secondhct.protocol.load import Plan, load_protocol, plan, window_text
from secondhct.protocol.schema import Analysis, Defaults
from secondhct.protocol.select import select
from secondhct.vocabulary import Vocabulary

BASE: dict[str, Any] = yaml.safe_load((Path(__file__).resolve().parents[1] / "data/project/studies/smith2020.yaml").read_text())

PROTOCOL = """\
title: Test protocol
analyses:
  - id: os-children-2y
    title: OS at 2-3 years, children
    outcomes: [os]
    time: {min: 2y, max: 3y}
    population:
      diseases: [ALL, AML, acute_leukemia]
      age_groups: [pediatric]
  - id: hr-remission
    title: HR for active disease vs CR
    outcomes: [os]
    population: {diseases: [ALL, AML], age_groups: [pediatric]}
    comparison: {factor: remission_at_second_hct, level: active_disease, reference_level: cr}
"""


def _protocol(tmp_path: Path, text: str):
    path = tmp_path / "protocol.yaml"
    path.write_text(text)
    return load_protocol(path, "protocol.yaml")


def _study(key: str, **changes: Any) -> StudyExtraction:
    data = copy.deepcopy(BASE)
    data["key"] = key
    for dotted, value in changes.items():
        node = data
        parts = dotted.split(".")
        for part in parts[:-1]:
            node = node[int(part)] if part.isdigit() else node[part]
        node[parts[-1]] = value
    return StudyExtraction.model_validate(data)


def test_valid_protocol_and_defaults(tmp_path: Path) -> None:
    loaded = _protocol(tmp_path, PROTOCOL)
    assert loaded.diagnostics == [] and loaded.model is not None
    first, second = (plan(a, loaded.model.defaults) for a in loaded.model.analyses)
    assert (first.measure, first.method, first.test, first.overlap_rule) == ("PLO", "REML", "adhoc", "largest")
    assert "leave_one_out" in [spec.name for spec in first.sensitivity] and not first.is_ratio
    assert second.measure == "HR" and second.is_ratio
    assert window_text(first.analysis) == "2y-3y"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("id: hr-remission", "id: os-children-2y"), "protocol.yaml:10:9: error: analyses[1].id: duplicate analysis id 'os-children-2y'"),
        (("    time: {min: 2y, max: 3y}\n", "    time: {min: 3y, max: 2y}\n"), "protocol.yaml:6:26: error: analyses[0].time.max: window ends (2y) before it starts (3y)"),
        (("    time: {min: 2y, max: 3y}\n", "    time: {min: 2y}\n"), "protocol.yaml:6:11: error: analyses[0].time: a window needs both min and max"),
        (("    time: {min: 2y, max: 3y}\n", ""), "protocol.yaml:3:5: error: analyses[0]: a proportion analysis needs a time point"),
        (("    comparison: {", "    comparisn: {"), "protocol.yaml:14:5: error: analyses[1].comparisn: unknown field 'comparisn'; did you mean 'comparison'?"),
        (("outcomes: [os]\n    time", "outcomes: [overall]\n    time"), "protocol.yaml:5:16: error: analyses[0].outcomes[0]: text 'overall' is not allowed"),
        (("    time: {min: 2y, max: 3y}\n", "    time: {exact: not stated}\n"), "protocol.yaml:6:19: error: analyses[0].time.exact: 'not stated' is not a time point"),
        (("  - id: hr-remission\n", "  - id: hr-remission\n    kind: factor_levels\n"), "protocol.yaml:10:5: error: analyses[1]: a factor_levels analysis needs a time point"),
        (("  - id: hr-remission\n", "  - id: hr-remission\n    kind: factor_levels\n    measure: HR\n    time: {exact: 2y}\n"),
         "protocol.yaml:12:14: error: analyses[1].measure: a factor_levels analysis gives OR or RR (not HR)"),
        (("  - id: hr-remission\n", "  - id: hr-remission\n    kind: versus_alternative\n    alternative: {comparator: dli}\n"),
         "protocol.yaml:10:5: error: analyses[1]: a versus_alternative analysis needs either alternative (arm estimates) or comparison"),
        (("    comparison: {", "    alternative: {comparator: dli}\n    comparison: {"), "protocol.yaml:14:18: error: analyses[1].alternative: alternative is for kind: versus_alternative"),
    ],
)
def test_protocol_errors_are_located(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    old, new = change
    assert old in PROTOCOL
    loaded = _protocol(tmp_path, PROTOCOL.replace(old, new, 1))
    assert loaded.model is None
    assert any(d.format().startswith(expected) for d in loaded.diagnostics), [d.format() for d in loaded.diagnostics]


def _plan(**options: Any):
    analysis = Analysis.model_validate(
        {
            "id": "a", "title": "t", "outcomes": ["os"], "time": {"min": "2y", "max": "3y"},
            "population": {"diseases": ["ALL", "AML"], "age_groups": ["pediatric"]}, **options,
        }
    )
    return plan(analysis, Defaults())


def test_selection_reasons_and_overlap_rule() -> None:
    studies = [
        _study("small2020"),  # n 100, data source CIBMTR, OS 2y
        _study("big2019", **{"population.n": 150, "arms.0.n": 150}),
        _study("adult2018", **{"population.age_group": "adult", "study.data_source": "not stated"}),
        _study("late2017", **{"outcomes.0.time": "5y", "study.data_source": "not stated"}),
        _study("origin2016", **{"population.time_origin": "relapse", "study.data_source": "not stated"}),
        _study("cml2015", **{"population.diseases": ["CML"], "population.disease_counts": None, "study.data_source": "not stated"}),
    ]
    years = {"small2020": 2020, "big2019": 2019, "adult2018": 2018, "late2017": 2017, "origin2016": 2016, "cml2015": 2015}
    selection = select(_plan(), studies, years)
    assert [(c.key, c.index, c.n) for c in selection.included] == [("big2019", 0, 150)]
    reasons = {e.key: (e.stage, e.reason) for e in selection.excluded}
    assert reasons == {
        "adult2018": ("population", "age group adult (analysis: pediatric)"),
        "cml2015": ("population", "disease CML outside the analysis's scope (ALL, AML)"),
        "late2017": ("outcome", "overall survival reported at 5y only (analysis: 2y-3y)"),
        "origin2016": ("outcome", "time origin: the relapse (analysis: the second HCT)"),
        "small2020": ("overlap", "may share patients with big2019: same data source CIBMTR, accrual 2001-2010 and 2001-2010 overlap, "
                      "both pediatric, diseases ALL, AML; kept big2019, the larger cohort (n 100 vs 150)"),
    }
    recent = select(_plan(overlap_rule="most_recent"), studies, years)
    assert [c.key for c in recent.included] == ["small2020"]
    everything = select(_plan(), studies, years, one_per_overlap_group=False)
    assert [c.key for c in everything.included] == ["big2019", "small2020"]


def test_excluded_publication_types_stay_out() -> None:
    """``exclude_publications`` was a field that nothing read: a news report stayed in."""
    news = _study("news2021", **{"study.publication": "news_report"})
    selection = select(_plan(exclude_publications=["news_report"]), [news], {})
    assert selection.included == ()
    assert [(e.stage, e.reason) for e in selection.excluded] == [
        ("population", "publication type news report, which the analysis excludes (exclude_publications)")]
    assert [c.key for c in select(_plan(), [news], {}).included] == ["news2021"]


def test_unstated_time_origin_enters_only_the_sensitivity_selection() -> None:
    unstated = _study("unstated2021", **{"population.time_origin": "not stated", "study.data_source": "not stated"})
    relapse = _study("origin2016", **{"population.time_origin": "relapse", "study.data_source": "not stated"})
    strict = select(_plan(), [unstated, relapse], {})
    assert strict.included == () and {e.key: e.reason for e in strict.excluded} == {
        "origin2016": "time origin: the relapse (analysis: the second HCT)",
        "unstated2021": "time origin: not stated (analysis: the second HCT)",
    }
    relaxed = select(_plan(), [unstated, relapse], {}, include_time_origin_not_stated=True)
    assert [c.key for c in relaxed.included] == ["unstated2021"]  # a stated other origin stays out


def test_other_estimators_enter_only_the_sensitivity_selection() -> None:
    """Issue 22: survival by Kaplan-Meier (or not stated) in the primary analysis; a crude share only
    with include_other_estimators; a protocol may name the estimators of one analysis."""
    km = _study("km2021", **{"outcomes.0.estimator": "kaplan_meier", "study.data_source": "not stated"})
    unstated = _study("unstated2020", **{"study.data_source": "not stated"})
    crude = _study("crude2019", **{"outcomes.0.estimator": "crude_proportion", "study.data_source": "not stated"})
    strict = select(_plan(), [km, unstated, crude], {})
    assert [c.key for c in strict.included] == ["km2021", "unstated2020"]
    assert {e.key: e.reason for e in strict.excluded} == {
        "crude2019": "overall survival: crude share (events of total) (primary analysis: Kaplan-Meier, estimator not stated; "
                     "see the sensitivity analysis with other estimators)",
    }
    relaxed = select(_plan(), [km, unstated, crude], {}, include_other_estimators=True)
    assert [c.key for c in relaxed.included] == ["crude2019", "km2021", "unstated2020"]
    named = select(_plan(estimators=["kaplan_meier"]), [km, unstated, crude], {})
    assert [c.key for c in named.included] == ["km2021"]


def test_default_estimators_by_outcome() -> None:
    defaults = Defaults()
    assert defaults.estimators["os"] == ["kaplan_meier", "not stated"]
    assert defaults.estimators["relapse"] == defaults.estimators["nrm"] == ["cumulative_incidence", "not stated"]
    relapse = _plan(outcomes=["relapse"])
    assert dict(relapse.estimators) == {"relapse": ("cumulative_incidence", "not stated")}
    assert _plan(outcomes=["cr"]).estimators == ()  # an outcome without a default takes any estimator


def test_earliest_time_point_in_the_window_and_subgroup_rows() -> None:
    study = _study("two2020", **{"outcomes.3.time": "3y", "study.data_source": "not stated"})
    extra = copy.deepcopy(BASE["outcomes"][0])
    extra["time"] = "3y"
    data = study.model_dump(mode="python")
    data["outcomes"].append(extra)
    study = StudyExtraction.model_validate(data)
    whole = select(_plan(), [study], {})
    assert [c.outcome.time for c in whole.included] == ["2y"]
    by_remission = select(_plan(subgroup="remission_at_second_hct"), [study], {})
    assert [(c.subgroup.id if c.subgroup else None, c.outcome.time, c.n) for c in by_remission.included] == [("cr", "3y", 60)]


def test_ratio_selection_accepts_the_inverse_direction() -> None:
    ratio = plan(
        Analysis.model_validate(
            {
                "id": "hr", "title": "t", "outcomes": ["os"],
                "population": {"diseases": ["ALL", "AML"], "age_groups": ["pediatric"]},
                "comparison": {"factor": "remission_at_second_hct", "level": "cr", "reference_level": "active_disease"},
            }
        ),
        Defaults(),
    )
    selection = select(ratio, [_study("smith2020")], {})
    (cand,) = selection.included
    assert cand.index == 0 and cand.inverted and cand.comparison.estimate == 2.0


def test_protocol_schema_file_is_current_and_accepts_the_protocol() -> None:
    """protocol.schema.json (for editors; written by `secondhct schema`) matches the models and protocol.yaml."""
    import jsonschema

    from secondhct.extraction.scaffold import protocol_schema_text

    root = Path(__file__).resolve().parents[2]
    text = (root / "protocol.schema.json").read_text(encoding="utf-8")
    assert text == protocol_schema_text(), "run: secondhct schema"
    schema = json.loads(text)
    jsonschema.validate(yaml.safe_load((root / "protocol.yaml").read_text(encoding="utf-8")), schema)
    bad = {"title": "x", "analyses": [{"id": "a", "title": "t", "outcomes": ["os"], "measure": "PRZX",
                                        "population": {"diseases": ["ALL"], "age_groups": ["pediatric"]}}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_validate_warns_when_an_editor_schema_is_stale(tmp_path: Path) -> None:
    """validate uses the generated schemas: a stale protocol.schema.json is a located warning."""
    import shutil

    from secondhct.project import Project
    from secondhct.validation import validate_project

    root = Path(__file__).resolve().parents[2]
    review = tmp_path / "review"
    review.mkdir()
    for name in ("references.bib", "protocol.yaml", "protocol.schema.json"):
        shutil.copy(root / name, review / name)
    shutil.copytree(root / "studies", review / "studies")
    fresh = validate_project(Project(review), schemas=True)
    assert not [d for d in fresh.diagnostics if d.code == "schema-stale"]
    (review / "protocol.schema.json").write_text("{}\n", encoding="utf-8")
    stale = [d for d in validate_project(Project(review), schemas=True).diagnostics if d.code == "schema-stale"]
    assert not [d for d in validate_project(Project(review)).diagnostics if d.code == "schema-stale"]  # builds skip it
    assert [(Path(d.file).name, d.severity, d.line) for d in stale] == [("protocol.schema.json", "warning", 1)]


def _vocab() -> Vocabulary:
    return Vocabulary.model_validate({
        "factors": {"f": {"description": "d", "levels": {"a": "a"}}},
        "data_sources": {"EBMT": {"label": "EBMT"}, "EBMT-ALWP": {"label": "ALWP", "part_of": "EBMT"},
                         "GITMO": {"label": "Italian centres", "part_of": "EBMT"}, "JSHCT": {"label": "Japan"}},
    })  # fmt: skip


def _overlap_plan() -> Plan:
    analysis = Analysis.model_validate({
        "id": "a", "title": "t", "outcomes": ["os"], "time": {"min": "2y", "max": "3y"},
        "population": {"diseases": ["ALL", "AML", "acute_leukemia"], "age_groups": ["pediatric", "adult", "mixed"]},
    })  # fmt: skip
    return plan(analysis, Defaults(), _vocab())


def _kept(*studies: StudyExtraction) -> tuple[list[str], dict[str, str]]:
    chosen = select(_overlap_plan(), list(studies), {})
    return sorted(c.key for c in chosen.included), {e.key: e.reason for e in chosen.excluded}


def test_disjoint_age_groups_cannot_share_patients() -> None:
    """The JP-REG case of issue 15: adult cord blood and pediatric ALL of one registry both stay."""
    child = _study("kato2020", **{"study.data_source": "JSHCT"})
    adult = _study("cord2019", **{"study.data_source": "JSHCT", "population.age_group": "adult", "population.n": 150, "arms.0.n": 150})
    assert _kept(child, adult) == (["cord2019", "kato2020"], {})
    mixed = _study("mixed2018", **{"study.data_source": "JSHCT", "population.age_group": "mixed", "population.n": 200, "arms.0.n": 200})
    kept, reasons = _kept(child, adult, mixed)
    assert kept == ["mixed2018"]
    assert reasons["kato2020"].startswith("may share patients with mixed2018: same data source JSHCT, accrual 2001-2010 and 2001-2010 overlap, age groups pediatric and mixed intersect")


def test_disjoint_periods_and_diseases_cannot_share_patients() -> None:
    early = _study("early2020", **{"study.data_source": "EBMT", "study.accrual.start": "1990", "study.accrual.end": "2000"})
    late = _study("late2019", **{"study.data_source": "EBMT", "population.n": 150, "arms.0.n": 150})
    aml = _study("aml2018", **{"study.data_source": "EBMT", "population.diseases": ["AML"], "population.disease_counts": None})
    assert _kept(early, late)[0] == ["early2020", "late2019"]
    # ALL+AML meets AML: aml2018 (n 100, older) goes; an unknown period may overlap anything
    kept, reasons = _kept(late, aml)
    assert kept == ["late2019"] and "diseases AML and ALL, AML" in reasons["aml2018"]
    all_only = _study("all2017", **{"study.data_source": "EBMT", "population.diseases": ["ALL"], "population.disease_counts": None})
    assert _kept(aml, all_only) == (["all2017", "aml2018"], {})
    unknown = _study("unknown2021", **{"study.data_source": "EBMT", "study.accrual": None, "population.n": 90, "arms.0.n": 90})
    assert _kept(early, unknown)[1] == {"unknown2021": "may share patients with early2020: same data source EBMT, accrual not stated and 1990-2000 "
                                       "(not stated: may overlap), both pediatric, diseases ALL, AML; kept early2020, the larger cohort (n 90 vs 100)"}


def test_nested_sources_share_patients_and_siblings_do_not() -> None:
    registry = _study("ebmt2020", **{"study.data_source": "EBMT", "population.n": 500, "arms.0.n": 500})
    alwp = _study("alwp2019", **{"study.data_source": "EBMT-ALWP"})
    gitmo = _study("gitmo2018", **{"study.data_source": "GITMO", "population.n": 40, "arms.0.n": 40})
    kept, reasons = _kept(registry, alwp, gitmo)
    assert kept == ["ebmt2020"] and reasons["alwp2019"].startswith("may share patients with ebmt2020: EBMT-ALWP is part of EBMT, ")
    assert _kept(alwp, gitmo)[0] == ["alwp2019", "gitmo2018"]  # two parts of EBMT: not nested in each other


def test_an_explicit_link_overrides_the_rule_and_the_greedy_rule_keeps_what_it_can() -> None:
    link = [{"key": "jp2019", "reason": "fact sheet: same co-authors"}]
    eu = _study("eu2020", **{"study.data_source": "EBMT", "study.may_share_patients_with": link})
    jp = _study("jp2019", **{"study.data_source": "JSHCT", "population.n": 150, "arms.0.n": 150})
    assert _kept(eu, jp) == (["jp2019"], {"eu2020": "may share patients with jp2019: declared by eu2020: fact sheet: same co-authors; "
                                           "kept jp2019, the larger cohort (n 100 vs 150)"})
    # a large 1995-2005 report overlaps both halves; the halves do not overlap each other
    wide = _study("wide2021", **{"study.data_source": "EBMT", "study.accrual.start": "1995", "study.accrual.end": "2005", "population.n": 50, "arms.0.n": 50})
    first = _study("first2020", **{"study.data_source": "EBMT", "study.accrual.start": "1990", "study.accrual.end": "1999"})
    second = _study("second2019", **{"study.data_source": "EBMT", "study.accrual.start": "2000", "study.accrual.end": "2009"})
    assert _kept(wide, first, second)[0] == ["first2020", "second2019"]


def test_overlap_is_resolved_among_reports_that_give_an_effect_size() -> None:
    """A preferred overlapping report whose row gives no effect size does not displace one that has one."""
    from secondhct.review.analysis import choose

    small = _study("small2020")  # n 100, data source CIBMTR, OS 40% (SE 4.9) at 2y
    unweighted = {"population.n": "not stated", "arms.0.n": "not stated", "outcomes.0.se": None, "outcomes.0.ci": None}
    recent = _study("recent2021", **unweighted)  # the same cohort's 40%, with nothing to weight it
    years = {"small2020": 2020, "recent2021": 2021}
    rule = _plan(overlap_rule="most_recent")
    assert [c.key for c in select(rule, [small, recent], years).included] == ["recent2021"]  # select alone keeps the recent one
    chosen = choose(rule, [small, recent], years)
    assert [e.key for e in chosen.effects] == ["small2020"]
    assert [(x.key, x.stage) for x in chosen.excluded] == [("recent2021", "outcome")]
    assert chosen.excluded[0].reason == "no effect size: 40.0%: no SE, CI, counts or number of patients to weight it"
    usable = choose(rule, [small, _study("recent2021")], years)
    assert [e.key for e in usable.effects] == ["recent2021"]  # both usable: the rule decides, as before
    assert [(x.key, x.stage) for x in usable.excluded] == [("small2020", "overlap")]
