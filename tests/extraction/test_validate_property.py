"""Property: whatever YAML a curator writes, the validator answers with diagnostics, never a traceback."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secondhct.bibliography import parse_bibliography
from secondhct.extraction.checks import check_study
from secondhct.extraction.load import parse_study
from secondhct.project import Project
from secondhct.validation import validate_project

BASE = (Path(__file__).resolve().parents[1] / "data" / "project" / "studies" / "smith2020.yaml").read_text()
BASE_DATA = yaml.safe_load(BASE)

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20), st.sampled_from(["not stated", "2y", "percent", "TODO", "os", "<0.05", "-1"]),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=12), children, max_size=5),
    ),
    max_leaves=25,
)


def _paths(value: object, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(value, dict):
        out += [p for k, v in value.items() for p in _paths(v, path + (k,))]
    elif isinstance(value, list):
        out += [p for i, v in enumerate(value) for p in _paths(v, path + (i,))]
    return out


def _replace(value: object, path: tuple, new: object) -> object:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: (_replace(v, rest, new) if k == head else v) for k, v in value.items()}
    assert isinstance(value, list)
    return [(_replace(v, rest, new) if i == head else v) for i, v in enumerate(value)]


def _check_never_raises(text: str) -> None:
    loaded = parse_study(text, "studies/smith2020.yaml")
    for diag in loaded.diagnostics:
        assert diag.severity == "error" and diag.line >= 1 and diag.format()
    if loaded.study is not None:
        for finding in check_study(loaded.study):
            assert finding.message


@settings(max_examples=300, deadline=None)
@given(documents)
def test_arbitrary_yaml_documents_give_diagnostics(doc: object) -> None:
    _check_never_raises(yaml.safe_dump(doc, allow_unicode=True))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_gives_diagnostics(text: str) -> None:
    _check_never_raises(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_valid_study_with_one_value_replaced(data: st.DataObject) -> None:
    """The nastiest inputs are almost valid: one field of a real extraction set to junk."""
    path = data.draw(st.sampled_from(_paths(BASE_DATA)))
    new = data.draw(documents)
    _check_never_raises(yaml.safe_dump(_replace(BASE_DATA, path, new), allow_unicode=True))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_bibtex_gives_diagnostics(text: str) -> None:
    bib = parse_bibliography(text, "references.bib")
    for diag in bib.diagnostics:
        assert diag.line >= 1 and diag.format()


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200))
def test_arbitrary_bytes_in_a_project_give_diagnostics(project: Path, blob: bytes) -> None:
    (project / "studies" / "smith2020.yaml").write_bytes(blob)
    report = validate_project(Project(project))
    assert report.failed()
