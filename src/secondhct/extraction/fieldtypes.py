"""Field types of the extraction format that carry their own checks: p-values, time points, dates."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, Field, WithJsonSchema

from .timepoint import TIME_POINT_HELP, parse_time_point

_NOT_SIGNIFICANT = {"n.s.", "ns", "n.s", "not significant"}

#: How many of a unit make the whole: a percentage of 100, a proportion of 1.
PROPORTION_SCALE = {"percent": 100.0, "proportion": 1.0}


def is_not_significant(p: object) -> bool:
    """Whether a printed p-value is a "not significant" without a number ('n.s.')."""
    return isinstance(p, str) and p.strip().casefold() in _NOT_SIGNIFICANT

_P_BOUND = re.compile(r"^(<=|>=|<|>|=|≤|≥)?\s*([0-9.]+(?:[eE]-?[0-9]+)?)$")


def _check_p(value: Any) -> Any:
    """Accept a p-value as printed: a number in [0, 1] or a text such as '<0.001'."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError("a p-value is a number such as 0.04 or a bound such as '<0.001'")
    number: float | None = None
    if is_not_significant(value):
        return value
    if isinstance(value, str):
        match = _P_BOUND.match(value.strip())
        if match:
            try:
                number = float(match.group(2))
            except ValueError:
                number = None
        if number is None:
            raise ValueError(f"cannot read p-value '{value}': write 0.04, or a bound as printed such as '<0.001'")
    else:
        number = float(value)
    if not 0 <= number <= 1:
        raise ValueError(f"p-value {value} is outside 0-1")
    return value


PValue = Annotated[
    Any,
    AfterValidator(_check_p),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 1},
                {"type": "string", "pattern": r"^((<|>|<=|>=|=|≤|≥)?\s*[0-9.eE\-]+|n\.s\.?|ns|not significant)$"},
            ],
            "description": "p-value as printed: a number (0.04), a bound ('<0.001'), or 'n.s.'",
        }
    ),
]


#: The longest time point any survival report can mean (beyond it the text is a slip).
MAX_TIME_MONTHS = 100 * 12


def _check_time(value: str) -> str:
    months = parse_time_point(value).months
    if months is not None and months > MAX_TIME_MONTHS:
        raise ValueError(f"time point '{value}' is beyond {MAX_TIME_MONTHS // 12} years: not a follow-up time")
    return value


TimePointText = Annotated[
    str,
    AfterValidator(_check_time),
    Field(description=f"time point: {TIME_POINT_HELP}"),
]


def _check_date(value: str) -> str:
    import datetime

    if not re.match(r"^\d{4}-\d{2}-\d{2}$", value):
        raise ValueError(f"'{value}' is not a date written YYYY-MM-DD")
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"'{value}' is not a calendar date (month 01-12, a day the month has)") from None
    return value


DateText = Annotated[str, AfterValidator(_check_date), Field(description="a date, YYYY-MM-DD")]
YearMonth = Annotated[
    str, Field(pattern=r"^\d{4}(-\d{2})?$", description="a year (2004) or year and month (2004-04)")
]
