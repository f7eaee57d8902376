"""The base of the results models, shared by :mod:`secondhct.results` and :mod:`secondhct.curveresults` (a leaf)."""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict


def number(value: float | None) -> float | None:
    """A float for JSON: NaN and infinities become None (JSON has neither)."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)


class Record(BaseModel):
    """Base of the results models: strict names, JSON keys by alias (``I2``, ``Q``)."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid", frozen=True)


class ExcludedRow(Record):
    key: str
    label: str
    stage: str
    reason: str
