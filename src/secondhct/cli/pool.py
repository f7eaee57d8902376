"""``secondhct pool``: pool the studies of a CSV file (a calculator; metafor-compatible).

Only typer is imported at module level; numpy/scipy are imported inside the command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import InputError
from .common import reports_errors

MEASURES = ("PLO", "PAS", "PFT", "PR", "PLN", "HR", "RR", "OR", "GEN")
METHODS = ("DL", "REML", "ML", "PM", "HS", "SJ", "HE", "EB", "EE", "GLMM")
TESTS = ("z", "knha", "adhoc")


def _choice(value: str | None, allowed: tuple[str, ...], option: str) -> None:
    if value is not None and value not in allowed:
        raise InputError(f"{option} {value!r} is not one of: {', '.join(allowed)}")


@reports_errors
def pool(
    file: Annotated[Path, typer.Argument(help="CSV with columns xi,ni | yi,vi | yi,sei | estimate,ci_lower,ci_upper | estimate,se (optional: study).", show_default=False)],
    measure: Annotated[str | None, typer.Option("--measure", help=f"Effect measure: {', '.join(MEASURES)} (default: PLO for counts and proportions, HR for ratios, GEN for yi).", show_default=False)] = None,
    method: Annotated[str, typer.Option("--method", help=f"tau^2 estimator: {', '.join(METHODS)}.")] = "REML",
    test: Annotated[str, typer.Option("--test", help=f"Inference: {', '.join(TESTS)} (adhoc = Knapp-Hartung, never narrower than z).")] = "adhoc",
    by: Annotated[str | None, typer.Option("--by", help="Column defining subgroups: pooled per level plus a test for differences.", show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of a table.")] = False,
) -> None:
    """Pool the studies in FILE with a random-effects model (default REML + ad hoc Knapp-Hartung).

    Results agree with R's metafor rma() on the same data and options.
    """
    _choice(measure, MEASURES, "--measure")
    _choice(method, METHODS, "--method")
    _choice(test, TESTS, "--test")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{file}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{file}: cannot be read ({exc})") from None

    from ..stats.report import pool_table
    from ..stats.table import parse_study_table

    table = parse_study_table(text, str(file), measure)
    result = pool_table(table, method=method, test=test, by=by)  # type: ignore[arg-type]
    if as_json:
        import json

        typer.echo(json.dumps(result, indent=2, allow_nan=False))
    else:
        typer.echo(format_result(result))


def _fmt(x: Any, digits: int = 4) -> str:
    if x is None:
        return "NA"
    if isinstance(x, int):
        return str(x)
    return f"{x:.{digits}f}" if abs(x) >= 1e-4 or x == 0 else f"{x:.2e}"


def _block(res: dict[str, Any], indent: str = "") -> list[str]:
    lines = [
        f"{indent}k = {res['k']}   method = {res['method']}   test = {res['test']}",
        f"{indent}estimate {_fmt(res['estimate'])}  se {_fmt(res['se'])}  95% CI [{_fmt(res['ci_lb'])}, {_fmt(res['ci_ub'])}]"
        f"  95% PI [{_fmt(res['pi_lb'])}, {_fmt(res['pi_ub'])}]  p = {_fmt(res['pval'])}",
    ]
    if "bt_estimate" in res:
        lines.append(
            f"{indent}{res['bt_scale']}: {_fmt(res['bt_estimate'])}  95% CI [{_fmt(res['bt_ci_lb'])}, {_fmt(res['bt_ci_ub'])}]"
            f"  95% PI [{_fmt(res['bt_pi_lb'])}, {_fmt(res['bt_pi_ub'])}]"
        )
    lines.append(
        f"{indent}tau^2 {_fmt(res['tau2'])} [{_fmt(res['tau2_lb'])}, {_fmt(res['tau2_ub'])}]"
        f"  I^2 {_fmt(res['I2'], 1)}% [{_fmt(res['I2_lb'], 1)}, {_fmt(res['I2_ub'], 1)}]  H^2 {_fmt(res['H2'], 2)}"
        f"  Q = {_fmt(res['Q'], 2)} (p = {_fmt(res['Q_p'])})"
    )
    lines.extend(f"{indent}note: {n}" for n in res["notes"])
    return lines


def format_result(result: dict[str, Any]) -> str:
    """A readable summary of :func:`secondhct.stats.report.pool_table`'s output."""
    lines = [f"measure {result['measure']}"]
    width = max(len(s["study"]) for s in result["studies"])
    lines.append(f"  {'study':<{width}}  {'yi':>9}  {'se':>8}  {'weight':>7}")
    for s in result["studies"]:
        flag = "  (approximate)" if s["approximate"] else ""
        lines.append(f"  {s['study']:<{width}}  {s['yi']:>9.4f}  {s['vi'] ** 0.5:>8.4f}  {s['weight']:>6.2f}%{flag}")
    lines.append("")
    lines.extend(_block(result))
    for level, res in result.get("subgroups", {}).items():
        lines.append("")
        lines.append(f"subgroup {level}:")
        lines.extend(_block(res, "  "))
    sg = result.get("subgroup_test")
    if sg is not None:
        df = f"{sg['df']}" if sg["df2"] is None else f"{sg['df']}, {sg['df2']}"
        lines.append("")
        lines.append(f"test for subgroup differences: {sg['distribution']}({df}) = {_fmt(sg['Q'])}, p = {_fmt(sg['p'])}")
    return "\n".join(lines)
