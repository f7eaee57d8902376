"""A report's era from its accrual period (issue 23, item 4): the midpoint is never guessed."""

from __future__ import annotations

import pytest

from secondhct.extraction.accrual import NOT_STATED, accrual_midpoint, accrual_words, bound_year, era_words
from secondhct.extraction.schema import Period

SRC = {"location": "abstract"}


def period(start: str | None, end: str | None) -> Period:
    return Period(start=start, end=end, source=SRC)


@pytest.mark.parametrize(
    ("start", "end", "mid", "words"),
    [
        ("1990", "2010", 2000.5, "1990–2010"),  # 21 calendar years counted in full
        ("2000", "2019", 2010.0, "2000–2019"),
        ("2017-10", "2022-03", (2017.75 + 2022.25) / 2, "2017-10 to 2022-03"),
        ("1974-05", "1995-01", (1974 + 4 / 12 + 1995 + 1 / 12) / 2, "1974-05 to 1995-01"),
        ("2005", "2005", 2005.5, "2005"),
    ],
)
def test_midpoint_and_words_of_a_stated_period(start: str, end: str, mid: float, words: str) -> None:
    p = period(start, end)
    assert accrual_midpoint(p) == pytest.approx(mid, rel=1e-15)
    assert accrual_words(p) == words
    assert era_words(p) == f"{words} ({mid:.1f})"


@pytest.mark.parametrize(
    ("p", "words"),
    [
        (None, NOT_STATED),
        (period(None, None), NOT_STATED),
        (period("1990", None), "from 1990 (end not stated)"),
        (period(None, "2012"), "to 2012 (start not stated)"),
    ],
)
def test_a_missing_bound_gives_no_midpoint(p: Period | None, words: str) -> None:
    assert accrual_midpoint(p) is None
    assert accrual_words(p) == era_words(p) == words


def test_bounds_count_whole_months_and_years() -> None:
    assert bound_year("1990", end=False) == 1990.0 and bound_year("1990", end=True) == 1991.0
    assert bound_year("2004-04", end=False) == 2004.25 and bound_year("2004-04", end=True) == pytest.approx(2004 + 4 / 12)
