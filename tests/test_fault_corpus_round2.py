"""Issue 21, items 4-6: bounded, regular inputs; old or foreign outputs; clean-up after interruptions.

Each test is one fault of the second fault-injection round: a FIFO, a device or an oversized
file where an input should be, aliases that expand a small file to gigabytes, numbers at the
edge of floating point, a results file of another shape, a kill in the middle of ``new``.
Every bad input is one message naming the file (and line and field where there is one),
exit status 1, no traceback; nothing hangs (each command runs under an alarm).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from secondhct.cli import app
from secondhct.parsecache import CACHE_DIR

PROTOCOL = (Path(__file__).resolve().parent / "data" / "badinput" / "protocol.yaml").read_text(encoding="utf-8")
CSV = "study,yi,vi\nA,0.1,0.05\nB,0.2,0.1\nC,0.4,0.08\n"
runner = CliRunner()


class Hung(Exception):
    pass


@pytest.fixture(autouse=True)
def alarm() -> Iterator[None]:
    """A command that blocks (a FIFO opened for reading) fails the test instead of hanging it."""

    def ring(*_: object) -> None:
        raise Hung("the command did not finish in 60 s")

    old = signal.signal(signal.SIGALRM, ring)
    signal.alarm(60)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _invoke(*args: str) -> Result:
    result = runner.invoke(app, list(args))
    if isinstance(result.exception, Hung):
        raise result.exception
    output = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        output += "Traceback:\n" + "".join(traceback.format_exception(result.exception))
    result.checked_output = output  # type: ignore[attr-defined]
    return result


def _fails_cleanly(result: Result, *expected: str) -> None:
    output = result.checked_output  # type: ignore[attr-defined]
    assert result.exit_code == 1, output
    assert "Traceback" not in output, output
    for text in expected:
        assert text in output, output


@pytest.fixture
def review(project: Path) -> Path:
    (project / "protocol.yaml").write_text(PROTOCOL, encoding="utf-8")
    return project


# --- item 4: regular, bounded inputs -----------------------------------------------------------


@pytest.mark.parametrize("command", ["pool", "forest"])
def test_a_fifo_as_the_csv_is_refused_without_hanging(tmp_path: Path, command: str) -> None:
    fifo = tmp_path / "studies.csv"
    os.mkfifo(fifo)
    args = ["pool", str(fifo)] if command == "pool" else ["forest", "--csv", str(fifo), "--out", str(tmp_path / "x.svg")]
    _fails_cleanly(_invoke(*args), str(fifo), "FIFO")


def test_a_device_as_the_csv_is_refused(tmp_path: Path) -> None:
    _fails_cleanly(_invoke("pool", "/dev/zero"), "/dev/zero", "device")


def test_an_oversized_study_is_refused(review: Path) -> None:
    big = review / "studies" / "big2020.yaml"
    with big.open("wb") as handle:  # sparse: 17 MiB of nothing
        handle.truncate(17 << 20)
    _fails_cleanly(_invoke("validate", "--root", str(review)), "studies/big2020.yaml", "larger than the limit of 16 MiB")


def test_a_fifo_as_the_baseline_is_refused_without_hanging(review: Path) -> None:
    fifo = review / "old.json"
    os.mkfifo(fifo)
    _fails_cleanly(_invoke("build", "--root", str(review), "--baseline", str(fifo)), "old.json", "FIFO")


def test_dev_zero_as_the_baseline_is_refused(review: Path) -> None:
    _fails_cleanly(_invoke("build", "--root", str(review), "--baseline", "/dev/zero"), "/dev/zero", "device")


def test_a_fifo_or_symlink_loop_in_the_parse_cache_is_a_miss(review: Path) -> None:
    assert _invoke("validate", "--root", str(review)).exit_code == 0
    entries = sorted((review / CACHE_DIR).rglob("*.entry"))
    assert entries
    entries[0].unlink()
    os.mkfifo(entries[0])
    if len(entries) > 1:
        entries[1].unlink()
        entries[1].symlink_to(entries[1].name)
    result = _invoke("validate", "--root", str(review))
    assert result.exit_code == 0, result.checked_output  # type: ignore[attr-defined]


def test_a_dangling_gitignore_symlink_in_the_cache_is_not_followed(review: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    (review / CACHE_DIR).mkdir()
    (review / CACHE_DIR / ".gitignore").symlink_to(outside)
    assert _invoke("validate", "--root", str(review)).exit_code == 0
    assert not outside.exists(), "validate wrote outside the project"


def test_yaml_aliases_are_bounded_by_expanded_size(review: Path) -> None:
    quote = "x" * (1 << 20)
    aliases = "\n".join("  - *q" for _ in range(2000))
    (review / "studies" / "alias2020.yaml").write_text(f"key: alias2020\nbig: &q \"{quote}\"\nmore:\n{aliases}\n", encoding="utf-8")
    start = time.monotonic()
    _fails_cleanly(_invoke("validate", "--root", str(review)), "studies/alias2020.yaml", "aliases expand")
    assert time.monotonic() - start < 30


@pytest.mark.parametrize(
    "prior,words",
    [("uniform:1e308", "upper bound must be between"), ("lognormal:800,1", "meanlog must be between"),
     ("halfnormal:abc", "cannot read the tau prior")],
)  # fmt: skip
def test_pool_prior_out_of_range_is_one_message(tmp_path: Path, prior: str, words: str) -> None:
    csv = tmp_path / "s.csv"
    csv.write_text(CSV, encoding="utf-8")
    _fails_cleanly(_invoke("pool", str(csv), "--method", "BAYES", "--tau-prior", prior), words)


def test_pool_tiny_variance_names_the_line(tmp_path: Path) -> None:
    csv = tmp_path / "s.csv"
    csv.write_text("study,yi,vi\nA,0.1,0.05\nB,0.2,5e-324\n", encoding="utf-8")
    _fails_cleanly(_invoke("pool", str(csv)), f"{csv}, line 3", "sampling variance")


def _protocol_with(review: Path, extra_defaults: str = "", extra_analysis: str = "") -> None:
    text = PROTOCOL.replace("  overlap_rule: largest\n", "  overlap_rule: largest\n" + extra_defaults)
    (review / "protocol.yaml").write_text(text + extra_analysis, encoding="utf-8")


@pytest.mark.parametrize(
    "defaults,analysis,field,words",
    [
        ("  few_studies: {tau_prior: 'uniform:1e308'}\n", "", "tau_prior", "upper bound must be between"),
        ("  few_studies: {tau_prior: 'lognormal:800,1'}\n", "", "tau_prior", "meanlog must be between"),
        ("", "    sensitivity:\n      - {kind: method, method: REML, test: knah}\n", "test", "unknown test 'knah'"),
        ("", "    sensitivity:\n      - {kind: method, method: BAYES, mu_prior: 'normal:abc'}\n", "mu_prior", "cannot read the mu prior"),
        ("", "    batch: {permutation: {seed: 1099511627776}}\n", "seed", "less than or equal"),
    ],
    ids=["uniform-1e308", "lognormal-800", "test-knah", "mu-prior-abc", "seed-2-40"],
)
def test_protocol_numbers_and_names_are_checked_by_validate(review: Path, defaults: str, analysis: str, field: str, words: str) -> None:
    _protocol_with(review, defaults, analysis)
    _fails_cleanly(_invoke("validate", "--root", str(review)), "protocol.yaml:", field, words)


def test_zero_of_zero_events_is_refused(review: Path) -> None:
    study = review / "studies" / "smith2020.yaml"
    text = study.read_text(encoding="utf-8")
    zero = "    estimate: 40.0\n"
    assert zero in text
    study.write_text(text.replace(zero, zero + "    events: 0\n    total: 0\n", 1), encoding="utf-8")
    _fails_cleanly(_invoke("validate", "--root", str(review)), "studies/smith2020.yaml:", "total is 0")


# --- item 5: old or foreign results ------------------------------------------------------------


@pytest.mark.parametrize(
    "document",
    [{"format": 99, "analyses": 3}, {"analyses": [{"id": "os-2y", "pooled": [1]}]}, {"analyses": [{"id": ["x"]}]},
     {"studies": [1], "analyses": []}, {"format": 2, "analyses": [{"id": "os-2y", "k": 2, "pooled": {"natural": {"estimate": "x"}}}]}],
)  # fmt: skip
def test_a_baseline_of_another_shape_is_skipped_with_one_warning(review: Path, document: object) -> None:
    baseline = review / "old.json"
    baseline.write_text(document if isinstance(document, str) else json.dumps(document), encoding="utf-8")
    result = _invoke("build", "--root", str(review), "--baseline", str(baseline))
    output = result.checked_output  # type: ignore[attr-defined]
    assert result.exit_code == 0, output
    assert output.count("cannot compare with") == 1 and "Traceback" not in output


def test_a_committed_results_json_of_another_shape_is_skipped(review: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    (review / "outputs").mkdir()
    (review / "outputs" / "results.json").write_text(json.dumps({"format": 1, "analyses": [{"id": "os-2y", "k": "two"}]}))
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    for args in (["init", "-q"], ["add", "outputs/results.json"], ["commit", "-q", "-m", "old"]):
        subprocess.run(["git", *args], cwd=review, check=True, env=env)
    (review / "outputs" / "results.json").unlink()
    result = _invoke("build", "--root", str(review))
    output = result.checked_output  # type: ignore[attr-defined]
    assert result.exit_code == 0, output
    assert "cannot compare with outputs/results.json as committed in" in output and "format 1" in output


# --- item 6: clean-up after interruptions ------------------------------------------------------


KILL_DURING_NEW = """
import os, sys
real = os.fdopen
def killed(fd, mode="r", *args, **kwargs):
    if mode == "w" and "/studies/" in os.readlink(f"/proc/self/fd/{fd}"):  # the study is about to be written: SIGKILL
        os._exit(9)
    return real(fd, mode, *args, **kwargs)
