"""Replace the whole ``outputs/`` folder in one step, so that a build is one transaction.

A build computes every output file in memory first (see :mod:`.build`). This module then
makes that set current:

1. every file is written into a staging folder beside ``outputs/``
   (``<project>/.outputs.staging-<pid>``), each one fsynced; files whose bytes did not
   change are hard-linked from the current ``outputs/`` (cheap, and their mtimes stay);
2. ``manifest.json`` is written last: it lists the SHA-256 of every other file, so a
   staging folder (or an ``outputs/``) is complete exactly when its manifest verifies;
3. the folder is fsynced, then ``outputs/`` is renamed to ``.outputs.old-<pid>``, the
   staging folder is renamed to ``outputs/``, the project folder is fsynced, and the old
   folder is removed.

A build killed at any point therefore leaves either the previous ``outputs/`` or the new
one, plus debris with names no curator uses. The next build (under the same lock) first
:func:`recover`\\ s: if ``outputs/`` is missing it promotes a complete staging folder (or
puts the old one back), then removes every staging folder, old folder and stray
temporary file. It then recomputes what the manifest cannot vouch for, so its outputs are
exactly those of an uninterrupted build.

Every operation that changes the disk goes through :data:`OPS`, the seam the
fault-injection tests use to "kill" the build before or after each one.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import SecondHCTError

MANIFEST = "manifest.json"
STAGING_PREFIX = ".outputs.staging-"
OLD_PREFIX = ".outputs.old-"
_TEMP = re.compile(r"^\..+\.tmp$")  # write_atomic's '.<name>.<random>.tmp' of earlier versions


class OutputsError(SecondHCTError):
    """``outputs/`` cannot be written (not a folder, read-only, disk full...): nothing changed."""


class _Ops:
    """The file operations that change the disk (replaced by the fault-injection tests)."""

    mkdir = staticmethod(os.mkdir)
    open = staticmethod(os.open)
    write = staticmethod(os.write)
    fsync = staticmethod(os.fsync)
    close = staticmethod(os.close)
    link = staticmethod(os.link)
    rename = staticmethod(os.rename)
    unlink = staticmethod(os.unlink)
    rmdir = staticmethod(os.rmdir)


OPS = _Ops()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _describe(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "no space left on the disk"
    if exc.errno == errno.EFBIG:
        return "file size limit exceeded (ulimit -f?)"
    if exc.errno in (errno.EROFS,):
        return "read-only file system"
    if exc.errno in (errno.EPERM, errno.EACCES):
        return f"{exc.strerror or 'not permitted'} (is a file there immutable, chattr +i, or owned by another user?)"
    return exc.strerror or str(exc)


# --- reading ------------------------------------------------------------------------------


def read_verified(folder: Path) -> dict[str, bytes] | None:
    """The files of a complete output folder, or None if its manifest does not vouch for them.

    Complete means: a ``manifest.json`` with a ``files`` map, every listed file present as
    a regular file with that SHA-256, and no other file in the folder.
    """
    try:
        if not stat.S_ISDIR(os.lstat(folder).st_mode):
            return None
        names = sorted(os.listdir(folder))
        raw = {name: _read_regular(folder / name) for name in names}
    except OSError:
        return None
    manifest_bytes = raw.get(MANIFEST)
    if manifest_bytes is None or any(data is None for data in raw.values()):
        return None
    try:
        manifest = json.loads(manifest_bytes.decode("utf-8"))
        listed = manifest["files"]
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(listed, dict) or set(listed) | {MANIFEST} != set(raw):
        return None
    files = {name: data for name, data in raw.items() if data is not None}
    if any(sha256(files[name]) != digest for name, digest in listed.items()):
        return None
    return files


def _read_regular(path: Path) -> bytes | None:
    """A regular file's bytes (never follows a symlink, never blocks on a FIFO); None otherwise."""
    from ..textio import read_fd_regular

    try:
        return read_fd_regular(path, os.O_NOFOLLOW)
    except OSError:
        return None


