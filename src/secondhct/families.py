"""The families of effect measures (proportion, ratio, generic): one definition each (a leaf module).

A family knows its value of no effect, its axis, how its natural-scale values are printed and
whether they are absolute; :mod:`secondhct.measures` gives every measure its family, and code
asks these attributes instead of testing the family's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Family = Literal["proportion", "ratio", "generic"]


@dataclass(frozen=True)
class MeasureFamily:
    """What every measure of one family shares: the value of no effect, the axis, how a
    natural-scale value is printed, and whether it may be pooled on an absolute scale.

    One definition per family (:data:`FAMILIES`); code asks these attributes, never the name.
    """

    name: Family
    null: float | None
    """The natural-scale value of no effect (1 for ratios), where a reference line goes."""
    log_axis: bool
    """Natural values are drawn on a log axis (ratios)."""
    percent: bool
    """Natural values are proportions, printed as percentages."""
    absolute: bool
    """Values are absolute (a proportion in 0-1) rather than relative to a reference."""

    @property
    def is_ratio(self) -> bool:
        """A relative measure whose no-effect value is 1 (HR, RR, OR)."""
        return self.null == 1.0

    def fmt(self, value: float) -> str:
        """A finite natural-scale value in prose: ``29.4%`` for a proportion, ``0.53`` otherwise."""
        return f"{100 * value:.1f}%" if self.percent else f"{value:.2f}"

    def show(self, value: float) -> str:
        """A threshold as the protocol states it: ``30%``, ``1``."""
        return f"{100 * value:g}%" if self.percent else f"{value:g}"


#: The measure families, by name.
FAMILIES: dict[str, MeasureFamily] = {
    "proportion": MeasureFamily("proportion", None, log_axis=False, percent=True, absolute=True),
    "ratio": MeasureFamily("ratio", 1.0, log_axis=True, percent=False, absolute=False),
    "generic": MeasureFamily("generic", None, log_axis=False, percent=False, absolute=False),
}
