"""The PRISMA 2020 flow diagram, drawn from the search log (``searches.yaml``).

The boxes and arrows are those of the PRISMA 2020 statement (Page et al., BMJ
2021;372:n71): identification (records from databases and registers, records from
other methods, records removed before screening), screening (records screened and
excluded, reports sought and not retrieved, reports assessed and excluded with
reasons) and included (studies and reports). The log has one set of screening
counts, so the records of both identification boxes flow through one screening
column. The counts from the reports assessed down are the build's
(:func:`secondhct.review.flow.report_flow`), never typed in the log. A count the
log does not state is printed ``not stated``; a kind of source that was not
searched is printed ``none searched``. :func:`prisma_figure` returns
the Figure; :func:`prisma_svg` the SVG text (deterministic, with ``<title>`` and
``<desc>``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from ..review.flow import ReportFlow
from ..searchlog import DATABASE_SOURCES, SearchLog
from .save import figure_bytes, svg_with_title
from .style import BLACK, FONT_FAMILY, inch_canvas, rc_context
from .text import TextMeasurer, wrap_to_width

PRISMA_SVG = "prisma.svg"
TITLE = "PRISMA 2020 flow diagram"
FONT = 8.0
LINE = FONT * 1.35 / 72  # inches per line
PAD = 0.09
GAP = 0.32
WIDTH = 9.0
BAND = (0.12, 0.5)  # phase label column (x from, x to)
MAIN = (0.72, 5.0)
SIDE = (5.45, 8.88)
BAND_FILL = "#DCEBF7"
MIN_PHASE = 0.85  # inches: room for the rotated phase label
BULLET = "\u2022 "  # a part of a box's count (a reason, a kind of inclusion)
_KIND_WORDS = {
    "database": "Databases", "register": "Registers", "website": "Websites", "organisation": "Organisations",
    "citation_searching": "Citation searching", "other": "Other sources",
}


def n_text(value: int | str | None) -> str:
    """``(n = 12)``, ``(n = not stated)``, or ``(none searched)`` for a source not searched."""
    return "(none searched)" if value is None else f"(n = {value})"


@dataclass
class _Box:
    x0: float
    x1: float
    paragraphs: tuple[str, ...]
    lines: tuple[str, ...] = ()
    y: float = 0.0  # top

    @property
    def height(self) -> float:
        return len(self.lines) * LINE + 2 * PAD

    @property
    def mid_x(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def mid_y(self) -> float:
        return self.y + self.height / 2

    @property
    def bottom(self) -> float:
        return self.y + self.height


def _identification(log: SearchLog) -> tuple[tuple[str, ...], tuple[str, ...]]:
    databases = ["Records identified from databases and registers:"]
    for kind in DATABASE_SOURCES:
        databases.append(f"{_KIND_WORDS[kind]} {n_text(log.identified((kind,)))}")
    other = ["Records identified from other methods:"]
    kinds = [k for k in _KIND_WORDS if k not in DATABASE_SOURCES and any(s.source == k for s in log.searches)]
    other += [f"{_KIND_WORDS[k]} {n_text(log.identified((k,)))}" for k in kinds] or ["(none searched)"]
    return tuple(databases), tuple(other)


def _reasons(flow: ReportFlow) -> tuple[str, ...]:
    head = f"Reports excluded {n_text(flow.n_excluded)}" + (":" if flow.excluded else "")
    return (head, *(f"{BULLET}{reason} (n = {len(keys)})" for reason, keys in flow.excluded.items()))


def _included(flow: ReportFlow) -> tuple[str, ...]:
    lines = [
        f"Reports included in the review {n_text(flow.included)}:",
        f"{BULLET}in at least one primary analysis {n_text(len(flow.primary))}",
    ]
    if flow.sensitivity_only:
        lines.append(f"{BULLET}in sensitivity analyses only {n_text(len(flow.sensitivity_only))}")
    if flow.factor_only:
        lines.append(f"{BULLET}in the factor evidence table only {n_text(len(flow.factor_only))}")
    return (*lines, "Studies included in review (n = not counted: reports are not grouped into studies)")


def box_texts(log: SearchLog, flow: ReportFlow) -> dict[str, tuple[str, ...]]:
    """The text of every box, by name (also the ``<desc>`` of the SVG): the searches' counts from
    ``log``, the reports assessed, included and excluded from ``flow``."""
    s = log.screening
    databases, other = _identification(log)
    texts = {
        "databases": databases,
        "other": other,
        "removed": (
            "Records removed before screening:",
            f"Duplicate records removed {n_text(s.duplicates_removed)}",
            f"Records marked as ineligible by automation tools {n_text(s.removed_by_automation)}",
            f"Records removed for other reasons {n_text(s.removed_other_reasons)}",
        ),
        "screened": (f"Records screened {n_text(s.records_screened)}",),
        "records_excluded": (f"Records excluded {n_text(s.records_excluded)}",),
        "sought": (f"Reports sought for retrieval {n_text(s.reports_sought)}",),
        "not_retrieved": (f"Reports not retrieved {n_text(s.reports_not_retrieved)}",),
        "awaiting": (f"Reports awaiting assessment {n_text(s.reports_awaiting_assessment)}",),
        "assessed": (f"Reports assessed for eligibility {n_text(len(flow.assessed))}",),
        "reports_excluded": _reasons(flow),
        "included": _included(flow),
    }
    if s.reports_awaiting_assessment == 0:
        del texts["awaiting"]
    return texts


def caption(log: SearchLog) -> str:
    dates = ", ".join(log.search_dates)
    return (
        f"Searches on {dates} (last search {log.last_search}). Boxes as in PRISMA 2020 (Page et al., BMJ "
        "2021;372:n71). Counts down to the reports awaiting assessment are those the search log records "
        "('not stated': not recorded; 'none searched': no search of that kind). Reports assessed are the "
        "extractions in studies/; included and excluded (each under the furthest selection stage it reached) "
        "are computed by the build. Records from both identification boxes pass through one screening column."
    )


def _layout(texts: dict[str, tuple[str, ...]], measurer: TextMeasurer) -> tuple[dict[str, _Box], list[tuple[str, float, float]], float]:
    half = (MAIN[0] + MAIN[1]) / 2
    columns = {"databases": (MAIN[0], half - 0.08), "other": (half + 0.08, MAIN[1])}
    boxes: dict[str, _Box] = {}
    for name, paragraphs in texts.items():
        x0, x1 = columns.get(name, SIDE if name in ("removed", "records_excluded", "not_retrieved", "awaiting", "reports_excluded") else MAIN)
        width_pt = (x1 - x0 - 2 * PAD) * 72
        lines = tuple(line for p in paragraphs for line in wrap_to_width(p, width_pt, measurer, FONT))
        boxes[name] = _Box(x0, x1, paragraphs, lines)
    rows: list[tuple[str, Sequence[str]]] = [
        ("Identification", ("databases", "other")), ("Identification", ("removed",)),
        ("Screening", ("screened", "records_excluded")), ("Screening", ("sought", "not_retrieved")),
        ("Screening", ("awaiting",)), ("Screening", ("assessed", "reports_excluded")), ("Included", ("included",)),
    ]
    y = 0.15
    phases: dict[str, list[float]] = {}
    for phase, names in rows:
        present = [boxes[n] for n in names if n in boxes]
        if not present:
            continue
        height = max([b.height for b in present] + [MIN_PHASE if phase == "Included" else 0.0])
        for b in present:
            b.y = y if names == ("databases", "other") else y + (height - b.height) / 2
        phases.setdefault(phase, [y, y + height])[1] = y + height
        y += height + GAP
    bands = [(phase, top, bottom) for phase, (top, bottom) in phases.items()]
    return boxes, bands, y


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], head: bool = True) -> None:
    style = "-|>,head_length=4,head_width=2.2" if head else "-"
    arrow = FancyArrowPatch(start, end, arrowstyle=style, color=BLACK, linewidth=0.8, shrinkA=0, shrinkB=0)
    ax.add_patch(arrow)


def prisma_figure(log: SearchLog, flow: ReportFlow) -> Figure:
    """The PRISMA 2020 flow diagram of ``log`` and the build's ``flow`` of the assessed reports."""
    measurer = TextMeasurer([FONT_FAMILY], FONT)
    texts = box_texts(log, flow)
    boxes, bands, bottom = _layout(texts, measurer)
    note_lines = wrap_to_width(caption(log), (SIDE[1] - BAND[0]) * 72, measurer, FONT - 0.5)
    height = bottom + len(note_lines) * LINE + 0.1
    with rc_context():
        fig, ax = inch_canvas(WIDTH, height)
        for phase, top, end in bands:
            ax.add_patch(FancyBboxPatch((BAND[0], top), BAND[1] - BAND[0], end - top, boxstyle="round,pad=0,rounding_size=0.08",
                                        facecolor=BAND_FILL, edgecolor="none"))
            ax.text((BAND[0] + BAND[1]) / 2, (top + end) / 2, phase, rotation=90, ha="center", va="center",
                    fontsize=FONT + 1, fontweight="bold")
        for box in boxes.values():
            ax.add_patch(FancyBboxPatch((box.x0, box.y), box.x1 - box.x0, box.height, boxstyle="square,pad=0",
                                        facecolor="white", edgecolor=BLACK, linewidth=0.8))
            for i, line in enumerate(box.lines):
                ax.text(box.x0 + PAD, box.y + PAD + (i + 0.5) * LINE, line, ha="left", va="center", fontsize=FONT)
        _arrows(ax, boxes)
        for i, line in enumerate(note_lines):
            ax.text(BAND[0], bottom + (i + 0.5) * LINE, line, ha="left", va="center", fontsize=FONT - 0.5, color="#444444")
    return fig


