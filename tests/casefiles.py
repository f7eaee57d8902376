"""Run the validator on one case file of tests/data/cases in a throw-away project.

A case file is a real extraction with a header that says how to place it and
what the validator must report:

    # case: what the file gets wrong
    # as: lee2019.yaml          (optional: its file name in studies/; default smith2020.yaml)
    # with-base                 (optional: also place the valid smith2020.yaml beside it)
    # expect: error 12:5 outcomes[0].events: events (70) exceed total (60)
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from secondhct.diagnostics import Diagnostic
from secondhct.project import Project
from secondhct.validation import validate_project

DATA = Path(__file__).parent / "data"
CASES = DATA / "cases"
BASE = DATA / "project" / "studies" / "smith2020.yaml"
_EXPECT = re.compile(r"^# expect: (error|warning|info) (\d+):(\d+) (\S*): (.+)$")


@dataclass(frozen=True)
class Expectation:
    severity: str
    line: int
    column: int
    path: str
    message: str


def header(case: Path) -> tuple[str, bool, list[Expectation]]:
    name, with_base, expects = "smith2020.yaml", False, []
    for raw in case.read_bytes().split(b"\n"):
        if not raw.startswith(b"#"):
            break
        line = raw.decode("utf-8", errors="replace")
        if line.startswith("# as: "):
            name = line[len("# as: ") :].strip()
        elif line.strip() == "# with-base":
            with_base = True
        elif m := _EXPECT.match(line):
            expects.append(Expectation(m[1], int(m[2]), int(m[3]), m[4], m[5]))
    return name, with_base, expects


def run_case(case: Path, tmp: Path) -> tuple[str, list[Diagnostic]]:
    """Validate the case in a fresh project under ``tmp``; diagnostics for the case file only."""
    name, with_base, _ = header(case)
    studies = tmp / "studies"
    studies.mkdir(parents=True)
    shutil.copy(DATA / "project" / "references.bib", tmp / "references.bib")
    shutil.copy(DATA / "project" / "vocabulary.yaml", tmp / "vocabulary.yaml")
    if with_base:
        shutil.copy(BASE, studies / "smith2020.yaml")
    target = studies / name
    shutil.copyfile(case, target)
    report = validate_project(Project(tmp), None)
    mine = [d for d in report.diagnostics if Path(d.file).resolve() == target.resolve()]
    return name, mine
