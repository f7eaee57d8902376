"""The registered sensitivity analyses as the protocol states them: one class each, keyed by ``kind``.

A sensitivity analysis is a pydantic model (its parameters are validated with the
protocol, with located diagnostics) with a ``name`` and a ``title`` (the words the
summary prints). In ``protocol.yaml``::

    sensitivity:
      - {kind: exclude_case_reports_and_abstracts}
      - {kind: exclude_small, min_n: 20}
      - {kind: method, method: GLMM}
      - {kind: leave_one_out}

This module is the file format only; what each one does to an analysis is in
:mod:`secondhct.review.sensitivity` (one function per class, registered there). Adding one
is a class here, listed in :data:`SENSITIVITY_KINDS` and :data:`SensitivityEntry`, its
function there, and its unit test. ``changes_set`` marks those that change which reports
enter, so that they can matter even when the primary analysis has one report or none.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal, Union

from pydantic import Field, ValidationInfo, field_validator

from ..extraction.base import Strict


class SensitivitySpec(Strict):
    """Base class: a registered sensitivity analysis (``kind`` is the discriminator)."""

    #: Whether it changes which reports enter (it can matter with one report or none).
    changes_set: ClassVar[bool] = False

    @property
    def name(self) -> str:
        return str(getattr(self, "kind"))  # noqa: B009 (each subclass declares kind; the base does not)

    @property
    def title(self) -> str:
        raise NotImplementedError


class ExcludeCaseReportsAndAbstracts(SensitivitySpec):
    """Leave out case reports and meeting abstracts (the least reliable sources)."""

    kind: Literal["exclude_case_reports_and_abstracts"]

    @property
    def title(self) -> str:
        return "excluding case reports and meeting abstracts"


class ExcludeApproximatedSe(SensitivitySpec):
    """Leave out variances that rest on an assumption ('±' read as SE, binomial from n)."""

    kind: Literal["exclude_approximated_se"]

    @property
    def title(self) -> str:
        return "excluding '±' read as SE and binomial approximations"


class ExcludeSmall(SensitivitySpec):
    """Leave out reports with fewer than ``min_n`` patients (or an unstated n)."""

    kind: Literal["exclude_small"]
    min_n: int = Field(ge=1, description="smallest number of patients a report needs to stay in")

    @property
    def title(self) -> str:
        return f"excluding reports with fewer than {self.min_n} patients (or n not stated)"


class AllOverlapReports(SensitivitySpec):
    """Every report, not one per overlap group (the primary analysis keeps the largest)."""

    changes_set: ClassVar[bool] = True
    kind: Literal["all_overlap_reports"]

    @property
    def title(self) -> str:
        return "all reports, not one per overlap group"


class IncludeMixedScope(SensitivitySpec):
    """Also the reports with more than the protocol's share of patients outside the population's scope
    (``scope_threshold``: MDS beside AML, lymphoma beside leukemia, graft failure beside relapse), or
    whose share the printed numbers do not give (:mod:`secondhct.protocol.scope`)."""

    changes_set: ClassVar[bool] = True
    kind: Literal["include_mixed_scope"]

    @property
    def title(self) -> str:
        return "including mixed-scope reports (patients outside the population beyond the protocol's share)"


class ExcludeMinorOverlaps(SensitivitySpec):
    """Without the smaller of two reports that may share a few patients (at most ``overlap_threshold`` of
    the smaller one), which the primary analysis keeps both of."""

    changes_set: ClassVar[bool] = True
    kind: Literal["exclude_minor_overlaps"]

    @property
    def title(self) -> str:
        return "dropping the smaller of two reports that may share a few patients"


class IncludeSelectedCohorts(SensitivitySpec):
    """Also the reports of selected cohorts (``population.selection``), which the primary analysis leaves out;
    ``with_unadjusted``: for ratio analyses, also the ratios whose adjustment is not stated or that are unadjusted
    (a selected cohort that reports only such a ratio enters no other analysis)."""

    changes_set: ClassVar[bool] = True
    kind: Literal["include_selected_cohorts"]
    with_unadjusted: bool = Field(default=False, description="also unadjusted ratios and those whose adjustment is not stated")

    @property
    def name(self) -> str:
        return "include_selected_cohorts-unadjusted" if self.with_unadjusted else "include_selected_cohorts"

    @property
    def title(self) -> str:
        if self.with_unadjusted:
            return "including selected cohorts and unadjusted ratios (and those whose adjustment is not stated)"
        return "including selected cohorts (e.g. second remission only)"


class IncludeTimeOriginNotStated(SensitivitySpec):
    """Also the rows whose time origin is not stated (survival from the second HCT, from relapse or
    from diagnosis cannot be told apart), which a primary analysis measured from the second HCT leaves
    out; ``with_selected_cohorts``: also the selected cohorts among them."""

    changes_set: ClassVar[bool] = True
    kind: Literal["include_time_origin_not_stated"]
    with_selected_cohorts: bool = Field(default=False, description="also the reports of selected cohorts")

    @property
    def name(self) -> str:
        return "include_time_origin_not_stated-selected" if self.with_selected_cohorts else "include_time_origin_not_stated"

    @property
    def title(self) -> str:
        words = "including reports that do not state the time origin of survival"
        return f"{words}, and selected cohorts" if self.with_selected_cohorts else words


class IncludeOtherEstimators(SensitivitySpec):
    """Also the rows whose estimator the primary analysis does not take (``estimators`` in the protocol:
    by default 1 - Kaplan-Meier incidences of relapse or NRM, and crude shares of survivors): a
    different estimand, shown beside the primary result and never pooled in it (issue 22)."""

    changes_set: ClassVar[bool] = True
    kind: Literal["include_other_estimators"]

    @property
    def title(self) -> str:
        return "including rows estimated otherwise (1 − Kaplan-Meier incidences, crude shares): a different estimand"


class IncludeUnadjusted(SensitivitySpec):
    """Reported ratios whatever their adjustment: unadjusted ones and those whose adjustment is not
    stated join the adjusted ones of the primary analysis (``comparison.adjustment: adjusted``)."""

    changes_set: ClassVar[bool] = True
    kind: Literal["include_unadjusted"]

    @property
    def title(self) -> str:
        return "including unadjusted ratios (and those whose adjustment is not stated)"


class IncludeOtherComparators(SensitivitySpec):
    """For a comparison of the second HCT with an alternative: also the comparator arms coded as the
    alternative's ``sensitivity_comparators`` (a salvage whose kind the source does not specify, beside
    "no second HCT"), which the primary analysis leaves out (issue 24)."""

    changes_set: ClassVar[bool] = True
    kind: Literal["include_other_comparators"]

    @property
    def title(self) -> str:
        return "including comparator arms whose salvage is not specified (sensitivity_comparators)"


class InflateApproximatedVariances(SensitivitySpec):
    """Approximated variances ('±' read as SE, binomial from n, which ignores censoring) multiplied by ``factor``."""

    kind: Literal["inflate_approximated_variances"]
    factor: float = Field(default=2.0, gt=1, description="multiplier of the approximated sampling variances")

    @property
    def title(self) -> str:
        return f"approximated variances ('±' as SE, binomial from n) multiplied by {self.factor:g}"


class MethodChange(SensitivitySpec):
    """The same reports under another registered pooling method (e.g. the GLMM)."""

    kind: Literal["method"]
    method: str = Field(description="a pooling method of secondhct.stats.models.METHODS, e.g. GLMM")
    tau_prior: str | None = Field(default=None, description="for BAYES: the prior on tau, e.g. halfnormal:1.0")
    mu_prior: str | None = Field(default=None, description="for BAYES: the prior on mu (default flat)")
    test: str | None = Field(default=None, description="for a frequentist method: z, knha or adhoc (default: the analysis's)")
    label: str | None = Field(default=None, description="the title to print (default: from the method)")

    @field_validator("method")
    @classmethod
    def _known(cls, value: str) -> str:
        from ..stats.models import METHODS

        if value not in METHODS:
            raise ValueError(f"unknown method {value!r}; allowed: {', '.join(METHODS)}")
        return value

    @field_validator("test")
    @classmethod
    def _known_test(cls, value: str | None) -> str | None:
        from ..stats.inference import TESTS

        if value is not None and value not in TESTS:  # a typo (knah) fails in validate, not in the build
            raise ValueError(f"unknown test {value!r}; allowed: {', '.join(TESTS)}")
        return value

    @field_validator("tau_prior", "mu_prior")
    @classmethod
    def _readable_prior(cls, value: str | None, info: ValidationInfo) -> str | None:
        from ..stats.priors import check_prior

        return check_prior(value, "tau" if info.field_name == "tau_prior" else "mu")

    @property
    def name(self) -> str:
        parts = [self.method.lower(), *(p.replace(":", "-").replace(",", "-") for p in (self.tau_prior, self.test) if p)]
        return "-".join(parts)

    @property
    def title(self) -> str:
        from ..stats.inference import TESTS
        from ..stats.models import METHODS
        from ..stats.priors import parse_tau_prior

        if self.label:
            return self.label
        if self.method == "GLMM":
            return "binomial-normal GLMM instead of inverse variance (reports with events/total only)"
        words = METHODS[self.method].words
        if self.tau_prior:
            words += f", {parse_tau_prior(self.tau_prior).describe()} prior on τ"
        if self.test:
            words += f", {TESTS.get(self.test, self.test)}"
        return f"{words} instead of the primary model"

    @property
    def params(self) -> tuple[tuple[str, str], ...]:
        """The fit parameters this spec sets (priors)."""
        return tuple((k, v) for k, v in (("tau_prior", self.tau_prior), ("mu_prior", self.mu_prior)) if v)


class EraMetaRegression(SensitivitySpec):
    """A mixed-effects meta-regression of the analysis's effect sizes on the reports' accrual midpoint
    per decade (:mod:`secondhct.review.era`), run where at least ``min_k`` reports state both bounds of
    their accrual period; reported as slope per decade with CI and p, residual tau^2 and R^2, and drawn
    as a bubble plot. Across studies, so ecological; exploratory with few reports (Thompson & Higgins 2002)."""

    kind: Literal["era_meta_regression"]
    min_k: int = Field(default=5, ge=3, description="fewest reports with a stated accrual midpoint to run it")

    @property
    def title(self) -> str:
        return f"meta-regression on the accrual midpoint per decade (where at least {self.min_k} reports state their accrual period)"


class RecentEra(SensitivitySpec):
    """A report that gives its estimate by calendar period (subgroup rows of ``factor``) enters with its
    most recent period (``level``) in place of its whole cohort (:mod:`secondhct.review.era`)."""

    changes_set: ClassVar[bool] = True
    kind: Literal["recent_era"]
    factor: str = Field(default="transplant_era", description="the subgroup factor of calendar periods (vocabulary.yaml)")
    level: str = Field(default="recent", description="its level for the most recent period")

    @property
    def title(self) -> str:
        return "the most recent period in place of the whole cohort, where a report gives estimates by period"


class LeaveOneOut(SensitivitySpec):
    """metafor's ``leave1out``: the model refitted without each report in turn (k >= 3)."""

    kind: Literal["leave_one_out"]

    @property
    def title(self) -> str:
        return "leaving out one report at a time"


