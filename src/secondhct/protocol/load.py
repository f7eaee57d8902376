"""Read and check ``protocol.yaml``: shape (pydantic) plus the rules between an analysis's fields."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..diagnostics import Diagnostic, FieldPath, Severity
from ..extraction.timepoint import parse_time_point
from ..measures import MEASURES
from ..modelerrors import LoadedModel, parse_model
from ..textio import read_text
from ..yamlsource import Positions
from .schema import Analysis, Defaults, FewStudies, Protocol

if TYPE_CHECKING:
    from ..review.sensitivity import SensitivitySpec
    from ..vocabulary import Vocabulary


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

    @property
    def id(self) -> str:
        return self.analysis.id

    @property
    def is_ratio(self) -> bool:
        return MEASURES[self.measure].family == "ratio"

    @property
    def kind(self) -> str:
        """The analysis kind (see :data:`~secondhct.protocol.schema.AnalysisKind`), inferred when not stated."""
        return analysis_kind(self.analysis)

    @property
    def takes_comparisons(self) -> bool:
        """Whether the rows are reported ratios (``comparisons[]``) rather than proportions."""
        return self.kind == "factor_ratio" or self.kind == "versus_alternative" and self.analysis.alternative is None

    @property
    def contrasts_proportions(self) -> bool:
        """Whether each report's effect is a within-report ratio of two proportions (levels or arms)."""
        return self.kind == "factor_levels" or self.kind == "versus_alternative" and self.analysis.alternative is not None


#: The proportion measure whose difference gives a ratio of two proportions: logits -> log OR, logs -> log RR.
CONTRAST_SCALE = {"OR": "PLO", "RR": "PLN"}


def analysis_kind(analysis: Analysis) -> str:
    """``analysis.kind``, or factor_ratio when it has a comparison and proportion otherwise."""
    if analysis.kind is not None:
        return analysis.kind
    return "factor_ratio" if analysis.comparison is not None else "proportion"


def plan(analysis: Analysis, defaults: Defaults, vocabulary: Vocabulary | None = None) -> Plan:
    """Fill an analysis's unset options from the defaults (``vocabulary``: its roll-ups match levels)."""
    kind = analysis_kind(analysis)
    if kind == "factor_levels" or kind == "versus_alternative" and analysis.alternative is not None:
        default_measure = "OR"
    elif kind in ("factor_ratio", "versus_alternative"):
        default_measure = defaults.ratio_measure
    else:
        default_measure = defaults.measure
    return Plan(
        analysis=analysis,
        measure=analysis.measure or default_measure,
        method=analysis.method or defaults.method,
        test=analysis.test or defaults.test,
        overlap_rule=analysis.overlap_rule or defaults.overlap_rule,
        sensitivity=tuple(analysis.sensitivity if analysis.sensitivity is not None else defaults.sensitivity),
        selected_cohorts=analysis.selected_cohorts or defaults.selected_cohorts,
        few_studies=defaults.few_studies,
        estimators=tuple(
            (o, tuple(analysis.estimators if analysis.estimators is not None else defaults.estimators[o]))
            for o in analysis.outcomes if analysis.estimators is not None or o in defaults.estimators
        ),
        vocabulary=vocabulary,
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
    yield from _priors(protocol)


def _kind_rules(p: Plan, path: FieldPath) -> Iterator[tuple[Severity, FieldPath, str]]:
    """What each analysis kind needs (see :data:`~secondhct.protocol.schema.AnalysisKind`)."""
    analysis, kind = p.analysis, p.kind
    needs_time = "a time point (time: {exact: 2y} or {min: 2y, max: 3y})"
    if kind == "proportion":
        if p.is_ratio and analysis.comparison is None:
            yield "error", path + ("measure",), f"a {p.measure} analysis needs a comparison (factor, group, reference)"
        elif analysis.comparison is not None:
            yield "error", path + ("comparison",), f"comparison given, but measure {p.measure} pools proportions"
        elif analysis.time is None:
            yield "error", path, f"a proportion analysis needs {needs_time}"
    elif kind in ("factor_ratio", "factor_levels") and analysis.comparison is None:
        yield "error", path, f"a {kind} analysis needs a comparison (factor, level, reference_level)"
    elif kind == "versus_alternative" and (analysis.alternative is None) == (analysis.comparison is None):
        yield "error", path, "a versus_alternative analysis needs either alternative (arm estimates) or comparison (reported ratios)"
    elif p.contrasts_proportions:
        if p.measure not in CONTRAST_SCALE:
            yield "error", path + ("measure",), f"a {kind} analysis gives {' or '.join(CONTRAST_SCALE)} (not {p.measure})"
        if analysis.time is None:
            yield "error", path, f"a {kind} analysis needs {needs_time}"
    elif p.takes_comparisons and not p.is_ratio:
        yield "error", path + ("measure",), f"reported ratios are pooled as a ratio measure (HR, RR, OR), not {p.measure}"
    if kind != "versus_alternative" and analysis.alternative is not None:
        yield "error", path + ("alternative",), "alternative is for kind: versus_alternative"


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
