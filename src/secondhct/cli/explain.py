"""``secondhct explain KEY``: which analyses one report enters, and why not the others.

The answer comes from the review's own code, never a copy of its rules: the
protocol's selection (:func:`secondhct.protocol.select.select`, over the whole
corpus, so that overlap groups count) and, for a report it selects, the effect
size (:func:`secondhct.review.analysis.run_analysis` on that report alone, which
reports a row that cannot give one). Only typer is imported at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import InputError
from .common import RootOption, project_from, reports_errors, say

if TYPE_CHECKING:
    from ..extraction.schema import StudyExtraction
    from ..protocol.load import Plan

STAGE_WORDS = {
    "population": "population",
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


def _rows(study: StudyExtraction, plan: Plan, indices: Sequence[int], subgroups: Sequence[str | None]) -> str:
    section = "comparisons" if plan.takes_comparisons else "outcomes"
    shown = []
    for i, sub in zip(indices, subgroups):
        row = study.comparisons[i] if plan.takes_comparisons else study.outcomes[i]
        what = f"{row.outcome} {row.time}" if row.time else row.outcome
        shown.append(f"{section}[{i}] ({what}{f', subgroup {sub}' if sub else ''})")
    return ", ".join(shown)


def verdicts(
    plans: Sequence[Plan], studies: Sequence[StudyExtraction], years: Mapping[str, int | None], key: str
) -> list[Verdict]:
    """For each plan: does report ``key`` enter it, and if not, the first exclusion, in words."""
    from ..review.kinds import behaviour

    study = next(s for s in studies if s.key == key)
    out = []
    for plan in plans:
        title = plan.analysis.title
        chosen = behaviour(plan.kind).choose(plan, studies, years)  # the build's own selection, effect sizes and overlap rule
        mine = [e for e in chosen.effects if e.key == key] or [r.effect for r in chosen.level_rows if r.effect.key == key]
        if not mine:
            first = next(x for x in chosen.excluded if x.key == key)
            out.append(Verdict(plan.id, title, False, first.reason, first.stage))
            continue
        rows = _rows(study, plan, [e.index for e in mine], [e.subgroup for e in mine])
        out.append(Verdict(plan.id, title, True, rows))
    return out


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
    found = verdicts([plan(a, protocol.defaults, vocabulary) for a in protocol.analyses], studies, years, key)
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
