r"""Many random-effects fits at once: leave-one-out and GOSH (all subsets), vectorised with PyMARE.

PyMARE's estimators take a (k, d) matrix of estimates and one of variances and fit the d
datasets in one pass of array arithmetic. DerSimonian-Laird and Hedges ("DL", "HE") are
closed-form: they agree with the exact estimators of :mod:`.tau2` (and metafor) to rounding,
1e-10 relative. REML is PyMARE's ``VarianceBasedLikelihoodEstimator``, whose bounded search
(``bounded_scalar_min``, all datasets at once) locates the optimum of the restricted
likelihood from its values: at ``xtol = 1e-10`` tau^2 is within about 2e-7 relative of the
fully converged Fisher-scoring value (a minimum located from function values is resolved
only to about the square root of machine precision), the estimate far closer (it depends on
tau^2 only through the weights). That is ample for a GOSH plot, which draws points, and the
tests hold it to 1e-6; the permutation test, whose p-value counts ties within sqrt(machine
epsilon), uses DL or HE only (:mod:`.permutation`).

For each dataset, with weights :math:`w_i = 1/v_i` and :math:`w^*_i = 1/(v_i + \hat\tau^2)`:

* :math:`\hat\mu = \sum w^*_i y_i / \sum w^*_i`, :math:`SE(\hat\mu) = (\sum w^*_i)^{-1/2}`;
* :math:`Q = \sum w_i (y_i - \bar y_w)^2` (Cochran);
* :math:`I^2 = 100\,\hat\tau^2 / (\hat\tau^2 + s^2)` with the "typical" within-study variance
  :math:`s^2 = (k-1) \sum w_i / ((\sum w_i)^2 - \sum w_i^2)` (Higgins & Thompson 2002, as
  metafor's ``rma.uni``); a one-study subset has :math:`\hat\tau^2 = 0` and :math:`I^2 = 0`.

GOSH (graphical display of study heterogeneity): the model fitted to every non-empty subset of
the k studies, :math:`2^k - 1` fits (Olkin, Dahabreh & Trikalinos 2012; metafor's ``gosh``),
grouped by subset size so that each size is one PyMARE call.

DerSimonian, R. & Laird, N. (1986). Control Clin Trials 7:177-188. Hedges, L. V. & Olkin, I.
(1985). *Statistical Methods for Meta-Analysis*. Higgins, J. P. T. & Thompson, S. G. (2002).
Stat Med 21:1539-1558. Olkin, I., Dahabreh, I. J. & Trikalinos, T. A. (2012). Res Synth Methods
3:214-223.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import PoolingError

BatchMethod = Literal["DL", "HE", "REML"]
#: PyMARE REML search tolerance (relative to the starting bracket); see the module docstring.
REML_XTOL = 1e-10
Array = NDArray[np.float64]
GOSH_MAX_K = 15


@dataclass(frozen=True)
class BatchFit:
    """One random-effects fit per column: arrays of length d."""

    k: NDArray[np.int64]
    estimate: Array
    se: Array
    tau2: Array
    q: Array
    i2: Array


def fit_columns(y: ArrayLike, v: ArrayLike, method: BatchMethod = "DL") -> BatchFit:
    """Fit the ``method`` random-effects model to each column of the (k, d) arrays ``y``, ``v``."""
    from pymare.estimators import DerSimonianLaird, Hedges, VarianceBasedLikelihoodEstimator

    yk, vk = np.asarray(y, dtype=float), np.asarray(v, dtype=float)
    if yk.ndim != 2 or yk.shape != vk.shape or yk.shape[0] < 1:
        raise PoolingError("fit_columns needs two (k, d) arrays of the same shape")
    k, d = yk.shape
    w = 1.0 / vk
    sw = w.sum(axis=0)
    q = (w * (yk - (w * yk).sum(axis=0) / sw) ** 2).sum(axis=0)
    if k == 1:
        tau2 = np.zeros(d)
    else:
        if method == "REML":
            estimator = VarianceBasedLikelihoodEstimator(method="REML", small_sample_correction="wald", xtol=REML_XTOL)
        elif method in ("DL", "HE"):
            estimator = {"DL": DerSimonianLaird, "HE": Hedges}[method]()
        else:
            raise PoolingError(f"batch fits use DL, HE or REML, not {method}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            estimator.fit(yk, vk, np.ones((k, 1)))
        tau2 = np.asarray(estimator.params_["tau2"], dtype=float).reshape(d)
    ws = 1.0 / (vk + tau2)
    estimate = (ws * yk).sum(axis=0) / ws.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        s2 = (k - 1) * sw / (sw**2 - (w**2).sum(axis=0))
        i2 = np.where(tau2 > 0, 100 * tau2 / (tau2 + s2), 0.0)
    return BatchFit(np.full(d, k), estimate, np.sqrt(1.0 / ws.sum(axis=0)), tau2, q, i2)


def _concat(fits: list[BatchFit]) -> BatchFit:
    return BatchFit(*(np.concatenate([getattr(f, name) for f in fits]) for name in ("k", "estimate", "se", "tau2", "q", "i2")))


def leave_one_out(yi: ArrayLike, vi: ArrayLike, method: BatchMethod = "DL") -> BatchFit:
    """Column i: the model without study i (metafor's ``leave1out``), in one call."""
    y, v = np.asarray(yi, dtype=float), np.asarray(vi, dtype=float)
    k = len(y)
    if k < 2:
        raise PoolingError("leave-one-out needs at least 2 studies")
    keep = ~np.eye(k, dtype=bool)  # column i keeps every study but i
    return fit_columns(y[:, None].repeat(k, 1).T[keep].reshape(k, k - 1).T, v[:, None].repeat(k, 1).T[keep].reshape(k, k - 1).T, method)


@dataclass(frozen=True)
class Gosh:
    """Every non-empty subset (``members[j]``: a boolean row over the k studies) and its fit."""

    members: NDArray[np.bool_]
    fit: BatchFit


def gosh(yi: ArrayLike, vi: ArrayLike, method: BatchMethod = "DL") -> Gosh:
    """The model fitted to all :math:`2^k - 1` non-empty subsets (k <= 15), ordered by size and
    then lexicographically, as ``itertools.combinations`` (and metafor's ``gosh``) enumerate them."""
    y, v = np.asarray(yi, dtype=float), np.asarray(vi, dtype=float)
    k = len(y)
    if not 1 <= k <= GOSH_MAX_K:
        raise PoolingError(f"GOSH enumerates every subset: k must be 1 to {GOSH_MAX_K} (k = {k})")
    members, fits = [], []
    for size in range(1, k + 1):
        idx = np.array(list(itertools.combinations(range(k), size)), dtype=np.int64)  # (C(k, size), size)
        fits.append(fit_columns(y[idx].T, v[idx].T, method))
        rows = np.zeros((len(idx), k), dtype=bool)
        np.put_along_axis(rows, idx, True, axis=1)
        members.append(rows)
    return Gosh(np.concatenate(members), _concat(fits))
