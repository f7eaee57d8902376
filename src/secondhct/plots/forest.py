"""Forest plot: study table on the left, CIs in the middle, estimates and weights on the right.

:func:`forest_plot` draws a :class:`~secondhct.plots.data.ForestData` and returns the
matplotlib Figure (it saves nothing; see :mod:`secondhct.plots.save`).  The layout is
computed in inches from measured text widths, so columns never overlap whatever the
labels, and the figure grows with the number of rows.

Artists carry ids (``gid``) so tests and SVG readers can find them: ``study-squares``,
``study-whiskers``, ``excluded-whiskers``, ``excluded-markers``, ``clip-arrows-left`` /
``clip-arrows-right``, ``diamond-random``, ``diamond-common``, ``diamond-subtotal-<n>``,
``prediction-interval``, ``reference-line``, ``weight-<n>`` (weight texts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon, Rectangle
from matplotlib.transforms import blended_transform_factory

from .axis import ARROW_LEFT, ARROW_RIGHT, apply_axis, axis_limits
from .data import ForestData
from .forest_rows import CONTINUATION, Entry, build_entries, footer_lines, split_header
from .scale import DisplayScale, display_scale
from .style import FONT_FAMILY, ForestStyle, rc_context
from .text import (
    TextMeasurer,
    wrap_to_width,
)

LEFT_COLUMNS = ("label", "disease", "accrual", "detail", "patients", "reported", "time")
RIGHT_COLUMNS = ("estimate", "weight")
RIGHT_ALIGNED = ("patients", "estimate", "weight")
#: Spacing of the second and later lines of a row, in rows.


def forest_plot(data: ForestData, style: ForestStyle | None = None) -> Figure:
    """Draw the forest plot of ``data`` and return the Figure.

    Rows: one per study (squares with area proportional to the weight, CI whiskers with
    arrow heads where the axis clips them; excluded studies greyed with an open circle
    and their reason), then per subgroup a subtotal diamond, then the common-effect
    (open) and random-effects (filled) diamonds and the prediction interval as a grey
    bar.  Left columns: study, disease, patients, reported value (footnote marks where
    derived); right columns: estimate [95% CI] on the natural scale and weight.  The
    footer gives the method, k, patients, tau^2, I^2 with CIs, Q and the subgroup test.
    """
    st = style or ForestStyle()
    # the Freeman-Tukey inverse uses the harmonic mean of the pooled studies' sizes (metafor's ni)
    pats = [r.patients for r in data.included_rows]
    known = [float(n) for n in pats if n is not None]
    scale = display_scale(data.measure, patients=known if len(known) == len(pats) else None,
                          backtransform=data.backtransform, outcome=data.outcome)  # fmt: skip
    with rc_context():
        return _draw(data, scale, st)


_SPANNING = ("heading", "subtotal", "pooled", "common", "prediction")


@dataclass
class _Columns:
    """The horizontal layout, in inches: where each column's text is anchored and where the plot starts."""

    left: list[str]
    right: list[str]
    x: dict[str, float]
    plot_x0: float
    fig_w: float


@dataclass
class _Rows:
    """The vertical layout: header height and table lines (rows of ``st.row_height``), footer and title lines, figure height."""

    head_h: float
    n_lines: float
    footer: list[str]
    footer_h: float
    title_lines: list[str]
    axis_h: float
    fig_h: float


def _header(data: ForestData, scale: DisplayScale) -> Entry:
    """The column headers; a Bayesian pooled model heads its interval "CrI" (the reports' own intervals stay CIs)
    and its weights "posterior mean" (:attr:`secondhct.stats.bayes.BayesResult.mean_weights`)."""
    bayes = data.pooled is not None and data.pooled.method == "BAYES"
    estimate = split_header(scale.header, data.pooled.level if data.pooled else 0.95, credible=bayes)
    if bayes and len(estimate) == 2:
        estimate[1] = estimate[1].replace("CrI]", "CI/CrI]")
    return Entry("header", {"label": ["Study"], "disease": ["Disease"], "accrual": ["Accrual"], "patients": ["Patients"],
                            "reported": ["Reported"], "detail": data.detail_header.split("; "), "time": ["Time"],
                            "estimate": estimate, "weight": ["Weight", "(posterior)"] if bayes else ["Weight"]}, bold=True)  # fmt: skip


