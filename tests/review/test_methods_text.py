"""The methods paragraphs are generated from the protocol and the result records: change the
protocol's default model and the text changes with it (no sentence about a model is typed out)."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from secondhct.cli import app
from secondhct.review.methods_text import frequentist_models, model_words, scale_sentence

ROOT = Path(__file__).resolve().parents[2]


def record(method: str = "REML", test: str = "adhoc", measure: str = "PLO") -> SimpleNamespace:
    return SimpleNamespace(method=method, test=test, measure=measure)


def test_a_model_is_named_with_its_test_and_source() -> None:
    assert model_words("REML", "adhoc") == "REML with the ad hoc Knapp-Hartung adjustment (Knapp & Hartung 2003, Stat Med 22:2693-2710)"
    assert model_words("DL", "z") == "DerSimonian-Laird with Wald-type z tests and intervals"
    assert model_words("PM", "knha", cite=False) == "Paule-Mandel with the Knapp-Hartung adjustment"


def test_analyses_with_different_models_are_each_named_with_their_count() -> None:
    text = frequentist_models([record(), record(), record("DL", "z")], cite=False)  # type: ignore[list-item]
    assert text == ("REML with the ad hoc Knapp-Hartung adjustment (2 analyses) or "
                    "DerSimonian-Laird with Wald-type z tests and intervals (1 analysis)")  # fmt: skip


def test_the_scale_sentence_follows_the_proportion_measures() -> None:
    assert "on the logit scale and back-transformed" in scale_sentence([record(), record(measure="HR")])  # type: ignore[list-item]
    assert "as untransformed proportions" in scale_sentence([record(measure="PR")])  # type: ignore[list-item]
    assert scale_sentence([record(measure="HR")]) == ""  # type: ignore[list-item]


@pytest.mark.slow
def test_changing_the_protocol_default_changes_the_methods_paragraph(tmp_path: Path) -> None:
    root = tmp_path / "review"
    root.mkdir()
    shutil.copytree(ROOT / "studies", root / "studies")
    for name in ("references.bib", "searches.yaml", "vocabulary.yaml"):
        shutil.copy(ROOT / name, root / name)
    protocol = (ROOT / "protocol.yaml").read_text(encoding="utf-8")
    for old, new in (("  measure: PLO\n", "  measure: PAS\n"), ("  method: REML\n", "  method: DL\n"), ("  test: adhoc\n", "  test: z\n")):
        assert old in protocol
        protocol = protocol.replace(old, new, 1)
    (root / "protocol.yaml").write_text(protocol, encoding="utf-8")
    if (ROOT.parent / "shared").is_dir():
        (tmp_path / "shared").symlink_to(ROOT.parent / "shared")
    result = CliRunner().invoke(app, ["build", "--root", str(root)])
    assert result.exit_code == 0, result.output
    summary = (root / "outputs" / "evidence-summary.md").read_text(encoding="utf-8")
    paragraph = next(line for line in summary.splitlines() if line.startswith("With more than "))
    assert "the primary result is DerSimonian-Laird with Wald-type z tests and intervals and a prediction interval" in paragraph
    assert "Proportions are pooled on the arcsine scale and back-transformed" in paragraph
    assert "Beside it: DerSimonian-Laird with Wald-type z tests and intervals, the common-effect model" in summary
    assert "Knapp-Hartung adjustment" not in summary and "logit scale and back-transformed" not in summary
