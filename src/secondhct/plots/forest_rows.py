"""The rows of a forest plot (studies, subtotals, models, prediction interval) and its footer text.

Pure layout content: which rows there are, what their cells say and where their marks go on
the analysis scale; :mod:`secondhct.plots.forest` measures and draws them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..format import DERIVED_FOOTNOTES, derived_mark, fmt_test
from ..stats.bayes import BayesResult
from ..stats.distributions import norm_isf
from ..stats.models import ModelFit
from .data import ForestData, ForestRow
from .scale import DisplayScale
from .style import ForestStyle
from .text import FOOTNOTE_MARKS, fmt_interval, footnote_mark, heterogeneity_text, method_line, wrap

#: Height of a continuation line (a wrapped label or reason), in rows.
CONTINUATION = 0.78


@dataclass
class Entry:
    """One row of the plot before drawing: texts per column and what to draw in the middle."""

    kind: str  # header, heading, study, excluded, subtotal, pooled, common, prediction, gap
    cells: dict[str, list[str]] = field(default_factory=dict)
    small: list[str] = field(default_factory=list)  # extra label lines in small italic
    bold: bool = False
    colour: str = "#000000"
    est: float | None = None  # display scale
    lo: float | None = None
    hi: float | None = None
    weight: float | None = None
    tag: str = ""
    top: float = 0.0

    @property
    def lines(self) -> int:
        n = max([len(v) for v in self.cells.values()] + [1])
        return max(n, len(self.cells.get("label", [""])) + len(self.small))

    @property
    def height(self) -> float:
        """Height in rows: continuation lines (wrapped labels, reasons) are set tighter."""
        return 1.0 + CONTINUATION * (self.lines - 1)


def split_header(text: str, level: float, credible: bool = False) -> list[str]:
    """``"HR [95% CI]"`` as two header lines (keeps the estimate column narrow), with the interval's level;
    ``credible``: the pooled model is Bayesian, so the pooled interval is a credible interval ("95% CrI")."""
    name, sep, rest = text.partition(" [")
    ci = f"[{100 * level:g}% {'CrI' if credible else 'CI'}]"
    return [name, ci] if sep else [text]


def _z(level: float) -> float:
    return norm_isf((1 - level) / 2)


def _summary_entry(
    kind: str, label: str, res: ModelFit, scale: DisplayScale, patients: int | None, weight: float | None, tag: str
) -> Entry:
    d = scale.to_display(np.array([res.estimate, res.ci_lb, res.ci_ub]))
    cells = {"label": [label], "estimate": [fmt_interval(scale, float(d[0]), float(d[1]), float(d[2]))]}
    if patients is not None:
        cells["patients"] = [f"{patients:,}"]
    if weight is not None:
        cells["weight"] = [f"{weight:.1f}%"]
    return Entry(kind, cells, bold=kind != "subtotal", est=float(d[0]), lo=float(d[1]), hi=float(d[2]), tag=tag)


def _prediction_entry(res: ModelFit, scale: DisplayScale) -> Entry | None:
    """The prediction interval row: a frequentist one from k = 3 on (not for the common-effect
    model); a Bayesian posterior predictive interval at any k."""
    bayesian = isinstance(res, BayesResult)
    if not bayesian and (res.k < 3 or res.method == "EE"):
        return None
    if not (np.isfinite(res.pi_lb) and np.isfinite(res.pi_ub)):
        return None
    d = scale.to_display(np.array([res.pi_lb, res.pi_ub]))
    label = "Predictive interval (new setting)" if bayesian else "Prediction interval"
    return Entry(
        "prediction",
        {"label": [label], "estimate": [fmt_interval(scale, None, float(d[0]), float(d[1]))]},
        lo=float(d[0]),
        hi=float(d[1]),
    )


def _patients(rows: tuple[ForestRow, ...]) -> int | None:
    vals = [r.patients for r in rows if r.included]
    known = [v for v in vals if v is not None]
    return sum(known) if vals and len(known) == len(vals) else None


def build_entries(data: ForestData, scale: DisplayScale, st: ForestStyle) -> tuple[list[Entry], list[str]]:
    """All rows of the plot, top to bottom, and the footnotes for derived numbers.

    (Longer than 60 lines on purpose: one entry per kind of row, in display order.)
    """
    notes: dict[str, str] = {}
    z = _z(data.pooled.level if data.pooled else 0.95)

    def study(r: ForestRow) -> Entry:
        lo, hi = r.ci(z)
        d = scale.to_display(np.array([r.yi, lo, hi]))
        reported = r.reported
        label = wrap(r.label, st.label_wrap)
        if r.derived_note:
            fixed = derived_mark(r.derived_note)
            free = sum(derived_mark(t) is None for t in notes)
            mark = notes.setdefault(r.derived_note, fixed or footnote_mark(len(DERIVED_FOOTNOTES) + free))
            if reported:
                reported += mark
            else:
                label[-1] += mark
        cells = {"label": label, "disease": wrap(r.disease, 18) if r.disease else [], "reported": [reported],
                 "accrual": wrap(r.accrual, 12) if r.accrual else [],
                 "detail": wrap(r.detail, 18) if r.detail else [],
                 "time": [r.time] if r.time else []}
        if r.patients is not None:
            cells["patients"] = [f"{r.patients:,}"]
        cells["estimate"] = [fmt_interval(scale, float(d[0]), float(d[1]), float(d[2]))]
        if r.included:
            if r.weight is not None:
                cells["weight"] = [f"{r.weight:.1f}%"]
            return Entry("study", cells, est=float(d[0]), lo=float(d[1]), hi=float(d[2]), weight=r.weight)
        cells["weight"] = ["excluded"]
        small = wrap(f"excluded: {r.excluded_reason}", st.label_wrap + 6)
        return Entry("excluded", cells, small, colour=st.excluded_colour, est=float(d[0]), lo=float(d[1]), hi=float(d[2]))

    entries: list[Entry] = []
    if data.subgroups:
        for n, (level, res) in enumerate(data.subgroups):
            rows = tuple(r for r in data.rows if r.subgroup == level)
            entries.append(Entry("heading", {"label": [level]}, bold=True))
            entries.extend(study(r) for r in rows)
            ws = [r.weight for r in rows if r.included and r.weight is not None]
            sub = _summary_entry(
                "subtotal", f"Subtotal (k = {res.k})", res, scale, _patients(rows), sum(ws) if ws else None, f"subtotal-{n + 1}"
            )
            if res.k > 1:
                sub.small = [heterogeneity_text(res, short=True)]
            entries.append(sub)
            entries.append(Entry("gap"))
        loose = tuple(r for r in data.rows if r.subgroup is None)
        entries.extend(study(r) for r in loose)
    else:
        entries.extend(study(r) for r in data.rows)
    if data.pooled is not None or data.common is not None:
        if not entries or entries[-1].kind != "gap":
            entries.append(Entry("gap", {}))
    total = _patients(data.rows)
    if data.common is not None:
        entries.append(_summary_entry("common", "Common-effect model", data.common, scale, total, None, "common"))
    if data.pooled is not None:
        label = {"EE": "Common-effect model", "BAYES": "Bayesian random-effects model"}.get(data.pooled.method, "Random-effects model")
        if data.pooled.k == 1:
            label = "Pooled (k = 1: the study itself)"
        has_w = any(r.weight is not None for r in data.included_rows)
        entries.append(_summary_entry("pooled", label, data.pooled, scale, total, 100.0 if has_w else None, "random"))
        if data.show_prediction:
            pi = _prediction_entry(data.pooled, scale)
            if pi is not None:
                entries.append(pi)
    footnotes = [f"{mark} {text}" for text, mark in sorted(notes.items(), key=lambda tm: (len(tm[1]), FOOTNOTE_MARKS.index(tm[1][0])))]
    return entries, footnotes


def footer_lines(data: ForestData, scale: DisplayScale, footnotes: list[str]) -> list[str]:
    out: list[str] = []
    p = data.pooled
    if p is not None:
        k_excl = sum(not r.included for r in data.rows)
        pats = _patients(data.rows)
        who = f"k = {p.k} {'study' if p.k == 1 else 'studies'}"
        if pats is not None:
            who += f", {pats:,} patients"
        if k_excl:
            who += f" ({k_excl} excluded from pooling)"
        out.append(f"{method_line(p, data.measure)}; {who}.")
        out.append(f"Heterogeneity: {heterogeneity_text(p)}.")
        if isinstance(p, BayesResult):
            out.append("Diamond: posterior median and central credible interval of the mean; predictive interval: a new setting.")
    if data.subgroup_test is not None:
        t = data.subgroup_test
        out.append(f"Test for subgroup differences: {fmt_test(t.q, t.df, t.df2, t.p)}.")
    out.extend(footnotes)
    if scale.note:
        out.append(scale.note + ".")
    if data.show_model_notes and p is not None:
        out.extend(f"Note: {n.replace('tau^2', 'τ²')}." for n in dict.fromkeys(p.notes) if not n.startswith("k = 1: test set to z"))
    out.extend(data.notes)
    return out