def _columns(header: Entry, entries: list[Entry], meas: TextMeasurer, st: ForestStyle) -> _Columns:
    """Column widths from the measured text (spanning labels may widen the study column), then their positions."""
    present = {c for e in entries for c, v in e.cells.items() if any(v)}
    left = [c for c in LEFT_COLUMNS if c == "label" or c in present]
    right = [c for c in RIGHT_COLUMNS if c in present]
    small = st.font_size - 1

    def width(col: str) -> float:
        w = 0.0
        for e in [header, *entries]:
            if e.kind in _SPANNING and col == "label":
                continue  # spanning labels are fitted below
            for s in e.cells.get(col, []):
                w = max(w, meas.width(s, weight="bold" if e.bold else "normal"))
            if col == "label":
                for s in e.small:
                    w = max(w, meas.width(s, size=small, style="italic"))
        return w / 72

    widths = {c: width(c) for c in left + right}
    span = max([meas.width(s, weight="bold" if e.bold else "normal") / 72 for e in entries
                if e.kind in _SPANNING for s in e.cells.get("label", [])]
               + [meas.width(s, size=small, style="italic") / 72 for e in entries if e.kind == "subtotal" for s in e.small]
               + [0.0])  # fmt: skip
    span_cols = [c for c in left if c in ("label", "disease")]
    available = sum(widths[c] for c in span_cols) + st.column_gap * (len(span_cols) - 1)
    if span > available:
        widths["label"] += span - available
    gap = st.column_gap
    x = st.margin
    col_x: dict[str, float] = {}
    for c in left:
        col_x[c] = x + (widths[c] if c in RIGHT_ALIGNED else 0.0)
        x += widths[c] + gap
    plot_x0 = x + 0.05
    x = plot_x0 + st.plot_width + gap + 0.05
    for c in right:
        col_x[c] = x + (widths[c] if c in RIGHT_ALIGNED else 0.0)
        x += widths[c] + gap
    return _Columns(left, right, col_x, plot_x0, x - gap + st.margin)


def _rows(data: ForestData, scale: DisplayScale, header: Entry, entries: list[Entry], footnotes: list[str], fig_w: float,
          meas: TextMeasurer, st: ForestStyle) -> _Rows:  # fmt: skip
    """Each entry's top line (set on the entry), the wrapped footer and title, and the figure height."""
    head_lines = max(len(v) for v in header.cells.values())
    head_h = 1.0 + CONTINUATION * (head_lines - 1) + 0.3
    top = head_h  # the header occupies [0, head_h)
    for e in entries:
        e.top = top
        top += 0.6 if e.kind == "gap" else e.height
    n_lines = top + 0.3
    small = st.font_size - 1
    footer_w = max(fig_w - 2 * st.margin, 3.0) * 72
    footer = [ln for text in footer_lines(data, scale, footnotes) for ln in wrap_to_width(text, footer_w, meas, small)]
    title_size = st.font_size + 2
    title_lines = wrap_to_width(data.title, footer_w, meas, title_size, weight="bold") if data.title else []
    title_h = 0.12 + len(title_lines) * (title_size + 3) / 72 if title_lines else 0.0
    axis_h = 0.48 + (0.4 if data.favours else 0.0)
    footer_h = len(footer) * (small + 2.5) / 72 + 0.06
    fig_h = st.margin + title_h + n_lines * st.row_height + axis_h + footer_h + st.margin
    return _Rows(head_h, n_lines, footer, footer_h, title_lines, axis_h, fig_h)


