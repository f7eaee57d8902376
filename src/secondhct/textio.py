"""Reading curators' files strictly as UTF-8, and writing outputs atomically."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

from .diagnostics import Diagnostic


def read_text(path: Path, display: str) -> tuple[str | None, list[Diagnostic]]:
    """Read a file as strict UTF-8; a bad byte (or a NUL) is reported with its line and column.

    Only regular files are read: a folder, FIFO, socket or device is an error (and a FIFO
    is never opened in a way that could block), as are dangling symlinks and symlink loops.
    """
    try:
        data = _read_regular(path)
    except _NotRegular as exc:
        return None, [Diagnostic(display, "error", f"{exc}; each input is one ordinary text file", code="io")]
    except OSError as exc:
        return None, [Diagnostic(display, "error", f"cannot read file: {_io_reason(path, exc)}", code="io")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _position(data, exc.start)
        message = f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8"
        return None, [Diagnostic(display, "error", message, line, column, code="encoding")]
    nul = data.find(b"\0")
    if nul >= 0:
        line, column = _position(data, nul)
        return None, [Diagnostic(display, "error", "the file contains a NUL byte (0x00); save it as plain UTF-8 text", line, column, code="encoding")]
    return text, []


def _position(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    return before.count(b"\n") + 1, offset - (before.rfind(b"\n") + 1) + 1


class _NotRegular(OSError):
    pass


def _io_reason(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    if exc.errno == errno.ENOENT and os.path.islink(path):
        return f"dangling symbolic link (to {os.readlink(path)})"
    return exc.strerror or str(exc)


def read_fd_regular(path: Path, flags: int = 0) -> bytes:
    """The bytes of a regular file, opened without blocking on a FIFO (``flags`` are added,
    e.g. ``os.O_NOFOLLOW``); anything else raises :class:`OSError` saying what it is."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = "a folder" if stat.S_ISDIR(mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "not a regular file"
            raise _NotRegular(f"this is {kind}, not a file")
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


_read_regular = read_fd_regular


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
    can never be overwritten, even by two commands racing (nor is a symlink followed).
    If writing fails (disk full, interrupted), the partial new file is removed: it was
    ours, and the next attempt must find no file. OSError propagates for the caller.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except FileExistsError:
        return False
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return True
