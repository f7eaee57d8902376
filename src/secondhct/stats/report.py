"""Turn a parsed study table into pooled results as plain dicts (for ``secondhct pool``).

Keys are named and scaled as metafor prints them (``I2`` in percent, ``Q``, ``Q_p``);
``bt_*`` keys give estimate, CI and prediction interval on the natural scale when the
measure has a back-transformation.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

import numpy as np

from ..errors import PoolingError
from .effects import transf_iarcsin, transf_ilogit, transf_ipft_hm
from .pooling import PooledResult, TestType, pool
from .subgroups import subgroup_analysis
from .table import StudyTable

PoolMethod = Literal["DL", "REML", "ML", "PM", "HS", "SJ", "HE", "EB", "EE", "GLMM"]
POOL_METHODS: tuple[str, ...] = get_args(PoolMethod)
ITERATIVE = ("REML", "ML", "PM", "EB")

#: What the back-transformed values are, per measure (None: already natural / no transform).
NATURAL_SCALE = {"PLO": "proportion", "PAS": "proportion", "PFT": "proportion", "PLN": "proportion",
                 "HR": "hazard ratio", "RR": "risk ratio", "OR": "odds ratio"}  # fmt: skip


def backtransform(measure: str, values: list[float], ni: tuple[float, ...] | None) -> tuple[list[float], str | None]:
    """Values on the natural scale for ``measure`` and a warning to record (or None)."""
    x = np.asarray(values, dtype=float)
    if measure == "PLO":
        return transf_ilogit(x).tolist(), None
    if measure == "PAS":
        return transf_iarcsin(x).tolist(), None
    if measure == "PFT":
        if ni is None:
            raise PoolingError("the PFT back-transformation needs the sample sizes")
        out, warning = transf_ipft_hm(x, ni)
        return out.tolist(), warning
    if measure in ("PLN", "HR", "RR", "OR"):
        return np.exp(x).tolist(), None
    raise PoolingError(f"no back-transformation for measure {measure}")


def result_dict(res: PooledResult, measure: str, ni: tuple[float, ...] | None) -> dict[str, Any]:
    """The JSON object of one pooled result."""
    out: dict[str, Any] = {
        "k": res.k,
        "estimate": res.estimate,
        "se": res.se,
        "ci_lb": res.ci_lb,
        "ci_ub": res.ci_ub,
        "pi_lb": res.pi_lb,
        "pi_ub": res.pi_ub,
        "tau2": res.tau2,
        "tau2_lb": res.tau2_lb,
        "tau2_ub": res.tau2_ub,
        "I2": res.i2,
        "I2_lb": res.i2_lb,
        "I2_ub": res.i2_ub,
        "H2": res.h2,
        "Q": res.q,
        "Q_p": res.q_p,
        "pval": res.pval,
        "df": res.df,
        "method": res.method,
        "test": res.test,
    }
    notes = list(res.notes)
    if measure in NATURAL_SCALE:
        vals, warning = backtransform(measure, [res.estimate, res.ci_lb, res.ci_ub, res.pi_lb, res.pi_ub], ni)
        for key, val in zip(("bt_estimate", "bt_ci_lb", "bt_ci_ub", "bt_pi_lb", "bt_pi_ub"), vals):
            out[key] = val
        out["bt_scale"] = NATURAL_SCALE[measure]
        if warning:
            notes.append(warning)
    out["notes"] = notes
    return out


def check_pool_method(method: str) -> str:
    if method not in POOL_METHODS:
        raise PoolingError(f"unknown method {method!r}; allowed: {', '.join(POOL_METHODS)}")
    return method


def pool_table(table: StudyTable, *, method: str = "REML", test: TestType = "adhoc", by: str | None = None) -> dict[str, Any]:
    """Pool a :class:`StudyTable` (optionally by subgroup) into a JSON-ready dict."""
    check_pool_method(method)
    yi = np.array([e.yi for e in table.effects])
    vi = np.array([e.vi for e in table.effects])
    if method == "GLMM":
        return _pool_glmm(table, test, by)
    # an iterative estimator that does not converge falls back to DL, with a note
    # (metafor's method = c("REML", "DL")); closed-form estimators always converge
    methods = (method, "DL") if method in ITERATIVE else (method,)
    res = pool(yi, vi, method=methods, test=test)  # type: ignore[arg-type]
    out = {"measure": table.measure, **result_dict(res, table.measure, table.ni)}
    out["studies"] = _studies(table, res.weights)
    if by is not None:
        groups = _groups(table, by)
        sg = subgroup_analysis(yi, vi, groups, method=methods, test=test)  # type: ignore[arg-type]
        out["subgroups"] = {
            lev: result_dict(r, table.measure, _subset_ni(table, groups, lev)) for lev, r in sg.results.items()
        }
        out["subgroup_test"] = (
            None
            if sg.test is None
            else {"Q": sg.test.q, "df": sg.test.df, "df2": sg.test.df2, "p": sg.test.p, "distribution": sg.test.distribution}
        )
        out["notes"] = out["notes"] + list(sg.notes)
    return out


def _pool_glmm(table: StudyTable, test: TestType, by: str | None) -> dict[str, Any]:
    from .glmm import glmm_pool  # local: only this path needs it

    if table.layout != "counts" or table.measure != "PLO":
        raise PoolingError("--method GLMM needs xi,ni columns and --measure PLO")
    xi = np.array([float(v) for v in table.columns["xi"]])
    ni = np.array([float(v) for v in table.columns["ni"]])
    res = glmm_pool(xi, ni, test=test)
    out = {"measure": "PLO", **result_dict(res, "PLO", table.ni)}
    out["studies"] = _studies(table, res.weights)
    if by is not None:
        groups = np.asarray(_groups(table, by), dtype=object)
        out["subgroups"] = {
            str(lev): result_dict(glmm_pool(xi[groups == lev], ni[groups == lev], test=test), "PLO", None)
            for lev in sorted(set(groups))
        }
        out["subgroup_test"] = None
        out["notes"] = out["notes"] + ["GLMM: no test for subgroup differences is computed"]
    return out


def _groups(table: StudyTable, by: str) -> list[str]:
    if by not in table.columns:
        raise PoolingError(f"{table.source}: --by column {by!r} not found; columns: {', '.join(table.columns)}")
    groups = list(table.columns[by])
    for g, line in zip(groups, table.lines):
        if g == "":
            raise PoolingError(f"{table.source}, line {line}, column {by!r}: the subgroup is empty")
    return groups


def _subset_ni(table: StudyTable, groups: list[str], level: str) -> tuple[float, ...] | None:
    if table.ni is None:
        return None
    return tuple(n for n, g in zip(table.ni, groups) if g == level)


def _studies(table: StudyTable, weights: tuple[float, ...]) -> list[dict[str, Any]]:
    return [
        {"study": lab, "yi": e.yi, "vi": e.vi, "weight": w, "derivation": e.derivation, "approximate": e.approximate}
        for lab, e, w in zip(table.labels, table.effects, weights)
    ]
