"""Plausibility warnings for unit slips: a proportion written with ``unit: percent``.

A percentage below 1 is possible but rare in this literature; when the row's own
events/total or confidence interval read as a proportion, the unit is probably wrong, and
when no quote of the row prints the number with a percent sign, the curator is asked.
(A proportion whose CI runs above 1 is an error, reported with the other range checks.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from .consistency import half_unit
from .schema import Source, StudyExtraction

if TYPE_CHECKING:
    from .finding import Finding


def row_texts(source: Source) -> list[str]:
    """The printed words a row quotes: ``source.quote`` and each of ``source.quotes``."""
    return [text for text in (source.quote, *(q.quote for q in source.quotes)) if text]


def _printed_as_percent(value: float, texts: list[str]) -> bool:
    """Whether one of ``texts`` prints ``value`` (below 1) with a percent sign or word ('0.3%', '·3 per cent')."""
    import re

    fraction = f"{value:g}".removeprefix("0").replace(".", "[.·]")  # '0.32' -> '[.·]32'
    pattern = re.compile(rf"(?<![\d.·])0?{fraction}\s*(?:%|per\s*cent)", re.IGNORECASE)
    return any(pattern.search(text) for text in texts)


def check_unit_slips(study: StudyExtraction) -> Iterator[Finding]:
    """A ``percent`` estimate below 1 whose events/total or CI say it is a proportion."""
    from .finding import Finding

    for i, out in enumerate(study.outcomes):
        if out.unit != "percent" or out.estimate is None or not 0 < out.estimate < 1:
            continue
        est = out.estimate
        why = None
        if out.events is not None and out.total:
            crude = out.events / out.total
            if abs(crude - est) <= half_unit(est) + 1e-12:
                why = f"events/total = {out.events}/{out.total} = {crude:.3g} as a proportion"
        if why is None and out.ci is not None and 0 <= out.ci.lower <= est <= out.ci.upper <= 1:
            why = f"its CI [{out.ci.lower:g}, {out.ci.upper:g}] also lies within 0-1"
        if why is None and not _printed_as_percent(est, row_texts(out.source)):
            yield Finding(
                "warning", ("outcomes", i, "unit"),
                f"estimate {est:g} with unit percent is below 1%, and no quote of the row prints it with a % sign: "
                "did you mean a proportion? then write unit: proportion (numbers stay as printed); "
                "if the source prints it as a percentage, quote the words",
                "unit-slip",
            )
        elif why is not None:
            yield Finding(
                "warning", ("outcomes", i, "unit"),
                f"estimate {est:g} with unit percent is below 1%, and {why}: is it a proportion? "
                "then write unit: proportion (numbers stay as printed)",
                "unit-slip",
            )
