"""``secondhct explain KEY`` on the frozen fixture project (tests/data/frozen/): the review's selection, in words."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from secondhct.cli import app

Explain = Callable[[str], tuple[int, list[str]]]


@pytest.fixture
def explain(frozen_root: Path) -> Explain:
    def run(key: str) -> tuple[int, list[str]]:
        result = CliRunner().invoke(app, ["explain", key, "--root", str(frozen_root)])
        return result.exit_code, result.output.splitlines()

    return run


def test_kato2012_enters_the_childrens_analysis_and_says_why_not_the_others(explain: Explain) -> None:
    code, lines = explain("kato2012")
    assert code == 0
    assert lines[0].startswith("kato2012 (Kato 2012) enters ")
    assert "  entered  os-children-acute-2-3y: outcomes[0] (os 2y)" in lines
    assert "  not      os-adults-2-3y: population: age group pediatric (analysis: adult)" in lines
    assert "  not      os-children-all-4-5y: outcome: overall survival reported at 2y only (analysis: 4y-5y)" in lines
    shown = [line.split(":")[0].split()[-1] for line in lines[1:]]
    assert len(shown) == len(set(shown)) and "os-children-aml-4-5y" in shown  # every analysis once


def test_overlap_and_selected_cohorts_and_effect_sizes_are_named(explain: Explain) -> None:
    _, lines = explain("leuklymph2016cb")  # adults: cannot share patients with kato2012 (children) of the same registry
    assert "  entered  os-all-ages-2-3y: outcomes[2] (os 3y)" in lines
    _, lines = explain("ebmt2008ash")  # every disease it lists is in this protocol's scope (issue 23): it enters
    assert "  entered  os-all-ages-2-3y: outcomes[1] (os 2y)" in lines
    _, lines = explain("christopeit2013")  # same EBMT registry, overlapping years: the larger ebmt2008ash is kept
    assert any(line.startswith("  not      os-all-ages-2-3y: overlap: may share patients with ebmt2008ash: same data source EBMT") for line in lines)
    assert any("kept ebmt2008ash, the larger cohort (n 179 vs 1633)" in line for line in lines)
    _, lines = explain("taga2016")
    assert any("selected cohort: a cohort restricted by remission only (all in second remission" in line for line in lines)
    _, lines = explain("hazar2020")  # adjustment not stated: out of the primary (adjusted) analysis at selection
    assert ("  not      factor-remission-lfs-hr: outcome: HR adjustment not stated (primary analysis: adjusted "
            "ratios; see the sensitivity analysis with all ratios)") in lines


def test_an_unknown_key_is_one_line_with_a_suggestion(explain: Explain) -> None:
    code, lines = explain("kato2021")
    assert code == 1
    assert "no valid study with key 'kato2021'" in "\n".join(lines) and "kato2012" in "\n".join(lines)


def test_explain_help_imports_no_heavy_library() -> None:
    from test_startup import _probe

    result = _probe([["explain", "--help"]])
    assert result == {"codes": [0], "heavy": []}
