"""vocabulary.yaml: the model (roll-ups, unknown codes), the codes every extraction uses, and
ratio analyses that match comparisons by factor and level codes.

These tests read the live vocabulary.yaml, the one file a curator edits. The test projects
(tests/data/project/, tests/data/frozen/) carry their own frozen vocabularies, which nothing
asks to agree with it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from secondhct.extraction.load import load_study
from secondhct.extraction.scaffold import factor_lines, vocabulary_schema_text
from secondhct.extraction.schema import StudyExtraction
from secondhct.project import Project
from secondhct.protocol.load import load_protocol, plan
from secondhct.protocol.schema import Analysis, Defaults
from secondhct.protocol.select import select
from secondhct.vocabulary import Factor, Vocabulary, code_findings, load_vocabulary

ROOT = Path(__file__).resolve().parents[1]
PROJECT = Project(ROOT)
DATA = Path(__file__).parent / "data" / "project"


def _vocabulary() -> Vocabulary:
    loaded = load_vocabulary(PROJECT.vocabulary_path, "vocabulary.yaml")
    assert loaded.diagnostics == [] and loaded.model is not None
    return loaded.model


VOCAB = _vocabulary()


def _factor(**fields: Any) -> Factor:
    return Factor.model_validate({"description": "test", **fields})


# ---- the model ----------------------------------------------------------------------------


def test_required_factors_and_levels() -> None:
    remission = VOCAB.factors["remission_at_second_hct"]
    assert remission.coarse_levels() == ["cr", "not_cr"]
    for finer in ("cr1", "cr2", "cr3_or_later"):
        assert remission.roll_ups[finer] == "cr"
    for finer in ("active_disease", "relapse", "primary_refractory"):
        assert remission.roll_ups[finer] == "not_cr"
    relapse = VOCAB.factors["time_from_first_hct_to_relapse"]
    assert relapse.coarse_levels() == ["early", "late"] and relapse.cutoff
    assert list(VOCAB.factors["donor_change"].levels) == ["same_donor", "different_donor"]
    assert VOCAB.factors["conditioning_intensity"].coarse_levels() == ["mac", "ric"]
    assert list(VOCAB.factors["chronic_gvhd_after_first_hct"].levels) == ["yes", "no"]
    for name in ("donor_type", "age_group", "disease", "performance_status", "hct_ci", "graft_source"):
        assert name in VOCAB.factors
    assert {"matched_related", "matched_unrelated", "haploidentical", "cord_blood"} <= set(VOCAB.factors["donor_type"].levels)


def test_roll_ups_chain_and_match() -> None:
    assert VOCAB.rolls_up("remission_at_second_hct", "cr2", "cr")
    assert VOCAB.rolls_up("remission_at_second_hct", "cr", "cr")
    assert not VOCAB.rolls_up("remission_at_second_hct", "cr", "cr2")  # coarser never counts as finer
    assert not VOCAB.rolls_up("remission_at_second_hct", "active_disease", "cr")
    assert VOCAB.factors["donor_type"].ancestors("matched_sibling") == ["matched_sibling", "matched_related", "related"]
    assert VOCAB.rolls_up("donor_type", "matched_sibling", "related")
    assert not VOCAB.rolls_up("no_such_factor", "cr2", "cr")


def test_roll_up_to_an_unknown_level_is_rejected() -> None:
    with pytest.raises(ValidationError, match="'complete' is not one of the levels"):
        _factor(levels={"cr": "x", "cr2": "y"}, roll_ups={"cr2": "complete"})


def test_roll_ups_in_a_circle_are_rejected() -> None:
    with pytest.raises(ValidationError, match="circle"):
        _factor(levels={"a": "x", "b": "y"}, roll_ups={"a": "b", "b": "a"})


def test_codes_are_snake_case() -> None:
    with pytest.raises(ValidationError):
        _factor(levels={"Active Disease": "x"})
    with pytest.raises(ValidationError):
        Vocabulary.model_validate({"factors": {"Remission": {"description": "x", "levels": {"cr": "x"}}}})


def test_common_levels_apply_to_every_factor_and_are_not_repeated() -> None:
    assert all(VOCAB.has_level(name, "other") for name in VOCAB.factors)
    with pytest.raises(ValidationError, match="common level"):
        Vocabulary.model_validate({"common_levels": {"other": "x"}, "factors": {"f": {"description": "x", "levels": {"other": "y"}}}})


def test_unknown_codes_get_suggestions() -> None:
    assert VOCAB.suggest_factor("remision_at_second_hct") == "remission_at_second_hct"
    assert VOCAB.suggest_level("remission_at_second_hct", "activ_disease") == "active_disease"
    assert VOCAB.suggest_level("remission_at_second_hct", "zzzz") is None
    assert not VOCAB.has_level("remission_at_second_hct", "activ_disease")


def test_vocabulary_file_errors_are_located(tmp_path: Path) -> None:
    path = tmp_path / "vocabulary.yaml"
    path.write_text("factors:\n  f:\n    description: x\n    levels: {a: x}\n    roll_ups: {b: a}\n")
    loaded = load_vocabulary(path, "vocabulary.yaml")
    assert loaded.model is None
    [diag] = loaded.diagnostics
    assert (diag.line, diag.path) == (3, ("factors", "f")) and "'b' is not one of the levels" in diag.message


# ---- extractions --------------------------------------------------------------------------


def test_every_extraction_uses_vocabulary_codes() -> None:
    problems = []
    for path in PROJECT.study_files():
        loaded = load_study(path, path.name)
        assert loaded.study is not None, loaded.diagnostics
        problems += [f"{path.name}: {f.message}" for f in code_findings(loaded.study, VOCAB)]
    assert problems == []


def test_vocabulary_schema_file_is_current() -> None:
    assert PROJECT.vocabulary_schema_path.read_text(encoding="utf-8") == vocabulary_schema_text(), "run: secondhct schema"


def test_scaffold_lists_every_factor() -> None:
    lines = factor_lines(VOCAB)
    assert len(lines) == len(VOCAB.factors) + 1
    assert any(line.startswith("remission_at_second_hct: cr not_cr cr1>cr") for line in lines)
    assert any(line.startswith("time_from_first_hct_to_relapse:") and line.endswith("; cutoff") for line in lines)


# ---- ratio analyses by codes --------------------------------------------------------------

BASE: dict[str, Any] = yaml.safe_load((DATA / "studies" / "smith2020.yaml").read_text())


def _study(level: str, reference_level: str) -> StudyExtraction:
    data = copy.deepcopy(BASE)
    data["study"]["data_source"] = "not stated"
    data["comparisons"][0].update(level=level, reference_level=reference_level)
    return StudyExtraction.model_validate(data)


def _ratio_plan(level: str, reference_level: str, vocabulary: Vocabulary | None = VOCAB):
    analysis = Analysis.model_validate({
        "id": "hr", "title": "HR", "outcomes": ["os"],
        "population": {"diseases": ["ALL", "AML"], "age_groups": ["pediatric"]},
        "comparison": {"factor": "remission_at_second_hct", "level": level, "reference_level": reference_level},
    })
    return plan(analysis, Defaults(), vocabulary)


@pytest.mark.parametrize(
    ("level", "reference", "inverted"),
    [("active_disease", "cr", False), ("relapse", "cr2", False), ("not_cr", "cr", False), ("cr1", "primary_refractory", True)],
)
def test_finer_levels_count_for_the_coarser(level: str, reference: str, inverted: bool) -> None:
    chosen = select(_ratio_plan("not_cr", "cr"), [_study(level, reference)], {})
    assert [(c.index, c.inverted) for c in chosen.included] == [(0, inverted)]


def test_coarser_or_other_levels_do_not_count() -> None:
    for level, reference in (("not_cr", "cr"), ("other", "cr"), ("active_disease", "not stated")):
        chosen = select(_ratio_plan("active_disease", "cr"), [_study(level, reference)], {})
        assert chosen.included == (), (level, reference)
        reason = chosen.excluded[0].reason
        if reference == "not stated":
            assert "HR for remission_at_second_hct: direction not stated" in reason
        else:
            assert f"HR for remission_at_second_hct compares {level} vs cr (analysis: active_disease vs cr)" in reason


def test_without_a_vocabulary_codes_match_exactly() -> None:
    assert select(_ratio_plan("not_cr", "cr", None), [_study("active_disease", "cr")], {}).included == ()
    assert len(select(_ratio_plan("active_disease", "cr", None), [_study("active_disease", "cr")], {}).included) == 1


# What the two ratio analyses selected at the branch point (outputs/results.json at b56fee3,
# when they matched comparisons by their printed text): the codes select the same reports.
# The two analyses were later replaced in protocol.yaml by one per outcome (factor-*); they are
# kept here as they were defined.
OLD_RATIO_ANALYSES = yaml.safe_load("""
- id: hr-active-disease-at-second-hct
  title: Hazard ratio for survival, active disease vs remission at the second HCT
  outcomes: [os, lfs, efs, dfs]
  population:
    diseases: [ALL, AML, acute_leukemia, MDS]
    age_groups: [infant, pediatric, aya, adult, mixed, not stated]
  comparison: {factor: remission_at_second_hct, level: not_cr, reference_level: cr, accept_unstated_reference: true}
