"""Time points as curators write them: ``2y``, ``24mo``, ``100d``, ``6w``, ``not stated``...

A time point is kept as the text the curator wrote (so ``24mo`` and ``2y`` stay
distinguishable, as printed) and parsed into a duration in months for
comparisons (``2y`` == ``24mo``; ``100d`` ~ 3.29 months using 365.25/12 days).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NOT_STATED = "not stated"
LAST_FOLLOW_UP = "last follow-up"
_SPECIAL = (NOT_STATED, LAST_FOLLOW_UP)

_UNITS_IN_MONTHS = {
    "d": 12 / 365.25,
    "w": 7 * 12 / 365.25,
    "mo": 1.0,
    "y": 12.0,
}
_PATTERN = re.compile(r"^(\d+(?:\.\d+)?)(d|w|mo|y)$")

TIME_POINT_HELP = (
    "a number and a unit with no space ('100d', '6w', '24mo', '2y'), "
    f"or '{NOT_STATED}', or '{LAST_FOLLOW_UP}'"
)


@dataclass(frozen=True)
class TimePoint:
    """A parsed time point; ``months`` is None for the special values."""

    text: str
    months: float | None

    @property
    def stated(self) -> bool:
        return self.months is not None


def parse_time_point(text: str) -> TimePoint:
    """Parse a time point, raising ``ValueError`` with the accepted forms.

    >>> parse_time_point("2y").months
    24.0
    >>> parse_time_point("24mo") == parse_time_point("24mo")
    True
    >>> parse_time_point("not stated").stated
    False
    """
    if text in _SPECIAL:
        return TimePoint(text, None)
    match = _PATTERN.match(text)
    if not match:
        raise ValueError(f"cannot read time point '{text}': expected {TIME_POINT_HELP}")
    value = float(match.group(1))
    if value <= 0:
        raise ValueError(f"time point '{text}' must be after time zero")
    return TimePoint(text, value * _UNITS_IN_MONTHS[match.group(2)])


def duration_in_months(value: float, unit: str) -> float:
    """Convert a duration in ``days``, ``weeks``, ``months`` or ``years`` to months."""
    factor = {"days": _UNITS_IN_MONTHS["d"], "weeks": _UNITS_IN_MONTHS["w"], "months": 1.0, "years": 12.0}
    return value * factor[unit]
