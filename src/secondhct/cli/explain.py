"""``secondhct explain KEY``: which analyses one report enters, and why not the others.

The answer is the build's own record of each analysis, never a copy of its rules: each
analysis is run by its kind's behaviour over the whole corpus (selection, effect sizes,
contrasts, overlap) exactly as ``build`` runs it, and the report's row in the record's
included or excluded lists is what ``explain`` prints, with the registered sensitivity
analyses it enters. Only typer is imported at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import InputError
from .common import RootOption, project_from, reports_errors, say

if TYPE_CHECKING:
    from ..extraction.schema import StudyExtraction
    from ..protocol.load import Plan

STAGE_WORDS = {
    "population": "population",
    "scope": "scope",
    "outcome": "outcome",
    "selected": "selected cohort",
    "overlap": "overlap",
}


@dataclass(frozen=True)
class Verdict:
    """One analysis for one report: entered (with its rows) or the first rule that keeps it out."""

    analysis: str
    title: str
    entered: bool
    detail: str  # the rows that enter, or the reason it does not
    stage: str = ""
    sensitivity: tuple[str, ...] = ()  # the registered sensitivity analyses it enters (their titles)


def _decision(record: Any, key: str) -> tuple[list[str], Any, tuple[str, ...]]:
    """From a build record: the report's rows that enter (their sources), its exclusion, and the
    sensitivity analyses that take it."""
    rows = getattr(record, "included", None)
    if rows is None:  # a curve: its points
        rows = record.points
    sources = list(dict.fromkeys(r.source for r in rows if r.key == key))
    excluded = next((x for x in record.excluded if x.key == key), None)
    also = tuple(s.title for s in getattr(record, "sensitivity", []) if key in getattr(s, "keys", ()))
    return sources, excluded, also


def records(plans: Sequence[Plan], studies: Sequence[StudyExtraction], years: Mapping[str, int | None],
            labels: Mapping[str, str] | None = None) -> list[Any]:
    """Each plan's record, computed as the build computes it (its kind's ``run`` and ``record``)."""
    from ..review.kinds import behaviour

    out = []
    for plan in plans:
        kind = behaviour(plan.kind)
        out.append(kind.record(kind.run(plan, studies, years, batch=False), labels or {}))
    return out


def _row_words(study: StudyExtraction | None, source: str) -> str:
    """'outcomes[0] (os 2y)': a record's source with the row's outcome and time (and subgroup)."""
    section, _, rest = source.partition("[")
    if study is None or section not in ("outcomes", "comparisons") or not rest.rstrip("]").isdigit():
        return source
    row = getattr(study, section)[int(rest.rstrip("]"))]
    what = f"{row.outcome} {row.time}" if getattr(row, "time", None) else row.outcome
    sub = getattr(row, "subgroup", None)
    return f"{source} ({what}{f', subgroup {sub}' if sub else ''})"


def verdicts_from(plans: Sequence[Plan], built: Sequence[Any], key: str, study: StudyExtraction | None = None) -> list[Verdict]:
    """For each plan and its record: does report ``key`` enter it, and if not, its exclusion."""
    out = []
    for plan, record in zip(plans, built):
        sources, excluded, also = _decision(record, key)
        if sources:
            rows = ", ".join(_row_words(study, s) for s in sources)
            out.append(Verdict(plan.id, plan.analysis.title, True, rows, sensitivity=also))
        elif excluded is not None:
            out.append(Verdict(plan.id, plan.analysis.title, False, excluded.reason, excluded.stage, also))
        else:
            out.append(Verdict(plan.id, plan.analysis.title, False, "no row of the report enters", "outcome", also))
    return out


def verdicts(
    plans: Sequence[Plan], studies: Sequence[StudyExtraction], years: Mapping[str, int | None], key: str,
    labels: Mapping[str, str] | None = None,
) -> list[Verdict]:
    """For each plan: does report ``key`` enter it (the build's record of the analysis), and if not, its exclusion."""
    study = next((s for s in studies if s.key == key), None)
    return verdicts_from(plans, records(plans, studies, years, labels), key, study)


@reports_errors
def explain(
    key: Annotated[str, typer.Argument(help="The study's key (its file name without .yaml).", show_default=False)],
    root: RootOption = None,
) -> None:
    """Say which protocol analyses one report enters and, for each it does not, the first rule that keeps it out.

    Uses the review's own selection and effect-size code on the current studies/ and
    protocol.yaml; writes nothing.
    """
    from ..protocol.load import plan
    from ..validation import validate_project

    project = project_from(root)
    report = validate_project(project, protocol=True)
    loaded = report.protocol
    if loaded is None or loaded.model is None:
        raise InputError("protocol.yaml could not be read; run: secondhct validate")
    studies = [s.study for s in report.studies if s.study is not None]
    keys = sorted(s.key for s in studies)
    if key not in keys:
        import difflib

        close = difflib.get_close_matches(key, keys, n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(close)}?" if close else f" ({len(keys)} studies are valid)"
        raise InputError(f"no valid study with key '{key}' in studies/{hint}")
    errors = [d for d in report.diagnostics if d.severity == "error" and d.file.endswith(f"{key}.yaml")]
    bib = report.bibliography
    years = bib.years() if bib else {}
    protocol = loaded.model
    vocabulary = report.vocabulary.model if report.vocabulary is not None else None  # its roll-ups match levels, as in build
    found = verdicts([plan(a, protocol.defaults, vocabulary) for a in protocol.analyses], studies, years, key,
                     bib.labels if bib else None)
    label = bib.labels.get(key, key) if bib else key
    entered = [v for v in found if v.entered]
    say(f"{key} ({label}) enters {len(entered)} of {len(found)} analyses")
    if errors:
        say(f"  note: the file has {len(errors)} validation error(s): build stops until they are fixed")
    for v in entered:
        say(f"  entered  {v.analysis}: {v.detail}")
    for v in found:
        if not v.entered:
            say(f"  not      {v.analysis}: {STAGE_WORDS.get(v.stage, v.stage)}: {v.detail}")
            if v.sensitivity:
                say(f"             but enters the sensitivity analysis {'; '.join(v.sensitivity)}")
