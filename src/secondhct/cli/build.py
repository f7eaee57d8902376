"""``secondhct build``: rebuild results, plots and the evidence summary (incrementally)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from .common import RootOption, flag, project_from, reports_errors, say


@reports_errors
def build(
    force: Annotated[bool, flag("--force", help="Recompute every analysis, even unchanged ones.")] = False,
    baseline: Annotated[
        Path | None,
        typer.Option("--baseline", help="results.json the summary's 'what changed' compares with (default: the latest committed outputs/results.json that differs).", show_default=False),
    ] = None,
    root: RootOption = None,
) -> None:
    """Validate, pool every analysis of protocol.yaml, and write outputs/ (results.json, summaries).

    Refuses to write anything if validation fails. Analyses whose inputs and code did
    not change are not recomputed; the new outputs/ replaces the old one in one step
    (an interrupted build leaves the previous outputs, and the next build cleans up).
    """
    from ..project import display_path
    from ..review.build import build as run_build
    from ..review.summary import SUMMARY_HTML

    project = project_from(root)
    start = time.perf_counter()
    report = run_build(project, force=force, progress=lambda message: say(message, err=True), baseline=baseline)
    elapsed = time.perf_counter() - start
    out = display_path(project.outputs_dir)
    for left in report.leftovers:
        say(f"warning: {left}", err=True)
    if report.baseline_warning:
        say(f"warning: {report.baseline_warning}", err=True)
    for conflict in report.certainty_conflicts:  # validate reports them as errors
        say(f"protocol.yaml: warning: certainty of {conflict}", err=True)
    if report.certainty_conflicts:
        say("protocol.yaml: restate each override's reason from the build's current numbers, or remove the override", err=True)
    summary = display_path(project.outputs_dir / SUMMARY_HTML)
    if not report.computed and not report.written:
        say(
            f"{out} is current ({len(report.reused)} analyses unchanged, nothing written; {elapsed:.2f} s); "
            "use `secondhct build --force` to recompute everything"
        )
    else:
        say(
            f"{len(report.computed)} analyses computed, {len(report.reused)} unchanged; "
            f"{len(report.written)} file(s) written to {out}, {len(report.unchanged)} unchanged ({elapsed:.2f} s)"
        )
    say(f"open {summary} (the evidence summary; results.json has every number)")
