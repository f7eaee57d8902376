"""A report's era: its accrual period in words and the period's midpoint (issue 23, item 4).

Pure functions of ``study.accrual`` (:class:`~secondhct.extraction.schema.Period`, bounds as
``YYYY`` or ``YYYY-MM``). A bound that is not stated is never guessed: the midpoint is then
``None`` ("not stated") and the period's words say which bound is missing.
"""

from __future__ import annotations

from .schema import Period

#: What a table or plot prints for a report whose accrual period (or one bound of it) is not stated.
NOT_STATED = "not stated"


def bound_year(code: str, *, end: bool) -> float:
    r"""A ``YYYY`` or ``YYYY-MM`` bound as a decimal calendar year, counting whole months and years.

    Notes
    -----
    A period covers its first and its last month or year in full, so a start is the beginning
    of its month (year) and an end the end of it:

    .. math:: \mathrm{start}(Y) = Y,\quad \mathrm{start}(Y\text{-}M) = Y + (M-1)/12,\quad
              \mathrm{end}(Y) = Y + 1,\quad \mathrm{end}(Y\text{-}M) = Y + M/12.

    >>> bound_year("1990", end=False), bound_year("2010", end=True), bound_year("2017-10", end=False)
    (1990.0, 2011.0, 2017.75)
    """
    year, _, month = code.partition("-")
    if not month:
        return float(year) + (1.0 if end else 0.0)
    return float(year) + (int(month) if end else int(month) - 1) / 12


def accrual_midpoint(period: Period | None) -> float | None:
    r"""The midpoint of an accrual period as a decimal calendar year; ``None`` when either bound is not stated.

    Notes
    -----
    :math:`m = (\mathrm{start} + \mathrm{end}) / 2` with the bounds of :func:`bound_year`, so that
    "1990-2010" (21 calendar years) has its midpoint in mid-2000 (2000.5). A report's era is a
    study-level characteristic: the patients' own transplant years are spread over the period,
    so a meta-regression on it is ecological (Thompson SG, Higgins JPT. How should
    meta-regression analyses be undertaken and interpreted? *Stat Med* 2002;21:1559-1573).

    >>> from secondhct.extraction.schema import Period
    >>> accrual_midpoint(Period(start="1990", end="2010", source={"location": "abstract"}))
    2000.5
    """
    if period is None or period.start is None or period.end is None:
        return None
    return (bound_year(period.start, end=False) + bound_year(period.end, end=True)) / 2


def accrual_words(period: Period | None) -> str:
    """The accrual period as the extraction codes it: ``1990–2010``, ``2017-10 to 2022-03``, ``2005``,
    ``from 1990 (end not stated)`` or ``not stated``.

    >>> from secondhct.extraction.schema import Period
    >>> accrual_words(Period(start="1990", end="2010", source={"location": "abstract"}))
    '1990–2010'
    """
    if period is None or period.start is None and period.end is None:
        return NOT_STATED
    if period.end is None:
        return f"from {period.start} (end not stated)"
    if period.start is None:
        return f"to {period.end} (start not stated)"
    if period.start == period.end:
        return period.start
    sep = "–" if "-" not in period.start + period.end else " to "
    return f"{period.start}{sep}{period.end}"


def era_words(period: Period | None) -> str:
    """The period with its midpoint, as a cell under "Accrual (midpoint)": ``1990–2010 (2000.5)``; ``not stated``."""
    mid = accrual_midpoint(period)
    words = accrual_words(period)
    return words if mid is None else f"{words} ({mid:.1f})"
