"""Pool a CSV table of studies (``secondhct pool``, ``secondhct forest --csv``): a metafor-style calculator.

The table is read by :mod:`secondhct.inputs.csvtable`; every model is fitted by
:func:`secondhct.stats.models.fit` and recorded as a :class:`~secondhct.results.ModelRecord`
(the same typed model as ``results.json``); :meth:`TableResult.json` is the flat
object ``secondhct pool --json`` prints (metafor's names, ``bt_*`` on the natural scale).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import PoolingError
from .inputs.csvtable import StudyTable
from .measures import MEASURES
from .results import BayesRecord, PooledRecord, model_record
from .stats.models import EffectData, FitOptions, ModelFit, fit, fitted_measure, get_method
from .stats.subgroups import SubgroupTest, subgroup_analysis

ModelRecord = PooledRecord | BayesRecord


@dataclass(frozen=True)
class TableResult:
    """A pooled table: the overall model, one per subgroup level, and the test between them."""

    table: StudyTable
    result: ModelFit
    record: ModelRecord
    subgroups: dict[str, tuple[ModelFit, ModelRecord]] = field(default_factory=dict)
    subgroup_test: SubgroupTest | None = None
    notes: tuple[str, ...] = ()
    by: str | None = None

    def json(self) -> dict[str, Any]:
        """The JSON object of ``secondhct pool --json``."""
        measure = self.table.measure
        out = {"measure": measure, **self.record.calculator_json(measure)}
        out["notes"] = [*out["notes"], *self.notes]
        weights = self.result.weights
        out["studies"] = [
            {"study": lab, "yi": e.yi, "vi": e.vi, "weight": None if weights is None else weights[i],
             "derivation": e.derivation, "approximate": e.approximate}
            for i, (lab, e) in enumerate(zip(self.table.labels, self.table.effects))
        ]  # fmt: skip
        if self.by is not None:
            out["subgroups"] = {lev: rec.calculator_json(measure) for lev, (_, rec) in self.subgroups.items()}
            t = self.subgroup_test
            out["subgroup_test"] = (
                None if t is None else {"Q": t.q, "df": t.df, "df2": t.df2, "p": t.p, "distribution": t.distribution}
            )
        return out


def table_data(table: StudyTable, keep: list[bool] | None = None) -> EffectData:
    """The model input of a table (counts when the layout has them)."""
    effects = table.effects
    xi = tuple(float(v) for v in table.columns["xi"]) if table.layout == "counts" else None
    data = EffectData(tuple(e.yi for e in effects), tuple(e.vi for e in effects), table.measure, xi, table.ni)
    return data if keep is None else data.subset(keep)


def _record(res: ModelFit, measure: str, ni: Sequence[float] | None) -> ModelRecord:
    values = [res.estimate, res.ci_lb, res.ci_ub, res.pi_lb, res.pi_ub]
    natural, warning = MEASURES[measure].natural(values, ni)
    return model_record(res, natural, [warning] if warning else [])


def groups_of(table: StudyTable, by: str) -> list[str]:
    """The subgroup column ``by``; an error names the file, line and column of an empty cell."""
    if by not in table.columns:
        raise PoolingError(f"{table.source}: --by column {by!r} not found; columns: {', '.join(table.columns)}")
    groups = list(table.columns[by])
    for g, line in zip(groups, table.lines):
        if g == "":
            raise PoolingError(f"{table.source}, line {line}, column {by!r}: the subgroup is empty")
    return groups


def pool_table(table: StudyTable, *, method: str = "REML", options: FitOptions | None = None, by: str | None = None) -> TableResult:
    """Pool a :class:`StudyTable` (optionally by subgroup) with ``method``; an iterative tau^2
    estimator that does not converge falls back to DL, with a note (``options.fallback``)."""
    opts = options or FitOptions()
    data = table_data(table)
    res = fit(method, data, opts)
    scale = fitted_measure(method, table.measure)
    rec = _record(res, scale, data.ni)
    if by is None:
        return TableResult(table, res, rec)
    groups = groups_of(table, by)
    if get_method(method).needs_counts:  # per level only: the moderator test needs an inverse-variance model
        fits = {lev: fit(method, data.subset([g == lev for g in groups]), opts) for lev in sorted(set(groups))}
        test: SubgroupTest | None = None
        notes: tuple[str, ...] = (f"{method}: no test for subgroup differences is computed",)
    else:
        sg = subgroup_analysis(data.yi, data.vi, groups, method=method, options=opts, measure=table.measure)
        fits, test, notes = sg.results, sg.test, tuple(sg.notes)
    subs = {
        lev: (sub, _record(sub, scale, data.subset([g == lev for g in groups]).ni))
        for lev, sub in fits.items()
    }  # fmt: skip
    return TableResult(table, res, rec, subs, test, tuple(notes), by)
