"""The README's two commands install into a virtual environment (PEP 668), and CI runs
exactly the README's test command."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _two_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The two commands", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section, flags=re.S)


def test_both_commands_create_and_use_a_virtual_environment() -> None:
    build, tests = _two_commands()
    for command in (build, tests):
        assert command.startswith("python3 -m venv .venv && .venv/bin/pip install -e ")
        assert "python3 -m pip" not in command
    assert build.endswith(".venv/bin/secondhct build")
    assert tests.endswith(".venv/bin/python -m pytest")


def test_ci_runs_exactly_the_readme_test_command() -> None:
    _, tests = _two_commands()
    lines = [line for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    assert lines[-1] == tests
    assert "python3-venv" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_virtual_environment_is_ignored_by_git_and_pytest() -> None:
    assert ".venv/" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert 'testpaths = ["tests"]' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
