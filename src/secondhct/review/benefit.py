"""The summary's section "Second transplant compared with alternatives", from the comparator analyses
of ``results.json`` (the prognostic factors have their own section: :mod:`secondhct.review.factors`).

Pooled comparisons (two reports or more) go in one table: k, patients, the pooled ratio with its
interval, which way it points in words. A comparison that one report gives is a plain sentence with
its numbers and citation. Comparisons with an alternative always say that they are non-randomised.
Rounding happens in :mod:`secondhct.format`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..format import fmt_natural, fmt_range
from ..protocol.kinds import forms_named
from ..results import AnalysisRecord, BayesRecord
from ..stats.inference import TESTS


def direction_words(a: AnalysisRecord, estimate: float, lower: float, upper: float) -> str:
    """Which way a ratio points, in words: 'favours CR at the second HCT', or no clear difference."""
    assert a.contrast is not None
    side = a.contrast.favours_below_1 if estimate < 1 else a.contrast.favours_above_1
    if lower <= 1 <= upper:
        return f"no clear difference (the interval includes 1; the estimate leans towards {side})"
    return f"favours {side}"


def _details(a: AnalysisRecord) -> str:
    parts = sorted({r.detail for r in a.included if r.detail})
    return "; ".join(parts) if parts else "–"


def _model(a: AnalysisRecord) -> str:
    if a.pooled is None:
        return ""
    if isinstance(a.pooled, BayesRecord):
        return "Bayesian (few reports)"
    from ..stats.models import METHODS

    words = METHODS[a.pooled.method].words if a.pooled.method in METHODS else a.pooled.method
    return f"{words}, {TESTS.get(a.pooled.test, a.pooled.test)}"


def _measure_words(a: AnalysisRecord) -> str:
    return {"HR": "hazard ratio", "RR": "risk ratio", "OR": "odds ratio"}.get(a.measure, a.measure)


def _sentence(a: AnalysisRecord, cite: Mapping[str, int]) -> str:
    """One report's factor effect as a sentence with its numbers and citation."""
    assert a.contrast is not None
    r = a.included[0]
    est, lo, hi = r.natural.estimate, r.natural.ci_lb, r.natural.ci_ub
    assert est is not None and lo is not None and hi is not None
    detail = f"; {r.detail}" if r.detail else ""
    n = f"; {r.n} patients" if r.n is not None else ""
    return (f"{r.label} [{cite[r.key]}]: {r.reported} for {', '.join(o.upper() for o in a.outcomes)}, "
            f"{a.contrast.group} vs {a.contrast.reference} ({_measure_words(a)}{detail}{n}); {direction_words(a, est, lo, hi)}. "
            "One report: not pooled.")  # fmt: skip


def _generic(reason: str) -> bool:
    """A reason that only says the report has no such row ('no HR for ...', 'no os reported by ...')."""
    return bool(re.match(r"no (\S+ reported|[A-Z]+ for )", reason))


def _why_none(a: AnalysisRecord) -> str:
    considered = [x for x in a.excluded if x.stage != "population"]
    shown = sorted({x.reason for x in considered if not _generic(x.reason)}, key=lambda r: (not r.startswith("no effect"), r))
    text = f"{a.title}: no report gives usable numbers ({len(considered)} reports considered)"
    return text + (f"; for example: {shown[0]}" if shown else "") + "."


def _row(a: AnalysisRecord, cite: Mapping[str, int]) -> dict[str, Any]:
    assert a.pooled is not None and a.contrast is not None
    nat = a.pooled.natural
    assert nat.estimate is not None and nat.ci_lb is not None and nat.ci_ub is not None
    return {
        "id": a.id, "title": a.title, "k": a.k, "patients": a.patients, "measure": a.measure,
        "estimate": fmt_natural("ratio", nat.estimate), "ci": fmt_range("ratio", nat.ci_lb, nat.ci_ub),
        "interval": "credible interval" if isinstance(a.pooled, BayesRecord) else "95% CI",
        "direction": direction_words(a, nat.estimate, nat.ci_lb, nat.ci_ub), "details": _details(a), "model": _model(a),
        "refs": ", ".join(str(cite[r.key]) for r in a.included),
        "contrast": f"{a.contrast.group} vs {a.contrast.reference} ({_measure_words(a)})",
    }  # fmt: skip


def benefit_context(analyses: list[AnalysisRecord], cite: Mapping[str, int]) -> dict[str, Any]:
    """What the alternatives section shows: pooled rows, single-report sentences, and analyses with no usable report."""
    out: dict[str, Any] = {}
    sections = {"alternatives": lambda f: f.non_randomised}
    for name, belongs in sections.items():
        chosen = [a for a in analyses if a.contrast is not None and any(belongs(f) for f in forms_named(a.kind))]
        out[name] = {
            "pooled": [_row(a, cite) for a in chosen if a.pooled is not None and a.k >= 2],
            "single": [_sentence(a, cite) for a in chosen if a.k == 1],
            "none": [_why_none(a) for a in chosen if a.k == 0],
            "listed": [f"{a.title}: {a.k} reports listed, not pooled (see the analysis)." for a in chosen
                       if a.k >= 2 and a.pooled is None],
        }  # fmt: skip
    return out
