"""The shared vocabulary of factors and levels (``vocabulary.yaml`` at the project root).

Subgroups, comparisons and associations in the extractions name a *factor* code and a
*level* code from the vocabulary, next to the level as the source prints it, so that
reports can be matched and pooled by meaning rather than by wording. A finer level
(``cr2``) rolls up to a coarser one (``cr``); roll-ups may chain (``matched_sibling`` ->
``matched_related`` -> ``related``). A factor with ``cutoff: true`` takes the printed
cut-off (``cutoff: {value: 6, unit: mo}``) as data on each row.

The file is validated by :class:`Vocabulary` with the project's located diagnostics;
:func:`code_findings` checks the codes an extraction uses ("did you mean ...?").
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, model_validator

from .diagnostics import FieldPath
from .extraction.base import Strict
from .extraction.codes import Text
from .extraction.schema import StudyExtraction

if TYPE_CHECKING:
    from .protocol.schema import Protocol
from .modelerrors import LoadedModel, parse_model
from .textio import read_text
from .yamlsource import Positions

VOCABULARY_FILE = "vocabulary.yaml"
VOCABULARY_SCHEMA_FILE = "vocabulary.schema.json"
CODE_PATTERN = r"^[a-z][a-z0-9_]*$"
Code = Annotated[str, Field(pattern=CODE_PATTERN, description="a snake_case code: lower-case letters, digits and '_'")]
NOT_STATED = "not stated"


class Factor(Strict):
    """One factor: its levels (coarse and finer), and which finer level rolls up to which."""

    description: Text = Field(description="what the factor is, e.g. 'disease status at the second allogeneic HCT'")
    levels: dict[Code, Text] = Field(min_length=1, description="level code -> what it means (coarse and finer levels)")
    roll_ups: dict[Code, Code] = Field(
        default_factory=dict, description="finer level -> the coarser level it rolls up to (both listed in levels)"
    )
    cutoff: bool = Field(
        default=False, description="true when the levels are split at a cut-off that each row records (early vs late relapse)"
    )

    @model_validator(mode="after")
    def _roll_ups_are_levels(self) -> Factor:
        for finer, coarser in self.roll_ups.items():
            for code in (finer, coarser):
                if code not in self.levels:
                    raise ValueError(f"roll-up {finer} -> {coarser}: '{code}' is not one of the levels ({', '.join(self.levels)})")
        for start in self.roll_ups:
            seen = {start}
            code = start
            while code in self.roll_ups:
                code = self.roll_ups[code]
                if code in seen:
                    raise ValueError(f"roll-ups from '{start}' go round in a circle")
                seen.add(code)
        return self

    def ancestors(self, level: str) -> list[str]:
        """``level`` and every coarser level it rolls up to, finest first."""
        chain = [level]
        while chain[-1] in self.roll_ups:
            chain.append(self.roll_ups[chain[-1]])
        return chain

    def coarse_levels(self) -> list[str]:
        """The levels that roll up to nothing."""
        return [code for code in self.levels if code not in self.roll_ups]


SourceCode = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9\-]*$", description="an upper-case code: letters, digits and '-'")]


class DataSource(Strict):
    """A registry or centre that accrues patients; ``part_of`` nests it (EBMT-ALWP within EBMT)."""

    label: Text = Field(description="what it is, e.g. 'EBMT Acute Leukemia Working Party'")
    part_of: SourceCode | None = Field(
        default=None, description="the larger registry it reports to (its patients may also be in that one's reports)"
    )


class Vocabulary(Strict):
    """``vocabulary.yaml``: the factors (and their levels) extractions and the protocol may use,
    and the data sources (registries and centres) extractions name."""

    common_levels: dict[Code, Text] = Field(
        default_factory=dict, description="levels valid for every factor, e.g. other: a level without a code"
    )
    factors: dict[Code, Factor] = Field(min_length=1)
    data_sources: dict[SourceCode, DataSource] = Field(
        default_factory=dict, description="registries and centres: code -> label and the registry it is part of"
    )

    @model_validator(mode="after")
    def _sources_nest(self) -> Vocabulary:
        for code, source in self.data_sources.items():
            seen = {code}
            parent = source.part_of
            while parent is not None:
                if parent not in self.data_sources:
                    raise ValueError(f"data source '{code}': part_of '{parent}' is not a data source")
                if parent in seen:
                    raise ValueError(f"data sources from '{code}' are part of each other in a circle")
                seen.add(parent)
                parent = self.data_sources[parent].part_of
        return self

    def source_chain(self, code: str) -> list[str]:
        """``code`` and every registry it is part of, innermost first (just ``code`` if unknown)."""
        chain = [code]
        while chain[-1] in self.data_sources and (parent := self.data_sources[chain[-1]].part_of) is not None:
            chain.append(parent)
        return chain

    @model_validator(mode="after")
    def _common_levels_distinct(self) -> Vocabulary:
        for name, factor in self.factors.items():
            clash = sorted(set(factor.levels) & set(self.common_levels))
            if clash:
                raise ValueError(f"factor '{name}' lists the common level(s) {', '.join(clash)} again")
        return self

    def levels(self, factor: str) -> list[str]:
        """Every level code valid for ``factor`` (its own, then the common ones)."""
        return [*self.factors[factor].levels, *self.common_levels]

    def has_level(self, factor: str, level: str) -> bool:
        return factor in self.factors and level in self.levels(factor)

    def rolls_up(self, factor: str, level: str, target: str) -> bool:
        """Whether ``level`` is ``target`` or one of its finer levels (False for unknown codes)."""
        if factor not in self.factors:
            return False
        return target in self.factors[factor].ancestors(level)

    def suggest_factor(self, code: str) -> str | None:
        return _closest(code, list(self.factors))

    def suggest_level(self, factor: str, code: str) -> str | None:
        return _closest(code, self.levels(factor)) if factor in self.factors else None


def _closest(code: str, options: list[str]) -> str | None:
    close = difflib.get_close_matches(code, options, n=1, cutoff=0.6)
    return close[0] if close else None


def load_vocabulary(path: Path, display: str) -> LoadedModel[Vocabulary]:
    """Read and validate ``vocabulary.yaml`` (diagnostics located in the file)."""
    text, diags = read_text(path, display)
    if text is None:
        return LoadedModel(display, None, None, Positions(), diags)
    return parse_model(text, display, Vocabulary)


def vocabulary_json_schema() -> dict[str, Any]:
    """The JSON Schema of ``vocabulary.yaml``, for editors."""
    schema = Vocabulary.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "secondhct vocabulary of factors and levels"
    return schema


def vocabulary_schema_text() -> str:
    """``vocabulary.schema.json``, stable and diff-friendly."""
    return json.dumps(vocabulary_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class CodeFinding:
    """A code an extraction uses that the vocabulary does not have (or a misplaced cut-off)."""

    path: FieldPath
    message: str
    code: str


def _level_finding(vocab: Vocabulary, factor: str, level: object, path: FieldPath) -> CodeFinding | None:
    if not isinstance(level, str) or level == NOT_STATED or vocab.has_level(factor, level):
        return None
    close = vocab.suggest_level(factor, level)
    hint = f"; did you mean '{close}'?" if close else f"; levels of {factor}: {', '.join(vocab.levels(factor))}"
    return CodeFinding(path, f"unknown level '{level}' of factor '{factor}' (not in {VOCABULARY_FILE}){hint}", "unknown-level")


def _rows(study: StudyExtraction) -> Iterator[tuple[FieldPath, str, list[tuple[str, object]], object]]:
    """(path, factor, [(level field, code)], cutoff) of every row that names a factor."""
    for i, sub in enumerate(study.subgroups):
        yield ("subgroups", i), sub.factor, [("level", sub.level)], sub.cutoff
    for i, comp in enumerate(study.comparisons):
        yield ("comparisons", i), comp.factor, [("level", comp.level), ("reference_level", comp.reference_level)], comp.cutoff
    for i, assoc in enumerate(study.associations):
        yield ("associations", i), assoc.factor, [("level", assoc.level)], assoc.cutoff


def code_findings(study: StudyExtraction, vocab: Vocabulary) -> list[CodeFinding]:
    """Unknown factor, level or data source codes, and cut-offs on factors that have none, with suggestions."""
    found: list[CodeFinding] = []
    source = study.study.data_source
    if source != NOT_STATED and source not in vocab.data_sources:
        close = _closest(source, list(vocab.data_sources))
        hint = f"; did you mean '{close}'?" if close else f"; add it to {VOCABULARY_FILE} data_sources first"
        found.append(CodeFinding(("study", "data_source"), f"unknown data source '{source}' (not in {VOCABULARY_FILE} data_sources){hint}", "unknown-data-source"))
    for path, factor, levels, cutoff in _rows(study):
        if factor not in vocab.factors:
            found.append(_unknown_factor(factor, vocab, (*path, "factor")))
            continue
        for name, level in levels:
            finding = _level_finding(vocab, factor, level, (*path, name))
            if finding is not None:
                found.append(finding)
        if cutoff is not None and not vocab.factors[factor].cutoff:
            found.append(CodeFinding((*path, "cutoff"), f"factor '{factor}' has no cut-off in {VOCABULARY_FILE}; remove the cutoff", "cutoff-unused"))
    return found


def _unknown_factor(factor: str, vocab: Vocabulary, path: FieldPath) -> CodeFinding:
    close = vocab.suggest_factor(factor)
    hint = f"; did you mean '{close}'?" if close else f"; add it to {VOCABULARY_FILE} first"
    return CodeFinding(path, f"unknown factor '{factor}' (not in {VOCABULARY_FILE}){hint}", "unknown-factor")


def protocol_code_findings(protocol: Protocol, vocab: Vocabulary) -> list[CodeFinding]:
    """Unknown factor or level codes in the protocol's comparisons and subgroup factors."""
    found: list[CodeFinding] = []
    for i, analysis in enumerate(protocol.analyses):
        if analysis.subgroup is not None and analysis.subgroup not in vocab.factors:
            found.append(_unknown_factor(analysis.subgroup, vocab, ("analyses", i, "subgroup")))
        comp = analysis.comparison
        if comp is None:
            continue
        path: FieldPath = ("analyses", i, "comparison")
        if comp.factor not in vocab.factors:
            found.append(_unknown_factor(comp.factor, vocab, (*path, "factor")))
            continue
        for name, level in (("level", comp.level), ("reference_level", comp.reference_level)):
            finding = _level_finding(vocab, comp.factor, level, (*path, name))
            if finding is not None:
                found.append(finding)
    return found
