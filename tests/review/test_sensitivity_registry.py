"""Each registered sensitivity analysis: its protocol form, its title, and which reports it keeps."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from secondhct.protocol.sensitivity import SENSITIVITY_KINDS, SensitivityEntry, default_sensitivity
from secondhct.review.sensitivity import RUNNERS, SensitivityContext
from secondhct.review.sensitivity import run as run_spec

ENTRY: TypeAdapter[Any] = TypeAdapter(SensitivityEntry)


def effect(key: str, n: int | None, *, derived: bool = False, counts: tuple[float, float] | None = None, index: int = 0) -> Any:
    return SimpleNamespace(key=key, n=n, derived=derived, counts=counts, index=index)


def study(design: str = "registry", publication: str = "article") -> Any:
    return SimpleNamespace(study=SimpleNamespace(design=design, publication=publication))


EFFECTS = [
    effect("a", 120, counts=(30.0, 120.0)),
    effect("b", 12, derived=True),
    effect("c", None),
    effect("d", 40),
]
STUDIES = {"a": study(), "b": study("case_report"), "c": study(publication="meeting_abstract"), "d": study()}


def context(is_ratio: bool = False, origins: tuple[str, ...] = ("second_hct",)) -> tuple[SensitivityContext, list[tuple[tuple[str, ...], str | None]]]:
    calls: list[tuple[tuple[str, ...], str | None]] = []

    def pool(kept: Any, model: Any) -> tuple[Any, str]:
        calls.append((tuple(e.key for e in kept), model.method if model is not None else None))
        return None, "pooled"

    plan = SimpleNamespace(is_ratio=is_ratio, takes_comparisons=is_ratio,
                           analysis=SimpleNamespace(population=SimpleNamespace(time_origins=list(origins))))

    def reselect(one_per_overlap_group: bool = True, include_selected: bool | None = None, include_unadjusted: bool = False,
                 include_time_origin_not_stated: bool = False, include_other_estimators: bool = False) -> list[Any]:
        # e: a report of an overlap group; s: a selected cohort; u: an unadjusted ratio (only a ratio plan
        # has one); t: a report with an unstated time origin (only a proportion plan); st: a selected cohort
        # with an unstated time origin; su: a selected cohort whose ratio is unadjusted; o: a report whose
        # row is estimated otherwise (a crude share, 1 - Kaplan-Meier; only a proportion plan)
        extra = [effect("e", 5)] if not one_per_overlap_group else []
        extra += [effect("s", 50)] if include_selected else []
        extra += [effect("u", 60)] if include_unadjusted and is_ratio else []
        extra += [effect("su", 61)] if include_unadjusted and include_selected and is_ratio else []
        extra += [effect("t", 70)] if include_time_origin_not_stated and not is_ratio else []
        extra += [effect("st", 71)] if include_time_origin_not_stated and include_selected and not is_ratio else []
        extra += [effect("o", 80)] if include_other_estimators and not is_ratio else []
        return [*EFFECTS, *extra]

    ctx = SensitivityContext(plan=plan, effects=EFFECTS, studies=STUDIES, pool=pool,  # type: ignore[arg-type]
                             reselect=reselect)  # fmt: skip
    return ctx, calls


def run(spec: dict[str, Any], is_ratio: bool = False, origins: tuple[str, ...] = ("second_hct",)) -> tuple[list[Any], list[tuple[tuple[str, ...], str | None]]]:
    ctx, calls = context(is_ratio, origins)
    return run_spec(ENTRY.validate_python(spec), ctx), calls


def test_excluding_case_reports_and_abstracts_keeps_the_rest() -> None:
    results, calls = run({"kind": "exclude_case_reports_and_abstracts"})
    assert calls == [(("a", "d"), None)]
    assert results[0].name == "exclude_case_reports_and_abstracts" and results[0].keys == ("a", "d")


def test_excluding_approximated_variances() -> None:
    results, calls = run({"kind": "exclude_approximated_se"})
    assert calls == [(("a", "c", "d"), None)] and results[0].title.startswith("excluding '±'")


def test_exclude_small_takes_its_threshold_from_the_protocol() -> None:
    results, calls = run({"kind": "exclude_small", "min_n": 40})
    assert calls == [(("a", "d"), None)]  # c has no stated n: out
    assert results[0].title == "excluding reports with fewer than 40 patients (or n not stated)"
    with pytest.raises(ValidationError):
        ENTRY.validate_python({"kind": "exclude_small", "min_n": 0})
    with pytest.raises(ValidationError):
        ENTRY.validate_python({"kind": "exclude_small"})


def test_all_overlap_reports_pools_every_selected_report() -> None:
    _, calls = run({"kind": "all_overlap_reports"})
    assert calls == [(("a", "b", "c", "d", "e"), None)]
    empty = SensitivityContext(plan=SimpleNamespace(), effects=[], studies={}, pool=lambda kept, model: (None, ""),  # type: ignore[arg-type]
                               reselect=lambda **_: [])  # fmt: skip
    assert run_spec(ENTRY.validate_python({"kind": "all_overlap_reports"}), empty) == []  # no report at all: no row


def test_including_selected_cohorts_adds_them() -> None:
    results, calls = run({"kind": "include_selected_cohorts"})
    assert calls == [(("a", "b", "c", "d", "s"), None)] and results[0].name == "include_selected_cohorts"


def test_including_selected_cohorts_with_unadjusted_ratios_adds_both_for_ratios_only() -> None:
    results, calls = run({"kind": "include_selected_cohorts", "with_unadjusted": True}, is_ratio=True)
    assert calls == [(("a", "b", "c", "d", "s", "u", "su"), None)]
    assert results[0].name == "include_selected_cohorts-unadjusted" and "unadjusted ratios" in results[0].title
    assert run({"kind": "include_selected_cohorts", "with_unadjusted": True}) == ([], [])  # proportions: not applicable


def test_including_unstated_time_origins_adds_them_and_optionally_selected_cohorts() -> None:
    results, calls = run({"kind": "include_time_origin_not_stated"})
    assert calls == [(("a", "b", "c", "d", "t"), None)]
    assert results[0].name == "include_time_origin_not_stated"
    assert results[0].title == "including reports that do not state the time origin of survival"
    results, calls = run({"kind": "include_time_origin_not_stated", "with_selected_cohorts": True})
    assert calls == [(("a", "b", "c", "d", "s", "t", "st"), None)]
    assert results[0].name == "include_time_origin_not_stated-selected" and results[0].title.endswith("and selected cohorts")
    # an analysis that already admits 'not stated', and a ratio analysis, have nothing to add
    assert run({"kind": "include_time_origin_not_stated"}, origins=("second_hct", "not stated")) == ([], [])
    assert run({"kind": "include_time_origin_not_stated"}, is_ratio=True) == ([], [])


def test_including_other_estimators_adds_their_rows_for_proportions_only() -> None:
    results, calls = run({"kind": "include_other_estimators"})
    assert calls == [(("a", "b", "c", "d", "o"), None)]
    assert results[0].name == "include_other_estimators" and results[0].title.startswith("including rows estimated otherwise")
    assert run({"kind": "include_other_estimators"}, is_ratio=True) == ([], [])


def test_including_other_estimators_is_empty_when_no_row_has_one() -> None:
    ctx = SensitivityContext(plan=SimpleNamespace(takes_comparisons=False), effects=EFFECTS, studies=STUDIES,  # type: ignore[arg-type]
                             pool=lambda kept, model: (None, ""), reselect=lambda **_: list(EFFECTS))  # fmt: skip
    assert run_spec(ENTRY.validate_python({"kind": "include_other_estimators"}), ctx) == []


def test_inflating_approximated_variances_touches_only_derived_rows() -> None:
    from secondhct.review.effects import StudyEffect
    from secondhct.stats.escalc import EffectSize

    exact = StudyEffect("a", 0, None, 10, "3/10", EffectSize(-0.8, 0.2, "PLO", "escalc"))
    approx = StudyEffect("b", 0, None, 10, "30%", EffectSize(-0.9, 0.3, "PLO", "binomial", approximate=True))
    seen: list[Any] = []
    ctx = SensitivityContext(plan=SimpleNamespace(is_ratio=False), effects=[exact, approx], studies=STUDIES,  # type: ignore[arg-type]
                             pool=lambda kept, method: (seen.extend(kept), (None, ""))[1], reselect=lambda **_: [])  # fmt: skip
    spec = ENTRY.validate_python({"kind": "inflate_approximated_variances", "factor": 3})
    (result,) = run_spec(spec, ctx)
    assert [e.effect.vi for e in seen] == [0.2, pytest.approx(0.9)] and result.keys == ("a", "b")
    assert spec.title.endswith("multiplied by 3")
    assert ENTRY.validate_python({"kind": "inflate_approximated_variances"}).factor == 2.0
    with pytest.raises(ValidationError):
        ENTRY.validate_python({"kind": "inflate_approximated_variances", "factor": 1})
    none_derived = SensitivityContext(plan=ctx.plan, effects=[exact], studies=STUDIES, pool=ctx.pool, reselect=ctx.reselect)
    assert run_spec(spec, none_derived) == []


def test_method_change_to_the_glmm_uses_reports_with_counts_only() -> None:
    results, calls = run({"kind": "method", "method": "GLMM"})
    assert calls == [(("a",), "GLMM")] and results[0].name == "glmm"
    ratio_results, ratio_calls = run({"kind": "method", "method": "GLMM"}, is_ratio=True)
    assert ratio_calls == [] and ratio_results[0].note == "not applicable to ratios"
    _, dl_calls = run({"kind": "method", "method": "DL"})
    assert dl_calls == [(("a", "b", "c", "d"), "DL")]
    with pytest.raises(ValidationError, match="unknown method 'XX'"):
        ENTRY.validate_python({"kind": "method", "method": "XX"})


def test_leave_one_out_refits_without_each_report() -> None:
    results, calls = run({"kind": "leave_one_out"})
    assert [c[0] for c in calls] == [("b", "c", "d"), ("a", "c", "d"), ("a", "b", "d"), ("a", "b", "c")]
    assert [r.title for r in results] == ["without a", "without b", "without c", "without d"]


def test_unknown_kind_and_unknown_parameter_are_rejected() -> None:
    with pytest.raises(ValidationError):
        ENTRY.validate_python({"kind": "exclude_everything"})
    with pytest.raises(ValidationError):
        ENTRY.validate_python({"kind": "leave_one_out", "k": 3})


def test_defaults_are_registered_kinds_with_distinct_names() -> None:
    specs = default_sensitivity()
    assert all(type(s) in SENSITIVITY_KINDS for s in specs)
    assert len({s.name for s in specs}) == len(specs)


def test_every_registered_kind_has_its_function() -> None:
    """A specification of the protocol format without its behaviour would fail only when used."""
    assert set(RUNNERS) == set(SENSITIVITY_KINDS)
