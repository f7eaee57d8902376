"""``secondhct curve``: a summary survival curve from survival read at several times per report.

Only typer is imported at module level; numpy/scipy are imported inside the command.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import InputError, PoolingError
from .common import flag, reports_errors

if TYPE_CHECKING:
    from ..stats.curve import CurveFit, CurvePredictions
    from ..stats.curve_bayes import BayesCurveFit, BayesCurvePredictions

METHODS = ("REML", "ML", "BAYES")
TIME_MODELS = ("weibull", "categorical")


def _times(text: str) -> tuple[float, ...]:
    import math

    try:
        times = tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise InputError(f"--times {text!r}: expected years separated by commas, e.g. 1,2,3,5") from None
    if not times or not all(math.isfinite(t) and t > 0 for t in times):
        raise InputError(f"--times {text!r}: every time must be a positive number of years")
    return times


@reports_errors
def curve(
    file: Annotated[Path, typer.Argument(help="CSV with columns study,time_years,surv,n,se (surv and se as proportions; se may be empty, then n gives a binomial variance).", show_default=False)],
    method: Annotated[str, typer.Option("--method", help="REML, ML (tau^2 by solving the score equation) or BAYES (flat prior on the curve, --tau-prior on tau).")] = "REML",
    tau_prior: Annotated[str, typer.Option("--tau-prior", help="BAYES: prior on tau: halfnormal:S, halfcauchy:S, uniform:U or lognormal:M,S.")] = "halfnormal:0.5",
    time_model: Annotated[str, typer.Option("--time-model", help="weibull: log(-log S) linear in log t; categorical: one mean per reported time.")] = "weibull",
    times: Annotated[str, typer.Option("--times", help="Years at which S is predicted (never outside the reported times).")] = "1,2,3,5",
    as_json: Annotated[bool, flag("--json", help="Print one JSON object instead of a table.")] = False,
) -> None:
    """Fit a summary survival curve to FILE (Arends et al. 2008: random report effect, Greenwood within-report covariance).

    Frequentist results agree with R's metafor rma.mv(yi, V, mods = ~ log(t), random = ~ 1 | study).
    """
    for value, allowed, option in ((method, METHODS, "--method"), (time_model, TIME_MODELS, "--time-model")):
        if value not in allowed:
            raise InputError(f"{option} {value!r} is not one of: {', '.join(allowed)}")
    at = _times(times)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{file}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{file}: cannot be read ({exc})") from None

    from ..inputs.curvetable import parse_curve_table
    from ..stats.curve import fit_curve, predict, prepare_curve
    from ..stats.curve_bayes import bayes_curve, predict_bayes

    rows = parse_curve_table(text, str(file))
    try:
        data = prepare_curve(rows)
        if method == "BAYES":
            bfit = bayes_curve(data, tau_prior=tau_prior, time_model=time_model)
            bpred = predict_bayes(bfit, at)
            out, lines = bayes_json(bfit, bpred), format_bayes(bfit, bpred)
        else:
            fit = fit_curve(data, method=method, time_model=time_model)
            pred = predict(fit, at)
            out, lines = fit_json(fit, pred), format_fit(fit, pred)
    except PoolingError as exc:
        raise PoolingError(f"{file}: {exc}") from None
    if as_json:
        import json

        typer.echo(json.dumps(out, indent=2, allow_nan=False))
    else:
        typer.echo("\n".join(lines))


def _common(fit: CurveFit | BayesCurveFit, omitted: tuple[float, ...]) -> dict[str, Any]:
    d = fit.data
    return {
        "method": fit.method, "time_model": fit.time_model, "k": d.k, "rows": d.n_rows,
        "rows_approximate": sum(d.approximate), "rows_dropped": len(d.dropped),
        "time_range": [float(d.time.min()), float(d.time.max())], "omitted_times": list(omitted),
    }  # fmt: skip


def fit_json(fit: CurveFit, pred: CurvePredictions) -> dict[str, Any]:
    """The JSON object of a REML/ML fit (keys as in issue 22, for comparison with other software)."""
    named = lambda arr: {n: float(v) for n, v in zip(fit.coef_names, arr)}
    return _common(fit, pred.omitted) | {
        "tau2": fit.tau2, "tau": fit.tau, "beta": named(fit.beta), "se": named(fit.se),
        "ci_lb": named(fit.ci_lb), "ci_ub": named(fit.ci_ub), "pval": named(fit.pval),
        "QE": fit.qe, "QE_df": fit.qe_df, "QE_p": fit.qe_p, "curve_decreasing": fit.curve_decreasing,
        "loglik": fit.loglik, "score": fit.score,
        "predictions": [
            {"time_years": p.time, "eta": p.eta, "se": p.se, "surv": p.surv, "surv_ci_lb": p.surv_ci_lb, "surv_ci_ub": p.surv_ci_ub,
             "surv_pi_lb": p.surv_pi_lb, "surv_pi_ub": p.surv_pi_ub}
            for p in pred.predictions
        ],
        "notes": list(fit.notes),
    }  # fmt: skip


def bayes_json(fit: BayesCurveFit, pred: BayesCurvePredictions) -> dict[str, Any]:
    """The JSON object of a Bayesian fit."""
    named = lambda vals: dict(zip(fit.coef_names, vals))
    return _common(fit, pred.omitted) | {
        "tau_prior": fit.tau_prior, "tau_median": fit.tau_median, "tau_lb": fit.tau_lb, "tau_ub": fit.tau_ub,
        "beta_median": named(fit.beta_median), "beta_lb": named(fit.beta_lb), "beta_ub": named(fit.beta_ub),
        "prob_log_time_coef_le_0": fit.prob_log_time_coef_le_0,
        "predictions": [
            {"time_years": p.time, "surv_median": p.surv_median, "surv_lb": p.surv_lb, "surv_ub": p.surv_ub,
             "surv_pred_lb": p.surv_pred_lb, "surv_pred_ub": p.surv_pred_ub}
            for p in pred.predictions
        ],
        "notes": list(fit.notes),
    }  # fmt: skip


def _f(x: float, digits: int = 4) -> str:
    return f"{x:.{digits}f}" if abs(x) >= 1e-4 or x == 0 else f"{x:.2e}"


def _header(fit: CurveFit | BayesCurveFit) -> list[str]:
    d = fit.data
    model = "Weibull: log(-log S) = b0 + b1 log(t)" if fit.time_model == "weibull" else "categorical: one mean of log(-log S) per time"
    lines = [f"summary survival curve   {d.n_rows} rows from {d.k} reports   model {model}   method = {fit.method}"]
    width = max(len(s) for s in d.studies + ("report",))
    lines.append(f"  {'report':<{width}}  {'years':>6}  {'S':>6}  {'se(y)':>7}")
    for r, v, approx in zip(d.rows, d.vi, d.approximate):
        lines.append(f"  {r.study:<{width}}  {r.time:>6g}  {r.surv:>6.3f}  {v**0.5:>7.4f}{'  (approximate)' if approx else ''}")
    lines.append("")
    return lines


def _omitted(fit: CurveFit | BayesCurveFit, omitted: tuple[float, ...]) -> list[str]:
    if not omitted:
        return []
    where = "outside the reported times" if fit.time_model == "weibull" else "not among the reported times"
    lo, hi = float(fit.data.time.min()), float(fit.data.time.max())
    return [f"not predicted ({where}, {lo:g}-{hi:g} years): {', '.join(f'{t:g}' for t in omitted)}"]


def format_fit(fit: CurveFit, pred: CurvePredictions) -> list[str]:
    """A readable summary of a REML/ML fit, in the style of ``secondhct pool``."""
    from ..format import fmt_p

    lines = _header(fit)
    for j, name in enumerate(fit.coef_names):
        label = name if fit.time_model == "weibull" else f"{name} years"
        lines.append(f"{label:>12}  {_f(fit.beta[j])}  se {_f(fit.se[j])}  95% CI [{_f(fit.ci_lb[j])}, {_f(fit.ci_ub[j])}]  {fmt_p(fit.pval[j])}")
    lines.append(f"tau^2 {_f(fit.tau2)}  tau {_f(fit.tau)}  QE = {fit.qe:.2f} (df = {fit.qe_df}, {fmt_p(fit.qe_p)})  curve decreasing: {'yes' if fit.curve_decreasing else 'NO'}")
    lines.append("")
    lines.append(f"  {'years':>6}  {'S':>6}  {'95% CI':>16}  {'95% PI':>16}")
    for p in pred.predictions:
        lines.append(f"  {p.time:>6g}  {p.surv:>6.3f}  [{p.surv_ci_lb:.3f}, {p.surv_ci_ub:.3f}]  [{p.surv_pi_lb:.3f}, {p.surv_pi_ub:.3f}]")
    lines.extend(_omitted(fit, pred.omitted))
    lines.extend(f"note: {n}" for n in fit.notes)
    return lines


def format_bayes(fit: BayesCurveFit, pred: BayesCurvePredictions) -> list[str]:
    """A readable summary of a Bayesian fit."""
    lines = _header(fit)
    lines.append(f"prior on tau: {fit.tau_prior}   prior on the curve's coefficients: flat")
    for j, name in enumerate(fit.coef_names):
        label = name if fit.time_model == "weibull" else f"{name} years"
        lines.append(f"{label:>12}  median {_f(fit.beta_median[j])}  95% CrI [{_f(fit.beta_lb[j])}, {_f(fit.beta_ub[j])}]")
    lines.append(f"tau: median {_f(fit.tau_median)} [{_f(fit.tau_lb)}, {_f(fit.tau_ub)}]")
    if fit.prob_log_time_coef_le_0 is not None:
        lines.append(f"P(curve does not decrease: log-time coefficient <= 0) = {fit.prob_log_time_coef_le_0:.4g}")
    lines.append("")
    lines.append(f"  {'years':>6}  {'S':>6}  {'95% CrI':>16}  {'95% predictive':>16}")
    for p in pred.predictions:
        lines.append(f"  {p.time:>6g}  {p.surv_median:>6.3f}  [{p.surv_lb:.3f}, {p.surv_ub:.3f}]  [{p.surv_pred_lb:.3f}, {p.surv_pred_ub:.3f}]")
    lines.extend(_omitted(fit, pred.omitted))
    lines.extend(f"note: {n}" for n in fit.notes)
    return lines
