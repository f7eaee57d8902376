"""How a measure is shown: back-transformation to the natural scale, axis type, labels.

Proportions are shown in percent on a linear axis (back-transformed from the analysis
scale); ratios (HR, RR, OR) on a log axis with ticks 0.25, 0.5, 1, 2, 4...; ``GEN``
(a generic effect) as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import SecondHCTError
from ..measures import MEASURES

Backtransform = Callable[[NDArray[np.float64]], NDArray[np.float64]]

RATIOS = tuple(c for c, m in MEASURES.items() if m.family_info.is_ratio)

#: Words for the footer: the analysis scale of each measure.
SCALE_WORDS = {c: m.scale_words for c, m in MEASURES.items()}


class PlotInputError(SecondHCTError):
    """The data given to a plot cannot be drawn (the message says why)."""


@dataclass(frozen=True)
class DisplayScale:
    """The natural scale a measure is displayed on.

    ``to_display`` maps analysis-scale values to axis values (percent for proportions,
    the ratio for ratios); ``log_axis`` says whether the axis is logarithmic; ``null``
    is where the reference line goes (``None``: no line).
    """

    measure: str
    to_display: Backtransform
    log_axis: bool
    percent: bool
    null: float | None
    header: str
    axis_label: str
    note: str | None = None


def _percent(f: Backtransform) -> Backtransform:
    def g(y: NDArray[np.float64]) -> NDArray[np.float64]:
        return 100.0 * np.asarray(f(np.asarray(y, dtype=float)), dtype=float)

    return g


def display_scale(
    measure: str,
    *,
    patients: Sequence[float] | None = None,
    backtransform: Backtransform | None = None,
    outcome: str | None = None,
) -> DisplayScale:
    """The :class:`DisplayScale` of ``measure``.

    ``backtransform`` (analysis scale -> proportion in [0, 1], or ratio) overrides the
    default; ``patients`` are needed for ``PFT`` (inverse with the harmonic mean of the
    sample sizes, whose caveat is returned in ``note``); ``outcome`` names the axis
    (e.g. "Overall survival at 2 years").
    """
    if measure not in MEASURES:
        raise PlotInputError(f"unknown measure {measure!r}; allowed: {', '.join(MEASURES)}")
    m = MEASURES[measure]
    if m.family_info.percent:
        name = outcome or m.natural_words
        note = None
        if backtransform is not None:
            f = backtransform
        elif m.needs_n:
            if not patients:
                raise PlotInputError(f"the {m.title} ({measure}) back-transformation needs the patients of every study")
            ni = tuple(float(n) for n in patients)

            def f(y: NDArray[np.float64]) -> NDArray[np.float64]:
                return np.asarray(m.inverse(y, ni), dtype=float)

            note = "Freeman-Tukey back-transformed with the harmonic mean of the sample sizes (Miller 1978)"
        else:

            def f(y: NDArray[np.float64]) -> NDArray[np.float64]:
                return np.clip(np.asarray(m.inverse(y), dtype=float), 0.0, 1.0)

        return DisplayScale(measure, _percent(f), False, True, None, f"{name}, % [95% CI]", f"{name} (%)", note)
    inverse: Backtransform = backtransform or (lambda y: np.asarray(m.inverse(y), dtype=float))
    if m.family_info.log_axis:
        words = m.natural_words
        return DisplayScale(
            measure, inverse, True, False, m.null, f"{m.header} [95% CI]",
            f"{outcome}: {words.lower()} (log scale)" if outcome else f"{words} (log scale)",
        )  # fmt: skip
    return DisplayScale(measure, inverse, False, False, None, f"{m.header} [95% CI]", outcome or m.natural_words)


def as_array(values: ArrayLike) -> NDArray[np.float64]:
    """Float array of ``values`` (helper for the back-transformations)."""
    return np.asarray(values, dtype=float)
