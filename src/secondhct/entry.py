"""The console-script entry point: Ctrl-C is one line on stderr and exit status 130.

A KeyboardInterrupt can surface anywhere (inside an import, a weakref callback, a
``finally``), and Python sometimes prints it as a traceback or swallows it. So the
command line installs its own SIGINT handler first thing, before importing typer: it
prints one line and ends the process at once with status 130. Nothing needs unwinding:
the build is a transaction that a kill at any point cannot corrupt (the next build
removes the debris), and every other command writes at most one new file.

A closed stdout (``secondhct validate | head``) is not a traceback either. The only
window left is the interpreter's own start-up, before this module runs.
"""

from __future__ import annotations

import os
import signal
import sys

INTERRUPTED = b"secondhct: interrupted\n"


def _on_interrupt(signum: int, frame: object) -> None:
    try:
        os.write(2, INTERRUPTED)
    except OSError:
        pass
    os._exit(130)


def main() -> None:
    try:
        if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:  # keep 'nohup' and background jobs as they are
            signal.signal(signal.SIGINT, _on_interrupt)
    except (ValueError, OSError):  # pragma: no cover - not the main thread
        pass
    try:
        from .cli import app

        app()
    except KeyboardInterrupt:  # raised by hand (or the handler could not be installed)
        _on_interrupt(signal.SIGINT, None)
    except BrokenPipeError:
        try:  # nothing more may reach the closed pipe while Python shuts down
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        raise SystemExit(1) from None
