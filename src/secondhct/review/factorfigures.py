"""The figures of the prognostic-factor section: per factor an effect-direction plot (every report) and
an albatross plot (the reports that give a p-value and n), as SVG text by output file name (issue 24)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..extraction.schema import StudyExtraction
from ..plots.albatross import AlbatrossPoint, albatross_figure
from ..plots.effectdirection import Arrow, DirectionRow, effect_direction_figure
from ..plots.save import figure_bytes, svg_with_title
from ..words import outcome_words
from .factorevidence import RECIPIENTS, EvidenceRow
from .factors import factor_syntheses
from .factorsynthesis import FactorSynthesis, preference

_ARROWS = {"reference_better": "up", "level_better": "down", "no_difference": "none"}
_ADJUSTMENT_ORDER = ("adjusted", "unadjusted", "adjustment not stated")


def direction_file(key: str) -> str:
    return f"factor-{key}.direction.svg"


def albatross_file(key: str) -> str:
    return f"factor-{key}.albatross.svg"


def shown_row(s: FactorSynthesis, key: str) -> EvidenceRow:
    """The row a report is drawn with: the one that votes, else its preferred row."""
    return s.voting.get(key) or sorted((r for r in s.rows if r.key == key), key=preference)[0]


def _evidence(r: EvidenceRow) -> str:
    outcome = outcome_words(r.outcome) if r.outcome != "not stated" else "outcome not stated"
    if r.form == "ratio":
        return f"{r.measure} {r.effect:.2f} ({outcome})" if r.effect is not None else f"{r.measure} ({outcome})"
    if r.form == "levels":
        return f"two levels ({outcome}{', ' + r.time if r.time and r.time != 'not stated' else ''})"
    return f"p {r.p} ({outcome})" if r.form == "p_value" else f"words ({outcome})"


def _arrow(r: EvidenceRow) -> Arrow:
    if r.note.startswith("another contrast"):
        return "other"
    return _ARROWS.get(r.direction, "unknown")  # type: ignore[return-value]


def direction_rows(s: FactorSynthesis, labels: Mapping[str, str]) -> list[DirectionRow]:
    """One row per report, grouped by population (recipients first) and adjustment."""
    rows = []
    for key in s.reports:
        r = shown_row(s, key)
        rows.append(DirectionRow(labels.get(key, key), f"{r.population}: {r.adjusted}", r.disease, _evidence(r), r.n,
                                 r.risk_of_bias, _arrow(r), r.significant))
    order = lambda d: (not d.group.startswith(RECIPIENTS), _ADJUSTMENT_ORDER.index(d.group.split(": ")[1]), d.label)  # noqa: E731
    return sorted(rows, key=order)


def printed_p(p: object) -> tuple[float, bool] | None:
    """A printed p-value as a number and whether it is a bound ('<0.001'); None for 'n.s.' or '>0.05'."""
    text = str(p).strip().replace("≤", "<")
    bound = text.startswith("<")
    try:
        value = float(text.lstrip("<= "))
    except ValueError:
        return None
    return (value, bound) if 0 < value <= 1 and not text.startswith(">") else None


def albatross_points(s: FactorSynthesis, labels: Mapping[str, str]) -> list[AlbatrossPoint]:
    """Each report with a direction whose row (or another row of the same direction) prints a p-value, and with n."""
    points = []
    for key, vote in s.voting.items():
        candidates = [vote, *sorted((r for r in s.rows if r.key == key and r.direction == vote.direction), key=preference)]
        found = next(((r, q) for r in candidates if r.p is not None and r.n is not None and (q := printed_p(r.p))), None)
        if found is not None:
            r, (value, bound) = found
            points.append(AlbatrossPoint(labels.get(key, key), r.n, value, 1 if r.direction == "reference_better" else -1, bound))  # type: ignore[arg-type]
    return points


def factor_figures(studies: Sequence[StudyExtraction], labels: Mapping[str, str]) -> dict[str, str]:
    """SVG text by file name: the effect-direction plot of every factor with evidence, and its albatross plot when two
    reports or more give p and n."""
    out: dict[str, str] = {}
    for s in factor_syntheses(studies):
        spec = s.spec
        if not s.rows:  # no evidence: the summary says so in words
            continue
        title = f"{spec.title}: {spec.level_words} vs {spec.reference_words}"
        fig = effect_direction_figure(spec.title, f"{spec.level_words} vs {spec.reference_words}; one row per report",
                                      direction_rows(s, labels), spec.reference_words, spec.level_words)  # fmt: skip
        out[direction_file(spec.key)] = svg_with_title(figure_bytes(fig, "svg").decode("utf-8"), f"Effect-direction plot: {title}",
                                                       "One row per report; arrow up favours " + spec.reference_words)
        points = albatross_points(s, labels)
        if len(points) >= 2:
            fig = albatross_figure(spec.title, f"{spec.level_words} vs {spec.reference_words}; reports that print a p-value",
                                   points, spec.reference_words, spec.level_words)  # fmt: skip
            out[albatross_file(spec.key)] = svg_with_title(figure_bytes(fig, "svg").decode("utf-8"), f"Albatross plot: {title}",
                                                           "Reports by two-sided p-value (signed by direction) against patients")
    return out
