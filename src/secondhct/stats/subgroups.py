"""Subgroup analyses and meta-regression on one moderator (metafor ``rma(..., mods=)``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ..errors import PoolingError
from .models import METHODS, EffectData, FitOptions, InverseVariance, ModelFit, fit
from .rma import RmaFit, fit_rma


@dataclass(frozen=True)
class SubgroupTest:
    """Test for differences between subgroups (the omnibus moderator test ``QM``).

    Under z, ``q`` is chi^2 with ``df`` degrees of freedom; under knha/adhoc it is an F
    statistic with ``(df, df2)`` degrees of freedom, as metafor reports ``QM``.
    """

    q: float
    df: int
    df2: int | None
    p: float
    distribution: str
    tau2: float


@dataclass(frozen=True)
class SubgroupResult:
    levels: tuple[str, ...]
    results: dict[str, ModelFit]
    test: SubgroupTest | None
    notes: tuple[str, ...]


def subgroup_design(groups: Sequence[str]) -> tuple[np.ndarray, tuple[str, ...]]:
    """Intercept plus treatment-coded dummies, first level (sorted) as reference, like R's ``factor``."""
    levels = tuple(sorted(set(groups)))
    g = np.asarray(groups, dtype=object)
    X = np.column_stack([np.ones(len(g))] + [(g == lev).astype(float) for lev in levels[1:]])
    return X, levels


def subgroup_analysis(
    yi: ArrayLike,
    vi: ArrayLike,
    groups: Sequence[str],
    *,
    method: str = "REML",
    options: FitOptions | None = None,
    measure: str = "GEN",
) -> SubgroupResult:
    r"""Pool each subgroup separately (own tau^2, :func:`~secondhct.stats.models.fit`) and
    test for subgroup differences.

    Notes
    -----
    The test is metafor's omnibus test of the moderator in the mixed-effects model
    ``rma(yi, vi, mods = ~ factor(group))`` (one tau^2 common to all subgroups):

    .. math:: Q_M = \hat\beta_{2..L}'\,\mathrm{Var}(\hat\beta_{2..L})^{-1}\hat\beta_{2..L}

    chi^2 with L-1 df under z; under Knapp-Hartung :math:`Q_M/(L-1)` is F with
    (L-1, k-L) df.  The test needs an inverse-variance method; for another method (GLMM)
    it is not computed, and ``notes`` says so.

    References
    ----------
    Viechtbauer W (2010). *J Stat Softw* 36(3):1-48, section 3.3.
    Borenstein M, Higgins JPT (2013). Meta-analysis and subgroups. *Prev Sci* 14:134-143.
    """
    opts = options or FitOptions()
    y = np.asarray(yi, dtype=float)
    v = np.asarray(vi, dtype=float)
    if len(groups) != y.size:
        raise PoolingError(f"{len(groups)} group labels for {y.size} studies")
    X, levels = subgroup_design(groups)
    g = np.asarray(groups, dtype=object)
    results = {lev: fit(method, EffectData(tuple(y[g == lev]), tuple(v[g == lev]), measure), opts) for lev in levels}
    notes: list[str] = []
    sub_test: SubgroupTest | None = None
    model = METHODS.get(method)
    if len(levels) < 2:
        notes.append("only one subgroup: no test for subgroup differences")
    elif not isinstance(model, InverseVariance):
        notes.append(f"no test for subgroup differences: it needs an inverse-variance model, not {method}")
    else:
        methods = (method, "DL") if model.iterative and opts.fallback else (method,)
        try:
            reg = meta_regression(y, v, X, method=methods, test=opts.test, level=opts.level)
        except PoolingError as exc:
            notes.append(f"no test for subgroup differences: {exc}")
        else:
            sub_test = SubgroupTest(
                q=reg.qm,
                df=reg.qm_df[0],
                df2=reg.qm_df[1],
                p=reg.qm_p,
                distribution="chi2" if reg.qm_df[1] is None else "F",
                tau2=reg.tau2,
            )
            notes.extend(reg.notes)
    return SubgroupResult(levels=levels, results=results, test=sub_test, notes=tuple(notes))


def meta_regression(
    yi: ArrayLike,
    vi: ArrayLike,
    X: ArrayLike,
    *,
    method: str | Sequence[str] = "REML",
    test: str = "adhoc",
    level: float = 0.95,
) -> RmaFit:
    """Mixed-effects meta-regression ``yi ~ X`` (X with intercept first); see :func:`fit_rma`.

    For one continuous moderator ``x`` pass ``X = np.column_stack([np.ones(k), x])``.
    """
    return fit_rma(yi, vi, X, method=method, test=test, level=level)  # type: ignore[arg-type]
