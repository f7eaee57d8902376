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
    return sorted((root / CACHE_DIR / "studies").glob("*.entry"))


def test_cached_run_reports_the_same(tmp_path: Path) -> None:
    root = _project(tmp_path)
    uncached = [d.format() for d in validate_project(Project(root), cache_parses=False).diagnostics]
    assert not (root / CACHE_DIR).exists()
    first = _lines(root)
    assert len(_entries(root)) == 1 and (root / CACHE_DIR / ".gitignore").read_text(encoding="utf-8").endswith("*\n")
    assert first == uncached and any("extra_field" in line for line in first)
    stamp = _entries(root)[0].stat().st_mtime_ns
    assert _lines(root) == first
    assert _entries(root)[0].stat().st_mtime_ns == stamp  # a hit is not written again


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty", "garbage", "folder"])
def test_corrupt_entries_are_misses(tmp_path: Path, damage: str) -> None:
    root = _project(tmp_path)
    expected = _lines(root)
    (entry,) = _entries(root)
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