os.fdopen = killed
from secondhct.cli import app
sys.argv = ["secondhct", "new", "smyth2021", "--root", sys.argv[1], "--curator", "Ada"]
app()
"""


def test_a_new_killed_midway_leaves_no_study(review: Path) -> None:
    src = str(Path(__file__).resolve().parents[1] / "src")
    env = {**os.environ, "PYTHONPATH": src}
    done = subprocess.run([sys.executable, "-c", KILL_DURING_NEW, str(review)], env=env, capture_output=True, timeout=120, check=False)
    assert done.returncode == 9, done.stderr
    assert not (review / "studies" / "smyth2021.yaml").exists(), "a killed new left a study file behind"
    result = runner.invoke(app, ["new", "smyth2021", "--root", str(review), "--curator", "Ada"])
    assert result.exit_code == 0, result.output
    assert (review / "studies" / "smyth2021.yaml").read_text(encoding="utf-8").startswith("# yaml-language-server")


def test_new_removes_the_temp_file_of_a_killed_run(review: Path) -> None:
    leftover = review / "studies" / ".smyth2021.yaml.abc123.new"
    leftover.write_text("", encoding="utf-8")
    os.utime(leftover, (time.time() - 3600, time.time() - 3600))
    result = runner.invoke(app, ["new", "smyth2021", "--root", str(review), "--curator", "Ada"])
    assert result.exit_code == 0, result.output
    assert not leftover.exists()


def test_schema_removes_its_stale_temp_files_and_reports_a_full_disk(review: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    leftover = review / ".protocol.schema.json.abc123.tmp"
    leftover.write_text("{", encoding="utf-8")
    os.utime(leftover, (time.time() - 3600, time.time() - 3600))
    assert runner.invoke(app, ["schema", "--root", str(review)]).exit_code == 0
    assert not leftover.exists()
    (review / "protocol.schema.json").unlink()

    def full(*_: object, **__: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("secondhct.textio.write_atomic", full)
    result = _invoke("schema", "--root", str(review))
    _fails_cleanly(result, "protocol.schema.json", "No space left on device")


def test_the_readme_states_the_input_limits() -> None:
    from secondhct.textio import MAX_FILE_BYTES, MAX_INPUT_BYTES

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert f"**{MAX_INPUT_BYTES >> 20} MiB**" in readme and f"**{MAX_FILE_BYTES >> 20} MiB**" in readme


@pytest.mark.parametrize("text", ["[1, 2]", "[[[[[[[[[[", "title: not json\n"])
def test_a_baseline_that_is_no_results_file_is_one_error(review: Path, text: str) -> None:
    baseline = review / "old.json"
    baseline.write_text(text, encoding="utf-8")
    _fails_cleanly(_invoke("build", "--root", str(review), "--baseline", str(baseline)), "old.json: not a secondhct results.json")
