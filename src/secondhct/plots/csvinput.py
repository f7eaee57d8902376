"""A minimal CSV reader for ad hoc forest plots (``secondhct forest --csv``).

Columns (header names, any order):

* ``study`` (label) and either ``xi,ni`` (events and totals; measures PLO PAS PFT PR
  PLN) or ``yi,vi`` (effect and variance on the analysis scale; any measure);
* optional: ``disease``, ``patients``, ``reported`` (the value as extracted),
  ``note`` (how a number was derived: becomes a footnote), ``excluded`` (a reason:
  the study is shown greyed and not pooled), and any column named by ``--by``.

Errors are :class:`~secondhct.errors.InputError` with file and line.  No file access:
the caller passes the text.  (Replace with the stats branch's table reader once it
exists, so ``secondhct pool`` and ``secondhct forest`` read the same files.)
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, replace

import numpy as np

from ..errors import InputError, PoolingError
from ..stats.effects import PROPORTION_MEASURES, escalc_proportions
from ..stats.pooling import PooledResult, check_test, fit_rma, pool
from .data import ForestData, ForestRow, SubgroupTestResult, rows_with_weights
from .scale import PROPORTIONS, RATIOS

YI_MEASURES = ("GEN", *RATIOS, *PROPORTIONS)


@dataclass(frozen=True)
class CsvStudies:
    """Rows read from a CSV file, with the layout found and the subgroup of each row."""

    rows: tuple[ForestRow, ...]
    layout: str  # "counts" or "yi"
    measure: str


def _number(value: str, source: str, line: int, column: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise InputError(f"{source}, line {line}, column {column!r}: {value!r} is not a number") from None
    if not math.isfinite(x):
        raise InputError(f"{source}, line {line}, column {column!r}: {value!r} is not a finite number")
    return x


def read_studies(text: str, source: str, measure: str | None = None, by: str | None = None) -> CsvStudies:
    """Parse the CSV ``text`` (named ``source`` in messages) into forest rows."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise InputError(f"{source}: the file is empty; expected a header with study,xi,ni or study,yi,vi")
    reader.fieldnames = header
    if {"xi", "ni"} <= set(header):
        layout = "counts"
        measure = measure or "PLO"
        if measure not in PROPORTION_MEASURES:
            raise InputError(f"{source}: measure {measure} does not fit counts xi,ni; use one of {', '.join(PROPORTION_MEASURES)}")
    elif {"yi", "vi"} <= set(header):
        layout = "yi"
        measure = measure or "GEN"
        if measure not in YI_MEASURES:
            raise InputError(f"{source}: unknown measure {measure}; use one of {', '.join(YI_MEASURES)}")
    else:
        raise InputError(f"{source}, line 1: need columns xi,ni or yi,vi (found: {', '.join(header)})")
    if by is not None and by not in header:
        raise InputError(f"{source}, line 1: no column {by!r} for --by (found: {', '.join(header)})")
    records = []
    for line, rec in enumerate(reader, start=2):
        if not any((v or "").strip() for v in rec.values()):
            continue
        records.append((line, {k: (v or "").strip() for k, v in rec.items() if k is not None}))
    if not records:
        raise InputError(f"{source}: no data rows")
    rows: list[ForestRow] = []
    if layout == "counts":
        xi = [_number(r["xi"], source, ln, "xi") for ln, r in records]
        ni = [_number(r["ni"], source, ln, "ni") for ln, r in records]
        for (ln, _), x, n in zip(records, xi, ni):
            if not (0 <= x <= n and n > 0 and x == int(x) and n == int(n)):
                raise InputError(f"{source}, line {ln}: need whole numbers 0 <= xi <= ni, ni > 0 (got {x:g}/{n:g})")
        yi, vi, corrected = escalc_proportions(measure, xi, ni)  # type: ignore[arg-type]
    else:
        yi = np.array([_number(r["yi"], source, ln, "yi") for ln, r in records])
        vi = np.array([_number(r["vi"], source, ln, "vi") for ln, r in records])
        corrected = np.zeros(len(records), dtype=bool)
        for (ln, _), v in zip(records, vi):
            if v <= 0:
                raise InputError(f"{source}, line {ln}, column 'vi': variance {v:g} must be positive")
    for i, (ln, r) in enumerate(records):
        patients = None
        if r.get("patients"):
            patients = int(_number(r["patients"], source, ln, "patients"))
        elif layout == "counts":
            patients = int(float(r["ni"]))
        reported = r.get("reported", "") or (f"{int(float(r['xi']))}/{int(float(r['ni']))}" if layout == "counts" else "")
        notes = [r["note"]] if r.get("note") else []
        if corrected[i]:
            notes.append("1/2 added to events and non-events (zero cell)")
        rows.append(ForestRow(
            label=r.get("study") or f"Study {i + 1} (line {ln})", yi=float(yi[i]), vi=float(vi[i]),
            disease=r.get("disease", ""), patients=patients, reported=reported,
            derived_note="; ".join(notes) or None, excluded_reason=r.get("excluded") or None,
            subgroup=(r.get(by) or "(missing)") if by else None,
        ))  # fmt: skip
    return CsvStudies(tuple(rows), layout, measure)


