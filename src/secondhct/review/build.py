"""``secondhct build``: validate -> effect sizes -> pooling -> plots -> results.json -> evidence summary.

Incremental and deterministic:

* ``outputs/manifest.json`` records, per analysis, a SHA-256 of everything its
  result depends on (the extractions, references.bib, the analysis and the
  protocol defaults, and the tool's own source code). An analysis whose hash
  did not change is taken from the previous ``results.json``, not recomputed.
* Everything is computed in memory first; only then are files written, each
  atomically (temporary file + rename), and only the files whose content
  changed. An interrupted build therefore leaves the previous outputs in
  place, and a build with nothing changed writes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import SecondHCTError
from ..project import Project, display_path
from ..results import RESULTS_FORMAT, AnalysisRecord, ResultsDocument, read_results
from ..textio import write_atomic

__all__ = ["RESULTS_FORMAT", "BuildError", "BuildReport", "build"]
MANIFEST = "manifest.json"
RESULTS = "results.json"
SUMMARIES = ("evidence-summary.md", "evidence-summary.html")


class BuildError(SecondHCTError):
    """The inputs are not valid: nothing is written."""


@dataclass
class BuildReport:
    computed: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _sha(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def code_digest() -> str:
    """Hash of the package's source and templates: a code change invalidates every analysis."""
    root = Path(__file__).resolve().parents[1]
    files = sorted(p for p in root.rglob("*") if p.suffix in (".py", ".j2", ".css") and p.is_file())
    return _sha(__version__.encode(), *(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes() for p in files))


def data_digest(project: Project) -> str:
    """Hash of the extractions, references.bib and protocol.yaml."""
    paths = [*project.study_files(), project.bib_path, project.root / "protocol.yaml"]
    return _sha(*(p.name.encode() + b"\0" + p.read_bytes() for p in paths if p.is_file()))


def _current(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.is_file() else None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def build(project: Project, *, force: bool = False, progress: Callable[[str], None] = lambda _: None) -> BuildReport:
    """Run the whole review into ``project.outputs_dir`` (see the module docstring)."""
    from ..protocol.load import load_protocol, plan
    from ..validation import validate_project

    report = validate_project(project)
    errors = [d.format() for d in report.diagnostics if d.severity == "error"]
    protocol_path = project.root / "protocol.yaml"
    loaded = load_protocol(protocol_path, display_path(protocol_path))
    errors += [d.format() for d in loaded.diagnostics if d.severity == "error"]
    if errors or loaded.model is None or report.bibliography is None:
        shown = "\n".join(errors) if errors else "protocol.yaml could not be read"
        raise BuildError(f"the inputs are not valid; nothing was written:\n{shown}")
    protocol = loaded.model
    bib = report.bibliography
    studies = [s.study for s in report.studies if s.study is not None]
    years = {k: int(r.year) if r.year else None for k, r in bib.references.items()}

    out_dir = project.outputs_dir
    previous_manifest = _read_json(out_dir / MANIFEST)
    previous_text = _current(out_dir / RESULTS)
    previous_results = read_results(previous_text) if previous_text is not None else None  # None: absent or another format
    previous_by_id = {a.id: a for a in previous_results.analyses} if previous_results else {}
    code, data = code_digest(), data_digest(project)
    defaults = protocol.defaults.model_dump_json().encode()

    hashes: dict[str, str] = {}
    analyses: list[AnalysisRecord] = []
    figures: dict[str, dict[str, str]] = {}
    build_report = BuildReport()
    for i, analysis in enumerate(protocol.analyses, 1):
        h = _sha(code.encode(), data.encode(), defaults, analysis.model_dump_json().encode())
        hashes[analysis.id] = h
        cached = previous_by_id.get(analysis.id)
        figure_names = previous_manifest.get("figures", {}).get(analysis.id, [])
        old_figures = {name: _current(out_dir / name) for name in figure_names}
        if (
            not force
            and cached is not None
            and previous_manifest.get("analyses", {}).get(analysis.id) == h
            and all(text is not None for text in old_figures.values())
        ):
            analyses.append(cached)
            figures[analysis.id] = {name: text for name, text in old_figures.items() if text is not None}
            build_report.reused.append(analysis.id)
            continue
        progress(f"[{i}/{len(protocol.analyses)}] {analysis.id}")
        from .analysis import run_analysis  # numpy, scipy, matplotlib: only when something is computed
        from .figures import render_figures
        from .results import analysis_record

        result = run_analysis(plan(analysis, protocol.defaults), studies, years)
        analyses.append(analysis_record(result, bib.labels))
        figures[analysis.id] = render_figures(result, bib.labels)
        build_report.computed.append(analysis.id)

    document = ResultsDocument(
        format=RESULTS_FORMAT,
        title=protocol.title,
        tool_version=__version__,
        inputs_sha256=data,
        data_date=max((s.curation.extracted_on for s in studies), default=None),
        studies={s.key: bib.labels.get(s.key, s.key) for s in sorted(studies, key=lambda s: s.key)},
        analyses=analyses,
    )
    files: dict[str, str] = {RESULTS: document.text()}
    for named in figures.values():
        files.update(named)
    manifest = {
        "code_sha256": code, "inputs_sha256": data, "analyses": hashes,
        "figures": {aid: sorted(named) for aid, named in figures.items()},
    }
    files[MANIFEST] = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    unchanged = (
        not force
        and previous_manifest.get("code_sha256") == code
        and _current(out_dir / RESULTS) == files[RESULTS]
        and all((out_dir / name).is_file() for name in SUMMARIES)
    )
    if not unchanged:  # the summary compares against the previous results, so render it only on a change
        from .summary import render_summaries

        progress("evidence summary")
        forests = {aid: named[f"{aid}.forest.svg"] for aid, named in figures.items() if f"{aid}.forest.svg" in named}
        files.update(render_summaries(document, studies, bib, previous_results, forests))

    for name, text in files.items():  # everything is computed: now write, changed files only
        path = out_dir / name
        if _current(path) == text:
            build_report.unchanged.append(name)
            continue
        write_atomic(path, text)
        build_report.written.append(name)
    return build_report
