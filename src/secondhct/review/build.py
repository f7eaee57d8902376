"""``secondhct build``: validate -> effect sizes -> pooling -> plots -> results.json -> evidence summary.

Incremental and deterministic:

* ``outputs/manifest.json`` records, per analysis, a SHA-256 of everything its
  result depends on (:func:`analysis_digest`): the extractions it can select (those
  passing its population and outcome rules, :func:`~secondhct.protocol.select.analysis_inputs`),
  the exclusion reasons and display labels of the other reports, the analysis and the
  protocol defaults, vocabulary.yaml, and the tool's own source code. An analysis whose
  hash did not change is taken, with its plots, from the previous outputs, not
  recomputed; editing one study recomputes only the analyses that can select it.
* Everything is computed in memory first. Then the whole set of files becomes
  ``outputs/`` in one step (:mod:`.outputset`: a staging folder, fsynced, swapped in
  by renames, with the manifest, which lists every file's SHA-256, written last).
  A build killed at any point leaves the previous outputs or the new ones; the next
  build removes the debris and trusts only outputs its manifest verifies. A build
  with nothing changed writes nothing.
* Outputs are a function of the inputs: the summary's "what changed" compares with
  an explicit baseline (:mod:`.changes`), never with what ``outputs/`` held before.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..codehash import package_digest
from ..curveresults import CurveRecord
from ..errors import SecondHCTError
from ..project import Project, display_path
from ..protocol.kinds import RECORD_FIELDS
from ..results import RESULTS_FORMAT, AnalysisRecord, ResultsDocument, read_results
from ..textio import snapshot, snapshot_key
from . import outputset
from .changes import Baseline, find_baseline, from_file

if TYPE_CHECKING:
    from ..bibliography import Bibliography
    from ..extraction.schema import StudyExtraction
    from ..protocol.schema import Protocol
    from ..validation import ValidationReport
    from ..vocabulary import Vocabulary

__all__ = ["RESULTS_FORMAT", "BuildError", "BuildReport", "build"]
MANIFEST = "manifest.json"
RESULTS = "results.json"
SUMMARIES = ("evidence-summary.md", "evidence-summary.html", "evidence-appendix.html")  # review.summary: SUMMARY_MD, SUMMARY_HTML, APPENDIX_HTML


class BuildError(SecondHCTError):
    """The inputs are not valid: nothing is written."""


@dataclass
class BuildReport:
    computed: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    baseline: str = ""
    baseline_warning: str = ""
    """a baseline found but skipped (another results format or shape)"""
    certainty_conflicts: list[str] = field(default_factory=list)
    """GRADE overrides in protocol.yaml whose reason cites numbers this build does not give"""
    leftovers: list[str] = field(default_factory=list)
    """debris of earlier builds that could not be removed (the build went on)"""


def _sha(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def code_digest() -> str:
    """Hash of the package's source and templates: a code change invalidates every analysis."""
    return package_digest((".py", ".j2", ".css"))


def data_digest(project: Project, taken: dict[Path, bytes] | None = None) -> str:
    """Hash of the extractions, references.bib, protocol.yaml, searches.yaml and vocabulary.yaml;
    with ``taken`` (a :func:`~secondhct.textio.snapshot`), of the bytes validation read, never a later version."""
    if taken is None:
        paths = [*project.study_files(), project.bib_path, project.root / "protocol.yaml", project.root / "searches.yaml",
                 project.vocabulary_path]  # fmt: skip
        return _sha(*(p.name.encode() + b"\0" + p.read_bytes() for p in paths if p.is_file()))
    studies = snapshot_key(project.studies_dir / "x").parent
    others = [snapshot_key(p) for p in (project.bib_path, project.root / "protocol.yaml", project.root / "searches.yaml", project.vocabulary_path)]
    read = sorted(p for p in taken if p.parent == studies and p.suffix == ".yaml") + [p for p in others if p in taken]
    return _sha(*(p.name.encode() + b"\0" + taken[p] for p in read))


def _input_bytes(path: Path, taken: dict[Path, bytes] | None) -> bytes:
    """The bytes validation read of ``path`` (empty when it did not read it: the file is absent)."""
    if taken is None:
        return path.read_bytes() if path.is_file() else b""
    return taken.get(snapshot_key(path), b"")


def analysis_digest(
    code: str, defaults: bytes, vocabulary: bytes, analysis: bytes, inputs: list[tuple[str, bytes, str, int | None]],
    exclusions: list[tuple[str, str, str, str]],
) -> str:
    """SHA-256 of one analysis's inputs: ``inputs`` are (key, extraction as canonical JSON, label,
    year) of the reports it can select; ``exclusions`` (key, stage, reason, label) of the others."""
    rows = [f"{key}\0{label}\0{year}\0".encode() + dumped for key, dumped, label, year in inputs]
    excluded = ["\0".join(x).encode() for x in exclusions]
    return _sha(code.encode(), defaults, vocabulary, analysis, b"inputs", *rows, b"excluded", *excluded)


