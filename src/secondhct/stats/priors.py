"""Priors of the Bayesian random-effects model, and their text form (``halfnormal:0.5``).

Reading a prior imports nothing heavy (the protocol is validated with it); the densities
import numpy when they are evaluated.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import PoolingError

if TYPE_CHECKING:
    from numpy.typing import NDArray

    Array = NDArray[Any]
else:
    Array = Any

_P = TypeVar("_P")
#: Log-density drop that bounds the integration window (a half-Cauchy is integrated up to scale * exp(WINDOW_LOG)).
WINDOW_LOG = 60.0
TAU_FORMS = "halfnormal:SCALE, halfcauchy:SCALE, uniform:UPPER, lognormal:MEANLOG,SDLOG"
MU_FORMS = "flat, normal:MEAN,SD"


class TauPrior(ABC):
    """A proper prior for tau: log density (up to a constant) and where its mass lies."""

    label = ""
    #: The density decays as tau^-tail_index (inf: faster than any power).
    tail_index: float = math.inf

    @abstractmethod
    def logpdf(self, tau: Array) -> Array: ...
    @abstractmethod
    def span(self) -> tuple[float, float]:
        """(scale of the density near 0 or of its lower tail, upper end of integration)."""

    def describe(self) -> str:
        """E.g. ``half-normal(scale = 0.5)``."""
        args = ", ".join(f"{f.name} = {getattr(self, f.name):g}" for f in fields(self))  # type: ignore[arg-type]
        return f"{self.label}({args})"


@dataclass(frozen=True)
class HalfNormal(TauPrior):
    """tau ~ |N(0, scale^2)| (integrated up to 12 scales: density exp(-72))."""

    label = "half-normal"
    scale: float

    def logpdf(self, tau: Array) -> Array:
        return -0.5 * (tau / self.scale) ** 2

    def span(self) -> tuple[float, float]:
        return self.scale, 12.0 * self.scale


@dataclass(frozen=True)
class HalfCauchy(TauPrior):
    """tau ~ half-Cauchy(scale) (integrated up to scale * exp(WINDOW_LOG))."""

    label = "half-Cauchy"
    scale: float
    tail_index = 2.0  # a class attribute, not a field

    def logpdf(self, tau: Array) -> Array:
        import numpy as np

        return -np.log1p((tau / self.scale) ** 2)

    def span(self) -> tuple[float, float]:
        return self.scale, self.scale * math.exp(WINDOW_LOG)


@dataclass(frozen=True)
class Uniform(TauPrior):
    """tau ~ U(0, upper)."""

    label = "uniform"
    upper: float

    def logpdf(self, tau: Array) -> Array:
        import numpy as np

        return np.zeros_like(tau)

    def span(self) -> tuple[float, float]:
        return self.upper, self.upper


@dataclass(frozen=True)
class LogNormal(TauPrior):
    """log tau ~ N(meanlog, sdlog^2) (integrated over meanlog +- 12 sdlog)."""

    label = "log-normal"
    meanlog: float
    sdlog: float

    def logpdf(self, tau: Array) -> Array:
        import numpy as np

        lt = np.log(tau)
        return -lt - 0.5 * ((lt - self.meanlog) / self.sdlog) ** 2

    def span(self) -> tuple[float, float]:
        return math.exp(self.meanlog - 12 * self.sdlog), math.exp(self.meanlog + 12 * self.sdlog)


@dataclass(frozen=True)
class MuPrior:
    """Prior for mu: flat (improper uniform; ``sd`` None, the default) or N(mean, sd^2)."""

    mean: float = 0.0
    sd: float | None = None

    def describe(self) -> str:
        return "flat (improper uniform)" if self.sd is None else f"normal(mean = {self.mean:g}, sd = {self.sd:g})"


FLAT = MuPrior()


def _parse(text: str, kind: str, forms: str, makers: dict[str, tuple[int, Callable[..., _P]]]) -> _P:
    family, _, args = text.strip().lower().replace(" ", "").partition(":")
    if family not in makers:
        raise PoolingError(f"unknown {kind} prior {text!r}; allowed forms: {forms}")
    n, make = makers[family]
    try:
        vals = [float(x) for x in args.split(",")] if args else []
    except ValueError:
        vals = [math.nan]
    if len(vals) != n or not all(math.isfinite(x) for x in vals):
        raise PoolingError(f"cannot read the {kind} prior {text!r}; allowed forms: {forms}")
    if n and vals[-1] <= 0:
        raise PoolingError(f"{kind} prior {text!r}: the scale (upper bound, sdlog, sd) must be positive")
    for value, (name, low, high) in zip(vals, PRIOR_BOUNDS.get(family, ()), strict=False):
        if not low <= value <= high:  # beyond these the densities over- or underflow (exp(800) is inf)
            raise PoolingError(f"{kind} prior {text!r}: the {name} must be between {low:g} and {high:g} (analysis scale)")
    return make(*vals)


#: The range of each prior parameter (analysis scale): wide enough for any sensible prior, narrow enough
#: that every density and integration window is finite (a log-normal's window is exp(meanlog +- 12 sdlog)).
PRIOR_BOUNDS: dict[str, tuple[tuple[str, float, float], ...]] = {
    "halfnormal": (("scale", 1e-6, 1e3),),
    "halfcauchy": (("scale", 1e-6, 1e3),),
    "uniform": (("upper bound", 1e-6, 1e3),),
    "lognormal": (("meanlog", -20.0, 10.0), ("sdlog", 1e-3, 5.0)),
    "normal": (("mean", -1e3, 1e3), ("sd", 1e-6, 1e3)),
}


def check_prior(text: str | None, kind: str) -> str | None:
    """``text`` if it is a valid ``kind`` ("tau" or "mu") prior, else ValueError with the reason (for pydantic)."""
    if text is None:
        return None
    try:
        (parse_tau_prior if kind == "tau" else parse_mu_prior)(text)
    except PoolingError as exc:
        raise ValueError(str(exc)) from None
    return text


def parse_tau_prior(text: str) -> TauPrior:
    """Read ``halfnormal:0.5``, ``halfcauchy:1``, ``uniform:2`` or ``lognormal:-1.07,0.8``."""
    makers: dict[str, tuple[int, Callable[..., TauPrior]]] = {
        "halfnormal": (1, HalfNormal), "halfcauchy": (1, HalfCauchy), "uniform": (1, Uniform), "lognormal": (2, LogNormal)
    }  # fmt: skip
    return _parse(text, "tau", TAU_FORMS, makers)


def parse_mu_prior(text: str) -> MuPrior:
    """Read ``flat`` or ``normal:MEAN,SD``."""
    return _parse(text, "mu", MU_FORMS, {"flat": (0, lambda: FLAT), "normal": (2, MuPrior)})
