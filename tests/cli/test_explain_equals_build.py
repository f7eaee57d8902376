"""`explain KEY` prints exactly the build's decision, for every report and every analysis (issue 23)."""

from __future__ import annotations

import json
from pathlib import Path

from secondhct.cli.explain import records, verdicts_from
from secondhct.project import find_project
from secondhct.protocol.load import plan
from secondhct.validation import validate_project


def test_explain_agrees_with_the_built_results_for_every_report_and_analysis(frozen_root: Path) -> None:
    report = validate_project(find_project(frozen_root), protocol=True)
    studies = [s.study for s in report.studies if s.study is not None]
    assert report.protocol is not None and report.protocol.model is not None and report.bibliography is not None
    protocol = report.protocol.model
    vocabulary = report.vocabulary.model if report.vocabulary is not None else None
    plans = [plan(a, protocol.defaults, vocabulary) for a in protocol.analyses]
    document = json.loads((frozen_root / "outputs" / "results.json").read_text())
    by_id = {r["id"]: r for r in document["analyses"] + document.get("curves", [])}
    built = records(plans, studies, report.bibliography.years())
    compared = entered = 0
    for study in studies:
        for v in verdicts_from(plans, built, study.key):
            record = by_id[v.analysis]
            rows = record.get("included", record.get("points", []))
            in_build = any(r["key"] == study.key for r in rows)
            assert v.entered == in_build, (study.key, v.analysis, v.detail)
            if not in_build:
                (excluded,) = [x for x in record["excluded"] if x["key"] == study.key]
                assert (v.stage, v.detail) == (excluded["stage"], excluded["reason"]), (study.key, v.analysis)
            compared += 1
            entered += in_build
    assert compared == len(studies) * len(plans) and entered > 20
