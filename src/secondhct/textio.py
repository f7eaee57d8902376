"""Reading curators' files strictly as UTF-8, and writing outputs atomically."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from .diagnostics import Diagnostic

_SNAPSHOT: ContextVar[dict[Path, bytes] | None] = ContextVar("secondhct_input_snapshot", default=None)


@contextmanager
def snapshot() -> Iterator[dict[Path, bytes]]:
    """Within this block each input file is read from disk once: later reads of the same path
    (validation, then hashing) get the same bytes, so what is validated, computed and hashed is one
    version of every file even when a curator saves a file meanwhile. Yields ``{path: bytes}``
    of what was read (paths as :func:`snapshot_key` names them)."""
    taken: dict[Path, bytes] = {}
    token = _SNAPSHOT.set(taken)
    try:
        yield taken
    finally:
        _SNAPSHOT.reset(token)


def snapshot_key(path: Path) -> Path:
    """The name a file has in a snapshot: absolute, its folders resolved, its own name kept."""
    absolute = Path(os.path.abspath(path))
    return Path(os.path.realpath(absolute.parent)) / absolute.name


def read_input(path: Path) -> bytes:
    """The bytes of an input file (regular, bounded: see :func:`read_fd_regular`); inside
    :func:`snapshot`, the bytes of its first read."""
    taken = _SNAPSHOT.get()
    if taken is None:
        return _read_regular(path, limit=MAX_INPUT_BYTES)
    key = snapshot_key(path)
    if key not in taken:
        taken[key] = _read_regular(path, limit=MAX_INPUT_BYTES)
    return taken[key]


def read_text(path: Path, display: str) -> tuple[str | None, list[Diagnostic]]:
    """Read a file as strict UTF-8; a bad byte (or a NUL) is reported with its line and column.

    Only regular files are read: a folder, FIFO, socket or device is an error (and a FIFO
    is never opened in a way that could block), as are dangling symlinks and symlink loops.
    """
    try:
        data = read_input(path)
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


#: The largest file a curator writes that the tool reads (a study, references.bib, protocol.yaml,
#: vocabulary.yaml, searches.yaml, a CSV of studies): far above any real one (the largest is ~50 kB).
MAX_INPUT_BYTES = 16 << 20
#: The largest file of any other kind it reads (results.json as a baseline, outputs, parse-cache entries).
MAX_FILE_BYTES = 256 << 20


def _size_words(n: int) -> str:
    return f"{n / (1 << 20):.0f} MiB" if n >= 1 << 20 else f"{n} bytes"


def read_fd_regular(path: Path, flags: int = 0, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, opened without blocking on a FIFO
    (``flags`` are added, e.g. ``os.O_NOFOLLOW``); anything else (a folder, FIFO, device such as
    /dev/zero, a larger file) raises :class:`OSError` saying what it is."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | flags)
    try:
        st = os.fstat(fd)
        mode = st.st_mode
        if not stat.S_ISREG(mode):
            kind = ("a folder" if stat.S_ISDIR(mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(mode)
                    else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")  # fmt: skip
            raise _NotRegular(f"this is {kind}, not a file")
        too_large = _NotRegular(f"the file is larger than the limit of {_size_words(limit)}")
        if st.st_size > limit:
            raise too_large
        chunks, total = [], 0
        while chunk := os.read(fd, 1 << 20):
            total += len(chunk)
            if total > limit:  # it grew while being read
                raise too_large
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text_file(path: Path, limit: int = MAX_INPUT_BYTES, encoding: str = "utf-8-sig") -> str:
    """The text of a regular file of at most ``limit`` bytes (a CSV given on the command line):
    never blocks on a FIFO nor reads a device; OSError or UnicodeDecodeError say what is wrong."""
    try:
        data = read_fd_regular(path, limit=limit)
    except _NotRegular:
        raise
    except OSError as exc:
        raise OSError(exc.errno, _io_reason(path, exc)) from None
    return data.decode(encoding)


_read_regular = read_fd_regular


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the new one, never a part.

    The text goes to a temporary file in the same folder, is flushed to disk,
    and then replaces ``path`` in one ``os.replace``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(path.parent, f".{path.name}.", ".tmp")  # left by a killed or interrupted earlier write
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


#: How old a temporary file of ours must be before a later run removes it as left by a killed one.
STALE_TEMP_SECONDS = 60.0


def remove_stale_temps(folder: Path, prefix: str, suffix: str, older_than: float = STALE_TEMP_SECONDS) -> None:
    """Remove this tool's own temporary files (``<prefix>*<suffix>`` in ``folder``) that a killed or
    interrupted run left behind; recent ones may belong to a run still going and are kept."""
    import time

    now = time.time()
    try:
        candidates = [p for p in folder.iterdir() if p.name.startswith(prefix) and p.name.endswith(suffix)]
    except OSError:
        return
    for leftover in candidates:
        try:
            st = leftover.lstat()
            if stat.S_ISREG(st.st_mode) and now - st.st_mtime > older_than:
                leftover.unlink()
        except OSError:
            pass


def create_exclusive(path: Path, text: str) -> bool:
    """Create ``path`` with ``text`` only if it does not exist yet; False if it does.

    The text is written to a temporary file in the same folder and flushed to disk, then
    hard-linked to ``path``: the link is one step that fails when ``path`` exists, so a
    curator's file is never overwritten (even by two commands racing), and a kill at any
    moment leaves either no file or the whole file, never an empty one. A temporary file a
    killed run left is removed by the next one. OSError propagates for the caller.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{path.name}."
    remove_stale_temps(path.parent, prefix, ".new")
    if os.path.lexists(path):
        return False
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".new", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
    finally:
        Path(tmp).unlink(missing_ok=True)
    return True
