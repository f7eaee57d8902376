"""One CSV cell read as a number, the same way by every input adapter (a leaf module)."""

from __future__ import annotations

import math

from ..errors import InputError


def finite_number(cell: str, where: str, col: str) -> float:
    """``cell`` as a finite float, else one error naming ``where`` (file and line) and the column."""
    try:
        value = float(cell)
    except ValueError:
        raise InputError(f"{where}, column {col!r}: {cell!r} is not a number") from None
    if not math.isfinite(value):
        raise InputError(f"{where}, column {col!r}: {cell!r} is not a finite number")
    return value
