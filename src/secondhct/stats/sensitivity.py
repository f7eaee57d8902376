"""Leave-one-out and cumulative meta-analysis (metafor ``leave1out`` and ``cumul``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .models import EffectData, FitOptions, ModelFit, fit
from .rma import check_inputs


@dataclass(frozen=True)
class SequenceResult:
    """One pooled result per step; ``index[j]`` is the (0-based) study omitted (leave-one-out)
    or added last (cumulative) at step ``j``."""

    index: NDArray[np.int64]
    results: tuple[ModelFit, ...]

    def column(self, name: str) -> NDArray[np.float64]:
        """One field of every step as an array (``None`` becomes NaN here, for plotting)."""
        return np.array([np.nan if getattr(r, name) is None else getattr(r, name) for r in self.results], dtype=float)


def leave_one_out(
    yi: ArrayLike, vi: ArrayLike, *, method: str = "REML", options: FitOptions | None = None, measure: str = "GEN"
) -> SequenceResult:
    r"""Refit the model k times, each time without one study (metafor ``leave1out``).

    Notes
    -----
    Step :math:`j` is the model fitted to :math:`\{(y_i, v_i): i \ne j\}` with the same
    method and options (:func:`secondhct.stats.models.fit`), so tau^2 is re-estimated
    each time.

    References
    ----------
    Viechtbauer W, Cheung MW-L (2010). Outlier and influence diagnostics for
    meta-analysis. *Res Synth Methods* 1:112-125.
    """
    y, v = check_inputs(yi, vi)
    k = y.size
    keep = ~np.eye(k, dtype=bool)
    results = tuple(fit(method, EffectData(tuple(y[keep[j]]), tuple(v[keep[j]]), measure), options) for j in range(k))
    return SequenceResult(index=np.arange(k), results=results)


def cumulative(
    yi: ArrayLike,
    vi: ArrayLike,
    order: ArrayLike | None = None,
    *,
    method: str = "REML",
    options: FitOptions | None = None,
    measure: str = "GEN",
) -> SequenceResult:
    r"""Cumulative meta-analysis: add studies one by one in increasing ``order`` (e.g. year).

    Ties keep the input order (a stable sort, like R's ``order``).  The first step has
    k = 1 and is the first study itself (z interval), as in metafor.

    References
    ----------
    Lau J, Antman EM, Jimenez-Silva J, Kupelnick B, Mosteller F, Chalmers TC (1992).
    Cumulative meta-analysis of therapeutic trials for myocardial infarction. *N Engl J
    Med* 327:248-254.
    """
    y, v = check_inputs(yi, vi)
    idx = np.arange(y.size) if order is None else np.argsort(np.asarray(order, dtype=float), kind="stable")
    ys, vs = y[idx], v[idx]
    results = tuple(fit(method, EffectData(tuple(ys[: j + 1]), tuple(vs[: j + 1]), measure), options) for j in range(y.size))
    return SequenceResult(index=idx, results=results)
