"""The typed results model: results.json (of the frozen fixture project's build) round-trips through it;
another format is rebuilt, not read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secondhct.results import RESULTS_FORMAT, BayesRecord, PooledRecord, ResultsDocument, read_results
from secondhct.review.changes import Baseline, describe_changes


@pytest.fixture(scope="module")
def text(frozen_root: Path) -> str:
    return (frozen_root / "outputs" / "results.json").read_text(encoding="utf-8")


def test_results_json_round_trips_byte_for_byte(text: str) -> None:
    document = read_results(text)
    assert document is not None and document.format == RESULTS_FORMAT
    assert document.text() == text


def test_models_are_read_by_their_family(text: str) -> None:
    document = read_results(text)
    assert document is not None
    few = document.analysis("os-children-acute-2-3y")
    many = document.analysis("os-all-ages-2-3y")
    assert few is not None and isinstance(few.pooled, BayesRecord) and few.pooled.tau_prior.startswith("half-normal")
    assert many is not None and isinstance(many.pooled, PooledRecord) and many.pooled.method == "REML"
    assert {type(s.pooled) for s in many.sensitivity if s.pooled} == {BayesRecord, PooledRecord}


def test_an_older_format_is_not_read_but_still_serves_as_a_baseline(text: str) -> None:
    old = json.loads(text)
    old["format"] = 1
    assert read_results(json.dumps(old)) is None  # the build recomputes everything
    assert read_results("not json") is None and read_results("[]") is None
    document = read_results(text)
    assert isinstance(document, ResultsDocument)
    old["analyses"][0]["k"] = 99  # a change the summary must report
    changes = describe_changes(document, Baseline(old, "an old file", "x"), lambda m, v: f"{v}")
    moved = {m["id"]: m for m in changes["moved"]}
    assert not changes["first"] and moved[document.analyses[0].id]["k_old"] == 99
