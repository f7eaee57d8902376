"""CITATION.cff is valid Citation File Format 1.2.0 and says what the summary's "How to cite" says."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_citation_cff_parses_and_matches_the_package_and_protocol() -> None:
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    # CFF 1.2.0 required keys and types
    assert cff["cff-version"] == "1.2.0"
    assert isinstance(cff["message"], str) and cff["message"]
    assert isinstance(cff["title"], str) and cff["title"]
    assert isinstance(cff["authors"], list) and all(isinstance(a, dict) and ("name" in a or "family-names" in a) for a in cff["authors"])
    assert cff["type"] in ("software", "dataset")
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert str(cff["version"]) == version
    protocol = yaml.safe_load((ROOT / "protocol.yaml").read_text(encoding="utf-8"))
    assert cff["title"] == protocol["title"]
    from secondhct.review.citations import AUTHORS

    assert [a["name"] for a in cff["authors"]] == [AUTHORS]
    page = (ROOT / "outputs" / "evidence-summary.html").read_text(encoding="utf-8")
    assert f"version {version}" in page and 'id="cite"' in page
