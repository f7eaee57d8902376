"""Validate the whole corpus: every extraction, its BibTeX entry, and the rules across files.

Nothing here writes a file but the parse cache (:mod:`.parsecache`, inside the project's
``.secondhct-cache/``); the result is a list of diagnostics.
"""

from __future__ import annotations

import difflib
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .bibliography import Bibliography, load_bibliography
from .diagnostics import Diagnostic, FieldPath, Severity, count_by_severity
from .extraction.checks import check_study
from .extraction.load import LoadedStudy, load_study, remember
from .extraction.verbatim import check_verbatim
from .keys import key_problem
from .parsecache import ParseCache
from .project import Project, canonical, display_path
from .yamlsource import Positions

if TYPE_CHECKING:
    from .modelerrors import LoadedModel
    from .protocol.schema import Protocol
    from .searchlog import SearchLog
    from .vocabulary import Vocabulary


@dataclass
class ValidationReport:
    """All diagnostics of one run, with the studies and bibliography that were read."""

    diagnostics: list[Diagnostic]
    studies: list[LoadedStudy] = field(default_factory=list)
    bibliography: Bibliography | None = None
    files_checked: int = 0
    protocol: LoadedModel[Protocol] | None = None
    searches: LoadedModel[SearchLog] | None = None
    vocabulary: LoadedModel[Vocabulary] | None = None

    @property
    def counts(self) -> dict[str, int]:
        return count_by_severity(self.diagnostics)

    def failed(self, strict: bool = False) -> bool:
        counts = self.counts
        return counts["error"] > 0 or (strict and counts["warning"] > 0)


def _at(loaded: LoadedStudy, severity: Severity, path: FieldPath, message: str, code: str) -> Diagnostic:
    line, column = loaded.positions.locate(path)
    return Diagnostic(loaded.file, severity, message, line, column, path, code)


def _todos(value: object, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Paths of the scaffold's placeholders (the text TODO) left in a document."""
    if value == "TODO":
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _todos(v, path + (k,))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _todos(v, path + (i,))]
    return []


def _name_diagnostics(loaded: LoadedStudy, path: Path) -> list[Diagnostic]:
    """A study file is ``<key>.yaml``, its stem a valid key."""
    if path.suffix != ".yaml":
        return [Diagnostic(loaded.file, "error", f"extractions are named <key>.yaml; rename {path.name} to {path.stem}.yaml", code="file-name")]
    problem = key_problem(path.stem)
    if problem:
        return [Diagnostic(loaded.file, "error", f"the file name is not <key>.yaml: {problem}", code="file-name")]
    return []


def _study_diagnostics(loaded: LoadedStudy, path: Path, bib: Bibliography, root: Path, vocab: Vocabulary | None = None) -> list[Diagnostic]:
    diags = _name_diagnostics(loaded, path) + list(loaded.diagnostics)
    reported = {d.path for d in diags}
    for todo in _todos(loaded.raw):
        if todo not in reported:
            diags.append(_at(loaded, "error", todo, "still TODO: replace it with what the paper says (or 'not stated')", "todo"))
    study = loaded.study
    if study is None:
        return diags
    findings = loaded.slot.findings if loaded.slot is not None else None
    if findings is None:
        findings = check_study(study)
        remember(loaded, findings)
    for finding in [*findings, *check_verbatim(study, root)]:
        diags.append(_at(loaded, finding.severity, finding.path, finding.message, finding.code))
    if vocab is not None:
        from .vocabulary import code_findings

        for code in code_findings(study, vocab):
            diags.append(_at(loaded, "error", code.path, code.message, code.code))
    if study.key != path.stem:
        diags.append(_at(loaded, "error", ("key",), f"key '{study.key}' differs from the file name '{path.stem}'; rename the file to {study.key}.yaml or fix the key", "key-stem"))
    if study.key not in bib.references:
        close = bib.suggest(study.key)
        hint = f"; did you mean {' or '.join(repr(k) for k in close)}?" if close else "; add its entry to references.bib first"
        diags.append(_at(loaded, "error", ("key",), f"BibTeX key '{study.key}' is not in references.bib{hint}", "bib-missing"))
    return diags


def _slim(loaded: LoadedStudy) -> LoadedStudy:
    """``loaded`` without what only its own diagnostics use (the parsed text, most positions):
    only the positions of the fields :func:`_cross_file` points at are kept."""
    marks = loaded.positions.marks
    keep = {p: m for p, m in marks.items() if len(p) < 2 and p[:1] in ((), ("key",), ("study",)) or p[:2] == _LINKS}
    loaded.raw, loaded.positions, loaded.slot = None, Positions(keep), None
    return loaded


_LINKS = ("study", "may_share_patients_with")


