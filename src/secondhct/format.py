"""Numbers for readers: the one place values are rounded, shared by plots, summary and CLI.

One style each: p-values ``p < 0.001`` / ``p = 0.043`` / ``p = 0.20``; proportions in
percent with one decimal (``29.4%``); ratios with two decimals; intervals ``a to b`` in
prose and ``[a, b]`` in plot columns; true minus signs; ``–`` (or ``NA`` in plot columns)
for a value that does not exist.  Nothing here imports numpy or matplotlib.
"""

from __future__ import annotations

import math

from .families import FAMILIES

MISSING = "–"


def _finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def fmt_p(p: float | None) -> str:
    """A p-value: ``p < 0.001``, ``p = 0.043`` (3 decimals below 0.1), ``p = 0.20``."""
    if p is None or not math.isfinite(p):
        return "p = NA"
    if p < 0.001:
        return "p < 0.001"
    if p < 0.1:
        return f"p = {p:.3f}"
    return f"p = {p:.2f}"


def fmt_num(x: float | None, digits: int = 2) -> str:
    """A number with ``digits`` decimals, a true minus sign (no ``-0``), and 'NA' when missing."""
    if x is None or not math.isfinite(x):
        return "NA"
    s = f"{x:.{digits}f}"
    if s.startswith("-") and float(s) == 0:
        s = s[1:]
    return s.replace("-", "\u2212")


def fmt_tau2(x: float | None) -> str:
    """tau^2: 3 decimals (2 from 10, 1 from 100 up), '0' for 0, '< 0.001' for tiny values."""
    if x is None or not math.isfinite(x):
        return MISSING
    if x == 0:
        return "0"
    if abs(x) < 0.001:
        return "< 0.001"
    return f"{x:.1f}" if abs(x) >= 100 else f"{x:.2f}" if abs(x) >= 10 else f"{x:.3f}"


def fmt_natural(family: str, value: float | None) -> str:
    """A natural-scale value in prose: ``29.4%`` for a proportion, ``0.53`` for a ratio."""
    if not _finite(value):
        return MISSING
    assert value is not None
    return FAMILIES[family].fmt(value)


def fmt_range(family: str, lower: float | None, upper: float | None) -> str:
    """An interval in prose: ``22.7% to 37.1%``."""
    return f"{fmt_natural(family, lower)} to {fmt_natural(family, upper)}"


def fmt_test(q: float | None, df: int, df2: int | None, p: float | None) -> str:
    """A test statistic with its distribution: ``Q = 1.04, df = 3, p = 0.79`` (chi-squared)
    or ``F(3, 2) = 1.04, p = 0.52`` (F, Knapp-Hartung)."""
    stat = fmt_num(q)
    head = f"Q = {stat}, df = {df}" if df2 is None else f"F({df}, {df2}) = {stat}"
    return f"{head}, {fmt_p(p)}"


def fmt_permutation(p: float | None, permutations: int, exact: bool, seed: int | None, model: str) -> str:
    """A permutation p-value with how it was obtained: ``permutation test p = 0.43 (all 420 distinct
    permutations, exact; DerSimonian-Laird τ², Knapp-Hartung (ad hoc))`` or ``(1,000 random
    permutations, seed 7; ...)``."""
    how = f"all {permutations:,} distinct permutations, exact" if exact else (
        f"{permutations:,} random permutations" + (f", seed {seed}" if seed is not None else ""))
    return f"permutation test {fmt_p(p)} ({how}; {model})"


def fmt_percent(x: float | None, digits: int = 0) -> str:
    """A percentage that is already in percent (I^2): ``45%``."""
    return MISSING if not _finite(x) else f"{x:.{digits}f}%"


#: The footnote marks of derived numbers, one mark per meaning, the same in plots and tables.
#: Other notes (ad hoc plots) take the marks after these (:func:`secondhct.plots.text.footnote_mark`).
DERIVED_FOOTNOTES: dict[str, tuple[str, str]] = {
    "assumed_se": ("†", "'±' read as the SE (not stated in the paper)"),
    "approximate": ("‡", "variance from the number of patients (binomial approximation; ignores censoring)"),
}


def row_mark(assumed_se: bool, approximate: bool) -> str:
    """The footnote mark of a row whose variance rests on an assumption ("" for none)."""
    if assumed_se:
        return DERIVED_FOOTNOTES["assumed_se"][0]
    return DERIVED_FOOTNOTES["approximate"][0] if approximate else ""


def derived_mark(text: str | None) -> str | None:
    """The fixed mark of a derived-number note (None for a note that has no fixed mark)."""
    return next((mark for mark, words in DERIVED_FOOTNOTES.values() if words == text), None)
