"""The bad-input corpus (tests/data/badinput/cases.yaml): every case is one clear message.

Each case runs the command line in a scratch copy of tests/data/project (typer's CliRunner
in this process, or with ``subprocess: true`` the real ``python -m secondhct`` in a fresh
process: Ctrl-C, ulimit, recursion limits) and expects: the exit status (1, or 130 for Ctrl-C),
the file (and line, where there is one) named in the output, no traceback, and nothing
changed on disk anywhere in the scratch folder (which also holds the folders above the
project, so a write outside it would show).

The cases run in one module fixture (the subprocess ones in parallel); each parametrised
test checks one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from secondhct.parsecache import CACHE_DIR

DATA = Path(__file__).parent / "data"
CORPUS = DATA / "badinput"
SRC = Path(__file__).resolve().parents[1] / "src"
CASES: list[dict[str, Any]] = yaml.safe_load((CORPUS / "cases.yaml").read_text(encoding="utf-8"))
TIMEOUT = 120


@dataclass
class Outcome:
    status: int
    output: str
    before: dict[str, str]
    after: dict[str, str]


def _tree(folder: Path) -> dict[str, str]:
    """Every entry under ``folder``: type and content hash (never following symlinks or opening FIFOs)."""
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if d != CACHE_DIR]  # the parse cache may be written (see parsecache.py)
        for name in sorted(dirnames + filenames):
            path = Path(dirpath) / name
            rel = path.relative_to(folder).as_posix()
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                out[rel] = "link:" + os.readlink(path)
            elif stat.S_ISREG(mode):
                out[rel] = "file:" + hashlib.sha256(path.read_bytes()).hexdigest()
            elif stat.S_ISDIR(mode):
                out[rel] = "dir"
            else:
                out[rel] = f"other:{stat.S_IFMT(mode)}"
        dirnames[:] = [d for d in dirnames if not os.path.islink(Path(dirpath) / d)]
    return out


def _setup(case: dict[str, Any], base: Path) -> tuple[Path, dict[str, Any]]:
    """The scratch project of one case, and extra arguments for subprocess."""
    project = base / "a" / "b" / "review"  # 'new ../../../x' would land in base/a: still watched
    shutil.copytree(DATA / "project", project)
    shutil.copy(CORPUS / "protocol.yaml", project / "protocol.yaml")
    for target, source in case.get("files", {}).items():
        (project / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(CORPUS / source if source != "protocol.yaml" else CORPUS / "protocol.yaml", project / target)
    extra: dict[str, Any] = {}
    kind, target = case.get("setup", [None, ""])
    path = project / target
    if kind == "dir":
        path.mkdir()
    elif kind == "dir-replace":
        path.unlink()
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "dangling":
        path.symlink_to("nowhere.yaml")
    elif kind == "loop":
        path.symlink_to(path.name)
    elif kind == "file":
        path.write_text("not a folder\n")
    elif kind == "symlink-out":
        (base / "elsewhere").mkdir()
        path.symlink_to(base / "elsewhere")
    elif kind == "no-project":
        project = base / "a" / "b" / "empty"
        project.mkdir()
    elif kind == "fsize":
        import resource

        extra["preexec_fn"] = lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
    elif kind == "prebuilt":
        subprocess.run([sys.executable, "-m", "secondhct", "build"], cwd=project, env=_env(base), capture_output=True, check=True, timeout=TIMEOUT)
    elif kind is not None:  # pragma: no cover - a typo in cases.yaml
        raise AssertionError(f"unknown setup {kind!r}")
    return project, extra


def _env(base: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PYTHON"))}
    env.update(PYTHONPATH=str(SRC), MPLCONFIGDIR=str(base.parent / f".mpl-{base.name}"), PYTHONDONTWRITEBYTECODE="1")
    return env


# The Ctrl-C case: the real entry point, with the build holding still (signal.pause) once it has
# printed the progress line the case names, so the interrupt always lands mid-build; a build
# that finished first made the test fail under load.
_HOLD_AFTER = """
import signal, sys
import secondhct.review.build as b
marker, real = sys.argv.pop(1), b.build
def build(project, *, progress, **options):
    def hold(message):
        progress(message)
        if marker in message:
            sys.stderr.flush()
            signal.pause()
    return real(project, progress=hold, **options)
b.build = build
sys.argv[0] = "secondhct"
from secondhct.entry import main
main()
"""


def _run(case: dict[str, Any], scratch: Path) -> Outcome:
    base = scratch / case["id"]
    base.mkdir()
    project, extra = _setup(case, base)
    before = _tree(base)
    if not case.get("subprocess"):
        return _run_in_process(case, project, base, before)
    command = [sys.executable, "-m", "secondhct", *case["args"]]
    if "interrupt_after" in case:
        command = [sys.executable, "-c", _HOLD_AFTER, case["interrupt_after"], *case["args"]]
        process = subprocess.Popen(command, cwd=project, env=_env(base), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **extra)
        assert process.stderr is not None
        seen = []
        for line in process.stderr:
            seen.append(line)
            if case["interrupt_after"] in line:
                process.send_signal(signal.SIGINT)
                break
        out, err = process.communicate(timeout=TIMEOUT)
        status, output = process.returncode, out + "".join(seen) + err
    else:
        done = subprocess.run(command, cwd=project, env=_env(base), capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL, **extra)
        status, output = done.returncode, done.stdout + done.stderr
    return Outcome(status, output, before, _tree(base))


def _run_in_process(case: dict[str, Any], project: Path, base: Path, before: dict[str, str]) -> Outcome:
    """typer's CliRunner in this process (fast); an uncaught exception counts as a traceback."""
    import traceback

    from typer.testing import CliRunner

    from secondhct.cli import app

    here = os.getcwd()
    os.chdir(project)
    try:
        result = CliRunner().invoke(app, case["args"])
    finally:
        os.chdir(here)
    output = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        output += "Traceback (in process):\n" + "".join(traceback.format_exception(result.exception))
    return Outcome(result.exit_code, output, before, _tree(base))


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    scratch = tmp_path_factory.mktemp("badinput")
    with ThreadPoolExecutor(max_workers=max(2, min(8, (os.cpu_count() or 2) * 2))) as pool:
        # fresh processes in threads; meanwhile the in-process cases run here, one at a time (chdir)
        futures = {case["id"]: pool.submit(_run, case, scratch) for case in CASES if case.get("subprocess")}
        results = {case["id"]: _run(case, scratch) for case in CASES if not case.get("subprocess")}
        results.update({cid: future.result() for cid, future in futures.items()})
    return results


def test_the_corpus_is_large_and_its_ids_unique() -> None:
    ids = [case["id"] for case in CASES]
    assert len(ids) >= 60 and len(set(ids)) == len(ids)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_bad_input_is_one_clear_message(outcomes: dict[str, Outcome], case: dict[str, Any]) -> None:
    result = outcomes[case["id"]]
    shown = f"secondhct {' '.join(map(repr, case['args']))} ->\n{result.output}"
    assert result.status == case["status"], shown
    assert "Traceback" not in result.output, shown
    for text in case["expect"]:
        assert text in result.output, shown
    assert result.after == result.before, f"the disk changed: {shown}"
