"""The protocol's pooling rules on the frozen fixture project (tests/data/frozen/, the review's
reports and analyses as of one commit): one report is one report, few reports get the Bayesian
model, more get the frequentist one; time spread and selected cohorts are honoured."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from secondhct.protocol.load import plan
from secondhct.protocol.schema import TimeWindow
from secondhct.review.analysis import _tau2_zero_warning, run_analysis
from secondhct.stats.bayes import BayesResult, bayes_pool
from secondhct.stats.pooling import PooledResult, pool


@pytest.fixture(scope="module")
def review(frozen_review):  # type: ignore[no-untyped-def]
    return frozen_review


def test_one_report_is_shown_not_pooled(review) -> None:  # type: ignore[no-untyped-def]
    result = review.run("os-children-all-2-3y").result
    assert result.synthesis == "single_report" and len(result.effects) == 1
    assert result.pooled is None and result.factors == ()
    # the only sensitivity analysis is the one that adds the mixed-scope report (prszt_nd, graft
    # failures included in a share the frozen file does not count: issue 23), which makes two reports
    assert [s.name for s in result.sensitivity] == ["include_mixed_scope"]
    # hazar2020 too: acute leukemia whose ALL share is not printed
    assert sorted(result.sensitivity[0].keys) == ["hazar2020", "kato2012", "prszt_nd"]


def test_two_reports_get_the_bayesian_model_with_the_frequentist_ones_beside_it(review) -> None:  # type: ignore[no-untyped-def]
    result = review.run("os-children-acute-2-3y").result
    assert result.synthesis == "few_studies"
    primary = result.pooled.result
    assert isinstance(primary, BayesResult) and primary.tau_prior == "half-normal(scale = 0.5)"
    yi = [e.effect.yi for e in result.effects]
    vi = [e.effect.vi for e in result.effects]
    direct = bayes_pool(tuple(yi), tuple(vi), tau_prior="halfnormal:0.5")
    assert primary.mu_median == pytest.approx(direct.mu_median, rel=1e-12)
    first_three = [s.pooled.result for s in result.sensitivity[:3]]
    reml, common, wide = first_three
    assert isinstance(reml, PooledResult) and reml.method == "REML" and reml.test == "adhoc"
    assert reml.estimate == pytest.approx(pool(yi, vi, method="REML", test="adhoc").estimate, rel=1e-12)
    assert math.isnan(reml.pi_lb) and any("no prediction interval below k = 3" in n for n in reml.notes)
    assert isinstance(common, PooledResult) and common.method == "EE"
    assert "assumes no between-study heterogeneity" in result.sensitivity[1].title
    assert isinstance(wide, BayesResult) and wide.tau_prior == "half-normal(scale = 1)"
    assert wide.ci_ub - wide.ci_lb > primary.ci_ub - primary.ci_lb  # a wider prior on tau, a wider interval


def test_more_reports_keep_the_frequentist_model_and_say_when_tau2_is_zero(review) -> None:  # type: ignore[no-untyped-def]
    result = review.run("os-all-ages-2-3y").result
    assert result.synthesis == "standard" and len(result.effects) == 7
    assert isinstance(result.pooled.result, PooledResult) and result.pooled.result.method == "REML"
    # Seven reports and REML at tau^2 = 0: the review says so and points to the Bayesian
    # predictive interval of its sensitivity analysis.
    assert result.pooled.result.tau2 < 1e-10  # REML at its boundary (the solver stops within 1e-12 of 0)
    bayes = next(s for s in result.sensitivity if s.name == "bayes-halfnormal-0.5")
    assert isinstance(bayes.pooled.result, BayesResult)
    (warning,) = [w for w in result.warnings if w.startswith("tau^2 is estimated at 0")]
    assert warning.startswith("tau^2 is estimated at 0 from 7 reports (0 or below 1e-06 of the typical within-report variance)")
    low, high = bayes.pooled.natural[3], bayes.pooled.natural[4]
    assert f"{100 * low:.1f}% to {100 * high:.1f}%" in warning
    assert _tau2_zero_warning("proportion", result.pooled, result.sensitivity) == [warning]
    # with tau^2 above 0 there is no such warning
    above = replace(result.pooled, result=replace(result.pooled.result, tau2=0.01, i2=20.0))
    assert _tau2_zero_warning("proportion", above, result.sensitivity) == []
    # with the selected cohorts the EBMT registry report (not all leukemia) enters
    base = next(a for a in review.protocol.analyses if a.id == "os-all-ages-2-3y")
    years = {k: int(r.year) if r.year else None for k, r in review.bibliography.references.items()}
    wide = base.model_copy(update={"selected_cohorts": "include"})
    wider = run_analysis(plan(wide, review.protocol.defaults, review.vocabulary), review.studies, years)
    assert "ebmt2008ash" in {e.key for e in wider.effects}


def test_time_points_further_apart_than_max_spread_are_not_pooled(review) -> None:  # type: ignore[no-untyped-def]
    # The protocol keeps 1-year and 2-3-year LFS apart (menon2016 1y, hazar2020 3y); menon2016's
    # 1-year share is crude (22/41), so since issue 22 it enters only include_other_estimators ...
    assert [e.key for e in review.run("lfs-children-acute-1y").result.effects] == []
    assert [e.key for e in review.run("lfs-children-acute-2-3y").result.effects] == ["hazar2020"]
    # ... and a 1-3-year window would list them, not pool them (the time-spread rule)
    base = next(a for a in review.protocol.analyses if a.id == "lfs-children-acute-2-3y")
    wide = base.model_copy(update={"id": "lfs-1-3y", "time": TimeWindow(min="1y", max="3y", max_spread="1y"),
                                   "estimators": ["kaplan_meier", "crude_proportion", "not stated"]})
    years = {k: int(r.year) if r.year else None for k, r in review.bibliography.references.items()}
    result = run_analysis(plan(wide, review.protocol.defaults, review.vocabulary), review.studies, years)
    assert result.synthesis == "not_pooled" and result.pooled is None and len(result.effects) == 2
    assert any("differ by more than the protocol allows (1y)" in w for w in result.warnings)


def test_a_selected_cohort_is_left_out_with_its_reason_and_kept_in_a_sensitivity_analysis(review) -> None:  # type: ignore[no-untyped-def]
    result = review.run("os-children-aml-4-5y").result
    taga = next(x for x in result.excluded if x.key == "taga2016")
    assert taga.stage == "selected" and "all in second remission at the second HSCT" in taga.reason
    assert "taga2016" not in {e.key for e in result.effects}
    record = review.run("os-children-aml-4-5y").record
    assert record.synthesis == "single_report" and record.pooled is None  # one report left: nothing pooled
    # ... but including the selected cohort would give two reports, pooled by the few-studies rule
    (with_selected,) = [s for s in record.sensitivity if s.name == "include_selected_cohorts"]
    assert sorted(with_selected.keys) == ["taga2016", "uden2020"]
    assert with_selected.pooled is not None and with_selected.pooled.method == "BAYES"


def test_the_protocol_threshold_becomes_a_posterior_probability(review) -> None:  # type: ignore[no-untyped-def]
    view = review.run("os-children-acute-2-3y")
    result = view.result
    yi = tuple(e.effect.yi for e in result.effects)
    vi = tuple(e.effect.vi for e in result.effects)
    direct = bayes_pool(yi, vi, tau_prior="halfnormal:0.5", thresholds=(math.log(0.3 / 0.7),))
    record = view.record
    assert record.pooled is not None and record.pooled.model == "bayesian"
    assert record.pooled.prob_above == {"0.3": pytest.approx(direct.prob_above[0], rel=1e-12)}
    assert [s.estimate for s in record.pooled.shrinkage] == pytest.approx(list(direct.theta_mean), rel=1e-12)


def test_a_sensitivity_analysis_whose_added_report_falls_to_overlap_is_shown_saying_so(review) -> None:  # type: ignore[no-untyped-def]
    """Issue 23: never hidden; the added report is named with the primary report it may share patients with."""
    result = review.run("os-adults-2-3y").result
    (selected,) = [s for s in result.sensitivity if s.name == "include_selected_cohorts"]
    assert set(selected.keys) == {e.key for e in result.effects}
    assert selected.note == ("the same reports as the primary analysis (ebmtric2_nd may share patients with nagler2019, "
                             "which it keeps first)")


def test_a_tau2_next_to_the_boundary_counts_as_zero() -> None:
    """Issue 27: tau^2 = 8e-12 after poon2013 hid the warning and printed 'τ² = < 0.001'."""
    from secondhct.stats.pooling import tau2_is_zero

    s2 = 0.04  # typical within-report variance; I^2 = 100 tau^2 / (tau^2 + s^2)
    assert tau2_is_zero(8e-12, 100 * 8e-12 / (8e-12 + s2))
    assert not tau2_is_zero(1e-3, 100 * 1e-3 / (1e-3 + s2))
    assert tau2_is_zero(0.0, 0.0) and not tau2_is_zero(1.0, 100.0)
