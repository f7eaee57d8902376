"""The factored residual matrix gives what the dense P = W - WX(X'WX)^-1 X'W gives."""

from __future__ import annotations

import numpy as np
import pytest

from secondhct.stats.residual import Residual
from secondhct.stats.rma import fit_rma


def dense(X: np.ndarray, w: np.ndarray) -> np.ndarray:
    WX = X * w[:, None]
    return np.diag(w) - WX @ np.linalg.inv(X.T @ WX) @ WX.T


@pytest.mark.parametrize("p", [1, 3])
def test_every_quantity_matches_the_dense_matrix(p: int) -> None:
    rng = np.random.default_rng(p)
    k = 40
    X = np.column_stack([np.ones(k)] + [rng.normal(size=k) for _ in range(p - 1)])
    w, v, y = rng.uniform(0.5, 5, k), rng.uniform(0.01, 0.3, k), rng.normal(size=k)
    P, R, V = dense(X, w), Residual.of(X, w), np.diag(v)
    assert np.allclose(R.apply(y), P @ y, rtol=1e-12, atol=0)
    assert R.quad(y) == pytest.approx(y @ P @ y, rel=1e-12)
    assert np.allclose(R.diag(), np.diag(P), rtol=1e-12)
    assert R.trace() == pytest.approx(np.trace(P), rel=1e-12)
    assert R.trace_pv(v) == pytest.approx(np.trace(P @ V), rel=1e-12)
    assert R.trace_pp() == pytest.approx(np.sum(P * P), rel=1e-12)
    assert R.trace_pvpv(v) == pytest.approx(np.trace(P @ V @ P @ V), rel=1e-12)
    assert R.trace_pvp(v) == pytest.approx(np.trace(P @ V @ P), rel=1e-12)


def test_a_large_meta_analysis_needs_no_k_by_k_matrix() -> None:
    """k = 200,000 would need 320 GB as a dense P; the factored form fits in a few MB."""
    rng = np.random.default_rng(7)
    k = 200_000
    vi = rng.uniform(0.01, 0.2, k)
    yi = rng.normal(0.3, np.sqrt(vi + 0.05))
    fit = fit_rma(yi, vi, method="DL")
    w = 1 / vi
    q = float(np.sum(w * (yi - np.sum(w * yi) / w.sum()) ** 2))
    tau2_dl = max(0.0, (q - (k - 1)) / (w.sum() - np.sum(w**2) / w.sum()))
    assert fit.tau2 == pytest.approx(tau2_dl, rel=1e-9)
    assert fit.tau2 == pytest.approx(0.05, abs=0.003)
