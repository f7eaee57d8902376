"""What changed since a baseline: the summary compares ``results.json`` with an explicit one.

The comparison never looks at whatever ``outputs/`` happens to hold (that would make the
summary depend on the previous run rather than on the inputs). The baseline is, in order:

* a results file given explicitly (``secondhct build --baseline FILE``), or
* the most recent committed version of ``outputs/results.json`` (``git log`` / ``git
  show``) that differs from the results being built. Skipping versions equal to the new
  results makes a build at a commit reproduce that commit's summary: once the new results
  are committed, the comparison is still with the version before them.
* Otherwise there is no baseline, and the summary says so.

The summary states what it compared with (:attr:`Baseline.description`).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import SecondHCTError

if TYPE_CHECKING:
    from ..results import ResultsDocument

RESULTS_PATH = "outputs/results.json"
NO_BASELINE = f"No baseline to compare with: no earlier version of {RESULTS_PATH} is committed in git."
_GIT_TIMEOUT = 20
_MAX_COMMITS = 50


class BaselineError(SecondHCTError):
    """The baseline given explicitly cannot be read."""


@dataclass(frozen=True)
class Baseline:
    """The results the summary compares with (``document`` None: no baseline)."""

    document: Mapping[str, Any] | None
    description: str
    identity: str  # SHA-256 of what was compared with: recorded in the manifest
    warning: str = ""  # a baseline that was found but skipped (another format or shape): said once

    @classmethod
    def none(cls, warning: str = "") -> Baseline:
        return cls(None, NO_BASELINE, _digest(NO_BASELINE.encode()), warning)


def _digest(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _number(value: object) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))


_NOT_JSON, _NOT_OBJECT = "not a JSON file", "not a JSON object"


def _parse(data: bytes) -> tuple[Mapping[str, Any] | None, str]:
    """The few keys every results format has (see :func:`describe_changes`), checked and copied:
    (document, "") or (None, why not), so an old or foreign file is skipped, never a traceback."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, _NOT_JSON
    if not isinstance(document, dict):
        return None, _NOT_OBJECT
    shape = f"format {document.get('format', '?')!s:.20}"
    analyses, studies = document.get("analyses"), document.get("studies", {})
    if not isinstance(analyses, list) or not isinstance(studies, dict) or not all(isinstance(v, str) for v in studies.values()):
        return None, shape
    kept = []
    for a in analyses:
        if not isinstance(a, dict) or not isinstance(a.get("id"), str) or not _number(a.get("k")):
            return None, shape
        pooled = a.get("pooled")
        natural = pooled.get("natural") if isinstance(pooled, dict) else None
        values = {name: natural.get(name) for name in ("estimate", "ci_lb", "ci_ub")} if isinstance(natural, dict) else {}
        if not (pooled is None or isinstance(pooled, dict)) or not (natural is None or isinstance(natural, dict)) or not all(map(_number, values.values())):
            return None, shape
        rows = a.get("included")
        keys = [r["key"] for r in rows if isinstance(r, dict) and isinstance(r.get("key"), str)] if isinstance(rows, list) else None
        kept.append({"id": a["id"], "k": a.get("k"), "pooled": {"natural": values}, "included": keys})
    return {"format": document.get("format"), "studies": dict(studies), "analyses": kept, "curves": _curves(document)}, ""


