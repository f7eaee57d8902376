"""Python API for notebooks: load the review, run one analysis, get pandas DataFrames and figures.

>>> from secondhct.api import load_review          # doctest: +SKIP
>>> review = load_review()                          # doctest: +SKIP
>>> review.analysis_ids()[:2]                       # doctest: +SKIP
['os-children-acute-2-3y', 'os-children-all-2-3y']
>>> result = review.run("os-children-acute-2-3y")   # doctest: +SKIP
>>> result.studies_frame()[["label", "reported", "estimate", "weight"]]  # doctest: +SKIP
>>> result.pooled_frame()                           # doctest: +SKIP
>>> result.forest()                                 # a matplotlib Figure  # doctest: +SKIP

Nothing here writes a file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .bibliography import Bibliography
from .curveresults import CurveRecord
from .errors import SecondHCTError
from .extraction.schema import StudyExtraction
from .project import display_path, find_project
from .protocol.load import Plan, load_protocol, plan
from .protocol.schema import Protocol
from .results import AnalysisRecord, BayesRecord, PooledRecord
from .review.analysis import AnalysisResult, run_analysis
from .validation import validate_project
from .vocabulary import Vocabulary

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class AnalysisView:
    """One analysis's result, with tables and figures for interactive use."""

    result: AnalysisResult
    labels: dict[str, str]

    @property
    def record(self) -> AnalysisRecord:
        """The analysis as ``results.json`` records it (the typed results model)."""
        from .review.results import analysis_record

        return analysis_record(self.result, self.labels)

    def studies_frame(self) -> pd.DataFrame:
        """One row per included report: value as printed, effect size, natural-scale CI, weight, derivation."""
        import pandas as pd

        return pd.DataFrame([
            {"key": r.key, "label": r.label, "subgroup": r.subgroup, "n": r.n, "reported": r.reported, "yi": r.yi,
             "vi": r.vi, "estimate": r.natural.estimate, "ci_lb": r.natural.ci_lb, "ci_ub": r.natural.ci_ub,
             "weight": r.weight, "assumed_se": r.assumed_se, "approximate": r.approximate, "derivation": r.derivation,
             "accrual": r.accrual, "accrual_midpoint": r.accrual_midpoint}
            for r in self.record.included
        ])  # fmt: skip

    def excluded_frame(self) -> pd.DataFrame:
        """Reports left out, with the stage and the reason."""
        import pandas as pd

        return pd.DataFrame(
            [{"key": x.key, "label": self.labels.get(x.key, x.key), "stage": x.stage, "reason": x.reason} for x in self.result.excluded],
            columns=["key", "label", "stage", "reason"],
        )

    def pooled_frame(self) -> pd.DataFrame:
        """The main model and each sensitivity analysis, one row each (natural scale and heterogeneity)."""
        import pandas as pd

        def row(model: str, k: int, pooled: PooledRecord | BayesRecord | None) -> dict[str, object]:
            if pooled is None:
                return {"model": model, "k": k}
            nat = pooled.natural
            out: dict[str, object] = {"model": model, "k": pooled.k, "estimate": nat.estimate, "ci_lb": nat.ci_lb,
                                      "ci_ub": nat.ci_ub, "pi_lb": nat.pi_lb, "pi_ub": nat.pi_ub, "method": pooled.method}  # fmt: skip
            if isinstance(pooled, BayesRecord):  # posterior summaries: tau, no Q or I^2
                return {**out, "tau": pooled.tau, "tau_lb": pooled.tau_lb, "tau_ub": pooled.tau_ub, "tau_prior": pooled.tau_prior}
            return {**out, "tau2": pooled.tau2, "I2": pooled.i2, "Q": pooled.q, "Q_p": pooled.q_p, "test": pooled.test}

        record = self.record
        rows = [row("main", record.k, record.pooled)]
        rows += [row(f"{s.name}: {s.title}", len(s.keys), s.pooled) for s in record.sensitivity]
        return pd.DataFrame(rows)

    def forest(self) -> Figure:
        """The forest plot (a matplotlib Figure; nothing is saved)."""
        from .plots import forest_plot
        from .review.figures import forest_data

        data = forest_data(self.result, self.labels)
        if data is None:
            raise SecondHCTError(f"analysis {self.result.plan.id} has no report with an effect size to draw")
        return forest_plot(data)


