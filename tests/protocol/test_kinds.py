"""The analysis-kind registry: every declared kind has its behaviour and its words, and an
analysis's fields choose its form."""

from __future__ import annotations

from typing import Any

import pytest

from secondhct.protocol.kinds import KIND_NAMES, KIND_WORDS, KINDS, form_named
from secondhct.protocol.load import default_measure, form_of
from secondhct.protocol.schema import Analysis, Defaults
from secondhct.review.effectsizes import EFFECT_SIZES, effect_sizes
from secondhct.review.kinds import BEHAVIOURS, behaviour

BASE: dict[str, Any] = {"id": "a", "title": "t", "outcomes": ["os"], "population": {"diseases": ["ALL"], "age_groups": ["pediatric"]}}
COMPARISON = {"factor": "remission_at_second_hct", "level": "not_cr", "reference_level": "cr"}


def test_every_declared_kind_has_a_behaviour_and_words() -> None:
    assert set(BEHAVIOURS) == set(KINDS)
    univariate = {k for k, form in KINDS.items() if not form.own_model}
    assert set(EFFECT_SIZES) == univariate
    assert set(KIND_WORDS) == set(KIND_NAMES) == {k.name for k in KINDS.values()}


@pytest.mark.parametrize(
    ("fields", "form", "measure"),
    [
        ({}, "proportion", "PLO"),
        ({"comparison": COMPARISON}, "factor_ratio", "HR"),
        ({"kind": "factor_levels", "comparison": COMPARISON}, "factor_levels", "OR"),
        ({"kind": "versus_alternative", "alternative": {"comparator": "dli"}}, "versus_arms", "OR"),
        ({"kind": "versus_alternative", "comparison": COMPARISON}, "versus_ratios", "HR"),
    ],
)
def test_the_fields_choose_the_form_and_its_default_measure(fields: dict[str, Any], form: str, measure: str) -> None:
    chosen = form_of(Analysis.model_validate({**BASE, **fields}))
    assert chosen.form == form
    assert default_measure(chosen, Defaults()) == measure
    assert behaviour(chosen) is BEHAVIOURS[form]
    assert effect_sizes(chosen) is EFFECT_SIZES[form]


def test_a_recorded_kind_is_read_back_by_its_rows() -> None:
    assert form_named("versus_alternative", reads_comparisons=True).form == "versus_ratios"
    assert form_named("versus_alternative", reads_comparisons=False).contrasts_proportions
    assert form_named("proportion", reads_comparisons=False).pools_proportions
