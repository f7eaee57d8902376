"""The notebook API returns DataFrames and figures that agree with results.json (on the frozen fixture project)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secondhct.api import Review
from secondhct.errors import SecondHCTError


def test_api_tables_match_results_json(frozen_review: Review, frozen_root: Path) -> None:
    review = frozen_review
    assert "os-children-acute-2-3y" in review.analysis_ids()
    view = review.run("os-all-ages-2-3y")  # seven reports: the frequentist model, with weights
    studies = view.studies_frame()
    results = json.loads((frozen_root / "outputs" / "results.json").read_text(encoding="utf-8"))
    stored = next(a for a in results["analyses"] if a["id"] == "os-all-ages-2-3y")
    assert list(studies["key"]) == [r["key"] for r in stored["included"]]
    assert list(studies["weight"]) == pytest.approx([r["weight"] for r in stored["included"]], rel=1e-12)
    pooled = view.pooled_frame()
    assert pooled.loc[0, "model"] == "main"
    assert pooled.loc[0, "estimate"] == pytest.approx(stored["pooled"]["natural"]["estimate"], rel=1e-12)
    assert set(view.excluded_frame()["stage"]) <= {"population", "scope", "outcome", "selected", "overlap"}
    bayes = review.run("os-children-acute-2-3y").pooled_frame()  # two reports: Bayesian primary
    assert bayes.loc[0, "method"] == "BAYES" and bayes.loc[0, "tau"] > 0
    assert len(review.studies_frame()) == len(list((frozen_root / "studies").glob("*.yaml")))


def test_api_forest_is_a_figure_and_unknown_analysis_is_an_error(frozen_review: Review) -> None:
    from matplotlib.figure import Figure

    review = frozen_review
    assert isinstance(review.run("os-children-acute-2-3y").forest(), Figure)
    with pytest.raises(SecondHCTError, match="no analysis 'nope'"):
        review.run("nope")


def test_batch_analyses_are_run_only_when_asked(frozen_review: Review) -> None:
    """os-all-ages-2-3y asks for a GOSH plot and a permutation test (protocol batch:); a forest plot needs neither."""
    review = frozen_review
    full = review.run("os-all-ages-2-3y").result
    assert full.gosh is not None and full.gosh.fits is not None
    assert any(f.permutation is not None for f in full.factors)
    plot_only = review.run("os-all-ages-2-3y", batch=False).result
    assert plot_only.gosh is None and all(f.permutation is None for f in plot_only.factors)
    assert plot_only.pooled == full.pooled