def _pool(rows: list[ForestRow], method: str, test: str) -> PooledResult:
    return pool([r.yi for r in rows], [r.vi for r in rows], method=method, test=test)  # type: ignore[arg-type]


def forest_data_from_csv(
    text: str, source: str, *, measure: str | None = None, method: str = "REML", test: str = "adhoc",
    by: str | None = None, title: str = "",
) -> ForestData:  # fmt: skip
    """Read, pool (and per subgroup) and return the :class:`ForestData` of a CSV file.

    The subgroup test is the omnibus moderator test of a mixed-effects model with the
    subgroup as a factor and a common tau^2 (metafor ``rma(yi, vi, mods = ~ factor(g))``).
    """
    studies = read_studies(text, source, measure, by)
    check_test(test)
    rows = list(studies.rows)
    included = [r for r in rows if r.included]
    if not included:
        raise InputError(f"{source}: every study is excluded; nothing to pool")
    try:
        res = _pool(included, method, test)
        pooled_rows = rows_with_weights(rows, res.weights)
        subs: tuple[tuple[str, PooledResult], ...] = ()
        sub_test = None
        if by is not None:
            levels = list(dict.fromkeys(r.subgroup for r in rows if r.subgroup is not None))
            subs = tuple((lev, _pool([r for r in included if r.subgroup == lev], method, test))
                         for lev in levels if any(r.subgroup == lev for r in included))  # fmt: skip
            keep = {lev for lev, _ in subs}
            missing = [lev for lev in levels if lev not in keep]
            if missing:
                pooled_rows = tuple(replace(r, subgroup=None) if r.subgroup in missing else r for r in pooled_rows)
            if len(subs) > 1:
                groups = [r.subgroup for r in included]
                X = np.column_stack([np.ones(len(groups))] + [[float(g == lev) for g in groups] for lev, _ in subs[1:]])
                fit = fit_rma([r.yi for r in included], [r.vi for r in included], X, method=method, test=test)  # type: ignore[arg-type]
                sub_test = SubgroupTestResult(q=fit.qm, df=fit.qm_df[0], p=fit.qm_p, df2=fit.qm_df[1])
            order = {lev: i for i, (lev, _) in enumerate(subs)}
            pooled_rows = tuple(sorted(pooled_rows, key=lambda r: order.get(r.subgroup, len(order))))  # type: ignore[arg-type]
    except PoolingError as exc:
        raise InputError(f"{source}: {exc}") from None
    return ForestData(pooled_rows, res, studies.measure, title=title, subgroups=subs, subgroup_test=sub_test)
