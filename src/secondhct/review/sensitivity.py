"""The registry of sensitivity analyses: one class each, declared in ``protocol.yaml`` by ``kind``.

A sensitivity analysis is a pydantic model (its parameters are validated with the
protocol, with located diagnostics) with a ``name`` and a ``title`` (the words the
summary prints) and a :meth:`~SensitivitySpec.run` that changes the set of reports or the
model and returns one or more :class:`Sensitivity` results.  In ``protocol.yaml``::

    sensitivity:
      - {kind: exclude_case_reports_and_abstracts}
      - {kind: exclude_small, min_n: 20}
      - {kind: method, method: GLMM}
      - {kind: leave_one_out}

Adding one is one class here (listed in :data:`SENSITIVITY_KINDS`) and its unit test.
Nothing heavy is imported at module level: the protocol schema imports this module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal, Union

from pydantic import Field, ValidationInfo, field_validator

from ..extraction.schema import Strict

if TYPE_CHECKING:
    from ..extraction.schema import StudyExtraction
    from ..protocol.load import Plan
    from .analysis import Pooled
    from .effects import StudyEffect


@dataclass(frozen=True)
class Sensitivity:
    """One sensitivity result: the spec's name and title, the model (None: not computed) and why."""

    name: str
    title: str
    pooled: Pooled | None
    keys: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class SensitivityContext:
    """What a sensitivity analysis may use: the plan, the primary analysis's effects, all
    studies, and the functions that select and pool as the primary analysis does."""

    plan: Plan
    effects: Sequence[StudyEffect]
    studies: Mapping[str, StudyExtraction]
    pool: Callable[[Sequence[StudyEffect], MethodChange | None], tuple[Pooled | None, str]]
    """``pool(effects, model)``: fit the primary model (``model`` None) or another one."""
    reselect: Callable[..., Sequence[StudyEffect]]
    """``reselect(one_per_overlap_group=..., include_selected=..., include_unadjusted=...,
    include_time_origin_not_stated=...)``: the effects of a selection with other rules."""


class SensitivitySpec(Strict):
    """Base class: a registered sensitivity analysis (``kind`` is the discriminator)."""

    @property
    def name(self) -> str:
        return str(getattr(self, "kind"))  # noqa: B009 (each subclass declares kind; the base does not)

    @property
    def title(self) -> str:
        raise NotImplementedError

    def run(self, ctx: SensitivityContext) -> list[Sensitivity]:
        raise NotImplementedError

    def _subset(self, ctx: SensitivityContext, kept: Sequence[StudyEffect], model: MethodChange | None = None) -> Sensitivity:
        pooled, note = ctx.pool(kept, model)
        return Sensitivity(self.name, self.title, pooled, tuple(e.key for e in kept), note)


class ExcludeCaseReportsAndAbstracts(SensitivitySpec):
    """Leave out case reports and meeting abstracts (the least reliable sources)."""

    kind: Literal["exclude_case_reports_and_abstracts"]

    @property
    def title(self) -> str:
        return "excluding case reports and meeting abstracts"

    def run(self, ctx: SensitivityContext) -> list[Sensitivity]:
        def keep(e: StudyEffect) -> bool:
            study = ctx.studies[e.key].study
            return study.design != "case_report" and study.publication != "meeting_abstract"

        return [self._subset(ctx, [e for e in ctx.effects if keep(e)])]


class ExcludeApproximatedSe(SensitivitySpec):
    """Leave out variances that rest on an assumption ('±' read as SE, binomial from n)."""

    kind: Literal["exclude_approximated_se"]

    @property
    def title(self) -> str:
        return "excluding '±' read as SE and binomial approximations"

    def run(self, ctx: SensitivityContext) -> list[Sensitivity]:
        return [self._subset(ctx, [e for e in ctx.effects if not e.derived])]