def _json(data: bytes | None) -> dict[str, Any]:
    try:
        parsed = json.loads(data.decode("utf-8")) if data is not None else {}
    except (UnicodeDecodeError, ValueError, RecursionError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _text(data: bytes | None) -> str | None:
    try:
        return data.decode("utf-8") if data is not None else None
    except UnicodeDecodeError:
        return None


PRISMA_SVG = "prisma.svg"


def _prisma(searches: object, document: ResultsDocument, studies: Sequence[StudyExtraction], previous: dict[str, bytes],
            unchanged: bool) -> dict[str, str]:  # fmt: skip
    """``prisma.svg`` from the search log and the flow of the reports through the build's records
    (:mod:`.flow`): the previous drawing when code, searches.yaml, inputs and results are unchanged
    (so that a no-op build imports no plotting library), else drawn anew."""
    if searches is None:
        return {}
    kept = _text(previous.get(PRISMA_SVG))
    if unchanged and kept is not None:
        return {PRISMA_SVG: kept}
    from ..plots.prisma import PRISMA_SVG as NAME
    from ..plots.prisma import prisma_files
    from .flow import report_flow

    assert NAME == PRISMA_SVG
    return prisma_files(searches, report_flow(document, studies))  # type: ignore[arg-type]


def build(
    project: Project,
    *,
    force: bool = False,
    progress: Callable[[str], None] = lambda _: None,
    baseline: Path | None = None,
) -> BuildReport:
    """Run the whole review into ``project.outputs_dir`` (see the module docstring).

    ``baseline`` is a results file the summary compares with (default: the latest
    committed ``outputs/results.json`` that differs from the new results).
    """
    out_dir = project.outputs_dir
    outputset.check_outputs_dir(out_dir, display_path(out_dir))
    try:
        with outputset.locked(project.root):
            leftovers = outputset.recover(project.root, out_dir)
            with snapshot() as taken, _fewer_collections():  # one version of every input: validated, computed and hashed alike
                report = _build(project, force, progress, baseline, taken)
            report.leftovers = leftovers
            return report
    except OSError as exc:  # anything the transaction did not already explain
        raise outputset.OutputsError(f"{display_path(out_dir)}: {outputset._describe(exc)}") from None


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """The build makes millions of short-lived objects and few reference cycles, and the cyclic
    garbage collector took about 15% of a cold build's CPU: the objects alive at the start
    (modules, inputs) are frozen out of its scans and the young generation is collected 20
    times less often (cold build: CPU median 7.9 s against 8.7 s, the same peak memory).
    Cycles (matplotlib figures) are still collected; the settings are restored."""
    import gc

    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(threshold[0] * 20, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def record_fields(records: list[tuple[str, AnalysisRecord | CurveRecord]]) -> dict[str, list[Any]]:
    """The document's lists of records by the field each kind stores them in (``analyses`` always;
    another, such as ``curves``, only when it has records: results.json is otherwise unchanged)."""
    fields: dict[str, list[Any]] = {"analyses": []}
    for name, record in records:
        fields.setdefault(name, []).append(record)
    return fields


@dataclass(frozen=True)
class _Inputs:
    """The validated inputs of a build: protocol, bibliography, studies, their years, the vocabulary and the report."""

    protocol: Protocol
    bib: Bibliography
    studies: list[StudyExtraction]
    years: dict[str, int | None]
    vocabulary: Vocabulary | None
    report: ValidationReport


def _validated(project: Project) -> _Inputs:
    """Validate everything; any error stops the build before anything is computed or written."""
    from ..validation import validate_project

    # GRADE judgements are checked against this build's suggestions, not the last one's (see the report's certainty notes)
    report = validate_project(project, protocol=True, certainty=False)
    errors = [d.format() for d in report.diagnostics if d.severity == "error"]
    loaded = report.protocol
    if errors or loaded is None or loaded.model is None or report.bibliography is None:
        shown = "\n".join(errors) if errors else "protocol.yaml could not be read"
        raise BuildError(f"the inputs are not valid; nothing was written:\n{shown}")
    bib = report.bibliography
    return _Inputs(loaded.model, bib, [s.study for s in report.studies if s.study is not None],
                   bib.years(),
                   report.vocabulary.model if report.vocabulary is not None else None, report)  # fmt: skip


@dataclass
class _Computed:
    """Each analysis's input hash, its record (with the document's field it goes to) and its figures."""

    hashes: dict[str, str] = field(default_factory=dict)
    records: list[tuple[str, AnalysisRecord | CurveRecord]] = field(default_factory=list)
    figures: dict[str, dict[str, str]] = field(default_factory=dict)


def _analyses(project: Project, inputs: _Inputs, previous: dict[str, bytes], code: str, force: bool,
              progress: Callable[[str], None], taken: dict[Path, bytes] | None, build_report: BuildReport) -> _Computed:  # fmt: skip
    """Every analysis: reused from the previous outputs when its inputs and the code are unchanged,
    else run through its kind's behaviour (:mod:`secondhct.review.kinds`)."""
    from ..protocol.load import plan
    from ..protocol.select import analysis_inputs

    protocol, bib, studies, years = inputs.protocol, inputs.bib, inputs.studies, inputs.years
    previous_manifest = _json(previous.get(MANIFEST))
    previous_text = _text(previous.get(RESULTS))
    previous_results = read_results(previous_text) if previous_text is not None else None  # None: absent or another format
    previous_by_id: dict[str, AnalysisRecord | CurveRecord] = {}
    if previous_results is not None:
        for name in RECORD_FIELDS:
            previous_by_id.update({a.id: a for a in getattr(previous_results, name)})
    defaults = protocol.defaults.model_dump_json().encode()
    vocabulary_bytes = _input_bytes(project.vocabulary_path, taken)
    dumped: dict[str, bytes] = {}
    out = _Computed()
    for i, analysis in enumerate(protocol.analyses, 1):
        analysis_plan = plan(analysis, protocol.defaults, inputs.vocabulary)
        found, others = analysis_inputs(analysis_plan, studies, years)
        for s in found:
            if s.key not in dumped:
                dumped[s.key] = s.model_dump_json().encode()
        h = analysis_digest(
            code, defaults, vocabulary_bytes, analysis.model_dump_json().encode(),
            [(s.key, dumped[s.key], bib.labels.get(s.key, s.key), years.get(s.key)) for s in found],
            [(x.key, x.stage, x.reason, bib.labels.get(x.key, x.key)) for x in others],
        )  # fmt: skip
        out.hashes[analysis.id] = h
        cached = previous_by_id.get(analysis.id)
        figure_names = previous_manifest.get("figures", {}).get(analysis.id, [])
        old_figures = {name: _text(previous.get(name)) for name in figure_names}
        if (
            not force
            and cached is not None
            and previous_manifest.get("analyses", {}).get(analysis.id) == h
            and all(text is not None for text in old_figures.values())
        ):
            out.records.append((analysis_plan.kind.record_field, cached))
            out.figures[analysis.id] = {name: text for name, text in old_figures.items() if text is not None}
            build_report.reused.append(analysis.id)
            continue
        progress(f"[{i}/{len(protocol.analyses)}] {analysis.id}")
        from .kinds import behaviour  # numpy, scipy, matplotlib: only when something is computed

        kind = behaviour(analysis_plan.kind)
        result = kind.run(analysis_plan, studies, years)
        out.records.append((analysis_plan.kind.record_field, kind.record(result, bib.labels)))
        out.figures[analysis.id] = kind.figures(result, bib.labels)
        build_report.computed.append(analysis.id)
    from .factorfigures import factor_figures  # the prognostic factors' plots, beside the analyses' (issue 24)

    out.figures["prognostic-factors"] = factor_figures(studies, bib.labels)
    return out


def _summary_figures(figures: dict[str, dict[str, str]]) -> tuple[dict[str, str], dict[str, str]]:
    """The figures the summaries embed: forest (by analysis id), per-level forest, GOSH and other
    kinds' figures (by file name), and the risk-of-bias plots."""
    forests = {aid: named[f"{aid}.forest.svg"] for aid, named in figures.items() if f"{aid}.forest.svg" in named}
    forests |= {f"{aid}.levels": named[f"{aid}.levels.forest.svg"] for aid, named in figures.items()
                if f"{aid}.levels.forest.svg" in named}  # a contrast analysis's per-level plot  # fmt: skip
    forests |= {f"{aid}.gosh": named[f"{aid}.gosh.svg"] for aid, named in figures.items() if f"{aid}.gosh.svg" in named}
    known = {f"{aid}.{kind}.svg" for aid in figures for kind in ("forest", "levels.forest", "gosh", "rob", "funnel")}
    forests |= {name.removesuffix(".svg"): text for named in figures.values() for name, text in named.items()
                if name not in known}  # another kind's figures, by file name (e.g. "<id>.curve")  # fmt: skip
    robs = {aid: named[f"{aid}.rob.svg"] for aid, named in figures.items() if f"{aid}.rob.svg" in named}
    return forests, robs


def _document(inputs: _Inputs, data: str, records: list[tuple[str, AnalysisRecord | CurveRecord]]) -> ResultsDocument:
    """``results.json``: the review's identity, the few-studies rule and every analysis's record."""
    protocol, bib, studies = inputs.protocol, inputs.bib, inputs.studies
    document = ResultsDocument(
        format=RESULTS_FORMAT,
        title=protocol.title,
        tool_version=__version__,
        inputs_sha256=data,
        data_date=max((s.curation.extracted_on for s in studies), default=None),
        studies={s.key: bib.labels.get(s.key, s.key) for s in sorted(studies, key=lambda s: s.key)},
        few_studies=protocol.defaults.few_studies.model_dump(),
        certainty_rules=protocol.defaults.certainty.model_dump(),
        **record_fields(records),
    )
    if protocol.summary_of_findings:  # absent otherwise: results.json unchanged where the protocol names none
        from ..results import SofTableRecord

        tables = [SofTableRecord(id=t.id, title=t.title, analyses=list(t.analyses)) for t in protocol.summary_of_findings]
        document = document.model_copy(update={"summary_of_findings": tables})
    return document


def _build(project: Project, force: bool, progress: Callable[[str], None], baseline_file: Path | None,
           taken: dict[Path, bytes] | None = None) -> BuildReport:  # fmt: skip
    """Validate, compute (reusing what is unchanged), render, and commit ``outputs/`` in one step."""
    explicit = from_file(baseline_file, project.root) if baseline_file is not None else None
    inputs = _validated(project)
    bib, studies = inputs.bib, inputs.studies
    out_dir = project.outputs_dir
    current = outputset.read_verified(out_dir)  # only outputs their manifest vouches for are reused
    previous = current or {}
    previous_manifest = _json(previous.get(MANIFEST))
    code, data = code_digest(), data_digest(project, taken)
    same_code = previous_manifest.get("code_sha256") == code
    build_report = BuildReport()
    computed = _analyses(project, inputs, previous, code, force, progress, taken, build_report)
    hashes, figures = computed.hashes, computed.figures

    document = _document(inputs, data, computed.records)
    build_report.certainty_conflicts = [f"{a.id}: {c}" for a in document.analyses if a.certainty is not None for c in a.certainty.conflicts]
    from .rscripts import r_scripts
    from .sof import sof_exports

    files: dict[str, str] = {RESULTS: document.text(), **r_scripts(document), **sof_exports(document)}
    for named in figures.values():
        files.update(named)
    searches = inputs.report.searches.model if inputs.report.searches is not None else None
    searches_path = project.root / "searches.yaml"
    prisma_inputs = _sha(code.encode(), _input_bytes(searches_path, taken), data.encode(), files[RESULTS].encode())
    files.update(_prisma(searches, document, studies, previous,
                         not force and previous_manifest.get("prisma_sha256") == prisma_inputs))  # fmt: skip
    compared: Baseline = find_baseline(project.root, files[RESULTS].encode("utf-8"), explicit)
    build_report.baseline, build_report.baseline_warning = compared.description, compared.warning
    summaries_current = (
        not force
        and same_code
        and previous_manifest.get("inputs_sha256") == data
        and previous_manifest.get("baseline_sha256") == compared.identity
        and _text(previous.get(RESULTS)) == files[RESULTS]
        and all(_text(previous.get(name)) is not None for name in SUMMARIES)
        and all(_text(previous.get(name)) == files[name] for name in files if name.endswith(".svg"))
    )
    if summaries_current:  # the summaries are a function of what is unchanged: keep them
        files.update({name: _text(previous[name]) or "" for name in SUMMARIES})
    else:
        from .summary import render_summaries

        progress("evidence summary")
        forests, robs = _summary_figures(figures)
        files.update(render_summaries(document, studies, bib, compared, forests, searches, files.get(PRISMA_SVG), robs,
                                      inputs.vocabulary))  # fmt: skip

    encoded = {name: text.encode("utf-8") for name, text in files.items()}
    manifest = {
        "code_sha256": code, "inputs_sha256": data, "analyses": hashes, "baseline_sha256": compared.identity,
        "prisma_sha256": prisma_inputs, "figures": {aid: sorted(named) for aid, named in figures.items()},
        "files": outputset.manifest_files(encoded),
    }
    encoded[MANIFEST] = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8")
    done = outputset.commit(project.root, out_dir, encoded, current)  # everything is computed: now one step
    build_report.written, build_report.unchanged, build_report.removed = done.written, done.unchanged, done.removed
    return build_report
