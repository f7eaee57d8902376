"""Number formatting and text measurement for the plots (rounding happens only here)."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.font_manager import FontProperties

from ..format import fmt_num, fmt_p, fmt_tau2
from ..stats.bayes import BayesResult
from ..stats.inference import TESTS
from ..stats.models import METHODS, ModelFit
from ..stats.pooling import tau2_is_zero
from .scale import SCALE_WORDS, DisplayScale

#: Footnote marks in the order journals use them (ICMJE style), then doubled.
FOOTNOTE_MARKS = ("†", "‡", "§", "‖", "¶", "#")


def footnote_mark(i: int) -> str:
    """The ``i``-th footnote mark (0-based): †, ‡, §, ‖, ¶, #, ††, ‡‡..."""
    n = len(FOOTNOTE_MARKS)
    return FOOTNOTE_MARKS[i % n] * (i // n + 1)


def display_digits(scale: DisplayScale, value: float) -> int:
    """Decimals for a natural-scale value: 1 for percent, 2 for ratios (1 above 10)."""
    if scale.percent:
        return 1
    if scale.log_axis and abs(value) >= 10:
        return 1
    return 2


def fmt_interval(scale: DisplayScale, est: float | None, lb: float, ub: float) -> str:
    """``29.4 [22.1, 37.8]`` or ``[22.1, 37.8]`` when ``est`` is None."""
    d = display_digits(scale, max(abs(lb), abs(ub)) if est is None else est)
    ci = f"[{fmt_num(lb, d)}, {fmt_num(ub, d)}]"
    return ci if est is None else f"{fmt_num(est, d)} {ci}"


def method_line(pooled: ModelFit, measure: str, *, label: str = "Random-effects model") -> str:
    """``Random-effects model: REML, Knapp-Hartung (ad hoc), logit``, or for the Bayesian
    model ``Bayesian random-effects model: half-normal(scale = 0.5) prior on τ, flat prior on μ, logit``."""
    if isinstance(pooled, BayesResult):
        return f"Bayesian random-effects model: {pooled.tau_prior} prior on τ, {pooled.mu_prior} prior on μ, {SCALE_WORDS.get(measure, measure)}"
    method = METHODS[pooled.method].words if pooled.method in METHODS else pooled.method
    if pooled.method == "EE":
        label = "Common-effect model"
    parts = [method, TESTS.get(pooled.test, pooled.test), SCALE_WORDS.get(measure, measure)]
    return f"{label}: {', '.join(parts)}"


def heterogeneity_text(pooled: ModelFit, *, short: bool = False) -> str:
    """``τ² = 0.12 [0.01, 0.88]; I² = 45% [10%, 88%]; Q = 20.13, df = 11, p = 0.043``; for the
    Bayesian model ``τ = 0.21 [0.01, 0.95] (posterior median, 95% credible interval)``."""
    if isinstance(pooled, BayesResult):
        level = f"{100 * pooled.level:g}%"
        return f"τ = {fmt_num(pooled.tau)} [{fmt_num(pooled.tau_lb)}, {fmt_num(pooled.tau_ub)}] (posterior median, {level} credible interval)"
    if pooled.k < 2:
        return "not estimable (k = 1)"
    tau = f"τ² = {'0' if tau2_is_zero(pooled.tau2, pooled.i2) else fmt_tau2(pooled.tau2)}"
    i2 = f"I² = {pooled.i2:.0f}%"
    if not short and pooled.tau2_lb is not None and pooled.tau2_ub is not None:
        tau += f" [{fmt_tau2(pooled.tau2_lb)}, {fmt_tau2(pooled.tau2_ub)}]"
    if not short and pooled.i2_lb is not None and pooled.i2_ub is not None:
        i2 += f" [{pooled.i2_lb:.0f}%, {pooled.i2_ub:.0f}%]"
    q = f"Q = {pooled.q:.2f}, df = {pooled.q_df}, {fmt_p(pooled.q_p)}"
    if pooled.method == "EE":
        return f"{i2}; {q}"
    return f"{tau}; {i2}; {q}"


def wrap(text: str, width: int) -> list[str]:
    """``text`` wrapped at ``width`` characters (at least one line, words never split)."""
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [""]


#: Widths measured so far, by (font families, text, size, weight, style): shared by every
#: measurer of the process, as a build lays out the same labels in many figures (and
#: FreeType's layout of a string costs about a tenth of a millisecond per character).
_WIDTHS: dict[tuple[tuple[str, ...], str, float, str, str], float] = {}


class TextMeasurer:
    """Widths of strings in points with the Agg renderer (72 dpi, so pixels are points)."""

    def __init__(self, family: Sequence[str], size: float) -> None:
        self._renderer: RendererAgg | None = None  # made on the first width not yet measured
        self._family = list(family)
        self._size = size
        self._cache: dict[tuple[str, float, str, str], float] = {}
        self._shared_key = tuple(self._family)

    def prop(self, size: float | None = None, weight: str = "normal", style: str = "normal") -> FontProperties:
        return FontProperties(family=self._family, size=size or self._size, weight=weight, style=style)  # type: ignore[arg-type]

    def width(self, s: str, *, size: float | None = None, weight: str = "normal", style: str = "normal") -> float:
        """Width of ``s`` in points."""
        key = (s, size or self._size, weight, style)
        if key not in self._cache:
            shared = (self._shared_key, *key)
            if shared not in _WIDTHS:
                if not s:
                    _WIDTHS[shared] = 0.0
                else:
                    if self._renderer is None:
                        self._renderer = RendererAgg(10, 10, 72)
                    w, _, _ = self._renderer.get_text_width_height_descent(s, self.prop(size, weight, style), ismath=False)
                    _WIDTHS[shared] = float(w)
            self._cache[key] = _WIDTHS[shared]
        return self._cache[key]


def wrap_to_width(text: str, width_pt: float, measurer: TextMeasurer, size: float, *, weight: str = "normal") -> list[str]:
    """``text`` broken into lines no wider than ``width_pt`` points (measured), words kept whole."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}" if current else word
        if current and measurer.width(trial, size=size, weight=weight) > width_pt:
            lines.append(current)
            current = word
        else:
            current = trial
    lines.append(current)
    return lines