- id: hr-early-relapse-after-first-hct
  title: Hazard ratio for survival, early vs late relapse after the first HCT
  outcomes: [os, lfs, efs, dfs]
  population:
    diseases: [ALL, AML, acute_leukemia, MDS]
    age_groups: [infant, pediatric, aya, adult, mixed, not stated]
  comparison: {factor: time_from_first_hct_to_relapse, level: early, reference_level: late, accept_unstated_reference: true}
""")
# hazar2020's HR (no CI, so never pooled) is now left out at selection because its adjustment
# is not stated (adjusted ratios are primary; it enters the include_unadjusted sensitivity analysis).
BEFORE: dict[str, dict[str, Any]] = {
    "hr-active-disease-at-second-hct": {"included": [], "outcome": {
        "bejanyan2015", "bosi1997", "christopeit2013", "duncan2015", "ebmtalwp2012ric", "hazar2020", "hosing2005", "infantbmt1998",
        "jplsg2010", "kato2012", "oda2009", "sakaguchi2024", "shimomura2019", "taga2016", "uden2020", "yalniz_nd", "yaniv2018",
    }},
    "hr-early-relapse-after-first-hct": {"included": [("shimomura2019", 0, False)], "outcome": {
        "bejanyan2015", "bosi1997", "christopeit2013", "duncan2015", "ebmtalwp2012ric", "hazar2020", "hosing2005", "infantbmt1998",
        "jplsg2010", "kato2012", "oda2009", "sakaguchi2024", "taga2016", "uden2020", "yalniz_nd", "yaniv2018",
    }},
}


# The 38 extractions of the branch point; reports added later are not part of this comparison.
BRANCH_POINT_KEYS = frozenset("""
    actahaematol2009 nishikawa2012 bader_nd bejanyan2015 bosi1997 chang2004 christopeit2013 dliped2008 duncan2015
    ebmt2008ash ebmtalwp2012ric fan2019 gmall2012 hazar2020 hosing2005 htctbrazil_nd infantbmt1998 yoshimi2007
    jplsg2010 kato2012 kozhokar2019 kuhlen2018 leuklymph2016cb mciver2013 menon2016 mrsic1992 nagayama1999 oda2009
    sakaguchi2024 sharma2021 shimomura2019 taga2016 toranomon2014ash uden2020 walther2026 yalniz_nd yan2016 yaniv2018
