"""Parse a CSV table of studies (as text) into effect sizes for pooling.

The columns decide the input (first match wins):

================================  =========================================  ============
columns                           meaning                                    layout
================================  =========================================  ============
``xi, ni``                        events and totals                          ``counts``
``yi, vi`` or ``yi, sei``         effect size on the analysis scale          ``yi``
``estimate, ci_lower, ci_upper``  a ratio with its 95% CI                    ``ratio_ci``
(same columns, a proportion       a proportion (0-1) or a percentage         ``prop_ci``
measure)                          (0-100) with its 95% CI (Wald)
``estimate, se``                  a proportion with its SE                   ``prop_se``
``estimate, p``                   a ratio with its two-sided p-value         ``ratio_p``
================================  =========================================  ============

Which measures a layout can give is read from the measure table
(:attr:`secondhct.measures.Measure.layouts`).

``estimate, ci_lower, ci_upper`` can be a ratio or a proportion (a percentage): without
``--measure`` it is an error naming the choices, never a guess (a percentage read as a
hazard ratio was pooled as "HR 36.9"). With a proportion measure the three columns are
percentages when any value is above 1, else proportions.

An optional ``study`` column labels the rows; any other column can be used for
subgroups.  Errors are :class:`~secondhct.errors.InputError` naming file, line and
column.  No file access here: the caller passes the text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import InputError, PoolingError
from ..measures import MEASURES
from ..stats.escalc import EffectSize, proportion_effect_sizes, proportion_from_ci, proportion_from_se, ratio_from_ci, ratio_from_p
from .cells import finite_number

LAYOUTS = "xi,ni | yi,vi | yi,sei | estimate,ci_lower,ci_upper | estimate,se | estimate,p"
#: The measure a layout gives when ``--measure`` is not set.
DEFAULT_MEASURE = {"counts": "PLO", "yi": "GEN", "prop_se": "PLO", "ratio_p": "HR"}


@dataclass(frozen=True)
class StudyTable:
    """Effect sizes of the studies in a table, with labels and the raw columns."""

    source: str
    layout: str
    measure: str
    effects: tuple[EffectSize, ...]
    labels: tuple[str, ...]
    lines: tuple[int, ...]
    columns: dict[str, tuple[str, ...]]
    ni: tuple[float, ...] | None = None

    def subset(self, keep: Sequence[bool]) -> StudyTable:
        """The rows where ``keep`` is true."""

        def pick(values: Sequence[object]) -> tuple[object, ...]:
            return tuple(v for v, k in zip(values, keep) if k)

        return StudyTable(
            self.source, self.layout, self.measure, pick(self.effects), pick(self.labels), pick(self.lines),  # type: ignore[arg-type]
            {h: pick(col) for h, col in self.columns.items()},  # type: ignore[misc]
            pick(self.ni) if self.ni is not None else None,  # type: ignore[arg-type]
        )  # fmt: skip


def _allowed(layout: str) -> tuple[str, ...]:
    return tuple(code for code, m in MEASURES.items() if layout in m.layouts)


def _ci_layout(source: str, measure: str | None) -> str:
    """``estimate,ci_lower,ci_upper``: a ratio (``ratio_ci``) or a proportion (``prop_ci``), as ``measure`` says."""
    ratios = _allowed("ratio_ci")
    proportions = tuple(code for code in _allowed("prop_se") if code in _allowed("prop_ci"))
    if measure is None:
        raise InputError(
            f"{source}: the columns estimate,ci_lower,ci_upper can be ratios or proportions (values above 1 can be ratios "
            f"or percentages); say which with --measure: {', '.join(ratios)} for a ratio, or {', '.join(proportions)} "
            "for a proportion (0-1) or a percentage (0-100)"
        )
    return "prop_ci" if measure in proportions else "ratio_ci"


def _above_one(cell: str) -> bool:
    try:
        return float(cell) > 1
    except ValueError:  # reported with its line when the row is read
        return False


def parse_study_table(text: str, source: str, measure: str | None = None) -> StudyTable:
    """Read the CSV ``text`` (from file ``source``, used in messages) into a :class:`StudyTable`.

    (Longer than 60 lines on purpose: one pass over the header and the rows, each error naming its line and column.)
    """
    if not text.strip():
        raise InputError(f"{source}: the file is empty; expected a header line with one of: {LAYOUTS}")
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as exc:
        raise InputError(f"{source}, line 1: {exc}") from None
    names = set(header)
    needed: tuple[str, ...]
    dup = sorted({h for h in header if header.count(h) > 1 and h})
    if dup:
        raise InputError(f"{source}, line 1: column {dup[0]!r} appears more than once")
    present = [cols for cols in (("xi", "ni"), ("yi", "vi"), ("yi", "sei"), ("estimate", "ci_lower", "ci_upper"), ("estimate", "se"),
                                     ("estimate", "p"))
               if set(cols) <= names]  # fmt: skip
    if len(present) > 1:
        shown = " and ".join(",".join(cols) for cols in present)
        raise InputError(f"{source}, line 1: the header has the columns of more than one input layout ({shown}); "
                         "keep the columns of one layout and rename or drop the others")  # fmt: skip
    if {"xi", "ni"} <= names:
        layout, needed = "counts", ("xi", "ni")
    elif "yi" in names and ("vi" in names or "sei" in names):
        layout, needed = "yi", ("yi", "vi" if "vi" in names else "sei")
    elif {"estimate", "ci_lower", "ci_upper"} <= names:
        layout, needed = "ratio_ci", ("estimate", "ci_lower", "ci_upper")
    elif {"estimate", "se"} <= names:
        layout, needed = "prop_se", ("estimate", "se")
    elif {"estimate", "p"} <= names:
        layout, needed = "ratio_p", ("estimate", "p")
    else:
        raise InputError(
            f"{source}, line 1: the header ({', '.join(header) or 'nothing'}) lacks the columns of every "
            f"input layout; need one of: {LAYOUTS}"
        )
    if layout == "ratio_ci":
        layout = _ci_layout(source, measure)
    measure = measure or DEFAULT_MEASURE[layout]
    if measure not in _allowed(layout):
        allowed = (*_allowed("ratio_ci"), *_allowed("prop_ci")) if layout in ("ratio_ci", "prop_ci") else _allowed(layout)
        raise InputError(
            f"{source}: --measure {measure} does not fit columns {','.join(needed)}; allowed: {', '.join(allowed)}"
        )

    rows: list[dict[str, str]] = []
    lines: list[int] = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise InputError(f"{source}, line {reader.line_num}: {len(row)} fields, but the header has {len(header)}")
            rows.append({h: c.strip() for h, c in zip(header, row)})
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise InputError(f"{source}, line {reader.line_num}: {exc}") from None
    if not rows:
        raise InputError(f"{source}: the header has no data rows below it")

    def number(i: int, col: str) -> float:
        cell = rows[i][col]
        if cell == "":
            raise InputError(f"{source}, line {lines[i]}, column {col!r}: the cell is empty")
        return finite_number(cell, f"{source}, line {lines[i]}", col)

    percent = 100.0 if layout == "prop_ci" and any(_above_one(r[c]) for r in rows for c in needed) else 1.0
    effects: list[EffectSize] = []
    ni_out: list[float] | None = None
    for i in range(len(rows)):
        where = f"{source}, line {lines[i]}"
        try:
            if layout == "counts":
                x, n = number(i, "xi"), number(i, "ni")
                if n <= 0:
                    raise InputError(f"{where}, column 'ni': total {n:g} must be > 0")
                if x < 0:
                    raise InputError(f"{where}, column 'xi': events {x:g} must be >= 0")
                if x > n:
                    raise InputError(f"{where}, column 'xi': {x:g} events exceed the total ni = {n:g}")
                for col, value in (("xi", x), ("ni", n)):
                    if value != int(value):
                        raise InputError(f"{where}, column {col!r}: {value:g} is not a whole number of patients")
                effects.append(proportion_effect_sizes(measure, [x], [n])[0])
                ni_out = (ni_out or []) + [n]
            elif layout == "yi":
                y, col = number(i, "yi"), needed[1]
                spread = number(i, col)
                if spread <= 0:
                    what = "variance" if col == "vi" else "standard error"
                    raise InputError(f"{where}, column {col!r}: {what} {spread:g} must be positive")
                vi = spread if col == "vi" else spread * spread  # inf, not OverflowError, for an absurd SE
                effects.append(EffectSize(y, vi, measure, f"{measure} yi and {col} as given"))
            elif layout == "ratio_ci":
                est, lo, up = number(i, "estimate"), number(i, "ci_lower"), number(i, "ci_upper")
                effects.append(ratio_from_ci(est, lo, up, measure))
            elif layout == "prop_ci":
                est, lo, up = (number(i, c) / percent for c in needed)
                effects.append(proportion_from_ci(est, lo, up, measure))
            elif layout == "ratio_p":  # the p cell as printed: 0.004 or a bound such as <0.001
                cell = rows[i]["p"]
                if cell == "":
                    raise InputError(f"{where}, column 'p': the cell is empty")
                effects.append(ratio_from_p(number(i, "estimate"), cell, measure))
            else:
                est, se = number(i, "estimate"), number(i, "se")
                effects.append(proportion_from_se(est, se, measure))
        except PoolingError as exc:
            raise InputError(f"{where}: {exc}") from None
    labels = tuple(r.get("study") or f"row {ln}" for r, ln in zip(rows, lines))
    columns = {h: tuple(r[h] for r in rows) for h in header if h}
    return StudyTable(
        source=source,
        layout=layout,
        measure=measure,
        effects=tuple(effects),
        labels=labels,
        lines=tuple(lines),
        columns=columns,
        ni=tuple(ni_out) if ni_out is not None else None,
    )
