"""Reading curators' files strictly as UTF-8, and writing outputs atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .diagnostics import Diagnostic


def read_text(path: Path, display: str) -> tuple[str | None, list[Diagnostic]]:
    """Read a file as strict UTF-8; a bad byte is reported with its line and column."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [Diagnostic(display, "error", f"cannot read file: {exc.strerror or exc}", code="io")]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        message = f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8"
        return None, [Diagnostic(display, "error", message, line, column, code="encoding")]


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the new one, never a part.

    The text goes to a temporary file in the same folder, is flushed to disk,
    and then replaces ``path`` in one ``os.replace``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; outputs are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def create_exclusive(path: Path, text: str) -> bool:
    """Create ``path`` with ``text`` only if it does not exist yet; False if it does.

    ``O_EXCL`` makes the check and the creation one step, so a curator's file
    can never be overwritten, even by two commands racing.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    return True