@dataclass(frozen=True)
class Review:
    """The validated review: extractions, bibliography and protocol."""

    root: Path
    studies: tuple[StudyExtraction, ...]
    bibliography: Bibliography
    protocol: Protocol
    vocabulary: Vocabulary | None = None

    def analysis_ids(self) -> list[str]:
        return [a.id for a in self.protocol.analyses]

    def _plan(self, analysis_id: str) -> Plan:
        analysis = next((a for a in self.protocol.analyses if a.id == analysis_id), None)
        if analysis is None:
            raise SecondHCTError(f"no analysis '{analysis_id}' in protocol.yaml; analyses: {', '.join(self.analysis_ids())}")
        return plan(analysis, self.protocol.defaults, self.vocabulary)

    def _years(self) -> dict[str, int | None]:
        return self.bibliography.years()

    def run(self, analysis_id: str, *, batch: bool = True) -> AnalysisView:
        """Run one analysis of the protocol that pools one number per report (nothing is written);
        ``batch=False`` leaves out its GOSH fits and permutation tests. A curve analysis: :meth:`curve`."""
        p = self._plan(analysis_id)
        if p.kind.own_model:
            raise SecondHCTError(f"analysis '{analysis_id}' is a {p.kind.name} analysis: use review.curve('{analysis_id}')")
        return AnalysisView(run_analysis(p, self.studies, self._years(), batch=batch), dict(self.bibliography.labels))

    def curve(self, analysis_id: str) -> CurveRecord:
        """Run one ``kind: survival_curve`` analysis and return its record (rows, model, predictions)."""
        from .review.kinds import behaviour

        p = self._plan(analysis_id)
        if not p.kind.own_model:
            raise SecondHCTError(f"analysis '{analysis_id}' is a {p.kind.name} analysis: use review.run('{analysis_id}')")
        kind = behaviour(p.kind)
        record = kind.record(kind.run(p, self.studies, self._years()), dict(self.bibliography.labels))
        assert isinstance(record, CurveRecord)
        return record

    def studies_frame(self) -> pd.DataFrame:
        """Study characteristics, one row per extraction (the accrual midpoint None when a bound is not stated)."""
        import pandas as pd

        from .extraction.accrual import accrual_midpoint, accrual_words

        return pd.DataFrame([
            {"key": s.key, "label": self.bibliography.labels.get(s.key, s.key), "design": s.study.design,
             "publication": s.study.publication, "diseases": ", ".join(s.population.diseases),
             "age_group": s.population.age_group, "n": s.population.n, "data_source": s.study.data_source,
             "time_origin": s.population.time_origin, "outcomes": len(s.outcomes), "comparisons": len(s.comparisons),
             "accrual": accrual_words(s.study.accrual), "accrual_midpoint": accrual_midpoint(s.study.accrual)}
            for s in self.studies
        ])


def load_review(root: Path | str | None = None) -> Review:
    """Load and validate the review at ``root`` (default: the project around the current folder)."""
    project = find_project(Path(root) if root is not None else None)
    report = validate_project(project)
    path = project.root / "protocol.yaml"
    protocol = report.protocol if report.protocol is not None else load_protocol(path, display_path(path))  # read once
    errors = [d.format() for d in [*report.diagnostics, *protocol.diagnostics] if d.severity == "error"]
    if errors or protocol.model is None or report.bibliography is None:
        raise SecondHCTError("the review does not validate:\n" + "\n".join(errors))
    studies = tuple(s.study for s in report.studies if s.study is not None)
    vocabulary = report.vocabulary.model if report.vocabulary is not None else None
    return Review(project.root, studies, report.bibliography, protocol.model, vocabulary)
