"""The parse cache (``.secondhct-cache/``): the same diagnostics whether an entry is used,
missing, stale, corrupt or foreign; it stays inside the project."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from secondhct.parsecache import CACHE_DIR, ParseCache
from secondhct.project import Project
from secondhct.validation import validate_project
from secondhct.yamlsource import load_yaml

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "project"


def _project(tmp_path: Path, slip: bool = True) -> Path:
    root = tmp_path / "p"
    shutil.copytree(DATA, root)
    if slip:  # a finding of the checks (arms adding up to more than the population) and a TODO
        study = root / "studies" / "smith2020.yaml"
        text = study.read_text(encoding="utf-8")
        study.write_text(text.replace("key: smith2020", "key: smith2020\n# edited", 1) + "\nextra_field: 1\n", encoding="utf-8")
    return root


def _lines(root: Path) -> list[str]:
    return [d.format() for d in validate_project(Project(root)).diagnostics]


def _entries(root: Path) -> list[Path]:
    return sorted((root / CACHE_DIR / "parsed").glob("*.entry"))


def test_cached_run_reports_the_same(tmp_path: Path) -> None:
    root = _project(tmp_path)
    uncached = [d.format() for d in validate_project(Project(root), cache_parses=False).diagnostics]
    assert not (root / CACHE_DIR).exists()
    first = _lines(root)
    assert len(_entries(root)) == 2 and (root / CACHE_DIR / ".gitignore").read_text(encoding="utf-8").endswith("*\n")
    assert first == uncached and any("extra_field" in line for line in first)
    stamps = [e.stat().st_mtime_ns for e in _entries(root)]
    assert _lines(root) == first
    assert [e.stat().st_mtime_ns for e in _entries(root)] == stamps  # a hit is not written again


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty", "garbage", "folder"])
def test_corrupt_entries_are_misses(tmp_path: Path, damage: str) -> None:
    root = _project(tmp_path)
    expected = _lines(root)
    for entry in _entries(root):  # the study's and references.bib's
        blob = entry.read_bytes()
        if damage == "truncate":
            entry.write_bytes(blob[: len(blob) // 2])
        elif damage == "flip":
            entry.write_bytes(blob[:-1] + bytes([blob[-1] ^ 0xFF]))
        elif damage == "empty":
            entry.write_bytes(b"")
        elif damage == "garbage":
            entry.write_bytes(b"\x00" * 200)
        else:
            entry.unlink()
            entry.mkdir()
    assert _lines(root) == expected


def test_edit_is_a_miss(tmp_path: Path) -> None:
    root = _project(tmp_path, slip=False)
    clean = _lines(root)
    study = root / "studies" / "smith2020.yaml"
    study.write_text(study.read_text(encoding="utf-8") + "\nextra_field: 1\n", encoding="utf-8")
    edited = _lines(root)
    assert edited != clean and any("extra_field" in line for line in edited)
    assert edited == [d.format() for d in validate_project(Project(root), cache_parses=False).diagnostics]


def test_foreign_value_under_the_right_key_is_a_miss(tmp_path: Path) -> None:
    """An entry that checks out but holds something else (another version's layout) is read afresh."""
    root = _project(tmp_path)
    expected = _lines(root)
    cache = ParseCache(root)
    study = root / "studies" / "smith2020.yaml"
    file = "studies/smith2020.yaml"
    for value in ((1, 2), ("x", None), ((None, 5, ()), None), [1], None):
        cache.put(file, cache.key(file, study.read_text(encoding="utf-8")), value)
        assert _lines(root) == expected


def test_unwritable_project_is_not_cached(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / CACHE_DIR).write_text("not a folder", encoding="utf-8")  # the cache cannot be created
    assert _lines(root) == [d.format() for d in validate_project(Project(root), cache_parses=False).diagnostics]


def test_a_cache_linked_out_of_the_project_is_not_used(tmp_path: Path) -> None:
    root = _project(tmp_path)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (root / CACHE_DIR).symlink_to(outside, target_is_directory=True)
    assert _lines(root) == [d.format() for d in validate_project(Project(root), cache_parses=False).diagnostics]
    assert list(outside.iterdir()) == []  # nothing written outside the project


def test_positions_round_trip_and_locate() -> None:
    text = "a: 1\nb:\n  - x\n  - c: [1, 2]\n    d: long\n"
    loaded = load_yaml(text, "t.yaml")
    pos = loaded.positions
    assert pos.values[("b", 1, "c")] == (4, 8) and pos.keys[("b", 1, "c")] == (4, 5)
    assert pos.locate(("b", 1, "c", 1)) == (4, 12)
    assert pos.locate(("b", 1, "d"), prefer_key=True) == (5, 5)
    assert pos.locate(("b", 1, "missing")) == (4, 5)  # the item's mapping starts at 'c'
    assert pos.locate(("zzz",)) == (1, 1)
    assert pos.keys[("a",)] == (1, 1) and pos.values[("a",)] == (1, 4)


def test_bibliography_round_trips_through_the_cache(tmp_path: Path) -> None:
    from secondhct.bibliography import load_bibliography, parse_bibliography

    text = (ROOT / "references.bib").read_text(encoding="utf-8") + "\n@article{bad key,\n  year = {20x1}\n}\n@article{x2001, title={B{\\\"u}cklein}, year={2001}}\n"
    bib_path = tmp_path / "references.bib"
    bib_path.write_text(text, encoding="utf-8")
    fresh = parse_bibliography(text, "references.bib")
    assert fresh.diagnostics and fresh.references["x2001"].fields["title"] == "Bücklein"
    cache = ParseCache(tmp_path)
    first = load_bibliography(bib_path, "references.bib", cache)
    second = load_bibliography(bib_path, "references.bib", cache)  # from the cache
    assert first == fresh and second == fresh and list(second.references) == list(fresh.references)
    assert list(second.labels.items()) == list(fresh.labels.items())
    assert load_bibliography(bib_path, "other/references.bib", cache).file == "other/references.bib"


def test_certainty_findings_are_the_same_from_the_cache(frozen_root: Path, tmp_path: Path) -> None:
    """protocol.yaml's GRADE overrides against outputs/results.json: cached, and a miss when either changes
    (the frozen fixture project's protocol and the results of its build, beside the test project's study)."""
    root = tmp_path / "p"
    shutil.copytree(DATA, root)
    for name in ("protocol.yaml", "vocabulary.yaml"):
        shutil.copy(frozen_root / name, root / name)
    shutil.copytree(frozen_root / "outputs", root / "outputs")

    def certainty() -> list[str]:
        return [d.format() for d in validate_project(Project(root), protocol=True).diagnostics if d.code == "certainty"]

    protocol = root / "protocol.yaml"
    judged = protocol.read_text(encoding="utf-8")
    assert certainty() == []  # no override: nothing to check
    marker = "  - id: os-children-all-2-3y\n"
    stale = judged.replace(marker, marker + '    certainty:\n      imprecision: {rating: not_serious, reason: "2190 patients"}\n', 1)
    assert stale != judged
    protocol.write_text(stale, encoding="utf-8")
    first = certainty()
    assert len(first) == 1 and "imprecision override cites 2190, which the build does not give" in first[0]
    assert certainty() == first  # from the cache
    protocol.write_text(judged, encoding="utf-8")
    assert certainty() == []