class ExcludeSmall(SensitivitySpec):
    """Leave out reports with fewer than ``min_n`` patients (or an unstated n)."""

    kind: Literal["exclude_small"]
    min_n: int = Field(ge=1, description="smallest number of patients a report needs to stay in")

    @property
    def title(self) -> str:
        return f"excluding reports with fewer than {self.min_n} patients (or n not stated)"

    def run(self, ctx: SensitivityContext) -> list[Sensitivity]:
        return [self._subset(ctx, [e for e in ctx.effects if e.n is not None and e.n >= self.min_n])]


class AllOverlapReports(SensitivitySpec):
    """Every report, not one per overlap group (the primary analysis keeps the largest)."""

    kind: Literal["all_overlap_reports"]

    @property
    def title(self) -> str:
        return "all reports, not one per overlap group"

    def run(self, ctx: SensitivityContext) -> list[Sensitivity]:
        everything = list(ctx.reselect(one_per_overlap_group=False))
        if not everything:
            return []  # no report at all (an analysis with none): nothing to show
        return [self._subset(ctx, everything)]


class IncludeSelectedCohorts(SensitivitySpec):
    """Also the reports of selected cohorts (``population.selection``), which the primary analysis leaves out;
    ``with_unadjusted``: for ratio analyses, also the ratios whose adjustment is not stated or that are unadjusted
    (a selected cohort that reports only such a ratio enters no other analysis)."""

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

    def run(self, ctx: SensitivityContext) -> list[Sensitivity]:
        if self.with_unadjusted and not ctx.plan.takes_comparisons:
            return []
        everything = list(ctx.reselect(include_selected=True, include_unadjusted=self.with_unadjusted))
        if {e.key for e in everything} == {e.key for e in ctx.effects}:
            return []  # no selected cohort among the candidates: the primary analysis already is this one
        if self.with_unadjusted and {e.key for e in everything} in (
            {e.key for e in ctx.reselect(include_selected=True)}, {e.key for e in ctx.reselect(include_unadjusted=True)},
        ):
            return []  # the same reports as one of the two single relaxations
        return [self._subset(ctx, everything)]


class IncludeTimeOriginNotStated(SensitivitySpec):
    """Also the rows whose time origin is not stated (survival from the second HCT, from relapse or
    from diagnosis cannot be told apart), which a primary analysis measured from the second HCT leaves
    out; ``with_selected_cohorts``: also the selected cohorts among them."""

    kind: Literal["include_time_origin_not_stated"]
    with_selected_cohorts: bool = Field(default=False, description="also the reports of selected cohorts")

    @property
    def name(self) -> str:
        return "include_time_origin_not_stated-selected" if self.with_selected_cohorts else "include_time_origin_not_stated"

    @property
    def title(self) -> str:
        words = "including reports that do not state the time origin of survival"
        return f"{words}, and selected cohorts" if self.with_selected_cohorts else words

    def run(self, ctx: SensitivityContext) -> list[Sensitivity]:
        if ctx.plan.takes_comparisons or "not stated" in ctx.plan.analysis.population.time_origins:
            return []  # ratios have no time origin; an analysis that admits 'not stated' already is this one
        selected = True if self.with_selected_cohorts else None
        everything = list(ctx.reselect(include_time_origin_not_stated=True, include_selected=selected))
        keys = {e.key for e in everything}
        if keys == {e.key for e in ctx.reselect(include_selected=selected)}:
            return []  # no report with an unstated time origin among the candidates
        if self.with_selected_cohorts and keys == {e.key for e in ctx.reselect(include_time_origin_not_stated=True)}:
            return []  # no selected cohort among them: the same reports as without selected cohorts
        return [self._subset(ctx, everything)]


class IncludeUnadjusted(SensitivitySpec):
    """Reported ratios whatever their adjustment: unadjusted ones and those whose adjustment is not
    stated join the adjusted ones of the primary analysis (``comparison.adjustment: adjusted``)."""

    kind: Literal["include_unadjusted"]

    @property
    def title(self) -> str:
        return "including unadjusted ratios (and those whose adjustment is not stated)"

    def run(self, ctx: SensitivityContext) -> list[Sensitivity]:
        if not ctx.plan.takes_comparisons:
            return []
        everything = list(ctx.reselect(include_unadjusted=True))
        if [(e.key, e.index) for e in everything] == [(e.key, e.index) for e in ctx.effects]:
            return []  # every ratio is adjusted: the primary analysis already is this one
        return [self._subset(ctx, everything)]