def _arrows(ax: Axes, boxes: dict[str, _Box]) -> None:
    db, other, removed, screened = boxes["databases"], boxes["other"], boxes["removed"], boxes["screened"]
    join = removed.mid_y
    centre = screened.mid_x
    _arrow(ax, (db.mid_x, db.bottom), (db.mid_x, join), head=False)
    _arrow(ax, (other.mid_x, other.bottom), (other.mid_x, join), head=False)
    _arrow(ax, (db.mid_x, join), (other.mid_x, join), head=False)
    _arrow(ax, (other.mid_x, join), (removed.x0, join))
    _arrow(ax, (centre, join), (centre, screened.y))
    chain = [screened, boxes["sought"], boxes["assessed"], boxes["included"]]
    for upper, lower in zip(chain, chain[1:]):
        _arrow(ax, (centre, upper.bottom), (centre, lower.y))
    for main, side in (("screened", "records_excluded"), ("sought", "not_retrieved"), ("assessed", "reports_excluded")):
        _arrow(ax, (boxes[main].x1, boxes[main].mid_y), (boxes[side].x0, boxes[main].mid_y))
    if "awaiting" in boxes:
        awaiting = boxes["awaiting"]
        _arrow(ax, (centre, awaiting.mid_y), (awaiting.x0, awaiting.mid_y))


def prisma_svg(log: SearchLog, flow: ReportFlow) -> str:
    """The diagram as SVG text with a ``<title>`` and a ``<desc>`` listing every box."""
    svg = figure_bytes(prisma_figure(log, flow), "svg").decode("utf-8")
    desc = " | ".join(" ".join(paragraphs) for paragraphs in box_texts(log, flow).values()) + " | " + caption(log)
    return svg_with_title(svg, TITLE, desc)


def prisma_files(log: SearchLog | None, flow: ReportFlow) -> dict[str, str]:
    """``{"prisma.svg": svg}`` for the build, or nothing without a (valid) search log."""
    return {PRISMA_SVG: prisma_svg(log, flow)} if log is not None else {}