# --- locking ------------------------------------------------------------------------------


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold an exclusive lock on the project folder itself (no lock file is created).

    Two builds of one project never interleave; the lock dies with the process, so a
    killed build never leaves it held.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no locking
        yield
        return
    fd = os.open(root, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise OutputsError(f"another secondhct build is running in {root}; wait for it to finish") from None
        yield
    finally:
        os.close(fd)


# --- recovery -----------------------------------------------------------------------------


def check_outputs_dir(out_dir: Path, shown: str) -> None:
    """``outputs`` must be a real folder inside the project (or not exist yet)."""
    try:
        mode = os.lstat(out_dir).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputsError(f"{shown}: cannot be read ({_describe(exc)})") from None
    if stat.S_ISLNK(mode):
        raise OutputsError(f"{shown} is a symbolic link; outputs/ must be a folder inside the project (nothing was written)")
    if not stat.S_ISDIR(mode):
        raise OutputsError(f"{shown} exists but is not a folder; move it away so that build can create the folder {shown}/ (nothing was written)")
    if not os.access(out_dir, os.W_OK | os.X_OK) or not os.access(out_dir.parent, os.W_OK | os.X_OK):
        raise OutputsError(f"{shown} is read-only; make it and its parent folder writable (nothing was written)")


def _debris(root: Path) -> list[Path]:
    try:
        names = sorted(os.listdir(root))
    except OSError:
        return []
    return [root / n for n in names if n.startswith((STAGING_PREFIX, OLD_PREFIX))]


def recover(root: Path, out_dir: Path) -> list[str]:
    """Finish or undo what a killed build left, then remove its debris (under the lock).

    Debris that cannot be removed (an immutable file in an old outputs folder) is left where it
    is and named in the returned warnings: the build goes on, it never stops every later build."""
    debris = _debris(root)
    if not os.path.lexists(out_dir):
        staged = [p for p in debris if p.name.startswith(STAGING_PREFIX) and read_verified(p) is not None]
        old = [p for p in debris if p.name.startswith(OLD_PREFIX) and stat.S_ISDIR(os.lstat(p).st_mode)]
        candidates = staged or old
        if candidates:
            candidate = candidates[0]
            OPS.rename(candidate, out_dir)
            _fsync_dir(root)
            debris.remove(candidate)
    left = []
    for path in debris:
        try:
            remove_tree(path)
        except OSError as exc:
            left.append(f"{path.name} (an earlier build's folder) could not be removed: {_describe(exc)}; remove it by hand")
    if os.path.isdir(out_dir) and not os.path.islink(out_dir):
        for name in sorted(os.listdir(out_dir)):
            path = out_dir / name
            if _TEMP.match(name) and stat.S_ISREG(os.lstat(path).st_mode):
                OPS.unlink(path)
    return left


def remove_tree(path: Path) -> None:
    """Remove a file, symlink or folder tree without following symlinks."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISDIR(mode):
        for name in sorted(os.listdir(path)):
            remove_tree(path / name)
        OPS.rmdir(path)
    else:
        OPS.unlink(path)


# --- committing ---------------------------------------------------------------------------


@dataclass
class Commit:
    written: list[str]
    unchanged: list[str]
    removed: list[str]


def manifest_files(files: Mapping[str, bytes]) -> dict[str, str]:
    """The ``files`` entry of the manifest: SHA-256 of every file except the manifest."""
    return {name: sha256(data) for name, data in sorted(files.items()) if name != MANIFEST}


def commit(root: Path, out_dir: Path, files: Mapping[str, bytes], current: Mapping[str, bytes] | None) -> Commit:
    """Make ``files`` (which include the manifest) the whole content of ``out_dir`` in one step.

    ``current`` is the verified content of ``out_dir`` (None if it is missing or
    incomplete). Nothing is written when it already equals ``files``.
    """
    existing = current if current is not None else _plain_listing(out_dir)
    changed = sorted(n for n, data in files.items() if existing.get(n) != data)
    unchanged = sorted(n for n in files if n not in changed)
    removed = sorted(set(existing) - set(files))
    if current is not None and not changed and not removed:
        return Commit([], unchanged, [])
    staging = root / f"{STAGING_PREFIX}{os.getpid()}"
    old = root / f"{OLD_PREFIX}{os.getpid()}"
    try:
        OPS.mkdir(staging, 0o777)
        for name in sorted(files, key=lambda n: (n == MANIFEST, n)):  # the manifest last
            if name not in changed and _link(out_dir / name, staging / name):
                continue
            _write_file(staging / name, files[name])
        _fsync_dir(staging)
        if os.path.lexists(out_dir):
            OPS.rename(out_dir, old)
        OPS.rename(staging, out_dir)
        _fsync_dir(root)
    except OSError as exc:
        _undo(staging, old, out_dir)
        raise OutputsError(f"cannot write {out_dir.name}/: {_describe(exc)}; outputs/ was left as it was") from None
    except BaseException:
        _undo(staging, old, out_dir)
        raise
    with contextlib.suppress(OSError):  # the new outputs are current; the old folder is debris
        remove_tree(old)
    return Commit(changed, unchanged, removed)


def _plain_listing(out_dir: Path) -> dict[str, bytes]:
    """What an unverified ``out_dir`` holds (to report written/unchanged; never trusted)."""
    try:
        names = sorted(os.listdir(out_dir))
    except OSError:
        return {}
    listing = {}
    for name in names:
        data = _read_regular(out_dir / name)
        listing[name] = data if data is not None else b"\0not a regular file\0"
    return listing


def _undo(staging: Path, old: Path, out_dir: Path) -> None:
    """Best effort after a failure: put the old folder back and drop the staging folder."""
    with contextlib.suppress(OSError):
        if not os.path.lexists(out_dir) and os.path.lexists(old):
            OPS.rename(old, out_dir)
    with contextlib.suppress(OSError):
        remove_tree(staging)


def _link(source: Path, target: Path) -> bool:
    try:
        OPS.link(source, target, follow_symlinks=False)
    except OSError:
        return False
    return True


def _write_file(path: Path, data: bytes) -> None:
    fd = OPS.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[OPS.write(fd, view):]
        OPS.fsync(fd)
    finally:
        OPS.close(fd)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - not POSIX
        return
    try:
        OPS.fsync(fd)
    except OSError as exc:  # some file systems cannot fsync a folder
        if exc.errno not in (errno.EINVAL, errno.EBADF, errno.ENOTSUP):
            raise
    finally:
        os.close(fd)