class InflateApproximatedVariances(SensitivitySpec):
    """Approximated variances ('±' read as SE, binomial from n, which ignores censoring) multiplied by ``factor``."""

    kind: Literal["inflate_approximated_variances"]
    factor: float = Field(default=2.0, gt=1, description="multiplier of the approximated sampling variances")

    @property
    def title(self) -> str:
        return f"approximated variances ('±' as SE, binomial from n) multiplied by {self.factor:g}"

    def run(self, ctx: SensitivityContext) -> list[Sensitivity]:
        from dataclasses import replace

        if not any(e.derived for e in ctx.effects):
            return []
        inflated = [replace(e, effect=replace(e.effect, vi=e.effect.vi * self.factor)) if e.derived else e for e in ctx.effects]
        return [self._subset(ctx, inflated)]


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
        from ..stats.models import TESTS

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
        from ..stats.models import METHODS, TESTS
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

    def run(self, ctx: SensitivityContext) -> list[Sensitivity]:
        from ..stats.models import METHODS

        if METHODS[self.method].needs_counts:
            if ctx.plan.is_ratio:
                return [Sensitivity(self.name, self.title, None, (), "not applicable to ratios")]
            kept = [e for e in ctx.effects if e.counts is not None]
            if not kept:
                return [Sensitivity(self.name, self.title, None, (), "no report gives events/total")]
            return [self._subset(ctx, kept, self)]
        return [self._subset(ctx, list(ctx.effects), self)]


class LeaveOneOut(SensitivitySpec):
    """metafor's ``leave1out``: the model refitted without each report in turn (k >= 3)."""

    kind: Literal["leave_one_out"]

    @property
    def title(self) -> str:
        return "leaving out one report at a time"

    def run(self, ctx: SensitivityContext) -> list[Sensitivity]:
        if len(ctx.effects) < 3:
            return []
        out = []
        for j, left_out in enumerate(ctx.effects):
            kept = [e for i, e in enumerate(ctx.effects) if i != j]
            pooled, note = ctx.pool(kept, None)
            out.append(Sensitivity(self.name, f"without {left_out.key}", pooled, tuple(e.key for e in kept), note))
        return out


#: Every registered kind, in the order the summary lists them by default.
SENSITIVITY_KINDS: tuple[type[SensitivitySpec], ...] = (
    MethodChange, ExcludeCaseReportsAndAbstracts, AllOverlapReports, IncludeSelectedCohorts, IncludeUnadjusted,
    IncludeTimeOriginNotStated, ExcludeApproximatedSe, InflateApproximatedVariances, ExcludeSmall, LeaveOneOut,
)  # fmt: skip

def model_spec(method: str, *, tau_prior: str | None = None, mu_prior: str | None = None, test: str | None = None,
               label: str | None = None) -> MethodChange:
    """A model as a :class:`MethodChange` (also what the few-studies rule adds)."""
    return MethodChange(kind="method", method=method, tau_prior=tau_prior, mu_prior=mu_prior, test=test, label=label)


SensitivityEntry = Annotated[
    Union[MethodChange, ExcludeCaseReportsAndAbstracts, AllOverlapReports, IncludeSelectedCohorts, IncludeUnadjusted,
          IncludeTimeOriginNotStated, ExcludeApproximatedSe, InflateApproximatedVariances, ExcludeSmall, LeaveOneOut],
    Field(discriminator="kind"),
]  # fmt: skip


def default_sensitivity() -> list[SensitivityEntry]:
    """The review's default list (what ``protocol.yaml`` states under ``defaults``)."""
    return [
        MethodChange(kind="method", method="GLMM"),
        ExcludeCaseReportsAndAbstracts(kind="exclude_case_reports_and_abstracts"),
        AllOverlapReports(kind="all_overlap_reports"),
        ExcludeApproximatedSe(kind="exclude_approximated_se"),
        LeaveOneOut(kind="leave_one_out"),
    ]
