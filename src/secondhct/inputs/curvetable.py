"""Parse a CSV of survival read at several times per report (``secondhct curve``) into rows.

Columns (other columns are ignored): ``study`` (the report), ``time_years`` (> 0), ``surv``
(a proportion in (0, 1)), ``n`` (patients; needed on rows without an SE) and ``se`` (the SE
of surv, as a proportion; may be empty or absent).  Errors are
:class:`~secondhct.errors.InputError` naming file, line and column.  No file access and no
numpy here: the caller passes the text, and the rows go to :mod:`secondhct.stats.curve`.
"""

from __future__ import annotations

import csv
import io

from ..errors import InputError
from ..stats.curve_data import CurveRow
from .cells import finite_number

REQUIRED = ("study", "time_years", "surv")
COLUMNS = "study,time_years,surv,n,se"


def _row(cells: dict[str, str], where: str, line: int) -> CurveRow:
    study = cells["study"]
    if not study:
        raise InputError(f"{where}, column 'study': the cell is empty; name the report")
    for col in REQUIRED[1:]:
        if not cells[col]:
            raise InputError(f"{where}, column {col!r}: the cell is empty")
    t = finite_number(cells["time_years"], where, "time_years")
    if t <= 0:
        raise InputError(f"{where}, column 'time_years': {t:g} must be > 0 (years from the time origin)")
    s = finite_number(cells["surv"], where, "surv")
    if not 0 < s < 1:
        hint = f" (give a percentage as a proportion: {s / 100:g})" if 1 < s < 100 else ""
        raise InputError(f"{where}, column 'surv': {s:g} is outside (0, 1){hint}")
    n = finite_number(cells["n"], where, "n") if cells.get("n") else None
    if n is not None and n <= 0:
        raise InputError(f"{where}, column 'n': {n:g} patients must be > 0")
    se = finite_number(cells["se"], where, "se") if cells.get("se") else None
    if se is not None and se <= 0:
        raise InputError(f"{where}, column 'se': {se:g} must be > 0")
    if se is None and n is None:
        raise InputError(f"{where}, column 'n': needed when se is empty (the variance is then binomial, (1 - S)/(n S))")
    return CurveRow(study=study, time=t, surv=s, n=n, se=se, line=line)


def parse_curve_table(text: str, source: str) -> list[CurveRow]:
    """Read the CSV ``text`` (from file ``source``, used in messages) into :class:`CurveRow` objects."""
    if not text.strip():
        raise InputError(f"{source}: the file is empty; expected a header line with the columns {COLUMNS}")
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [h.strip() for h in next(reader)]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise InputError(f"{source}, line 1: the header lacks the column(s) {', '.join(missing)}; expected {COLUMNS} (se may be empty)")
        dup = [h for h in set(header) if h and header.count(h) > 1]
        if dup:
            raise InputError(f"{source}, line 1: column {dup[0]!r} appears more than once")
        rows = []
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                raise InputError(f"{source}, line {line}: {len(cells)} fields, but the header has {len(header)}")
            rows.append(_row({h: c.strip() for h, c in zip(header, cells)}, f"{source}, line {line}", line))
    except csv.Error as exc:
        raise InputError(f"{source}, line {reader.line_num}: {exc}") from None
    if not rows:
        raise InputError(f"{source}: the header has no data rows below it")
    return rows
