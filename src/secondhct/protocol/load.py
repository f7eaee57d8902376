"""Read and check ``protocol.yaml``: shape (pydantic) plus the rules between an analysis's fields."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..diagnostics import Diagnostic, FieldPath, Severity
from ..extraction.timepoint import parse_time_point
from ..families import MeasureFamily
from ..measures import MEASURES
from ..modelerrors import LoadedModel, parse_model
from ..textio import read_text
from ..yamlsource import Positions
from .gradespec import CertaintyDefaults
from .kinds import KINDS, VERSUS_ARMS, VERSUS_RATIOS, KindForm, forms_named
from .schema import Analysis, Defaults, FewStudies, Protocol

if TYPE_CHECKING:
    from ..vocabulary import Vocabulary
    from .sensitivity import SensitivitySpec


@dataclass(frozen=True)
class Plan:
    """An analysis with the protocol's defaults filled in."""

    analysis: Analysis
    measure: str
    method: str
    test: str
    overlap_rule: str
    sensitivity: tuple[SensitivitySpec, ...]
    selected_cohorts: str = "exclude"
    few_studies: FewStudies = FewStudies()
    # roll-ups for matching comparisons by level (None: exact codes); not part of equality or hash
    vocabulary: Vocabulary | None = field(default=None, compare=False)
    # per outcome of the analysis, the estimators its primary analysis takes (an outcome not listed: any)
    estimators: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # the whole-cohort selections that make a report indirect, and the scope and overlap thresholds
    indirect_selections: tuple[str, ...] = ()
    scope_threshold: float = 0.10
    overlap_threshold: float = 0.10
    # the sensitivity analysis include_other_comparators: also the alternative's sensitivity_comparators
    include_other_comparators: bool = False
    certainty: CertaintyDefaults = CertaintyDefaults()
    """GRADE's starting levels and imprecision rules (defaults.certainty)"""

    @property
    def id(self) -> str:
        return self.analysis.id

    @property
    def family(self) -> MeasureFamily:
        """The measure's family (its null value, axis and words)."""
        return MEASURES[self.measure].family_info

    @property
    def is_ratio(self) -> bool:
        return self.family.is_ratio

    @property
    def kind(self) -> KindForm:
        """The analysis kind's declaration (:mod:`secondhct.protocol.kinds`), inferred when not stated."""
        return form_of(self.analysis)

    @property
    def takes_comparisons(self) -> bool:
        """Whether the rows are reported ratios (``comparisons[]``) rather than proportions."""
        return self.kind.reads_comparisons

    @property
    def contrasts_proportions(self) -> bool:
        """Whether each report's effect is a within-report ratio of two proportions (levels or arms)."""
        return self.kind.contrasts_proportions


def form_of(analysis: Analysis) -> KindForm:
    """The declaration an analysis takes: its ``kind`` (default: factor_ratio with a comparison,
    else proportion), and for ``versus_alternative`` the form its fields choose."""
    name = analysis.kind or ("factor_ratio" if analysis.comparison is not None else "proportion")
    if name == "versus_alternative":
        return VERSUS_ARMS if analysis.alternative is not None else VERSUS_RATIOS
    return KINDS[name]


#: The proportion measure whose difference gives a ratio of two proportions: logits -> log OR, logs -> log RR.
CONTRAST_SCALE = {"OR": "PLO", "RR": "PLN"}


def default_measure(form: KindForm, defaults: Defaults) -> str:
    """The measure a kind pools when the analysis names none."""
    return {"proportion": defaults.measure, "ratio": defaults.ratio_measure, "contrast": "OR", "raw": "PR"}[form.default_measure]


