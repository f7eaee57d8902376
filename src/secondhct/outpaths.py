"""Where a command may write a file the user named (``--out``) or derived from it (``-funnel.svg``).

A figure must never replace a curator's file. :func:`check_output_path` refuses

* a curator's source: anything in ``studies/``, ``references.bib``, ``protocol.yaml``,
  ``vocabulary.yaml`` or ``searches.yaml`` of the project the path is in (never, even with
  ``--overwrite``);
* a file git tracks, an existing file that is not a figure of the format written (not one this
  tool wrote), a symlink or anything that is not a regular file: unless ``overwrite`` is given.

A figure this tool wrote before (same format, found by its header) is replaced, so running the
same command twice works; the write itself is atomic (:func:`secondhct.plots.save.save_figure`).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

from .errors import InputError

#: The files a curator writes, at the root of a project (``studies/`` is a folder of them).
CURATOR_FILES = ("references.bib", "protocol.yaml", "vocabulary.yaml", "searches.yaml")
CURATOR_DIRS = ("studies",)

#: How each figure format starts (what :func:`secondhct.plots.save.figure_bytes` writes).
_HEADERS = {"svg": (b"<?xml", b"<svg"), "png": (b"\x89PNG\r\n\x1a\n", b""), "pdf": (b"%PDF-", b"")}


class OutputPathError(InputError):
    """A path a command was asked to write and will not."""


def _projects_around(path: Path, roots: tuple[Path, ...]) -> list[Path]:
    """The given project roots and any project folder at or above ``path``'s folder."""
    found = [Path(os.path.realpath(r)) for r in roots]
    for folder in (path.parent, *path.parent.parents):
        if (folder / "references.bib").exists() and (folder / "studies").is_dir():
            found.append(folder)
            break
    return found


def curator_source(path: Path, roots: tuple[Path, ...] = ()) -> str | None:
    """Which curator's source ``path`` (resolved) is, e.g. ``studies/`` or ``references.bib``; None if none."""
    for root in _projects_around(path, roots):
        try:
            rel = path.relative_to(root)
        except ValueError:
            continue
        if not rel.parts:
            continue
        if rel.parts[0] in CURATOR_DIRS:
            return f"{rel.parts[0]}/"
        if len(rel.parts) == 1 and rel.parts[0] in CURATOR_FILES:
            return rel.parts[0]
    return None


def git_tracked(path: Path) -> bool:
    """Whether git tracks ``path`` (False without git or outside a repository)."""
    git = shutil.which("git")
    if git is None or not path.parent.is_dir():
        return False
    try:
        done = subprocess.run([git, "ls-files", "--error-unmatch", "--", path.name], cwd=path.parent,
                              capture_output=True, timeout=30, check=False, stdin=subprocess.DEVNULL)  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def _is_our_figure(path: Path, fmt: str) -> bool:
    """Whether the regular file ``path`` starts as a figure of ``fmt`` written by this tool does."""
    start, inner = _HEADERS[fmt]
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        head = os.read(fd, 4096)
    finally:
        os.close(fd)
    return head.startswith(start) and inner in head


def check_output_path(path: Path, fmt: str, *, overwrite: bool = False, roots: tuple[Path, ...] = (), option: str = "--out") -> None:
    """Raise :class:`OutputPathError` unless a figure of ``fmt`` may be written to ``path``."""
    full = Path(os.path.realpath(path.parent)) / path.name if path.name else Path(os.path.realpath(path))
    source = curator_source(full, roots)
    if source is not None:
        raise OutputPathError(f"{option} {path}: refusing to write a figure over the curator's source {source}; choose another file")
    if not os.path.lexists(full):
        return
    mode = os.lstat(full).st_mode
    if stat.S_ISDIR(mode):
        raise OutputPathError(f"cannot write {path}: it is a folder; give a file name")
    if stat.S_ISLNK(mode):
        reason = "is a symbolic link"
    elif not stat.S_ISREG(mode):
        reason = "exists and is not a regular file"
    elif git_tracked(full):
        reason = "is a file tracked by git"
    elif not _is_our_figure(full, fmt):
        reason = f"exists and is not a {fmt.upper()} figure written by secondhct"
    else:
        return
    if not overwrite:
        raise OutputPathError(f"{option} {path}: refusing to replace it: it {reason}; give --overwrite to replace it")
