"""The protocol's rules for what is pooled, and with which model, by the number of reports.

* k = 0: nothing (``none``).
* k = 1: the report is shown as it is, never called pooled (``single_report``).
* 2 <= k <= ``few_studies.max_k``: the Bayesian random-effects model with the protocol's
  weakly informative prior on tau is primary (``few_studies``); the frequentist model, the
  common-effect model and the Bayesian model under a wider prior are sensitivity analyses.
  REML with Knapp-Hartung at k = 2 uses t(0.975, 1) = 12.7 and gives intervals of 0-100 %;
  a half-normal prior on tau keeps the interval honest without that (Friede et al. 2017).
* k > ``max_k``: the protocol's frequentist model is primary (``standard``) and the
  Bayesian model a sensitivity analysis.

Frequentist prediction intervals are not given below k = 3 (tau^2 is not estimable in any
useful sense from two reports; IntHout et al. 2016).

References
----------
Friede T, Röver C, Wandel S, Neuenschwander B (2017). Meta-analysis of few small studies in
orphan diseases. *Res Synth Methods* 8:79-91; and Meta-analysis of two studies in the
presence of heterogeneity with applications in rare diseases. *Biom J* 59:658-671.
Röver C, Bender R, Dias S, et al. (2021). On weakly informative prior distributions for the
heterogeneity parameter in Bayesian random-effects meta-analysis. *Res Synth Methods*
12:448-474.
IntHout J, Ioannidis JPA, Rovers MM, Goeman JJ (2016). Plea for routinely presenting
prediction intervals in meta-analysis. *BMJ Open* 6:e010247.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .sensitivity import MethodChange, model_spec

if TYPE_CHECKING:
    from ..protocol.load import Plan

#: Below this many reports no frequentist prediction interval is shown.
MIN_K_FREQUENTIST_PI = 3
#: Below this many reports, tau^2 = 0 is not read as "no heterogeneity".
MIN_K_TAU2_ZERO = 10


def synthesis(plan: Plan, k: int, pooled_at_all: bool = True) -> str:
    """The kind of synthesis for ``k`` reports (see the module docstring)."""
    if k == 0:
        return "none"
    if not pooled_at_all:
        return "not_pooled"
    if k == 1:
        return "single_report"
    return "few_studies" if k <= plan.few_studies.max_k else "standard"


def bayes_spec(plan: Plan, *, wide: bool = False) -> MethodChange:
    """The protocol's Bayesian model (``wide``: under the sensitivity prior)."""
    few = plan.few_studies
    prior = few.sensitivity_tau_prior if wide else few.tau_prior
    return model_spec(few.method, tau_prior=prior, mu_prior=few.mu_prior if few.mu_prior != "flat" else None)


def primary_model(plan: Plan, kind: str) -> MethodChange | None:
    """The model of the primary result: the Bayesian one for few studies, else None (the plan's method)."""
    return bayes_spec(plan) if kind == "few_studies" else None


def model_for(plan: Plan, k: int) -> MethodChange | None:
    """The rule applied to any set of ``k`` reports (a sensitivity analysis may keep fewer or more
    reports than the primary one): the Bayesian model for 2 to max_k reports, else the plan's method."""
    return bayes_spec(plan) if 2 <= k <= plan.few_studies.max_k else None


#: Sensitivity analyses that change which reports enter, so that they can matter even when the
#: primary analysis has a single report or none (e.g. a selected cohort that would make it two).
SET_CHANGING = ("all_overlap_reports", "include_selected_cohorts", "include_selected_cohorts-unadjusted", "include_unadjusted",
                "include_time_origin_not_stated", "include_time_origin_not_stated-selected", "include_other_estimators")


def rule_sensitivity(plan: Plan, kind: str) -> list[MethodChange]:
    """The models the rule puts beside the primary one, first in the sensitivity table."""
    from ..stats.models import METHODS, TESTS

    if kind == "few_studies":
        words = f"{METHODS[plan.method].words}, {TESTS.get(plan.test, plan.test)} (frequentist random effects)"
        return [
            model_spec(plan.method, test=plan.test, label=words),
            model_spec("EE", test="z", label="common-effect model (assumes no between-study heterogeneity)"),
            bayes_spec(plan, wide=True),
        ]
    if kind == "standard":
        return [bayes_spec(plan)]
    return []