""".split())


@pytest.mark.parametrize("analysis_id", sorted(BEFORE))
def test_ratio_analyses_select_the_same_reports_as_before(analysis_id: str) -> None:
    protocol = load_protocol(ROOT / "protocol.yaml", "protocol.yaml").model
    assert protocol is not None
    analysis = Analysis.model_validate(next(a for a in OLD_RATIO_ANALYSES if a["id"] == analysis_id))
    studies = [s.study for p in PROJECT.study_files()
               if (s := load_study(p)).study is not None and s.study.key in BRANCH_POINT_KEYS]
    assert len(studies) == len(BRANCH_POINT_KEYS)
    chosen = select(plan(analysis, protocol.defaults, VOCAB), studies, {})
    assert [(c.key, c.index, c.inverted) for c in chosen.included] == BEFORE[analysis_id]["included"]
    assert {e.key for e in chosen.excluded if e.stage == "outcome"} == BEFORE[analysis_id]["outcome"]


def test_protocol_codes_are_checked_against_the_vocabulary(tmp_path: Path) -> None:
    import shutil

    from secondhct.validation import validate_project

    for name in ("references.bib", "vocabulary.yaml"):
        shutil.copy(DATA / name, tmp_path / name)
    shutil.copytree(DATA / "studies", tmp_path / "studies")
    (tmp_path / "protocol.yaml").write_text(
        "title: t\nanalyses:\n  - id: hr\n    title: HR\n    outcomes: [os]\n"
        "    population: {diseases: [ALL], age_groups: [pediatric]}\n"
        "    comparison: {factor: remission_at_second_hct, level: not_cr, reference_level: cr_1}\n"
    )
    report = validate_project(Project(tmp_path), protocol=True)
    mine = [d.format().split("/")[-1] for d in report.diagnostics if d.file.endswith("protocol.yaml")]
    assert mine == [
        "protocol.yaml:7:83: error: analyses[0].comparison.reference_level: unknown level 'cr_1' of factor "
        "'remission_at_second_hct' (not in vocabulary.yaml); did you mean 'cr1'?"
    ]


def test_a_project_without_vocabulary_is_warned(tmp_path: Path) -> None:
    import shutil

    from secondhct.validation import validate_project

    shutil.copy(DATA / "references.bib", tmp_path / "references.bib")
    shutil.copytree(DATA / "studies", tmp_path / "studies")
    report = validate_project(Project(tmp_path))
    warned = [d for d in report.diagnostics if d.code == "no-vocabulary"]
    assert len(warned) == 1 and warned[0].severity == "warning" and "not checked" in warned[0].message
