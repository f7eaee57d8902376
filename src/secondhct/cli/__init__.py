"""The ``secondhct`` command line: wiring only; each command lives in its own module.

Command modules import only typer at start-up; the heavy libraries are imported
inside the commands that need them, so ``secondhct --help`` stays instant.
"""

from __future__ import annotations

from typing import Annotated

import typer

from .. import __version__
from . import build as _build
from . import curve as _curve
from . import explain as _explain
from . import forest as _forest
from . import new as _new
from . import pool as _pool
from . import schema as _schema
from . import validate as _validate

app = typer.Typer(
    name="secondhct",
    help="A living meta-analysis of outcomes after a second allogeneic HCT for relapsed leukemia.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain click help: rich and markdown-it cost more than the rest of start-up
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"secondhct {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """A living meta-analysis of outcomes after a second allogeneic HCT for relapsed leukemia."""


app.command("validate")(_validate.validate)
app.command("build")(_build.build)
app.command("new")(_new.new)
app.command("schema")(_schema.schema)
app.command("pool")(_pool.pool)
app.command("forest")(_forest.forest)
app.command("curve")(_curve.curve)
app.command("explain")(_explain.explain)


def main() -> None:
    """Console-script entry point."""
    app()
