"""Parts of the extraction format about who the cohort is beyond its diseases and ages: how it was
selected (:class:`CohortSelection`) and counts derived from printed numbers (:class:`Derived`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Strict
from .codes import Count, NotStated, Text
from .provenance import Source

SelectionKind = Literal[
    "remission_only", "survivors_only", "donor", "graft_source", "conditioning", "pathway", "car_t_before_second_hct",
    "first_hct_not_allogeneic",
    "non_leukemia_included", "graft_failure_included", "not_second_allo_hct", "other",
]
"""What was selected. A whole-cohort criterion (the protocol decides per analysis whether it makes the
report indirect, ``indirect_selections``): ``remission_only`` (disease status at the second HCT),
``survivors_only``, ``donor`` (donor types restricted), ``graft_source`` (e.g. cord blood only),
``conditioning`` (e.g. reduced intensity only), ``pathway`` (another treatment pathway before every second HCT),
``car_t_before_second_hct`` (CAR-T before the second HCT, in all or some: the CAR-T pathway, kept apart from CAR-T
as an alternative), ``other``.
A share of patients outside the question (judged by the protocol's ``scope_threshold`` from ``count`` of
``of``): ``first_hct_not_allogeneic``, ``non_leukemia_included``, ``graft_failure_included``,
``not_second_allo_hct`` (a syngeneic, autologous or third transplant counted among the second HCTs)."""
#: The selections that put a share of the cohort outside the review's question (the rest restrict the whole cohort).
SHARE_SELECTIONS = frozenset({"first_hct_not_allogeneic", "non_leukemia_included", "graft_failure_included", "not_second_allo_hct"})


class CohortSelection(Strict):
    """The cohort is a selected subset (or a mixture) that is not comparable with all patients
    who relapsed after a first allogeneic HCT: e.g. second remission only, 1-year survivors
    only, first transplant autologous in some. The protocol keeps such reports out of the
    primary analyses (with this as the reason) and in a sensitivity analysis."""

    kind: SelectionKind = Field(description="what makes the cohort selected")
    description: Text = Field(description="the selection in words, e.g. 'all in second remission at the second HCT'")
    count: Count | NotStated | None = Field(
        default=None, description="for a share outside the question: how many patients it concerns, as printed (e.g. 8)"
    )
    of: Count | NotStated | None = Field(default=None, description="of how many (e.g. 22); default: the report's n")
    source: Source


class Derived(Strict):
    """A number that follows from printed numbers by arithmetic, never typed as printed: e.g. a group size
    251 - 187 = 64 when only the whole and the other group are printed. ``validate`` recomputes it and
    checks that every number of the arithmetic is in the quote; the summary marks it as derived."""

    value: Count = Field(description="the result, e.g. 64")
    arithmetic: Text = Field(description="the arithmetic on printed numbers, e.g. '251 - 187' (+, -, * and parentheses)")
    source: Source
