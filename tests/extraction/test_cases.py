"""Each error and warning the validator promises, triggered by a real file in tests/data/cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from casefiles import CASES, header, run_case
from secondhct.diagnostics import format_path

CASE_FILES = sorted(CASES.glob("*.yaml"))

# What issue #2 requires, mapped to the case file that shows it.
REQUIRED = {
    "unknown field (with suggestion)": "unknown_field",
    "wrong type": "wrong_type",
    "missing required field": "missing_required",
    "BibTeX key absent (with suggestion)": "bib_missing",
    "file stem differs from key": "stem_differs",
    "duplicate keys": "duplicate_key",
    "percentage outside 0-100": "percent_out_of_range",
    "proportion outside 0-1": "proportion_out_of_range",
    "events > total": "events_exceed_total",
    "negative SE": "negative_se",
    "zero SE": "zero_plus_minus",
    "estimate outside its CI": "estimate_outside_ci",
    "unparseable time point": "unparseable_time",
    "YAML not a mapping": "not_mapping",
    "duplicate YAML keys": "duplicate_yaml_key",
    "non-UTF-8 file": "non_utf8",
    "SE inconsistent with CI": "se_ci_inconsistent",
    "p inconsistent with HR and CI": "p_inconsistent",
    "relapse + NRM above 100%": "relapse_plus_nrm",
    "LFS + relapse + NRM not 100% within 3 points (issue 22)": "competing_risks_sum",
    "estimator contradicting the row's statistic": "estimator_contradicts_statistic",
    "subgroups larger than cohort": "subgroup_sizes",
    "landmark beyond follow-up": "beyond_follow_up",
    "overlap link to an unknown key (with suggestion)": "overlap_link_unknown",
    "one-way overlap link": "overlap_link_one_way",
    "unknown data source code (with suggestion)": "unknown_data_source",
    "unknown level code (with suggestion)": "unknown_level",
    "unknown factor code (with suggestion)": "unknown_factor",
    "cut-off on a factor without one": "cutoff_unused",
    "number not printed in its quote": "quote_number_missing",
    "number printed in a second quote (source.quotes)": "quote_second_place",
    "p-value bound not as quoted": "quote_p_bound",
    "percent below 1 that is a proportion": "percent_looks_like_proportion",
    "proportion CI above 1": "proportion_ci_above_one",
    "quote not word for word in its document": "quote_not_verbatim",
    "YAML tab (with hint)": "yaml_tab",
    "YAML missing '-' (with hint)": "yaml_missing_dash",
    "percent below 1 with no quote (issue 27)": "percent_below_one_unquoted",
    "time point the quote contradicts (issue 27)": "time_words_disagree",
    "se: the quote does not define (issue 27)": "se_not_defined",
}


def test_every_required_check_has_a_case_file() -> None:
    names = {p.stem for p in CASE_FILES}
    missing = {what: stem for what, stem in REQUIRED.items() if stem not in names}
    assert not missing


@pytest.mark.parametrize("case", CASE_FILES, ids=lambda p: p.stem)
def test_case_reports_expected_diagnostic(case: Path, tmp_path: Path) -> None:
    _, _, expectations = header(case)
    assert expectations, f"{case.name} declares no '# expect:' line"
    _, diagnostics = run_case(case, tmp_path)
    found = [(d.severity, d.line, d.column, format_path(d.path), d.message) for d in diagnostics]
    for exp in expectations:
        matches = [
            f for f in found
            if f[:4] == (exp.severity, exp.line, exp.column, exp.path) and f[4].startswith(exp.message)
        ]
        assert matches, f"expected {exp} in {found}"


@pytest.mark.parametrize("case", CASE_FILES, ids=lambda p: p.stem)
def test_case_errors_are_the_only_errors(case: Path, tmp_path: Path) -> None:
    """A case about a warning must not also produce an error (the base file is valid)."""
    _, _, expectations = header(case)
    _, diagnostics = run_case(case, tmp_path)
    if all(e.severity == "warning" for e in expectations):
        assert [d.format() for d in diagnostics if d.severity == "error"] == []
