"""What must hold of any correct review, whatever its reports: the data checks of the live project.

Each check takes a project root and returns its problems as lines (``[]`` when it holds), so the
same code runs on the live review (``tests/test_studies_folder.py``) and on a copy of it with a
new report added (``tests/test_new_evidence.py``). None of them names a report, counts reports or
states a result: those belong to ``outputs/results.json`` and its "What changed", and the tests
of the tool run on the frozen fixture project (``tests/frozen.py``).

The promise of the README: if ``secondhct validate`` passes, these pass.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from secondhct.diagnostics import format_path
from secondhct.extraction.load import load_study
from secondhct.extraction.quotes import check_quotes
from secondhct.extraction.schema import StudyExtraction
from secondhct.extraction.verbatim import check_verbatim
from secondhct.project import Project
from secondhct.searchlog import SEARCHES_FILE, load_searches
from secondhct.validation import validate_project


def _studies(root: Path) -> Iterator[tuple[Path, StudyExtraction]]:
    for path in Project(root).study_files():
        loaded = load_study(path)
        assert loaded.study is not None, [d.format() for d in loaded.diagnostics]
        yield path, loaded.study


def validation_errors(root: Path, *, certainty: bool = True) -> list[str]:
    """``secondhct validate`` of the whole project (studies, references.bib, protocol.yaml,
    vocabulary.yaml, searches.yaml): its errors. With ``certainty`` the protocol's GRADE
    judgements are checked against the last build, as ``validate`` does."""
    project = Project(root)
    report = validate_project(project, certainty=certainty)
    errors = [d.format() for d in report.diagnostics if d.severity == "error"]
    if report.files_checked != len(project.study_files()):
        errors.append(f"validate checked {report.files_checked} of {len(project.study_files())} study files")
    return errors


def numbers_not_in_quotes(root: Path) -> list[str]:
    """Every number of a quoted row is printed in its quotes (the rule validate applies)."""
    return [f"{path.name}: {format_path(f.path)}: {f.message}" for path, study in _studies(root) for f in check_quotes(study)]


def quotes_not_verbatim(root: Path) -> list[str]:
    """Every quote, split at '...', is printed word for word in the document it cites, where
    that document is available (``../shared`` beside the project)."""
    return [f"{path.name}: {format_path(f.path)}: {f.message}" for path, study in _studies(root) for f in check_verbatim(study, root)]


def unquoted_rows(root: Path) -> list[str]:
    """Outcomes, comparisons, arms and subgroups all quote the words that back them."""
    return [
        f"{path.stem}:{kind}[{i}]"
        for path, study in _studies(root)
        for kind in ("outcomes", "comparisons", "arms", "subgroups")
        for i, item in enumerate(getattr(study, kind))
        if not item.source.quote
    ]


def reports_without_risk_of_bias(root: Path) -> list[str]:
    """Issue 12: every report is assessed (a report with no usable numbers too: its gaps are the finding)."""
    return [path.stem for path, study in _studies(root) if not study.risk_of_bias]


def rows_without_estimator(root: Path) -> list[str]:
    """Issue 22: each outcome row says how its number was computed, 'not stated' included (the
    schema's default serves hand-written test files; the review's own rows write it)."""
    return [
        f"{path.stem}: outcomes[{i}]" for path, study in _studies(root)
        for i, out in enumerate(study.outcomes) if "estimator" not in out.model_fields_set
    ]  # fmt: skip


def editor_schema_problems(root: Path) -> list[str]:
    """studies/_schema.json (what editors use) accepts every study, as the validator does."""
    import jsonschema
    import yaml

    project = Project(root)
    validator = jsonschema.Draft202012Validator(json.loads(project.schema_path.read_text(encoding="utf-8")))
    return [
        f"{path.name}: {e.message}"
        for path in project.study_files()
        for e in validator.iter_errors(yaml.safe_load(path.read_text(encoding="utf-8")))
    ]


def search_log_errors(root: Path) -> list[str]:
    """searches.yaml loads and its PRISMA counts add up (errors; the reports assessed are the
    extractions, computed; a computed count still typed is validate's warning, for the curator to remove)."""
    path = root / SEARCHES_FILE
    if not path.is_file():
        return []
    loaded = load_searches(path, SEARCHES_FILE, len(Project(root).study_files()))
    problems = [d.format() for d in loaded.diagnostics if d.severity == "error"]
    return problems if loaded.model is not None or problems else ["searches.yaml did not load"]


def outputs_not_current(root: Path, scratch: Path) -> list[str]:
    """A clean build of the project's inputs, in ``scratch``, writes the project's
    ``outputs/results.json`` byte for byte: the committed results are current and reproducible."""
    from frozen import copy_project
    from secondhct.review.build import build

    committed = root / "outputs" / "results.json"
    if not committed.is_file():
        return ["outputs/results.json is missing: run secondhct build"]
    clean = copy_project(root, scratch / "clean", outputs=False)
    build(Project(clean), force=True)
    if (clean / "outputs" / "results.json").read_bytes() != committed.read_bytes():
        return ["outputs/results.json differs from a clean build of the inputs: run secondhct build, and commit outputs/"]
    return []


#: the checks that read only the project's files (fast), by name
DATA_CHECKS = {
    "validate": validation_errors,
    "numbers in their quotes": numbers_not_in_quotes,
    "every row's estimator": rows_without_estimator,
    "quotes verbatim": quotes_not_verbatim,
    "rows quoted": unquoted_rows,
    "risk of bias": reports_without_risk_of_bias,
    "editor schema": editor_schema_problems,
    "search log": search_log_errors,
}
