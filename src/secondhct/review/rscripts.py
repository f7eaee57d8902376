"""The reproducibility appendix: one R script per analysis (``<analysis>.R`` in ``outputs/``).

Each script holds the analysis's study-level numbers (yi, vi on the analysis scale, as in
``results.json``) and refits its models with metafor's ``rma`` (same method and test, tight
convergence control) and, for the Bayesian model, bayesmeta (when installed), then prints
the estimates as JSON. Deterministic: numbers are written with 17 significant digits.
"""

from __future__ import annotations

import re
from typing import Any

from ..escape import r_comment, r_string
from ..measures import MEASURES
from ..results import AnalysisRecord, BayesRecord, PooledRecord, ResultsDocument, SensitivityRecord

#: Sensitivity analyses that change the study-level numbers (not only the model or the reports):
#: a script holding the primary numbers cannot refit them.
CHANGED_DATA = frozenset({"inflate_approximated_variances", "recent_era"})


def script_name(analysis_id: str) -> str:
    return f"{analysis_id}.R"


_r_string = r_string  # every text in a script is a literal (escape.r_string) or a comment (escape.r_comment)


def _r_num(x: float | None) -> str:
    return "NA" if x is None else repr(float(x))


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")
_TAU_R = {"half-normal": "dhalfnormal(t, scale = {0})", "half-Cauchy": "dhalfcauchy(t, scale = {0})",
          "uniform": "dunif(t, min = 0, max = {0})", "log-normal": "dlnorm(t, meanlog = {0}, sdlog = {1})"}


def _tau_prior_r(text: str) -> str:
    """A tau prior as results.json words it (``half-normal(scale = 0.5)``) as a bayesmeta density."""
    family = text.split("(")[0].strip()
    numbers = _NUMBER.findall(text.split("(", 1)[-1])
    if family not in _TAU_R:
        raise ValueError(f"no R form for the tau prior {text!r}")
    return "function(t) " + _TAU_R[family].format(*numbers)


def _mu_prior_r(text: str) -> str:
    """``flat (improper uniform)`` or ``normal(mean = 0, sd = 4)`` as bayesmeta's mu.prior."""
    if text.startswith("flat"):
        return "c(NA, NA)"
    mean, sd = _NUMBER.findall(text)
    return f"c(mean = {mean}, sd = {sd})"


def _model(name: str, title: str, keys: list[str], pooled: PooledRecord | BayesRecord | None) -> dict[str, Any] | None:
    keys_r = ", ".join(_r_string(k) for k in keys)
    if isinstance(pooled, BayesRecord):
        return {"kind": "bayes", "name": name, "title": title, "keys": keys_r,
                "tau_prior": _tau_prior_r(pooled.tau_prior), "mu_prior": _mu_prior_r(pooled.mu_prior)}  # fmt: skip
    if isinstance(pooled, PooledRecord) and pooled.method != "GLMM":
        return {"kind": "rma", "name": name, "title": title, "keys": keys_r, "method": pooled.method, "test": pooled.test}
    return None


def _era_model(i: int, s: SensitivityRecord) -> dict[str, Any] | None:
    """The era meta-regression: rma(yi, vi, mods = ~ era) with each report's accrual midpoint."""
    r = s.regression
    if r is None:
        return None
    return {"kind": "era", "name": f"sensitivity[{i}]", "title": f"sensitivity analysis: {s.title}",
            "keys": ", ".join(_r_string(k) for k in r.midpoints), "mids": ", ".join(f"{m:.17g}" for m in r.midpoints.values()),
            "method": r.method, "test": r.test}  # fmt: skip


def script_models(a: AnalysisRecord) -> list[dict[str, Any]]:
    """What a script refits: the primary model, then every inverse-variance sensitivity model."""
    rows = [r for r in a.included if r.yi is not None and r.vi is not None]
    keys = [r.key for r in rows]
    models: list[dict[str, Any]] = []
    if a.synthesis == "single_report" and rows:
        models.append({"kind": "single", "name": "primary", "title": "the single report (Wald interval)", "keys": _r_string(keys[0])})
    primary = _model("primary", "primary model", keys, a.pooled)
    if primary is not None:
        models.append(primary)
    for i, s in enumerate(a.sensitivity):  # named by position in results.json's list
        m = _model(f"sensitivity[{i}]", f"sensitivity analysis: {s.title}", s.keys, s.pooled) if s.regression is None else _era_model(i, s)
        if m is not None and s.keys and all(k in keys for k in s.keys) and s.name not in CHANGED_DATA:
            models.append(m)
    for f in a.subgroup_factors:  # metafor's permutest of the subgroup test, where the protocol asked for one
        t = f.permutation
        level = {key: lev for lev, members in f.levels.items() for key in members}
        if t is not None and all(k in level for k in keys):
            models.append({
                "kind": "permutest", "name": f"permutation[{f.factor}]", "keys": ", ".join(_r_string(k) for k in keys),
                "title": f"permutation test of the subgroup differences by {f.factor.replace('_', ' ')}",
                "levels": ", ".join(_r_string(level[k]) for k in keys), "method": t.method, "test": t.test,
                "how": "exact = TRUE" if t.exact else f"iter = {t.permutations}, seed = {t.seed}", "exact": t.exact,
            })  # fmt: skip
    return models


def r_scripts(document: ResultsDocument) -> dict[str, str]:
    """``{"<analysis>.R": script}`` for every analysis with a model to refit."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("secondhct", "templates"), undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)  # fmt: skip
    env.filters.update(r_string=r_string, r_comment=r_comment)
    template = env.get_template("analysis.R.j2")
    out = {}
    for a in document.analyses:
        models = script_models(a)
        if not models:
            continue
        rows = [r for r in a.included if r.yi is not None and r.vi is not None]
        out[script_name(a.id)] = template.render(
            id=a.id, title=a.title, file=script_name(a.id), version=document.tool_version,
            scale=MEASURES[a.measure].scale_words, models=models,
            keys=", ".join(_r_string(r.key) for r in rows), labels=", ".join(_r_string(r.label) for r in rows),
            yi=", ".join(_r_num(r.yi) for r in rows), vi=", ".join(_r_num(r.vi) for r in rows),
        )  # fmt: skip
    from .kinds import distinct

    out.update({file: script for b in distinct() for file, script, _, _ in b.r_scripts(document)})
    return out


def appendix(document: ResultsDocument, scripts: dict[str, str]) -> list[dict[str, str]]:
    """The summary's list of scripts: file, analysis title, and what it refits."""
    out = []
    for a in document.analyses:
        name = script_name(a.id)
        if name in scripts:
            kinds = {m["kind"] for m in script_models(a)}
            what = " and ".join(w for k, w in (("rma", "metafor"), ("bayes", "bayesmeta"), ("single", "the report's Wald interval")) if k in kinds)
            out.append({"file": name, "title": a.title, "what": what})
    from .kinds import distinct

    out += [{"file": file, "title": title, "what": what} for b in distinct() for file, _, title, what in b.r_scripts(document)]
    return out


INTRO = ("Every analysis with a model has an R script beside this summary that refits it from the same study-level "
         "numbers (effect sizes and variances on the analysis scale) with metafor (Viechtbauer 2010, J Stat Softw 36(3)) "
         "and, for the Bayesian model, bayesmeta (when installed), and prints the estimates as JSON; the test suite runs "
         "them and compares with results.json. Run one with Rscript <file>.")  # fmt: skip
