"""``secondhct forest``: draw a forest plot (and optionally a funnel plot) of a protocol analysis or a CSV file.

Only typer is imported at module level; matplotlib and numpy are imported inside the
command so that ``secondhct --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..measures import MEASURES
from ..stats.inference import TESTS
from ..stats.models import METHODS
from .common import RootOption, flag, project_from, reports_errors, say

if TYPE_CHECKING:
    from ..plots.data import ForestData


@reports_errors
def forest(
    analysis: Annotated[
        str | None,
        typer.Argument(help="Id of an analysis in protocol.yaml (or use --csv for an ad hoc dataset).", show_default=False),
    ] = None,
    csv: Annotated[
        Path | None,
        typer.Option("--csv", help="Studies, read as by secondhct pool: xi,ni | yi,vi | yi,sei | estimate,ci_lower,ci_upper | "
                     "estimate,se | estimate,p; optional study, disease, patients, reported, note (footnote), excluded (reason).",
                     exists=False, dir_okay=False, show_default=False),
    ] = None,
    measure: Annotated[str | None, typer.Option("--measure", help=f"Effect measure: {', '.join(MEASURES)} (default: PLO for counts and proportions, HR for ratio CIs, GEN for yi).", show_default=False)] = None,
    method: Annotated[str, typer.Option("--method", help=f"Pooling method: {', '.join(METHODS)} (EE: common effect; BAYES: Bayesian, see --tau-prior).")] = "REML",
    tau_prior: Annotated[str, typer.Option("--tau-prior", help="BAYES: prior on tau (halfnormal:S, halfcauchy:S, uniform:U, lognormal:M,S).")] = "halfnormal:0.5",
    mu_prior: Annotated[str, typer.Option("--mu-prior", help="BAYES: prior on mu (flat or normal:MEAN,SD).")] = "flat",
    test: Annotated[str, typer.Option("--test", help=f"Inference: {', '.join(TESTS)} (knha: Knapp-Hartung; adhoc: Knapp-Hartung, never narrower than z).")] = "adhoc",
    by: Annotated[str | None, typer.Option("--by", help="Column whose values define subgroups (subtotals and a test for differences).", show_default=False)] = None,
    fmt: Annotated[str, typer.Option("--format", help="svg, png (300 dpi) or pdf.")] = "svg",
    out: Annotated[Path | None, typer.Option("--out", help="Output file (default: next to the CSV, <name>-forest.<format>).", show_default=False)] = None,
    title: Annotated[str, typer.Option("--title", help="Title printed above the plot.")] = "",
    funnel: Annotated[bool, flag("--funnel", help="Also write <out>-funnel.<format> with Egger's test.")] = False,
    common: Annotated[bool, flag("--common", help="Also draw the common-effect (inverse-variance) diamond.")] = False,
    outcome: Annotated[str | None, typer.Option("--outcome", help="Name of the outcome for the axis and column header (e.g. 'Overall survival').", show_default=False)] = None,
    xlim: Annotated[str | None, typer.Option("--xlim", help="Axis limits LOW,HIGH on the natural scale (percent for proportions); CIs beyond get arrows.", show_default=False)] = None,
    overwrite: Annotated[bool, flag("--overwrite", help="Replace an existing file that is not a figure written by secondhct, or a git-tracked one (never a curator's source).")] = False,
    root: RootOption = None,
) -> None:
    """Draw a forest plot of a protocol analysis, or of an ad hoc CSV of studies (deterministic SVG, PNG or PDF).

    With ANALYSIS, the studies, method and options come from protocol.yaml (--measure,
    --method, --test and --by apply to --csv only).

    (Longer than 60 lines on purpose: typer declares each of its 17 options in the signature.)
    """
    from ..errors import InputError
    from ..outpaths import check_output_path
    from ..plots.csvinput import forest_data_from_csv
    from ..plots.forest import forest_plot
    from ..plots.save import check_format, save_figure

    f = check_format(fmt)
    if (analysis is None) == (csv is None):
        raise InputError("give either an ANALYSIS id from protocol.yaml or --csv FILE (not both)")
    if analysis is not None:
        data = _analysis_data(analysis, root)
        base = Path.cwd() / f"{analysis}.forest.{f}"
    else:
        assert csv is not None
        from ..textio import read_text_file

        try:
            text = read_text_file(csv)  # a regular file under the size limit: a FIFO or /dev/zero cannot hang it
        except OSError as exc:
            raise InputError(f"cannot read {csv}: {exc.strerror or exc}") from None
        except UnicodeDecodeError as exc:
            raise InputError(f"cannot read {csv}: {exc}") from None
        params = (("tau_prior", tau_prior), ("mu_prior", mu_prior)) if method == "BAYES" else ()
        data = forest_data_from_csv(text, str(csv), measure=measure, method=method, test=test, by=by, title=title, params=params)
        base = csv.with_name(f"{csv.stem}-forest.{f}")
    if common or outcome is not None or xlim is not None:
        from dataclasses import replace

        from ..plots.data import effect_arrays
        from ..stats.pooling import pool as pool_studies

        limits = _parse_xlim(xlim) if xlim is not None else None
        ce = pool_studies(*effect_arrays(data.included_rows), method="EE", test="z") if common else None
        data = replace(data, common=ce, outcome=outcome, xlim=limits)
    target = out if out is not None else base
    targets = [target, target.with_name(f"{target.stem}-funnel.{f}")] if funnel else [target]
    for path in targets:  # all checked before anything is written
        check_output_path(path, f, overwrite=overwrite, roots=_project_roots(root))
    figures = [(forest_plot(data), target)]
    if funnel:
        from ..plots.funnel import funnel_data_from_forest, funnel_plot

        figures.append((funnel_plot(funnel_data_from_forest(data)), targets[1]))
    for fig, path in figures:
        try:
            written = save_figure(fig, path, f)
        except OSError as exc:
            raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
        say(f"wrote {written}")


def _project_roots(root: Path | None) -> tuple[Path, ...]:
    """The project whose curator's files an output must not replace (none outside a project)."""
    from ..errors import ProjectNotFoundError

    try:
        return (project_from(root).root,)
    except ProjectNotFoundError:
        return ()


def _analysis_data(analysis: str, root: Path | None) -> ForestData:
    """The forest-plot input of one protocol analysis of the review."""
    from ..api import load_review
    from ..errors import InputError
    from ..protocol.load import form_of
    from ..review.figures import forest_data

    review = load_review(root)
    chosen = next((a for a in review.protocol.analyses if a.id == analysis), None)
    if chosen is not None and form_of(chosen).own_model:
        raise InputError(f"analysis {analysis} is a {form_of(chosen).name} analysis, which has no forest plot; "
                         f"`secondhct build` draws its figure, outputs/{analysis}.curve.svg")  # fmt: skip
    view = review.run(analysis, batch=False)  # the plot shows no GOSH fits or permutation test
    data = forest_data(view.result, view.labels)
    if data is None:
        raise InputError(f"analysis {analysis}: no report has an effect size, so there is nothing to draw")
    return data


def _parse_xlim(text: str) -> tuple[float, float]:
    """``"0.25,4"`` -> (0.25, 4.0); anything else is an InputError."""
    from ..errors import InputError

    parts = text.split(",")
    try:
        lo, hi = (float(p) for p in parts)
    except ValueError:
        raise InputError(f"--xlim {text!r}: give two numbers LOW,HIGH, e.g. --xlim 0.25,4") from None
    if not lo < hi:
        raise InputError(f"--xlim {text!r}: LOW must be below HIGH")
    return lo, hi
