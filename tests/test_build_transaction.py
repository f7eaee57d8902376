"""A build is one transaction: killed before or after any file operation, the next plain
build produces exactly the files of an uninterrupted build (fault injection).

The in-process tests "kill" the build at the n-th operation of
``secondhct.review.outputset.OPS`` (every operation that changes the disk goes through it)
by raising an exception that nothing catches, and by refusing every later operation, so
that no clean-up code can touch the disk either: the state left behind is the state a
SIGKILL leaves. The subprocess tests kill a real process with ``os._exit`` at a few points.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from secondhct.parsecache import CACHE_DIR
from secondhct.project import Project
from secondhct.review import build as build_module
from secondhct.review import outputset

DATA = Path(__file__).parent / "data"
SRC = Path(__file__).resolve().parents[1] / "src"

#: The small test protocol of the bad-input corpus (one proportion analysis), read from its file.
PROTOCOL = (Path(__file__).resolve().parent / "data" / "badinput" / "protocol.yaml").read_text(encoding="utf-8")


def _tree(folder: Path) -> dict[str, bytes]:
    """Every entry under ``folder`` (relative path -> bytes; folders and others marked), but the parse
    cache: an optimisation outside the transaction (see parsecache.py), whatever it holds is safe."""
    out: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if rel.split("/", 1)[0] == CACHE_DIR:
            continue
        out[rel] = path.read_bytes() if path.is_file() and not path.is_symlink() else b"<not a regular file>"
    return out


def _make_project(root: Path) -> Path:
    shutil.copytree(DATA / "project", root)
    (root / "protocol.yaml").write_text(PROTOCOL, encoding="utf-8")
    smith = (root / "studies" / "smith2020.yaml").read_text(encoding="utf-8")
    lee = smith.replace("key: smith2020", "key: lee2019").replace("  data_source: CIBMTR\n", "")
    (root / "studies" / "lee2019.yaml").write_text(lee.replace("estimate: 40.0", "estimate: 55.0").replace("lower: 30.4, upper: 49.6", "lower: 45.4, upper: 64.6"), encoding="utf-8")
    return root


def _change_inputs(root: Path) -> None:
    smith = root / "studies" / "smith2020.yaml"
    smith.write_text(smith.read_text(encoding="utf-8").replace("estimate: 40.0", "estimate: 42.0"), encoding="utf-8")


class Killed(BaseException):
    """A simulated SIGKILL (a BaseException nothing in the build catches)."""


class KillingOps:
    """Delegates to the real operations, and dies before or after the n-th one."""

    def __init__(self, real: Any, at: int | None, when: str) -> None:
        self.real, self.at, self.when, self.count, self.dead = real, at, when, 0, False
        self.names: list[str] = []

    def __getattr__(self, name: str) -> Any:
        operation = getattr(self.real, name)

        def run(*args: Any, **kwargs: Any) -> Any:
            if self.dead:
                raise Killed(f"{name} after the kill")
            index = self.count
            self.count += 1
            self.names.append(name)
            if index == self.at and self.when == "before":
                self.dead = True
                raise Killed(f"before {name} #{index}")
            result = None if name == "fsync" else operation(*args, **kwargs)  # durability is not under test: fast
            if index == self.at and self.when == "after":
                self.dead = True
                raise Killed(f"after {name} #{index}")
            return result

        return run


@pytest.fixture(autouse=True, scope="module")
def _memoised_rendering() -> Any:
    """Plots and summaries are deterministic and slow (matplotlib, Jinja compiling): render
    each distinct input once. A wrong cache hit could only make a comparison fail."""
    from secondhct.review import figures, summary

    saved = figures.render_figures, summary.render_summaries
    cache: dict[str, Any] = {}

    def memo(function: Any) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            key = function.__name__ + repr(args) + repr(sorted(kwargs.items()))
            if key not in cache:
                cache[key] = function(*args, **kwargs)
            return dict(cache[key])
        return run

    figures.render_figures, summary.render_summaries = memo(saved[0]), memo(saved[1])
    yield
    figures.render_figures, summary.render_summaries = saved


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Per starting state: the project before the build, the clean result, the number of operations."""
    base = tmp_path_factory.mktemp("transaction")
    out: dict[str, Any] = {}
    # 'update': outputs of older inputs exist, the inputs changed; 'first': no outputs yet.
    for name in ("update", "first"):
        start = _make_project(base / f"{name}-start")
        if name == "update":
            build_module.build(Project(start))
            (start / "outputs" / ".results.json.x1y2.tmp").write_text("debris of an old version\n")
        _change_inputs(start)
        clean = base / f"{name}-clean"
        shutil.copytree(start, clean, symlinks=True)
        counting = KillingOps(outputset.OPS, None, "before")
        real = outputset.OPS
        outputset.OPS = counting  # type: ignore[assignment]
        try:
            build_module.build(Project(clean))
        finally:
            outputset.OPS = real
        out[name] = {"start": start, "clean": _tree(clean), "ops": counting.count, "names": counting.names}
    return out


