"""A fitted model with its values on the natural scale (a leaf: analyses and their sensitivity analyses hold it)."""

from __future__ import annotations

from dataclasses import dataclass

from ..stats.models import ModelFit


@dataclass(frozen=True)
class Pooled:
    """A fitted model, its estimate, CI and prediction interval on the natural scale
    (``natural``: estimate, ci_lb, ci_ub, pi_lb, pi_ub), and the caveat of that back-transformation."""

    result: ModelFit
    natural: tuple[float, float, float, float, float]
    note: str | None = None