def _cross_file(studies: list[LoadedStudy]) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    by_key: dict[str, list[LoadedStudy]] = defaultdict(list)
    for loaded in studies:
        if loaded.study is None:
            continue
        by_key[loaded.study.key].append(loaded)
    for key, group in by_key.items():
        if len(group) < 2:
            continue
        for loaded in group:
            others = ", ".join(o.file for o in group if o is not loaded)
            diags.append(_at(loaded, "error", ("key",), f"duplicate key '{key}': also used by {others}", "duplicate-key"))
    for loaded in studies:
        if loaded.study is None:
            continue
        for i, link in enumerate(loaded.study.study.may_share_patients_with):
            path = ("study", "may_share_patients_with", i, "key")
            if link.key == loaded.study.key:
                diags.append(_at(loaded, "error", path, "a report cannot be linked to itself", "overlap-link-self"))
            elif link.key not in by_key:
                close = difflib.get_close_matches(link.key, list(by_key), n=1, cutoff=0.6)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                diags.append(_at(loaded, "error", path, f"may_share_patients_with names '{link.key}', which no file in studies/ has{hint}", "overlap-link-unknown"))
            elif not any(back.key == loaded.study.key for other in by_key[link.key] if other.study for back in other.study.study.may_share_patients_with):
                diags.append(_at(loaded, "warning", path, f"{link.key} does not link back to {loaded.study.key}: add the reciprocal may_share_patients_with entry", "overlap-link-one-way"))
    return diags


def _schema_diagnostics(project: Project) -> list[Diagnostic]:
    """The editor schemas (studies/_schema.json, protocol.schema.json, vocabulary.schema.json) must be what the models
    generate: a stale one misleads an editor's completion (warning, fixed by ``secondhct schema``)."""
    from .extraction.scaffold import protocol_schema_text, schema_text, vocabulary_schema_text

    out = []
    pairs = ((project.schema_path, schema_text), (project.protocol_schema_path, protocol_schema_text),
             (project.vocabulary_schema_path, vocabulary_schema_text))  # fmt: skip
    # the schemas are a function of the code alone: generated once per version of it (parse cache)
    cache, name = ParseCache(project.root), "<editor schemas>"
    key = cache.key(name, "")
    cached = cache.get(name, key)
    texts = list(cached) if isinstance(cached, tuple) and len(cached) == len(pairs) and all(isinstance(t, str) for t in cached) else None
    for i, (path, _) in enumerate(pairs):
        try:
            current = path.read_text(encoding="utf-8") if path.is_file() else None
        except (OSError, UnicodeDecodeError):
            current = None
        if current is not None and texts is None:
            texts = [generate() for _, generate in pairs]
            cache.put(name, key, tuple(texts))
        if current is not None and texts is not None and current != texts[i]:
            out.append(Diagnostic(display_path(path), "warning", "out of date with the models; run: secondhct schema", 1, 1, code="schema-stale"))
    return out


def _certainty_diagnostics(project: Project, loaded: LoadedModel[Protocol]) -> list[Diagnostic]:
    """GRADE judgements in protocol.yaml against the suggestions of the last build (outputs/results.json)."""
    path = project.outputs_dir / "results.json"
    try:
        text = path.read_text(encoding="utf-8") if path.is_file() else None
    except (OSError, UnicodeDecodeError):
        text = None
    if text is None or loaded.model is None:
        return []
    # a function of protocol.yaml and results.json (and the code): kept in the parse cache, as
    # reading results.json into its models costs more than the rest of the protocol's checks
    cache, name = ParseCache(project.root), "<certainty>"
    try:
        protocol_text = (project.root / "protocol.yaml").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        protocol_text = None
    key = cache.key(name, f"{loaded.file}\0{protocol_text}\0{text}") if protocol_text is not None else None
    cached = cache.get(name, key) if key is not None else None
    try:
        findings = [(str(sev), tuple(fpath), str(message)) for sev, fpath, message in cached] if isinstance(cached, list) else None
    except (TypeError, ValueError):
        findings = None
    if findings is None:
        from .results import read_results
        from .review.gradecheck import certainty_findings

        document = read_results(text)
        if document is None:
            findings = []
        else:
            findings = [(f.severity, f.path, f.message) for f in certainty_findings(loaded.model, document)]
        if key is not None:
            cache.put(name, key, findings)
    out = []
    for severity, fpath, message in findings:
        line, column = loaded.positions.locate(fpath)
        out.append(Diagnostic(loaded.file, severity, message, line, column, fpath, "certainty"))  # type: ignore[arg-type]
    return out


def _concerns(diag: Diagnostic, keys: set[str]) -> bool:
    """Whether a references.bib diagnostic matters to the studies ``keys``: it names one of
    their entries, or the file could not be read at all."""
    return any(f"'{key}'" in diag.message for key in keys) or diag.code == "bib-syntax" and diag.line <= 1