#: Every registered kind, in the order the summary lists them by default.
SENSITIVITY_KINDS: tuple[type[SensitivitySpec], ...] = (
    MethodChange, ExcludeCaseReportsAndAbstracts, AllOverlapReports, ExcludeMinorOverlaps, IncludeMixedScope,
    IncludeSelectedCohorts, IncludeUnadjusted, IncludeTimeOriginNotStated, IncludeOtherEstimators, IncludeOtherComparators,
    ExcludeApproximatedSe, InflateApproximatedVariances, ExcludeSmall, RecentEra, EraMetaRegression, LeaveOneOut,
)  # fmt: skip


def model_spec(method: str, *, tau_prior: str | None = None, mu_prior: str | None = None, test: str | None = None,
               label: str | None = None) -> MethodChange:
    """A model as a :class:`MethodChange` (also what the few-studies rule adds)."""
    return MethodChange(kind="method", method=method, tau_prior=tau_prior, mu_prior=mu_prior, test=test, label=label)


SensitivityEntry = Annotated[
    Union[MethodChange, ExcludeCaseReportsAndAbstracts, AllOverlapReports, ExcludeMinorOverlaps, IncludeMixedScope,
          IncludeSelectedCohorts, IncludeUnadjusted, IncludeTimeOriginNotStated, IncludeOtherEstimators, IncludeOtherComparators,
          ExcludeApproximatedSe, InflateApproximatedVariances, ExcludeSmall, RecentEra, EraMetaRegression, LeaveOneOut],
    Field(discriminator="kind"),
]  # fmt: skip


def default_sensitivity() -> list[SensitivityEntry]:
    """The review's default list (what ``protocol.yaml`` states under ``defaults``)."""
    return [
        MethodChange(kind="method", method="GLMM"),
        ExcludeCaseReportsAndAbstracts(kind="exclude_case_reports_and_abstracts"),
        AllOverlapReports(kind="all_overlap_reports"),
        ExcludeMinorOverlaps(kind="exclude_minor_overlaps"),
        IncludeMixedScope(kind="include_mixed_scope"),
        ExcludeApproximatedSe(kind="exclude_approximated_se"),
        LeaveOneOut(kind="leave_one_out"),
    ]
