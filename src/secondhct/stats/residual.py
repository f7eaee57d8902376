r"""The residual-forming matrix of weighted least squares, without forming it.

.. math:: P = W - WX(X'WX)^{-1}X'W = W - A M A',\qquad A = WX,\ M = (X'WX)^{-1}

Every quantity the estimators of :mod:`.tau2` need (``Py``, ``y'Py``, traces of ``P``,
``PV``, ``P^2``, ``PVPV`` and ``PVP``) is a function of the ``k x p`` matrix ``A`` and
the ``p x p`` matrix ``M``, so memory is O(k p) rather than the O(k^2) of the dense ``P``
(``k`` = 10^6 studies would need 7.5 TB as a dense matrix). ``p`` is the number of
model coefficients (1 without moderators). Identities used (``V = diag(v)``, ``B = AMA'``,
``G_D = A'DA`` for a diagonal ``D``):

.. math::
   \operatorname{tr}(P) &= \textstyle\sum_i w_i - \operatorname{tr}(M G_I) \\
   \operatorname{tr}(PV) &= \textstyle\sum_i v_i (w_i - B_{ii}) \\
   \operatorname{tr}(P^2) &= \textstyle\sum_i w_i^2 - 2\operatorname{tr}(M G_W) + \operatorname{tr}(M G_I M G_I) \\
   \operatorname{tr}(PVPV) &= \textstyle\sum_i w_i^2 v_i^2 - 2\sum_i w_i v_i^2 B_{ii} + \operatorname{tr}(M G_V M G_V) \\
   \operatorname{tr}(PVP) &= \textstyle\sum_i v_i w_i^2 - 2\sum_i v_i w_i B_{ii} + \operatorname{tr}(M G_I M G_V)

References
----------
Harville DA (1977). Maximum likelihood approaches to variance component estimation and to
related problems. *J Am Stat Assoc* 72:320-338 (the matrix ``P`` of REML). The dense form
is what metafor builds (``rma.uni``: ``P <- W - W %*% X %*% stXWX %*% crossprod(X, W)``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Residual:
    """``P`` for weights ``w`` and design ``X``, as the factors ``A = WX`` and ``M = (X'WX)^{-1}``."""

    w: NDArray[np.float64]
    A: NDArray[np.float64]
    M: NDArray[np.float64]

    @classmethod
    def of(cls, X: NDArray[np.float64], w: NDArray[np.float64]) -> Residual:
        """Factor ``P`` for design ``X`` (k x p) and weights ``w`` (length k)."""
        A = X * w[:, None]
        return cls(w, A, np.asarray(np.linalg.inv(X.T @ A), dtype=np.float64))

    def _gram(self, d: NDArray[np.float64] | None = None) -> NDArray[np.float64]:
        """``A' D A`` for the diagonal ``D = diag(d)`` (identity when ``d`` is None)."""
        return self.A.T @ self.A if d is None else self.A.T @ (self.A * d[:, None])

    def _b_diag(self) -> NDArray[np.float64]:
        """The diagonal of ``B = A M A'``."""
        return np.einsum("ij,ij->i", self.A @ self.M, self.A)

    def apply(self, y: NDArray[np.float64]) -> NDArray[np.float64]:
        """``P y``."""
        return self.w * y - self.A @ (self.M @ (self.A.T @ y))

    def quad(self, y: NDArray[np.float64]) -> float:
        """``y' P y``."""
        return float(y @ self.apply(y))

    def diag(self) -> NDArray[np.float64]:
        """The diagonal of ``P``."""
        return self.w - self._b_diag()

    def trace(self) -> float:
        """``tr(P)``."""
        return float(self.w.sum() - np.trace(self.M @ self._gram()))

    def trace_pv(self, v: NDArray[np.float64]) -> float:
        """``tr(P V)``."""
        return float(v @ self.diag())

    def trace_pp(self) -> float:
        """``tr(P^2)``, the sum of squared elements of the symmetric ``P``."""
        g = self.M @ self._gram()
        return float(np.sum(self.w**2) - 2 * np.trace(self.M @ self._gram(self.w)) + np.trace(g @ g))

    def trace_pvpv(self, v: NDArray[np.float64]) -> float:
        """``tr(P V P V)``."""
        gv = self.M @ self._gram(v)
        return float(np.sum((self.w * v) ** 2) - 2 * np.sum(self.w * v**2 * self._b_diag()) + np.trace(gv @ gv))

    def trace_pvp(self, v: NDArray[np.float64]) -> float:
        """``tr(P V P)``."""
        return float(
            np.sum(v * self.w**2) - 2 * np.sum(v * self.w * self._b_diag()) + np.trace(self.M @ self._gram() @ self.M @ self._gram(v))
        )