def _draw(data: ForestData, scale: DisplayScale, st: ForestStyle) -> Figure:
    """The figure: measured layout (:func:`_columns`, :func:`_rows`), axis, table text, graphics, footer and title."""
    entries, footnotes = build_entries(data, scale, st)
    header = _header(data, scale)
    meas = TextMeasurer([FONT_FAMILY], st.font_size)
    cols = _columns(header, entries, meas, st)
    rows = _rows(data, scale, header, entries, footnotes, cols.fig_w, meas, st)
    fig = Figure(figsize=(cols.fig_w, rows.fig_h), dpi=100)
    FigureCanvasAgg(fig)
    ax_bottom = st.margin + rows.footer_h + rows.axis_h
    ax = fig.add_axes((cols.plot_x0 / cols.fig_w, ax_bottom / rows.fig_h, st.plot_width / cols.fig_w,
                       rows.n_lines * st.row_height / rows.fig_h))  # fmt: skip
    ax.set_ylim(rows.n_lines, 0)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", left=False, labelleft=False)
    ax.set_facecolor("none")
    values = [v for e in entries if e.kind != "gap" for v in (e.lo, e.hi, e.est) if v is not None]
    xlim = data.xlim or axis_limits(scale, values)
    apply_axis(ax, scale, xlim)
    ax.set_xlabel(scale.axis_label, fontsize=st.font_size)
    if data.favours:
        _draw_favours(fig, data.favours, cols, rows, st)
    _draw_table(ax, blended_transform_factory(fig.dpi_scale_trans, ax.transData), header, entries, cols, rows, st)
    _draw_graphics(ax, entries, st, xlim, data.reference if data.reference is not None else scale.null, rows.head_h)
    _draw_footer_and_title(fig, data, cols, rows, st)
    return fig


def _draw_favours(fig: Figure, favours: tuple[str, str], cols: _Columns, rows: _Rows, st: ForestStyle) -> None:
    """Two lines under the axis (below 1 on the left, above 1 on the right), so that long words never overlap."""
    sides = ((0.0, f"\u2190 favours {favours[0]}", "left", 0.24), (1.0, f"favours {favours[1]} \u2192", "right", 0.04))
    for frac, text, ha, dy in sides:
        x_fav = (cols.plot_x0 + frac * st.plot_width) / cols.fig_w
        fig.text(x_fav, (st.margin + rows.footer_h + dy) / rows.fig_h, text, fontsize=st.font_size - 1, ha=ha, va="bottom",
                 fontstyle="italic", gid=f"favours-{ha}")  # fmt: skip


def _draw_table(ax: Any, tr: Any, header: Entry, entries: list[Entry], cols: _Columns, rows: _Rows, st: ForestStyle) -> None:
    """The header, its rule, and every entry's cells (weights numbered ``weight-<n>``) and small lines."""
    small = st.font_size - 1

    def put(col: str, y: float, s: str, e: Entry, *, size: float | None = None, italic: bool = False, gid: str | None = None) -> None:
        ha = "right" if col in RIGHT_ALIGNED else "left"
        ax.text(cols.x[col], y, s, transform=tr, ha=ha, va="center", fontsize=size or st.font_size, color=e.colour,
                fontweight="bold" if e.bold else "normal", fontstyle="italic" if italic else "normal", gid=gid)  # fmt: skip

    head_h = rows.head_h
    for col in cols.left + cols.right:
        lines = header.cells[col]
        for j, s in enumerate(lines):
            put(col, head_h - 0.65 - CONTINUATION * (len(lines) - 1 - j), s, header)
    rule = Line2D([st.margin, cols.fig_w - st.margin], [head_h, head_h], transform=tr, color="#000000", lw=0.6)
    ax.add_artist(rule)
    rule.set_clip_on(False)
    n_weight = 0
    for e in entries:
        y0 = e.top + 0.5
        for col, lines in e.cells.items():
            if col not in cols.x:
                continue
            for j, s in enumerate(lines):
                gid = None
                if col == "weight" and e.kind == "study":
                    n_weight += 1
                    gid = f"weight-{n_weight}"
                put(col, y0 + CONTINUATION * j, s, e, gid=gid)
        nlab = len(e.cells.get("label", []))
        for j, s in enumerate(e.small):
            put("label", y0 + CONTINUATION * (nlab + j), s, e, size=small, italic=True)