def _curves(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The baseline's summary curves: id, k and the predictions' (time_years, value), where well formed."""
    out = []
    for c in document.get("curves") or []:
        if not isinstance(c, dict) or not isinstance(c.get("id"), str) or not _number(c.get("k")):
            continue
        model = c.get("model")
        predictions = model.get("predictions") if isinstance(model, dict) else None
        points = [{"time_years": p["time_years"], "value": p.get("value")} for p in (predictions or [])
                  if isinstance(p, dict) and _number(p.get("time_years")) and _number(p.get("value"))]  # fmt: skip
        out.append({"id": c["id"], "k": c["k"], "model": {"predictions": points}})
    return out


def from_file(path: Path, root: Path) -> Baseline:
    """An explicit baseline file (a ``results.json`` of an earlier build); one of another
    format or shape is skipped with a warning."""
    from ..textio import read_fd_regular

    try:
        shown = path.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):
        shown = path.name
    try:  # a regular file under the size limit: a FIFO or /dev/zero cannot hang the build
        data = read_fd_regular(path)
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read the baseline ({exc.strerror or exc})") from None
    document, problem = _parse(data)
    if document is None and problem in (_NOT_JSON, _NOT_OBJECT):  # a wrong file named: an error, as for a missing one
        raise BaselineError(f"{path}: not a secondhct results.json (JSON object with 'analyses')")
    if document is None:  # a results file of another format or shape: skipped, said once
        return Baseline.none(f"{path}: cannot compare with it: {problem}; the summary has no baseline")
    description = f"Compared with {shown} (SHA-256 {_digest(data)[:12]})."
    return Baseline(document, description, _digest(description.encode() + b"\0" + data))


def _git(root: Path, *args: str) -> bytes | None:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "-c", "core.fsmonitor=false", *args],
            stdin=subprocess.DEVNULL, capture_output=True, timeout=_GIT_TIMEOUT, env=env, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def from_git(root: Path, new_results: bytes) -> Baseline:
    """The latest committed ``outputs/results.json`` that differs from ``new_results``; versions
    of another format or shape are skipped (the first with a warning)."""
    log = _git(root, "log", f"-n{_MAX_COMMITS}", "--format=%H %cd", "--date=short", "--", RESULTS_PATH)
    if not log:
        return Baseline.none()
    warning = ""
    for line in log.decode("utf-8", "replace").splitlines():
        commit, _, date = line.partition(" ")
        data = _git(root, "show", f"{commit}:./{RESULTS_PATH}")
        if data is None or data == new_results:
            continue  # deleted in that commit, or the results being built
        document, problem = _parse(data)
        if document is None:
            warning = warning or f"cannot compare with {RESULTS_PATH} as committed in {commit[:12]}: {problem}; skipped"
            continue
        description = f"Compared with {RESULTS_PATH} as committed in {commit[:12]} ({date})."
        return Baseline(document, description, _digest(description.encode() + b"\0" + data), warning)
    return Baseline.none(warning)


def find_baseline(root: Path, new_results: bytes, explicit: Baseline | None = None) -> Baseline:
    """``explicit`` (read early with :func:`from_file`, so a bad file fails fast), else git."""
    return explicit if explicit is not None else from_git(root, new_results)


def describe_changes(
    document: ResultsDocument, baseline: Baseline | None, fmt: Callable[[str, float | None], str],
    renames: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Reports added and removed, analyses whose k or pooled estimate moved, and the added
    reports that entered no analysis, with the first reason (``not_entered``).

    ``renames`` maps a report's former key to its key now (``study.former_keys``): a report the
    baseline knew by its former key is ``renamed``, neither removed nor added.

    The new results are read through their typed model; the baseline is an earlier file,
    possibly of an earlier format, so only the few keys every format has are read from it
    (``studies``, ``analyses[].id``, ``k``, ``pooled.natural.estimate``).
    ``fmt(measure, value)`` formats an estimate as the summary prints it.
    """
    baseline = baseline or Baseline.none()
    previous = baseline.document
    if not previous:
        return {"first": True, "baseline": baseline.description, "added": [], "removed": [], "renamed": [], "moved": [],
                "not_entered": []}  # fmt: skip
    old_labels: dict[str, Any] = dict(previous.get("studies", {}))
    new_studies = set(document.studies)
    renamed = sorted((old, new) for old, new in (renames or {}).items()
                     if old in old_labels and old not in new_studies and new in new_studies)  # fmt: skip
    moved_keys = dict(renamed)
    old_studies = {moved_keys.get(k, k) for k in old_labels}
    old = {a.get("id"): a for a in previous.get("analyses", []) if isinstance(a, dict)}
    labels = {**old_labels, **document.studies}
    moved = [m for a in document.analyses if (m := _moved_analysis(a, old.get(a.id), labels, fmt)) is not None]
    moved += _moved_curves(document, previous, fmt)
    added = sorted(new_studies - old_studies)
    return {"first": False, "baseline": baseline.description, "added": [f"{labels[k]} ({k})" for k in added],
            "removed": [f"{labels.get(k, k)} ({k})" for k in sorted(old_studies - new_studies)], "moved": moved,
            "renamed": [{"old": old, "new": f"{labels.get(new, new)} ({new})"} for old, new in renamed],
            "not_entered": not_entered(document, added)}  # fmt: skip


def _moved_analysis(a: Any, before: Mapping[str, Any] | None, labels: Mapping[str, str], fmt: Callable[[str, float | None], str]) -> dict[str, Any] | None:
    """One analysis whose k, estimate or CI moved, by its title, with the reports that entered or
    left it (a baseline of an older format lists no reports: then only the numbers)."""
    natural = a.pooled.natural if a.pooled is not None else None
    new = (natural.estimate, natural.ci_lb, natural.ci_ub) if natural is not None else (None, None, None)
    old_natural = ((before or {}).get("pooled") or {}).get("natural") or {}
    old = tuple(old_natural.get(name) for name in ("estimate", "ci_lb", "ci_ub"))
    if before is not None and new == old and before.get("k") == a.k:
        return None

    def shown(values: tuple[Any, ...]) -> str:
        return fmt(a.measure, values[0]) + (f" ({fmt(a.measure, values[1])} to {fmt(a.measure, values[2])})" if values[1] is not None else "")

    why = ""
    rows, new_keys = (before or {}).get("included"), [row.key for row in a.included]
    old_keys = [str(r.get("key")) if isinstance(r, dict) else str(r) for r in rows] if isinstance(rows, list) else None  # raw rows or keys
    if before is not None and old_keys is not None:
        entered, left = [labels.get(k, k) for k in new_keys if k not in old_keys], [labels.get(k, k) for k in old_keys if k not in new_keys]
        parts = ([f"entered: {', '.join(entered)}"] if entered else []) + ([f"left: {', '.join(left)}"] if left else [])
        why = "; ".join(parts) or "the same reports (a number, a rule or the method changed)"
    return {"id": a.id, "title": a.title, "k_old": before.get("k") if before else "new", "k_new": a.k,
            "old": shown(old), "new": shown(new), "why": why}  # fmt: skip


def _moved_curves(document: ResultsDocument, previous: Mapping[str, Any], fmt: Callable[[str, float | None], str]) -> list[dict[str, Any]]:
    """Summary curves whose k or value moved: the value at the earliest time both give (a baseline of
    another format has no ``curves``: every curve is new)."""
    old = {c.get("id"): c for c in previous.get("curves", []) if isinstance(c, dict)}
    out = []
    for c in document.curves:
        before = old.get(c.id) or {}
        old_values: dict[float, Any] = {p["time_years"]: p.get("value") for p in ((before.get("model") or {}).get("predictions") or [])
                                         if isinstance(p, dict) and isinstance(p.get("time_years"), (int, float))}  # fmt: skip
        new_values: dict[float, float | None] = {p.time_years: p.value for p in (c.model.predictions if c.model else [])}
        shared = sorted(set(old_values) & set(new_values))
        t = shared[0] if shared else min(new_values, default=None)
        old_value, new_value = (old_values.get(t), new_values.get(t)) if t is not None else (None, None)
        if before and before.get("k") == c.k and old_value == new_value:
            continue
        at = f" at {t:g} year{'s' if t != 1 else ''}" if t is not None else ""
        out.append({"id": c.id, "title": c.title, "why": "", "k_old": before.get("k", "new"), "k_new": c.k,
                    "old": fmt("PR", old_value) + (at if old_value is not None else ""),
                    "new": fmt("PR", new_value) + (at if new_value is not None else "")})  # fmt: skip
    return out


def not_entered(document: ResultsDocument, keys: list[str]) -> list[dict[str, str]]:
    """Of the reports ``keys``, those that entered no analysis, each with the reason of the analysis it got
    furthest in (:func:`secondhct.review.characteristics.reasons_out`) and the analyses (by title) that
    reason applies to; ``secondhct explain KEY`` gives every analysis."""
    from .characteristics import furthest

    entered = {row.key for a in document.analyses for row in a.included} | {p.key for c in document.curves for p in c.points}
    out = []
    for key in keys:
        if key in entered:
            continue
        by_reason: dict[tuple[str, str], list[str]] = {}
        for a in document.analyses:
            for x in a.excluded:
                if x.key == key:
                    by_reason.setdefault((x.stage, x.reason), []).append(a.title)
        if not by_reason:
            out.append({"key": key, "label": document.studies.get(key, key), "reason": "no analysis considered it"})
            continue
        stage, reason = furthest({sr: len(titles) for sr, titles in by_reason.items()})
        why, titles = f"{stage}: {reason}", by_reason[(stage, reason)]
        more = len(by_reason) - 1
        also = f"; {more} other reason{'s' if more != 1 else ''} elsewhere: `secondhct explain {key}`" if more else ""
        out.append({"key": key, "label": document.studies.get(key, key), "reason": f"{why} ({_titles(titles)}){also}"})
    return out


def _titles(titles: list[str], shown: int = 2) -> str:
    """``A; B`` or ``A; B and 5 more analyses``."""
    more = len(titles) - shown
    return "; ".join(titles[:shown]).replace("; ", ", ") + (f" and {more} more {'analysis' if more == 1 else 'analyses'}" if more > 0 else "")