def plan(analysis: Analysis, defaults: Defaults, vocabulary: Vocabulary | None = None) -> Plan:
    """Fill an analysis's unset options from the defaults (``vocabulary``: its roll-ups match levels)."""
    return Plan(
        analysis=analysis,
        measure=analysis.measure or default_measure(form_of(analysis), defaults),
        method=analysis.method or defaults.method,
        test=analysis.test or defaults.test,
        overlap_rule=analysis.overlap_rule or defaults.overlap_rule,
        sensitivity=tuple(analysis.sensitivity if analysis.sensitivity is not None else defaults.sensitivity),
        selected_cohorts=analysis.selected_cohorts or defaults.selected_cohorts,
        few_studies=defaults.few_studies,
        certainty=defaults.certainty,
        estimators=tuple(
            (o, tuple(analysis.estimators if analysis.estimators is not None else defaults.estimators[o]))
            for o in analysis.outcomes if analysis.estimators is not None or o in defaults.estimators
        ),
        vocabulary=vocabulary,
        indirect_selections=tuple(
            analysis.indirect_selections if analysis.indirect_selections is not None else defaults.indirect_selections
        ),
        scope_threshold=analysis.scope_threshold if analysis.scope_threshold is not None else defaults.scope_threshold,
        overlap_threshold=defaults.overlap_threshold,
    )


def _rules(protocol: Protocol) -> Iterator[tuple[Severity, FieldPath, str]]:
    seen: dict[str, int] = {}
    for i, analysis in enumerate(protocol.analyses):
        path: FieldPath = ("analyses", i)
        if analysis.id in seen:
            yield "error", path + ("id",), f"duplicate analysis id '{analysis.id}' (also analyses[{seen[analysis.id]}])"
        seen.setdefault(analysis.id, i)
        p = plan(analysis, protocol.defaults)
        yield from _kind_rules(p, path)
        if analysis.subgroup is not None and analysis.comparison is not None:
            yield "error", path + ("subgroup",), "subgroup and comparison cannot be combined"
        if analysis.time is not None:
            yield from _window(analysis, path + ("time",))
    for t, table in enumerate(protocol.summary_of_findings):  # a summary-of-findings row names an analysis
        for j, name in ((j, n) for j, n in enumerate(table.analyses) if n not in seen):
            yield "error", ("summary_of_findings", t, "analyses", j), f"no analysis '{name}' in analyses"
    yield from _priors(protocol)


def _kind_rules(p: Plan, path: FieldPath) -> Iterator[tuple[Severity, FieldPath, str]]:
    """What the analysis's kind declares it needs (:mod:`secondhct.protocol.kinds`)."""
    analysis, form = p.analysis, p.kind
    needs_time = "a time point (time: {exact: 2y} or {min: 2y, max: 3y})"
    if form.default_measure == "proportion" and p.is_ratio and analysis.comparison is None:
        yield "error", path + ("measure",), f"a {p.measure} analysis needs a comparison (factor, group, reference)"
        return
    if any(getattr(analysis, f) is None for f in form.needs):
        yield "error", path, f"a {form.name} analysis needs {form.needs_words}"
        return
    for name in (f for f in form.forbids if getattr(analysis, f) not in (None, [])):
        if len(forms_named(form.name)) > 1:  # the fields choose the form: both given is ambiguous
            yield "error", path, f"a {form.name} analysis needs {form.needs_words}"
        else:
            yield "error", path + (name,), f"{name} given, but a {form.name} analysis ({form.words}) does not take it"
        return
    if form.contrasts_proportions and p.measure not in CONTRAST_SCALE:
        yield "error", path + ("measure",), f"a {form.name} analysis gives {' or '.join(CONTRAST_SCALE)} (not {p.measure})"
    if form.every_time:
        yield from _every_time_rules(p, path)
    elif form.needs_time and analysis.time is None:
        yield "error", path, f"a {form.name} analysis needs {needs_time}"
    if form.reads_comparisons and not p.is_ratio:
        yield "error", path + ("measure",), f"reported ratios are pooled as a ratio measure (HR, RR, OR), not {p.measure}"
    if analysis.curve is not None and not form.own_model:
        yield "error", path + ("curve",), f"curve options are for kind: survival_curve (not {form.name})"
    if analysis.alternative is not None and "alternative" not in form.needs:
        kinds = " or ".join(sorted({k.name for k in KINDS.values() if "alternative" in k.needs}))
        yield "error", path + ("alternative",), f"alternative is for kind: {kinds}"