def _points(n_update: int = 64, n_first: int = 60) -> list[tuple[str, int, str]]:
    # Every operation index of each scenario, before and after (indices beyond the count of a
    # scenario are skipped at run time; the counts are asserted to fit).
    return [(s, i, w) for s, n in (("update", n_update), ("first", n_first)) for i in range(n) for w in ("before", "after")]


def test_the_kill_points_cover_every_operation(scenarios: dict[str, Any]) -> None:
    assert 10 < scenarios["update"]["ops"] <= 64
    assert 5 < scenarios["first"]["ops"] <= 60  # the fixture's two prognostic-factor plots (issue 24) add 8


@pytest.mark.parametrize(("scenario", "at", "when"), _points())
def test_killed_build_then_plain_build_equals_clean_build(
    scenarios: dict[str, Any], tmp_path: Path, scenario: str, at: int, when: str
) -> None:
    info = scenarios[scenario]
    if at >= info["ops"]:
        pytest.skip(f"the {scenario} build has {info['ops']} operations")
    root = tmp_path / "review"
    shutil.copytree(info["start"], root, symlinks=True)
    killer = KillingOps(outputset.OPS, at, when)
    real = outputset.OPS
    outputset.OPS = killer  # type: ignore[assignment]
    try:
        with pytest.raises(Killed):
            build_module.build(Project(root))
    finally:
        outputset.OPS = real
    build_module.build(Project(root))  # the next plain build
    assert _tree(root) == info["clean"]


def test_a_kill_between_the_two_renames_promotes_the_complete_staging_folder(scenarios: dict[str, Any], tmp_path: Path) -> None:
    root = tmp_path / "review"
    shutil.copytree(scenarios["update"]["start"], root, symlinks=True)
    renames = [i for i, name in enumerate(scenarios["update"]["names"]) if name == "rename"]
    killer = KillingOps(outputset.OPS, renames[1], "before")  # outputs/ moved aside, staging not yet in place
    real = outputset.OPS
    outputset.OPS = killer  # type: ignore[assignment]
    try:
        with pytest.raises(Killed):
            build_module.build(Project(root))
    finally:
        outputset.OPS = real
    assert not (root / "outputs").exists()
    report = build_module.build(Project(root))
    assert report.computed == [] and report.written == []  # the staged outputs were complete: reused
    assert _tree(root) == scenarios["update"]["clean"]


KILLER = """
import os, sys
sys.path.insert(0, {src!r})
from secondhct.review import outputset, build
from secondhct.project import Project
at, count = {at}, [0]
real = outputset.OPS
class Ops:
    def __getattr__(self, name):
        op = getattr(real, name)
        def run(*a, **k):
            if count[0] == at:
                os._exit(137)
            count[0] += 1
            return op(*a, **k)
        return run
outputset.OPS = Ops()
from pathlib import Path
build.build(Project(Path({root!r})))
os._exit(0)
"""


