"""A cache of what reading a study file produced, under the project's ``.secondhct-cache/``.

Reading an extraction (YAML composition with positions) and checking it (the rules of
:mod:`.extraction.checks`) are functions of the file's text and of this package's code,
so their results are kept per study file, keyed by a SHA-256 of both (and of the name
the diagnostics use). A later run whose key matches takes them from the cache instead
of parsing again; any other change is a miss and the file is read afresh. The same holds
for ``references.bib`` (its parse), the editor schemas (a function of the code) and the
GRADE checks of ``protocol.yaml`` against ``outputs/results.json``.

The cache is only an optimisation; it is never the reason for a result:

* it lives inside the project (``<root>/.secondhct-cache/``, with its own ``.gitignore``),
  never elsewhere; a project that cannot be written to is simply not cached;
* entries hold plain data only (dicts, lists, text, numbers: :mod:`marshal`), prefixed by a
  SHA-256 of that data: a truncated, corrupt or foreign entry is a miss, never an error;
* each entry is written to a temporary file and renamed into place, so concurrent runs
  see a whole entry or none (the last writer wins; both wrote the same thing).
"""

from __future__ import annotations

import hashlib
import marshal
import os
import tempfile
from pathlib import Path
from typing import Any

from .codehash import package_digest

CACHE_DIR = ".secondhct-cache"
_FORMAT = b"secondhct-parse-cache 1\0"
_DIGEST = 32  # bytes of SHA-256


def source_digest() -> str:
    """SHA-256 of the package's Python source (and version): new code never reads old entries."""
    return package_digest((".py",))


class ParseCache:
    """Entries by name (a study file, references.bib, ...), under ``<root>/.secondhct-cache/parsed/``."""

    def __init__(self, root: Path) -> None:
        self.folder = root / CACHE_DIR / "parsed"
        self.salt = source_digest().encode()
        # a .secondhct-cache that is a link out of the project is not used: nothing is written outside it
        self.enabled = self.folder.resolve().is_relative_to(root.resolve())

    def key(self, file: str, text: str) -> bytes:
        """The entry's key: the code, the name diagnostics use for the file, and its text."""
        digest = hashlib.sha256(self.salt)
        for part in (file.encode("utf-8", "surrogatepass"), text.encode("utf-8", "surrogatepass")):
            digest.update(len(part).to_bytes(8, "big") + part)
        return digest.digest()

    def _path(self, file: str) -> Path:
        name = hashlib.sha256(file.encode("utf-8", "surrogatepass")).hexdigest()[:24]
        return self.folder / f"{name}.entry"

    def get(self, file: str, key: bytes) -> Any | None:
        """The value stored for ``file`` under ``key``, or None (absent, stale or unreadable)."""
        if not self.enabled:
            return None
        from .textio import read_fd_regular

        try:  # a regular file only: a FIFO, device or symlink (loop) put here is a miss, never a hang
            blob = read_fd_regular(self._path(file), os.O_NOFOLLOW)
        except OSError:
            return None
        head = len(_FORMAT) + _DIGEST
        if len(blob) < head + _DIGEST or not blob.startswith(_FORMAT) or blob[len(_FORMAT):head] != key:
            return None
        payload = blob[head + _DIGEST:]
        if hashlib.sha256(payload).digest() != blob[head : head + _DIGEST]:
            return None
        try:
            return marshal.loads(payload)
        except (ValueError, EOFError, TypeError):
            return None

    def put(self, file: str, key: bytes, value: Any) -> None:
        """Store ``value`` (plain data only) for ``file``; a failure to write is ignored."""
        if not self.enabled:
            return
        try:
            payload = marshal.dumps(value)
        except ValueError:
            return
        blob = _FORMAT + key + hashlib.sha256(payload).digest() + payload
        try:
            if not self.folder.is_dir():
                self.folder.mkdir(parents=True, exist_ok=True)
                ignore = self.folder.parent / ".gitignore"
                if not os.path.lexists(ignore):  # never through a (dangling) symlink: nothing is written outside
                    _create_new(ignore, b"# secondhct's parse cache: safe to delete, never committed\n*\n")
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(blob)
                os.replace(tmp, self._path(file))
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        except OSError:
            return


def _create_new(path: Path, data: bytes) -> None:
    """Create ``path`` (not following a symlink, not replacing anything) holding ``data``."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