def _every_time_rules(p: Plan, path: FieldPath) -> Iterator[tuple[Severity, FieldPath, str]]:
    """A kind that takes every time point (the summary curve) needs a window, not one time point, and
    outcomes of one competing-risk role: survival (OS), event-free survival (LFS, EFS, ...) or one
    incidence (relapse; NRM or TRM), never a mix (a curve of OS at 1 year and LFS at 3 is no curve)."""
    from ..outcomes import competing_role

    analysis, form = p.analysis, p.kind
    window = "a window of times (time: {min: 6mo, max: 10y})"
    if analysis.time is None:
        yield "error", path, f"a {form.name} analysis needs {window}"
    elif analysis.time.exact is not None:
        yield "error", path + ("time", "exact"), f"a {form.name} analysis takes every time point in {window}, not one"
    elif analysis.time.max_spread is not None:
        yield "error", path + ("time", "max_spread"), f"max_spread limits one time point per report; a {form.name} analysis takes them all"
    roles = {o: competing_role(o) for o in analysis.outcomes}
    if any(r is None for r in roles.values()) or len(set(roles.values())) > 1:
        shown = ", ".join(f"{o} ({(r or 'no such role').replace('_', '-')})" for o, r in roles.items())
        yield "error", path + ("outcomes",), (f"a {form.name} analysis takes outcomes of one role: overall survival, "
                                              f"event-free survival, relapse or non-relapse mortality (here: {shown})")  # fmt: skip


def _priors(protocol: Protocol) -> Iterator[tuple[Severity, FieldPath, str]]:
    """The priors of the few-studies rule must parse (their text is validated by the Bayesian model)."""
    from ..errors import PoolingError
    from ..stats.priors import parse_mu_prior, parse_tau_prior

    few = protocol.defaults.few_studies
    for name, parse in (("tau_prior", parse_tau_prior), ("sensitivity_tau_prior", parse_tau_prior), ("mu_prior", parse_mu_prior)):
        try:
            parse(getattr(few, name))
        except PoolingError as exc:
            yield "error", ("defaults", "few_studies", name), str(exc)


def _window(analysis: Analysis, path: FieldPath) -> Iterator[tuple[Severity, FieldPath, str]]:
    window = analysis.time
    assert window is not None
    if (window.exact is None) == (window.min is None and window.max is None):
        yield "error", path, "give either exact, or min and max"
        return
    if window.exact is None and (window.min is None or window.max is None):
        yield "error", path, "a window needs both min and max"
        return
    for name in ("exact", "min", "max", "max_spread"):
        value = getattr(window, name)
        if value is not None and not parse_time_point(value).stated:
            yield "error", path + (name,), f"'{value}' is not a time point an analysis can select on"
    if window.min and window.max:
        lo, hi = parse_time_point(window.min).months, parse_time_point(window.max).months
        if lo is not None and hi is not None and lo > hi:
            yield "error", path + ("max",), f"window ends ({window.max}) before it starts ({window.min})"


def load_protocol(path: Path, display: str) -> LoadedModel[Protocol]:
    """Read ``protocol.yaml``; every problem is a located diagnostic."""
    text, diagnostics = read_text(path, display)
    if text is None:
        return LoadedModel(display, None, None, Positions(), diagnostics)
    loaded = parse_model(text, display, Protocol)
    if loaded.model is not None:
        for severity, field_path, message in _rules(loaded.model):
            line, column = loaded.positions.locate(field_path)
            loaded.diagnostics.append(Diagnostic(display, severity, message, line, column, field_path, "protocol"))
        if any(d.severity == "error" for d in loaded.diagnostics):
            loaded.model = None
    return loaded


def window_months(analysis: Analysis) -> tuple[float, float] | None:
    """The analysis time window in months (exact: a point window); None without a time."""
    window = analysis.time
    if window is None:
        return None
    if window.exact is not None:
        months = parse_time_point(window.exact).months
        return (months, months) if months is not None else None
    lo = parse_time_point(window.min).months if window.min else None
    hi = parse_time_point(window.max).months if window.max else None
    return (lo, hi) if lo is not None and hi is not None else None


def max_spread_months(analysis: Analysis) -> float | None:
    """The protocol's limit on the spread of pooled time points, in months (None: no limit)."""
    if analysis.time is None or analysis.time.max_spread is None:
        return None
    return parse_time_point(analysis.time.max_spread).months


def window_text(analysis: Analysis) -> str:
    """The time point as stated in the output: '2y' or '2y-3y'."""
    window = analysis.time
    if window is None:
        return "any time"
    return window.exact if window.exact is not None else f"{window.min}-{window.max}"
