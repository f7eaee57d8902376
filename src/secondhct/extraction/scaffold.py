"""Text generated for curators: the JSON Schema and the ``secondhct new`` scaffold."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING

from ..bibliography import Bibliography, Reference
from ..escape import yaml_string

if TYPE_CHECKING:
    from ..vocabulary import Vocabulary

_PUBLICATION_BY_TYPE = {
    "article": "TODO",
    "inproceedings": "meeting_abstract",
    "conference": "meeting_abstract",
    "proceedings": "meeting_abstract",
}


def protocol_schema_text() -> str:
    """``protocol.schema.json``: the JSON Schema of ``protocol.yaml`` (measures, methods and
    sensitivity kinds come from their tables), stable and diff-friendly."""
    from ..protocol.schema import protocol_json_schema

    return json.dumps(protocol_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def vocabulary_schema_text() -> str:
    """``vocabulary.schema.json``: the JSON Schema of ``vocabulary.yaml``, stable and diff-friendly."""
    from ..vocabulary import vocabulary_schema_text as text

    return text()


def schema_text() -> str:
    """``studies/_schema.json``: the JSON Schema of the extraction models, stable and diff-friendly."""
    from .schema import json_schema

    return json.dumps(json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


_yaml_string = yaml_string  # every text from references.bib is a quoted scalar (escape.yaml_string)


def factor_lines(vocabulary: Vocabulary | None) -> list[str]:
    """One line per vocabulary factor: its code, levels (finer ones with their roll-up) and cut-off."""
    if vocabulary is None:
        return []
    lines = []
    for code, factor in vocabulary.factors.items():
        levels = [f"{lv}>{factor.roll_ups[lv]}" if lv in factor.roll_ups else lv for lv in factor.levels]
        cutoff = "; cutoff" if factor.cutoff else ""
        lines.append(f"{code}: {' '.join(levels)}{cutoff}")
    if vocabulary.common_levels:
        lines.append(f"(any factor): {' '.join(vocabulary.common_levels)}")
    return lines


def field_choices(vocabulary: Vocabulary | None) -> dict[str, str]:
    """The allowed codes of each coded field, read from the schema's types (and vocabulary.yaml's
    data sources), so the scaffold cannot fall behind the format."""
    from typing import get_args

    from . import codes
    from .riskofbiasmodels import Judgement
    from .schema import SelectionKind

    types = {
        "content": codes.DocumentContent, "design": codes.Design, "publication": codes.Publication, "disease": codes.Disease,
        "age_group": codes.AgeGroup, "indication": codes.Indication, "time_origin": codes.TimeOrigin,
        "intervention": codes.Intervention, "outcome": codes.OutcomeName, "statistic": codes.Statistic,
        "estimator": codes.Estimator, "unit": codes.Unit, "measure": codes.RatioMeasure, "selection": SelectionKind,
        "judgement": Judgement,
    }  # fmt: skip
    choices = {name: " | ".join(get_args(kind)) for name, kind in types.items()}
    sources = list(vocabulary.data_sources) if vocabulary is not None else []
    choices["data_source"] = " | ".join([*sources, "not stated"])
    return choices


def needs_shortauthor(ref: Reference) -> bool:
    """An entry that names no usable author and has no ``shortauthor`` is labelled by its journal."""
    return not ref.authors_known and "shortauthor" not in ref.fields


def scaffold_text(ref: Reference, bib: Bibliography, curator: str, today: date, vocabulary: Vocabulary | None = None) -> str:
    """A new extraction for ``ref``, pre-filled with what its BibTeX entry knows (and the vocabulary's factors)."""
    import jinja2

    from ..keys import key_problem
    from .riskofbias import TOOLS

    if key_problem(ref.key):  # the key is written bare: keys.py allows only [a-z0-9_]
        raise ValueError(f"cannot scaffold {ref.key!r}: {key_problem(ref.key)}")
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("secondhct", "templates"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["yaml"] = _yaml_string
    doi = ref.fields.get("doi")
    url = ref.fields.get("url") or (f"https://doi.org/{doi}" if doi else None)
    return env.get_template("study.yaml.j2").render(
        key=ref.key,
        label=" ".join(bib.labels.get(ref.key, ref.key).split()),  # BibTeX line breaks as spaces; yaml_string escapes the rest
        title=" ".join(ref.fields.get("title", "(no title in references.bib)").split()),
        curator=curator,
        today=today.isoformat(),
        url=url,
        publication=_PUBLICATION_BY_TYPE.get(ref.entry_type, "TODO"),
        factors=factor_lines(vocabulary),
        choices=field_choices(vocabulary),
        rob_tools=list(TOOLS.values()),
        shortauthor_hint=needs_shortauthor(ref),
    )
