"""A whole-run cache for ``secondhct validate``: the same inputs print the same diagnostics.

A run of ``validate`` is a function of this package's code, the working folder (paths are
shown relative to it), the files named on the command line, and the bytes of what it reads:
every entry of ``studies/``, ``references.bib``, ``protocol.yaml``, ``vocabulary.yaml``,
``searches.yaml``, the editor schemas, ``outputs/results.json`` (the certainty checks) and the
documents the quote check reads (every ``path:`` written in a study file). :func:`run_key`
hashes all of them without importing the models (hashing the corpus takes milliseconds;
importing the models and checking took most of a run); :func:`lookup` returns the lines of
an earlier run with the same key, which the command prints as they are.

Anything unusual (an entry of ``studies/`` or a named file that is not a regular file, a file
that cannot be read) gives no key, and the run validates everything afresh. Entries live in
the project's parse cache (:mod:`.parsecache`), with its guarantees: plain data, checked by a
hash, written atomically, never outside the project.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from pathlib import Path
from typing import Any

from .parsecache import ParseCache, source_digest

INPUTS = ("references.bib", "protocol.yaml", "vocabulary.yaml", "searches.yaml", "outputs/results.json",
          "protocol.schema.json", "vocabulary.schema.json")  # fmt: skip
_NAME = "validate: whole run"
_DOCUMENT = re.compile(rb"\bpath:\s*[\"']?([^\"'\s,}#]+)")
_LIMIT = 16 * 1024 * 1024  # larger files are refused by validate itself: no key


def _regular(path: Path) -> bytes | None:
    """The bytes of a regular file (not followed through a link), b"" if absent; None if anything else."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return b""
    if not stat.S_ISREG(mode) or os.path.getsize(path) > _LIMIT:
        return None
    return path.read_bytes()


def run_key(root: Path, files: list[Path] | None) -> bytes | None:
    """The key of a run over ``files`` (None: the whole project), or None when it cannot be cached."""
    digest = hashlib.sha256(source_digest().encode())

    def add(*parts: bytes) -> None:
        for part in parts:
            digest.update(len(part).to_bytes(8, "big") + part)

    try:
        add(os.getcwd().encode("utf-8", "surrogatepass"), str(root.resolve()).encode("utf-8", "surrogatepass"))
        named = [Path(p) for p in files] if files is not None else []
        add(b"\0".join(str(p).encode("utf-8", "surrogatepass") for p in named) if files is not None else b"*")
        studies = root / "studies"
        entries = sorted(os.listdir(studies)) if studies.is_dir() else []
        documents: set[bytes] = set()
        for name in entries:
            data = _regular(studies / name)
            if data is None:
                return None
            add(name.encode("utf-8", "surrogatepass"), data)
            documents.update(m[1] for m in _DOCUMENT.finditer(data))
        for path in [*(root / rel for rel in INPUTS), *named, *(root / os.fsdecode(d) for d in sorted(documents))]:
            data = _regular(path)
            if data is None:
                return None
            add(str(path).encode("utf-8", "surrogatepass"), data)
    except (OSError, ValueError):
        return None
    return digest.digest()


def lookup(root: Path, key: bytes | None) -> dict[str, Any] | None:
    """An earlier run's result for ``key``: ``{"lines": [[severity, text], ...], "files": n}``, or None."""
    if key is None:
        return None
    value = ParseCache(root).get(_NAME, key)
    return value if isinstance(value, dict) and isinstance(value.get("lines"), list) else None


def store(root: Path, key: bytes | None, lines: list[list[str]], files: int) -> None:
    """Keep this run's result under ``key`` (nothing when there is no key)."""
    if key is not None:
        ParseCache(root).put(_NAME, key, {"lines": lines, "files": files})