def _draw_footer_and_title(fig: Figure, data: ForestData, cols: _Columns, rows: _Rows, st: ForestStyle) -> None:
    small, title_size, margin = st.font_size - 1, st.font_size + 2, st.margin
    yb = margin + rows.footer_h - 0.04
    for ln in rows.footer:
        yb -= (small + 2.5) / 72
        fig.text(margin / cols.fig_w, (yb + 0.5 * small / 72) / rows.fig_h, ln, fontsize=small, ha="left", va="center")
    for j, ln in enumerate(rows.title_lines):
        y_in = rows.fig_h - margin - (j + 0.5) * (title_size + 3) / 72
        fig.text(margin / cols.fig_w, y_in / rows.fig_h, ln, fontsize=title_size, fontweight="bold", ha="left", va="center")


def _draw_graphics(
    ax: object, entries: list[Entry], st: ForestStyle, xlim: tuple[float, float], ref: float | None, head_h: float
) -> None:
    """Squares, whiskers, arrows, diamonds, the prediction bar and the reference line.

    (Longer than 60 lines on purpose: one loop over the row kinds of a forest plot (study, subtotal, pooled, prediction).)
    """
    lo_lim, hi_lim = xlim
    segs: list[list[tuple[float, float]]] = []
    ex_segs: list[list[tuple[float, float]]] = []
    left: list[tuple[float, float]] = []
    right: list[tuple[float, float]] = []
    sq_x: list[float] = []
    sq_y: list[float] = []
    sq_w: list[float] = []
    ex_x: list[float] = []
    ex_y: list[float] = []
    for e in entries:
        if e.kind not in ("study", "excluded") or e.lo is None or e.hi is None or e.est is None:
            continue
        y = e.top + 0.5
        a, b = max(e.lo, lo_lim), min(e.hi, hi_lim)
        if e.lo < lo_lim:
            left.append((lo_lim, y))
        if e.hi > hi_lim:
            right.append((hi_lim, y))
        if a < b:
            (segs if e.kind == "study" else ex_segs).append([(a, y), (b, y)])
        if lo_lim <= e.est <= hi_lim:
            if e.kind == "study":
                sq_x.append(e.est)
                sq_y.append(y)
                sq_w.append(e.weight if e.weight is not None else float("nan"))
            else:
                ex_x.append(e.est)
                ex_y.append(y)
    lw = st.line_width
    ax.add_collection(LineCollection(segs, colors=st.whisker_colour, linewidths=lw, gid="study-whiskers"))  # type: ignore[attr-defined]
    if ex_segs:
        ax.add_collection(LineCollection(ex_segs, colors=st.excluded_colour, linewidths=lw, linestyles=(0, (2, 1.5)), gid="excluded-whiskers"))  # type: ignore[attr-defined]  # fmt: skip
    max_side = st.max_square_fraction * st.row_height * 72
    w = np.asarray(sq_w, dtype=float)
    if w.size:
        if np.all(np.isnan(w)):
            sizes = np.full(w.size, (0.5 * max_side) ** 2)
        else:
            wmax = float(np.nanmax(w)) or 1.0
            sizes = max_side**2 * np.nan_to_num(w, nan=0.0) / wmax
        ax.scatter(sq_x, sq_y, s=sizes, marker="s", c=st.square_colour, linewidths=0, zorder=3, gid="study-squares")  # type: ignore[attr-defined]
    if ex_x:
        ax.scatter(ex_x, ex_y, s=16, marker="o", facecolors="white", edgecolors=st.excluded_colour, linewidths=lw, zorder=3, gid="excluded-markers")  # type: ignore[attr-defined]  # fmt: skip
    for pts, marker, gid in ((left, ARROW_LEFT, "clip-arrows-left"), (right, ARROW_RIGHT, "clip-arrows-right")):
        if pts:
            xs, ys = zip(*pts)
            ax.scatter(xs, ys, s=30, marker=marker, c=st.whisker_colour, linewidths=0, zorder=4, clip_on=False, gid=gid)  # type: ignore[attr-defined]  # fmt: skip

    body_end = 0.0
    for e in entries:
        y = e.top + 0.5
        if e.kind in ("study", "excluded", "heading"):
            body_end = e.top + e.height
        if e.kind in ("pooled", "common", "subtotal") and e.est is not None and e.lo is not None and e.hi is not None:
            h = 0.36
            face = {"pooled": st.diamond_colour, "common": st.common_diamond_colour, "subtotal": st.subtotal_colour}[e.kind]
            # a diamond running past the axis is cut at the limit and gets an arrow head there
            a, b, c = max(e.lo, lo_lim), min(e.hi, hi_lim), min(max(e.est, lo_lim), hi_lim)
            for v, lim, mk in ((e.lo, lo_lim, ARROW_LEFT), (e.hi, hi_lim, ARROW_RIGHT)):
                if (v < lim) if mk is ARROW_LEFT else (v > lim):
                    ax.scatter([lim], [y], s=30, marker=mk, c="#000000", linewidths=0, zorder=4, clip_on=False,  # type: ignore[attr-defined]
                               gid=f"diamond-arrow-{e.tag}-{'left' if mk is ARROW_LEFT else 'right'}")  # fmt: skip
            poly = Polygon([(a, y), (c, y - h), (b, y), (c, y + h)], closed=True, facecolor=face,
                           edgecolor=st.diamond_colour, linewidth=lw, zorder=3, gid=f"diamond-{e.tag}")  # fmt: skip
            ax.add_patch(poly)  # type: ignore[attr-defined]
        if e.kind == "prediction" and e.lo is not None and e.hi is not None:
            a, b = max(e.lo, lo_lim), min(e.hi, hi_lim)
            ax.add_patch(Rectangle((a, y - 0.14), b - a, 0.28, facecolor=st.prediction_colour, edgecolor="#000000",  # type: ignore[attr-defined]
                                   linewidth=lw * 0.75, zorder=3, gid="prediction-interval"))  # fmt: skip
            for v, lim, mk in ((e.lo, lo_lim, ARROW_LEFT), (e.hi, hi_lim, ARROW_RIGHT)):
                if (v < lim) if mk is ARROW_LEFT else (v > lim):
                    ax.scatter([lim], [y], s=30, marker=mk, c="#000000", linewidths=0, zorder=4, clip_on=False,  # type: ignore[attr-defined]
                               gid=f"prediction-arrow-{'left' if mk is ARROW_LEFT else 'right'}")  # fmt: skip
    pooled = next((e for e in entries if e.kind == "pooled"), None)
    if ref is not None and lo_lim < ref < hi_lim:
        ax.add_line(Line2D([ref, ref], [head_h, body_end if pooled is None else pooled.top + 1.0], color=st.reference_colour,  # type: ignore[attr-defined]
                           lw=0.7, zorder=1, gid="reference-line"))  # fmt: skip
    if pooled is not None and pooled.est is not None and lo_lim < pooled.est < hi_lim:
        ax.add_line(Line2D([pooled.est, pooled.est], [head_h, pooled.top + 0.1], color="#4D4D4D", lw=0.6,  # type: ignore[attr-defined]
                           linestyle=(0, (3, 2)), zorder=1, gid="pooled-line"))  # fmt: skip
