"""Issue 21: an outputs/ that holds an immutable file (``chattr +i``) or cannot be replaced. The build
that moves such a folder aside cannot remove it: it says so and goes on, and no later build fails
because of it; an outputs/ that cannot be replaced is one clear error, the previous outputs intact.
(Needs a file system and privileges where ``chattr +i`` works; skipped elsewhere.)"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from secondhct.cli import app


def _chattr(flag: str, path: Path) -> bool:
    if shutil.which("chattr") is None:
        return False
    return subprocess.run(["chattr", flag, str(path)], capture_output=True, check=False).returncode == 0


@pytest.fixture
def immutable(frozen_copy: Path) -> Iterator[Path]:
    stray = frozen_copy / "outputs" / "stray.txt"
    stray.write_text("a file someone made immutable\n", encoding="utf-8")
    if not _chattr("+i", stray):
        pytest.skip("chattr +i does not work here")
    yield stray
    for path in [*frozen_copy.glob(".outputs.old-*/stray.txt"), stray, frozen_copy / "outputs"]:
        _chattr("-i", path)


@pytest.mark.slow
def test_an_immutable_file_never_stops_the_next_builds(frozen_copy: Path, immutable: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["build", "--force", "--root", str(frozen_copy)])
    assert first.exit_code == 0, first.output
    (left,) = frozen_copy.glob(".outputs.old-*")  # the old folder, with the immutable file, moved aside
    second = runner.invoke(app, ["build", "--force", "--root", str(frozen_copy)])
    assert second.exit_code == 0, second.output
    assert f"warning: {left.name} (an earlier build's folder) could not be removed" in second.output
    assert "remove it by hand" in second.output and (frozen_copy / "outputs" / "results.json").is_file()


@pytest.mark.slow
def test_an_outputs_folder_that_cannot_be_replaced_is_one_clear_error(frozen_copy: Path) -> None:
    outputs = frozen_copy / "outputs"
    before = {p.name: p.read_bytes() for p in outputs.iterdir()}
    if not _chattr("+i", outputs):
        pytest.skip("chattr +i does not work here")
    try:
        result = CliRunner().invoke(app, ["build", "--force", "--root", str(frozen_copy)])
    finally:
        _chattr("-i", outputs)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "outputs" in result.output and "nothing was written" in result.output
    assert {p.name: p.read_bytes() for p in outputs.iterdir()} == before
