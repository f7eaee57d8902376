"""The identity of this version of the package: one SHA-256 over its files, read once per process.

A build recomputes every analysis when it changes (:mod:`.review.build`: sources, templates and
styles), and the parse cache never reads an entry written by other code (:mod:`.parsecache`:
the Python sources).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from . import __version__

_PACKAGE = Path(__file__).resolve().parent
_DIGESTS: dict[tuple[str, ...], str] = {}


def package_digest(suffixes: tuple[str, ...] = (".py",)) -> str:
    """SHA-256 (hex) of the version and of every package file ending in one of ``suffixes``, each
    as its relative path and its length-prefixed bytes, in path order."""
    if suffixes not in _DIGESTS:
        digest = hashlib.sha256(__version__.encode() + b"\0")
        for path in sorted(p for p in _PACKAGE.rglob("*") if p.suffix in suffixes and p.is_file()):
            data = path.read_bytes()
            digest.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0" + len(data).to_bytes(8, "big") + data)
        _DIGESTS[suffixes] = digest.hexdigest()
    return _DIGESTS[suffixes]
