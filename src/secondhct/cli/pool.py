"""``secondhct pool``: pool the studies of a CSV file (a calculator; metafor-compatible).

Only typer is imported at module level; numpy/scipy are imported inside the command.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import InputError, PoolingError
from ..measures import MEASURES
from ..stats.inference import TESTS
from ..stats.models import METHODS
from .common import flag, reports_errors, say

if TYPE_CHECKING:
    from ..calculator import TableResult
    from ..results import BayesRecord, PooledRecord

MEASURE_HELP = ", ".join(MEASURES)
METHOD_HELP = ", ".join(f"{name} ({m.words})" if m.words != name else name for name, m in METHODS.items())


def _choice(value: str | None, allowed: tuple[str, ...], option: str) -> None:
    if value is not None and value not in allowed:
        raise InputError(f"{option} {value!r} is not one of: {', '.join(allowed)}")


@reports_errors
def pool(
    file: Annotated[Path, typer.Argument(help="CSV with columns xi,ni | yi,vi | yi,sei | estimate,ci_lower,ci_upper | estimate,se | estimate,p (optional: study).", show_default=False)],
    measure: Annotated[str | None, typer.Option("--measure", help=f"Effect measure: {MEASURE_HELP} (default: PLO for counts and proportions, HR for ratios, GEN for yi).", show_default=False)] = None,
    method: Annotated[str, typer.Option("--method", help=f"Pooling method: {METHOD_HELP}.")] = "REML",
    test: Annotated[str, typer.Option("--test", help=f"Inference: {', '.join(TESTS)} (adhoc = Knapp-Hartung, never narrower than z).")] = "adhoc",
    by: Annotated[str | None, typer.Option("--by", help="Column defining subgroups: pooled per level plus a test for differences.", show_default=False)] = None,
    tau_prior: Annotated[str, typer.Option("--tau-prior", help="BAYES: prior on tau: halfnormal:S, halfcauchy:S, uniform:U or lognormal:M,S.")] = "halfnormal:0.5",
    mu_prior: Annotated[str, typer.Option("--mu-prior", help="BAYES: prior on mu: flat or normal:MEAN,SD (analysis scale).")] = "flat",
    as_json: Annotated[bool, flag("--json", help="Print one JSON object instead of a table.")] = False,
) -> None:
    """Pool the studies in FILE with a random-effects model (default REML + ad hoc Knapp-Hartung).

    Results agree with R's metafor rma() on the same data and options.
    """
    _choice(measure, tuple(MEASURES), "--measure")
    _choice(method, tuple(METHODS), "--method")
    _choice(test, tuple(TESTS), "--test")
    from ..textio import read_text_file

    try:
        text = read_text_file(file)  # a regular file under the size limit: a FIFO or /dev/zero cannot hang it
    except FileNotFoundError:
        raise InputError(f"{file}: no such file") from None
    except OSError as exc:
        raise InputError(f"{file}: cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{file}: cannot be read ({exc})") from None

    from ..calculator import pool_table
    from ..inputs.csvtable import parse_study_table
    from ..stats.models import FitOptions

    table = parse_study_table(text, str(file), measure)
    params = (("tau_prior", tau_prior), ("mu_prior", mu_prior)) if method == "BAYES" else ()
    try:
        result = pool_table(table, method=method, options=FitOptions(test=test, params=params), by=by)
    except PoolingError as exc:  # name the file and the line, not "study 3"
        raise PoolingError(_located(str(exc), str(file), table.lines)) from None
    if as_json:
        import json

        say(json.dumps(result.json(), indent=2, allow_nan=False))
    else:
        say(format_result(result))


def _located(message: str, file: str, lines: tuple[int, ...]) -> str:
    """``study N: ...`` of the models as ``FILE, line L: ...`` (N counts the table's rows)."""
    import re

    match = re.match(r"study (\d+): (.*)", message, re.DOTALL)
    if match and 1 <= int(match.group(1)) <= len(lines):
        return f"{file}, line {lines[int(match.group(1)) - 1]}: {match.group(2)}"
    return f"{file}: {message}"


def _fmt(x: float | int | None, digits: int = 4) -> str:
    if x is None:
        return "NA"
    if isinstance(x, int):
        return str(x)
    return f"{x:.{digits}f}" if abs(x) >= 1e-4 or x == 0 else f"{x:.2e}"


def _natural_line(res: PooledRecord | BayesRecord, measure: str, indent: str, ci: str, pi: str) -> list[str]:
    """The back-transformed estimate and intervals (none when the measure is pooled untransformed)."""
    m = MEASURES[measure]
    if not m.transformed:
        return []
    nat = res.natural
    return [f"{indent}{m.natural_words.lower()}: {_fmt(nat.estimate)}  {ci} [{_fmt(nat.ci_lb)}, {_fmt(nat.ci_ub)}]"
            f"  {pi} [{_fmt(nat.pi_lb)}, {_fmt(nat.pi_ub)}]"]  # fmt: skip


def _bayes_block(res: BayesRecord, measure: str, indent: str = "") -> list[str]:
    level = f"{100 * res.level:g}%"
    lines = [
        f"{indent}k = {res.k}   method = BAYES   prior on tau: {res.tau_prior}   prior on mu: {res.mu_prior}",
        f"{indent}mu: median {_fmt(res.estimate)}  mean {_fmt(res.mean)}  sd {_fmt(res.sd)}  {level} CrI [{_fmt(res.ci_lb)}, {_fmt(res.ci_ub)}]"
        f"  {level} predictive [{_fmt(res.pi_lb)}, {_fmt(res.pi_ub)}]",
    ]
    lines.extend(_natural_line(res, measure, indent, f"{level} CrI", f"{level} predictive"))
    lines.append(f"{indent}tau: median {_fmt(res.tau)} [{_fmt(res.tau_lb)}, {_fmt(res.tau_ub)}]")
    lines.extend(f"{indent}note: {n}" for n in res.notes)
    return lines


def _block(res: PooledRecord | BayesRecord, measure: str, indent: str = "") -> list[str]:
    from ..format import fmt_p
    from ..results import BayesRecord  # pydantic models: only when a result is printed

    if isinstance(res, BayesRecord):
        return _bayes_block(res, measure, indent)
    lines = [
        f"{indent}k = {res.k}   method = {res.method}   test = {res.test}",
        f"{indent}estimate {_fmt(res.estimate)}  se {_fmt(res.se)}  95% CI [{_fmt(res.ci_lb)}, {_fmt(res.ci_ub)}]"
        f"  95% PI [{_fmt(res.pi_lb)}, {_fmt(res.pi_ub)}]  {fmt_p(res.pval)}",
    ]
    lines.extend(_natural_line(res, measure, indent, "95% CI", "95% PI"))
    lines.append(
        f"{indent}tau^2 {_fmt(res.tau2)} [{_fmt(res.tau2_lb)}, {_fmt(res.tau2_ub)}]"
        f"  I^2 {_fmt(res.i2, 1)}% [{_fmt(res.i2_lb, 1)}, {_fmt(res.i2_ub, 1)}]  H^2 {_fmt(res.h2, 2)}"
        f"  Q = {_fmt(res.q, 2)} ({fmt_p(res.q_p)})"
    )
    lines.extend(f"{indent}note: {n}" for n in res.notes)
    return lines


def format_result(result: TableResult) -> str:
    """A readable summary of :func:`secondhct.calculator.pool_table`'s result."""
    from ..format import fmt_test
    from ..stats.models import fitted_measure

    table = result.table
    measure = fitted_measure(result.record.method, table.measure)
    lines = [f"measure {table.measure}"]
    width = max(len(lab) for lab in table.labels)
    lines.append(f"  {'study':<{width}}  {'yi':>9}  {'se':>8}  {'weight':>7}")
    weights = result.result.weights
    for i, (lab, e) in enumerate(zip(table.labels, table.effects)):
        flag = "  (approximate)" if e.approximate else ""
        w = f"{weights[i]:>6.2f}%" if weights is not None else f"{'–':>7}"
        lines.append(f"  {lab:<{width}}  {e.yi:>9.4f}  {e.vi ** 0.5:>8.4f}  {w}{flag}")
    lines.append("")
    lines.extend(_block(result.record, measure))
    lines.extend(f"note: {n}" for n in result.notes)
    for level, (_, rec) in result.subgroups.items():
        lines.append("")
        lines.append(f"subgroup {level}:")
        lines.extend(_block(rec, measure, "  "))
    t = result.subgroup_test
    if t is not None:
        lines.append("")
        lines.append(f"test for subgroup differences: {fmt_test(t.q, t.df, t.df2, t.p)}")
    return "\n".join(lines)
