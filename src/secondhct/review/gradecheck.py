"""``validate``'s GRADE check: the protocol's overrides of the build's judgements against the last build.

An override (a domain under an analysis's ``certainty:`` in ``protocol.yaml``) departs from the
build's judgement with a reason. A reason that cites a number the build no longer gives (a patient
count, a share of weight, a percentage) has gone stale: it is flagged, so that a typed number never
outlives the data it described. An override that agrees with the build's judgement is redundant.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..protocol.schema import Analysis, Protocol
    from ..results import ResultsDocument

_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?![\w.]*\d)")


def numbers_in(text: str) -> set[str]:
    """The numbers a text cites, as written (``"222 patients, 26%"`` -> ``{"222", "26"}``)."""
    return set(_NUMBER.findall(text))


def stale_numbers(reason: str, build_reasons: Iterable[str], analysis: Analysis, patients: int, k: int) -> list[str]:
    """The numbers ``reason`` cites that neither the build's reasons nor the analysis's own statement
    (time window, thresholds, k, patients) contain, in the order cited."""
    known = set().union(*(numbers_in(r) for r in build_reasons)) | {str(patients), str(k)}
    known |= numbers_in(analysis.model_dump_json(include={"time", "thresholds", "title"}))
    known |= {f"{100 * t:g}" for t in analysis.thresholds}
    return [n for n in dict.fromkeys(_NUMBER.findall(reason)) if n not in known]


@dataclass(frozen=True)
class CertaintyFinding:
    severity: str
    path: tuple[str | int, ...]
    message: str


def certainty_findings(protocol: Protocol, document: ResultsDocument) -> list[CertaintyFinding]:
    """The protocol's GRADE overrides against the last build: an override whose reason cites numbers the
    build does not give is an error (the reason went stale); one that agrees with the build a warning."""
    out = []
    for i, analysis in enumerate(protocol.analyses):
        record = document.analysis(analysis.id)
        if record is None or record.certainty is None or analysis.certainty is None:
            continue
        for d in record.certainty.domains:
            judged = getattr(analysis.certainty, d.domain)
            if judged is None:
                continue
            path = ("analyses", i, "certainty", d.domain)
            why = judged.override or judged.reason
            stale = stale_numbers(why, [x.suggested_reason for x in record.certainty.domains], analysis,
                                  record.patients, record.k)  # fmt: skip
            if stale:
                out.append(CertaintyFinding("error", path + ("reason",),
                                            f"{d.domain} override cites {', '.join(stale)}, which the build does not give "
                                            f"(the build: {d.suggested_reason}); state the reason from current numbers"))  # fmt: skip
            if judged.rating == d.suggested:
                out.append(CertaintyFinding("warning", path + ("rating",),
                                            f"{d.domain} override agrees with the build ({d.suggested}); remove it"))  # fmt: skip
    return out
