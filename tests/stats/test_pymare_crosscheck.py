"""pymare as a second, independent implementation of the tau^2 estimators.

metafor is the reference (tests/reference/); pymare is a well-kept Python package
whose DL and HE estimators are closed-form like ours, and whose REML/ML use a
general-purpose optimiser. secondhct does not call pymare at run time (see the
docstring of secondhct.stats.tau2: one implementation that follows metafor's
algorithms step by step is what makes agreement to 1e-8 checkable); these tests
keep the two packages honest with each other.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from secondhct.stats.pooling import pool

# Closed-form estimators agree to rounding; pymare's REML/ML stop at its optimiser's
# default tolerance, so agreement there is about 1e-7 relative.
RTOL_CLOSED_FORM = 1e-10
RTOL_ITERATIVE = 1e-5

DATASETS = {
    "moderate": (np.array([0.1, 0.5, -0.2, 0.9, 0.3]), np.array([0.04, 0.09, 0.05, 0.2, 0.03])),
    "logit_os": (np.array([-0.876, -1.065, -0.53, -0.79, -1.2, -0.35]), np.array([0.031, 0.2, 0.09, 0.05, 0.4, 0.12])),
    "strong": (np.array([-2.0, 0.5, 1.8, -0.7, 2.4, 0.1, -1.5]), np.array([0.05, 0.08, 0.1, 0.04, 0.2, 0.06, 0.09])),
}


def _pymare(name: str, y: np.ndarray, v: np.ndarray) -> tuple[float, float]:
    from pymare import Dataset
    from pymare.estimators import DerSimonianLaird, Hedges, VarianceBasedLikelihoodEstimator

    estimator = {
        "DL": DerSimonianLaird(), "HE": Hedges(),
        "REML": VarianceBasedLikelihoodEstimator(method="REML"), "ML": VarianceBasedLikelihoodEstimator(method="ML"),
    }[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator.fit_dataset(Dataset(y=y, v=v))
    summary = estimator.summary()
    return float(np.ravel(summary.tau2)[0]), float(np.ravel(summary.fe_params)[0])


@pytest.mark.parametrize("dataset", sorted(DATASETS))
@pytest.mark.parametrize(("method", "rtol"), [("DL", RTOL_CLOSED_FORM), ("HE", RTOL_CLOSED_FORM), ("REML", RTOL_ITERATIVE), ("ML", RTOL_ITERATIVE)])
def test_tau2_and_estimate_agree_with_pymare(dataset: str, method: str, rtol: float) -> None:
    y, v = DATASETS[dataset]
    tau2, estimate = _pymare(method, y, v)
    ours = pool(y, v, method=method, test="z")  # type: ignore[arg-type]
    assert ours.tau2 == pytest.approx(tau2, rel=rtol, abs=1e-12)
    assert ours.estimate == pytest.approx(estimate, rel=rtol)