@pytest.mark.slow
@pytest.mark.parametrize("fraction", [0.2, 0.5, 0.8])
def test_a_real_process_killed_midway_leaves_nothing_the_next_build_cannot_repair(
    scenarios: dict[str, Any], tmp_path: Path, fraction: float
) -> None:
    info = scenarios["update"]
    root = tmp_path / "review"
    shutil.copytree(info["start"], root, symlinks=True)
    at = int(info["ops"] * fraction)
    done = subprocess.run([sys.executable, "-c", KILLER.format(src=str(SRC), at=at, root=str(root))], capture_output=True, text=True)
    assert done.returncode == 137, done.stderr
    assert _tree(root) != info["clean"] or at == 0
    build_module.build(Project(root))
    assert _tree(root) == info["clean"]


def test_force_builds_are_identical_whatever_outputs_held(tmp_path: Path) -> None:
    a = _make_project(tmp_path / "a")
    b = _make_project(tmp_path / "b")
    build_module.build(Project(a), force=True)
    (b / "outputs").mkdir()
    (b / "outputs" / "results.json").write_text('{"analyses": [], "studies": {"x": "X"}}\n')
    (b / "outputs" / "evidence-summary.md").write_text("stale\n")
    (b / "outputs" / "stray.svg").write_text("<svg/>\n")
    build_module.build(Project(b), force=True)
    assert _tree(a / "outputs") == _tree(b / "outputs")
    build_module.build(Project(a), force=True)
    assert _tree(a / "outputs") == _tree(b / "outputs")


def test_stale_staging_and_temporary_files_are_removed(tmp_path: Path) -> None:
    root = _make_project(tmp_path / "review")
    build_module.build(Project(root))
    clean = _tree(root)
    (root / ".outputs.staging-4242").mkdir()
    (root / ".outputs.staging-4242" / "results.json").write_text("half\n")
    (root / ".outputs.old-4243").mkdir()
    (root / "outputs" / ".results.json.abcd.tmp").write_text("half\n")
    report = build_module.build(Project(root))
    assert report.computed == [] and report.written == []
    assert _tree(root) == clean


def test_tampered_outputs_are_not_trusted(tmp_path: Path) -> None:
    root = _make_project(tmp_path / "review")
    build_module.build(Project(root))
    clean = _tree(root)
    results = root / "outputs" / "results.json"
    results.write_text(results.read_text().replace('"os-2y"', '"os-2y-edited"', 1))
    report = build_module.build(Project(root))
    assert report.computed == ["os-2y"] and "results.json" in report.written
    assert _tree(root) == clean


def test_a_write_error_leaves_the_previous_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    root = _make_project(tmp_path / "review")
    build_module.build(Project(root))
    before = _tree(root)
    _change_inputs(root)
    before_inputs = _tree(root)

    class Full(KillingOps):
        def __getattr__(self, name: str) -> Any:
            if name == "write":
                def fail(*args: Any, **kwargs: Any) -> Any:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                return fail
            return getattr(self.real, name)

    monkeypatch.setattr(outputset, "OPS", Full(outputset.OPS, None, "before"))
    with pytest.raises(outputset.OutputsError, match="no space left"):
        build_module.build(Project(root))
    after = _tree(root)
    assert after == before_inputs
    assert {k: v for k, v in after.items() if k.startswith("outputs")} == {k: v for k, v in before.items() if k.startswith("outputs")}


def test_outputs_that_is_a_file_is_one_clear_error(tmp_path: Path) -> None:
    root = _make_project(tmp_path / "review")
    (root / "outputs").write_text("not a folder\n")
    with pytest.raises(outputset.OutputsError, match="not a folder"):
        build_module.build(Project(root))
    assert (root / "outputs").read_text() == "not a folder\n"


def test_the_committed_manifest_lists_every_output(tmp_path: Path) -> None:
    root = _make_project(tmp_path / "review")
    build_module.build(Project(root))
    files = outputset.read_verified(root / "outputs")
    assert files is not None and set(files) == {p.name for p in (root / "outputs").iterdir()}
    digest = hashlib.sha256(files["results.json"]).hexdigest()
    import json

    assert json.loads(files["manifest.json"])["files"]["results.json"] == digest
