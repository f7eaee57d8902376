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
from ..stats.effects import transf_iarcsin, transf_ilogit, transf_ipft_hm

Backtransform = Callable[[NDArray[np.float64]], NDArray[np.float64]]

PROPORTIONS = ("PLO", "PAS", "PFT", "PR", "PLN")
RATIOS = ("HR", "RR", "OR")

#: Words for the footer: the analysis scale of each measure.
SCALE_WORDS = {
    "PLO": "logit",
    "PAS": "arcsine",
    "PFT": "Freeman-Tukey double arcsine",
    "PR": "untransformed proportions",
    "PLN": "log",
    "HR": "log hazard ratio",
    "RR": "log risk ratio",
    "OR": "log odds ratio",
    "GEN": "as given",
}

#: Column header for the estimate per measure (natural scale).
ESTIMATE_HEADERS = {"HR": "HR", "RR": "RR", "OR": "OR", "GEN": "Estimate"}


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


def _exp(y: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.exp(np.asarray(y, dtype=float))


def _identity(y: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(y, dtype=float)


def _clip01(y: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.clip(np.asarray(y, dtype=float), 0.0, 1.0)


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
    name = outcome or "Proportion"
    if measure in PROPORTIONS:
        note = None
        if backtransform is not None:
            f = backtransform
        elif measure == "PLO":
            f = transf_ilogit
        elif measure == "PAS":
            f = transf_iarcsin
        elif measure == "PR":
            f = _clip01
        elif measure == "PLN":
            f = lambda y: np.minimum(_exp(y), 1.0)  # noqa: E731
        else:
            if not patients:
                raise PlotInputError("the Freeman-Tukey (PFT) back-transformation needs the patients of every study")
            ni = tuple(float(n) for n in patients)

            def f(y: NDArray[np.float64]) -> NDArray[np.float64]:
                return transf_ipft_hm(y, ni)[0]

            note = "Freeman-Tukey back-transformed with the harmonic mean of the sample sizes (Miller 1978)"
        return DisplayScale(measure, _percent(f), False, True, None, f"{name}, % [95% CI]", f"{name} (%)", note)
    if measure in RATIOS:
        words = {"HR": "Hazard ratio", "RR": "Risk ratio", "OR": "Odds ratio"}[measure]
        return DisplayScale(
            measure, backtransform or _exp, True, False, 1.0, f"{measure} [95% CI]",
            f"{outcome}: {words.lower()} (log scale)" if outcome else f"{words} (log scale)",
        )  # fmt: skip
    if measure == "GEN":
        return DisplayScale(measure, backtransform or _identity, False, False, None, "Estimate [95% CI]", outcome or "Estimate")
    raise PlotInputError(f"unknown measure {measure!r}; allowed: {', '.join(PROPORTIONS + RATIOS + ('GEN',))}")


def as_array(values: ArrayLike) -> NDArray[np.float64]:
    """Float array of ``values`` (helper for the back-transformations)."""
    return np.asarray(values, dtype=float)
