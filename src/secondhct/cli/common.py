"""Helpers shared by the commands: finding the project and turning errors into exit 1."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer

from ..errors import SecondHCTError
from ..escape import terminal_text
from ..project import Project, find_project

P = ParamSpec("P")
R = TypeVar("R")

RootOption = Annotated[
    Path | None,
    typer.Option("--root", help="Project folder (default: the nearest folder above with references.bib and studies/).", show_default=False),
]


def say(message: object = "", err: bool = False) -> None:
    """Print one message; control characters from data (an ESC sequence, a bidi override) are shown
    as visible escapes, never acted on by the terminal."""
    typer.echo(terminal_text(message), err=err)


def flag(*names: str, help: str) -> typer.models.OptionInfo:  # noqa: A002 - typer's own keyword
    """A boolean option shown as a flag in --help (``--strict``, not ``--strict <bool>``):
    the option of a ``bool`` parameter whose default is False."""
    return typer.Option(*names, help=help, metavar="")


def project_from(root: Path | None) -> Project:
    if root is not None and not root.is_dir():
        from ..errors import ProjectNotFoundError

        raise ProjectNotFoundError(f"--root {root}: not a folder")
    return find_project(root)


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Run ``command``; a :class:`SecondHCTError` becomes one line on stderr and exit status 1,
    Ctrl-C one line and exit status 130."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except SecondHCTError as exc:
            say(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:  # in-process use (tests, notebooks); the console script has its own handler
            typer.echo("secondhct: interrupted", err=True)
            raise typer.Exit(130) from None

    return wrapper