def validate_project(
    project: Project, paths: list[Path] | None = None, *, protocol: bool | None = None, schemas: bool = False,
    certainty: bool = True,
    cache_parses: bool = True,
) -> ValidationReport:
    """Validate ``paths`` (default: every study) against the whole corpus and ``references.bib``.

    Rules across files (duplicate keys, overlap groups) always consider every
    study in ``studies/``, but only diagnostics for the selected files are reported,
    with those of references.bib that concern their entries (all of them when the
    whole project is validated). ``protocol.yaml`` is checked too when ``protocol``
    is true, or by default when the whole project is validated and the file exists;
    ``searches.yaml`` (the search log) whenever the whole project is validated and it exists.
    With ``certainty`` the protocol's GRADE judgements are checked against the last build's
    suggestions; the build itself leaves that out (it is about to replace those suggestions,
    and reports the departures from the new ones).
    Study files are read through the project's parse cache (:mod:`.parsecache`) unless
    ``cache_parses`` is false.
    """
    cache = ParseCache(project.root) if cache_parses else None
    bib = load_bibliography(project.bib_path, display_path(project.bib_path), cache)
    corpus = {canonical(p): p for p in project.study_entries()}
    selected = [canonical(p) for p in paths] if paths else list(corpus)
    for p in selected:
        corpus.setdefault(p, p)
    vocabulary = _load_vocabulary(project)
    chosen = set(selected)
    loaded: dict[Path, LoadedStudy] = {}
    own: dict[Path, list[Diagnostic]] = {}
    for p in corpus:  # one file at a time: what only its own diagnostics need is released at once
        study = load_study(p, display_path(p), cache)
        if p in chosen:
            own[p] = _study_diagnostics(study, p, bib, project.root, vocabulary.model if vocabulary else None)
        remember(study, None)  # those not checked here (or invalid) are cached as read
        loaded[p] = _slim(study)
    keys = {st.key for p in chosen if (st := loaded[p].study) is not None} | {p.stem for p in chosen}
    diagnostics = [d for d in bib.diagnostics if not paths or _concerns(d, keys)]
    if vocabulary is not None and (not paths or vocabulary.model is None):
        diagnostics += vocabulary.diagnostics
    for p in selected:
        diagnostics += own[p]
    chosen_files = {loaded[p].file for p in chosen}
    if vocabulary is None:
        diagnostics += _no_vocabulary([loaded[p] for p in selected], project)
    diagnostics += [d for d in _cross_file([loaded[p] for p in corpus]) if d.file in chosen_files]
    if not paths:
        used = {s.study.key for s in loaded.values() if s.study}
        for ref in bib.references.values():
            if ref.key not in used:
                diagnostics.append(Diagnostic(bib.file, "info", f"entry '{ref.key}' is not used by any study", ref.line, 1, code="bib-unused"))
    if schemas and not paths:  # the editor schemas: checked by `secondhct validate`, not by every build
        diagnostics += _schema_diagnostics(project)
    protocol_path = project.root / "protocol.yaml"
    loaded_protocol = None
    if protocol or (protocol is None and not paths and os.path.lexists(protocol_path)):
        loaded_protocol, found = _protocol_diagnostics(project, vocabulary, certainty)
        diagnostics += found
    searches_path, loaded_searches = project.root / "searches.yaml", None
    if not paths and os.path.lexists(searches_path):
        from .searchlog import load_searches

        loaded_searches = load_searches(searches_path, display_path(searches_path), len(project.study_entries()))
        diagnostics += loaded_searches.diagnostics
    diagnostics.sort(key=Diagnostic.sort_key)
    return ValidationReport(diagnostics, [loaded[p] for p in selected], bib, len(selected), loaded_protocol, loaded_searches, vocabulary)


def _protocol_diagnostics(
    project: Project, vocabulary: LoadedModel[Vocabulary] | None, certainty: bool
) -> tuple[LoadedModel[Protocol], list[Diagnostic]]:
    """``protocol.yaml`` read and checked: its shape and rules, its codes against the vocabulary,
    and (with ``certainty``) its GRADE judgements against the last build's suggestions."""
    from .protocol.load import load_protocol

    protocol_path = project.root / "protocol.yaml"
    loaded = load_protocol(protocol_path, display_path(protocol_path))
    diagnostics = list(loaded.diagnostics)
    if loaded.model is not None and vocabulary is not None and vocabulary.model is not None:
        from .vocabulary import protocol_code_findings

        for code in protocol_code_findings(loaded.model, vocabulary.model):
            line, column = loaded.positions.locate(code.path)
            diagnostics.append(Diagnostic(loaded.file, "error", code.message, line, column, code.path, code.code))
    if loaded.model is not None and certainty:
        diagnostics += _certainty_diagnostics(project, loaded)
    return loaded, diagnostics


def _no_vocabulary(studies: list[LoadedStudy], project: Project) -> list[Diagnostic]:
    """Without vocabulary.yaml the codes go unchecked and comparisons match exact codes only: say so."""
    coded = [s for s in studies if s.study and (s.study.subgroups or s.study.comparisons or s.study.associations)]
    if not coded:
        return []
    message = (
        f"no {display_path(project.vocabulary_path)}: factor and level codes are not checked, "
        "and protocol comparisons match exact level codes only (no roll-ups)"
    )
    return [Diagnostic(coded[0].file, "warning", message, 1, 1, code="no-vocabulary")]


def _load_vocabulary(project: Project) -> LoadedModel[Vocabulary] | None:
    """``vocabulary.yaml`` if the project has one (without it, factor and level codes are not checked)."""
    if not os.path.lexists(project.vocabulary_path):
        return None
    from .vocabulary import load_vocabulary

    return load_vocabulary(project.vocabulary_path, display_path(project.vocabulary_path))
