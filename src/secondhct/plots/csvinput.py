"""Forest-plot input from a CSV file, read exactly as ``secondhct pool`` reads it.

The columns and their errors are those of :func:`secondhct.inputs.csvtable.parse_study_table`
(``xi,ni`` | ``yi,vi`` | ``yi,sei`` | ``estimate,ci_lower,ci_upper`` | ``estimate,se``,
optional ``study``); pooling is :func:`secondhct.calculator.pool_table` itself, so the
plot shows what ``secondhct pool`` prints.  Extra columns the plot understands: ``disease``, ``patients``, ``reported``
(the value as extracted), ``note`` (how a number was derived: a footnote) and
``excluded`` (a reason: the row is greyed and kept out of the pooling).
No file access: the caller passes the text.
"""

from __future__ import annotations

import math

from ..calculator import pool_table
from ..errors import InputError
from ..inputs.csvtable import StudyTable, parse_study_table
from ..stats.inference import check_test
from ..stats.models import FitOptions, ModelFit, get_method
from .data import ForestData, ForestRow, SubgroupTestResult, rows_with_weights


def _note(table: StudyTable, i: int) -> str | None:
    """Footnote for row ``i``: the user's ``note`` plus how the effect size was derived."""
    e = table.effects[i]
    notes = []
    user = table.columns.get("note", ("",) * len(table.effects))[i]
    if user:
        notes.append(user)
    if table.layout == "counts" and "1/2 added" in e.derivation:
        notes.append("1/2 added to events and non-events (zero cell)")
    elif table.layout == "ratio_ci":
        notes.append("SE derived from the 95% CI on the log scale (Parmar et al. 1998)")
        if "not symmetric" in e.derivation:
            notes.append("the reported CI is not symmetric around the estimate on the log scale")
    elif table.layout == "prop_se":
        notes.append(f"SE carried to the {e.measure} scale by the delta method")
    elif table.layout == "prop_ci":
        notes.append(f"SE from the 95% CI (Wald, linear scale) carried to the {e.measure} scale by the delta method")
    elif e.approximate:
        notes.append(e.derivation)
    return "; ".join(notes) or None


def _reported(table: StudyTable, i: int) -> str:
    cols = table.columns
    if cols.get("reported", ("",) * (i + 1))[i]:
        return cols["reported"][i]
    if table.layout == "counts":
        return f"{float(cols['xi'][i]):g}/{float(cols['ni'][i]):g}"
    if table.layout == "ratio_ci":
        return f"{table.measure} {float(cols['estimate'][i]):g} ({float(cols['ci_lower'][i]):g}\u2013{float(cols['ci_upper'][i]):g})"
    if table.layout == "prop_ci":
        shown = [cols[c][i] for c in ("estimate", "ci_lower", "ci_upper")]
        percent = any(float(v) > 1 for col in ("estimate", "ci_lower", "ci_upper") for v in cols[col])
        f = [float(v) * (1 if percent else 100) for v in shown]
        return f"{f[0]:g}% ({f[1]:g}\u2013{f[2]:g})"
    if table.layout == "prop_se":
        return f"{100 * float(cols['estimate'][i]):.1f} \u00b1 {100 * float(cols['se'][i]):.1f}%"
    return ""


def _patients(table: StudyTable, i: int) -> int | None:
    cell = table.columns.get("patients", ("",) * len(table.effects))[i]
    if cell:
        try:
            n = float(cell)
        except ValueError:
            raise InputError(f"{table.source}, line {table.lines[i]}, column 'patients': {cell!r} is not a number") from None
        if not (math.isfinite(n) and n >= 0 and n == int(n)):
            raise InputError(f"{table.source}, line {table.lines[i]}, column 'patients': {cell!r} is not a whole number")
        return int(n)
    if table.ni is not None:
        return int(table.ni[i])
    return None


def rows_from_table(table: StudyTable, by: str | None = None) -> tuple[ForestRow, ...]:
    """One :class:`ForestRow` per study of ``table`` (no weights yet)."""
    if by is not None and by not in table.columns:
        raise InputError(f"{table.source}: --by column {by!r} not found; columns: {', '.join(table.columns)}")
    rows = []
    for i, e in enumerate(table.effects):
        group = table.columns[by][i] if by is not None else None
        if by is not None and not group:
            raise InputError(f"{table.source}, line {table.lines[i]}, column {by!r}: the subgroup is empty")
        rows.append(ForestRow(
            label=table.labels[i], yi=e.yi, vi=e.vi, disease=table.columns.get("disease", ("",) * len(table.effects))[i],
            patients=_patients(table, i), reported=_reported(table, i), derived_note=_note(table, i),
            excluded_reason=table.columns.get("excluded", ("",) * len(table.effects))[i] or None, subgroup=group,
        ))  # fmt: skip
    return tuple(rows)


def forest_data_from_csv(
    text: str, source: str, *, measure: str | None = None, method: str = "REML", test: str = "adhoc",
    by: str | None = None, title: str = "", params: tuple[tuple[str, str], ...] = (),
) -> ForestData:  # fmt: skip
    """Read, pool (overall and per subgroup) and return the :class:`ForestData` of a CSV text.

    ``params`` are the method's settings (the priors of ``BAYES``). Subgroups: each level
    pooled with its own tau^2; the test for differences is the
    moderator test of :func:`secondhct.stats.subgroups.subgroup_analysis` (metafor
    ``rma(yi, vi, mods = ~ factor(group))``), as ``secondhct pool --by`` reports it.
    """
    get_method(method)
    check_test(test)
    table = parse_study_table(text, source, measure)
    rows = rows_from_table(table, by)
    keep = [r.included for r in rows]
    if not any(keep):
        raise InputError(f"{source}: every study is excluded; nothing to pool")
    pooled = pool_table(table.subset(keep), method=method, options=FitOptions(test=test, params=params), by=by)
    out = rows_with_weights(rows, pooled.result.weights)  # a model without weights (GLMM) leaves the column empty
    subs: tuple[tuple[str, ModelFit], ...] = ()
    sub_test = None
    notes: tuple[str, ...] = ()
    if by is not None:
        subs = tuple((lev, res) for lev, (res, _) in pooled.subgroups.items())
        if pooled.subgroup_test is not None:
            t = pooled.subgroup_test
            sub_test = SubgroupTestResult(q=t.q, df=t.df, p=t.p, df2=t.df2)
        order = {lev: n for n, (lev, _) in enumerate(subs)}
        # an excluded study of a level without included studies is listed after the subgroups
        out = tuple(r if r.subgroup in order else _ungrouped(r) for r in out)
        out = tuple(sorted(out, key=lambda r: order.get(r.subgroup, len(order))))  # type: ignore[arg-type]
        notes = tuple(n for n in pooled.notes if n.startswith("only one subgroup") or n.startswith("no test"))
    return ForestData(out, pooled.result, table.measure, title=title, subgroups=subs, subgroup_test=sub_test, notes=notes)


def _ungrouped(row: ForestRow) -> ForestRow:
    from dataclasses import replace

    return replace(row, subgroup=None)
