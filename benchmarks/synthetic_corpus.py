"""Write a synthetic project of N studies: copies of the real extractions under new keys.

Run from the project root:  python3 benchmarks/synthetic_corpus.py 5000 [--into DIR]
Prints the project folder (default: a new temporary folder). Each copy of ``studies/KEY.yaml``
becomes ``studies/KEYsNNNNN.yaml`` (NNNNN: which copy of the whole corpus) with its ``key:``
line and its BibTeX entry renamed, so the corpus has the real variety of fields. Overlap
groups are suffixed too (copies are not one cohort), and links between reports
(``may_share_patients_with``) point to the report of the same copy, so they resolve as in
the real corpus (in the last, partial copy, a link to a report it lacks names the report of
the copy before: a one-way link, a warning). Documents are
linked from the real ``../shared`` folder, so quotes are checked as for the real corpus. ``benchmarks/bench_targets.py`` times ``validate`` on it beside the floor.
"""

from __future__ import annotations

import argparse
import itertools
import re
import shutil
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def bib_entries(text: str) -> dict[str, str]:
    """The BibTeX entries of references.bib by key (each from its '@' to the next)."""
    starts = [m for m in re.finditer(r"^@\w+\{([^,\s]+),", text, re.MULTILINE)]
    ends = [m.start() for m in starts[1:]] + [len(text)]
    return {m.group(1): text[m.start():end] for m, end in zip(starts, ends)}


def generate(n: int, into: Path) -> Path:
    """Write the project into ``into/review`` and return that folder."""
    review = into / "review"
    (review / "studies").mkdir(parents=True)
    for name in ("protocol.yaml", "vocabulary.yaml"):
        shutil.copy(ROOT / name, review / name)
    shared = ROOT.parent / "shared"
    if shared.is_dir() and not (into / "shared").exists():
        (into / "shared").symlink_to(shared)
    entries = bib_entries((ROOT / "references.bib").read_text(encoding="utf-8"))
    sources = sorted(p for p in (ROOT / "studies").glob("*.yaml") if not p.name.startswith("_"))
    bib = []
    position = {p.stem: j for j, p in enumerate(sources)}

    def linked(target: str, copy: int) -> str:
        """The report a link names, in the same copy (the copy before, if this partial copy lacks it)."""
        if target not in position:
            return target
        same = copy * len(sources) + position[target] < n
        return f"{target}s{copy if same else copy - 1:05d}"

    for i, path in zip(range(n), itertools.cycle(sources)):
        copy = i // len(sources)  # the copy of the whole corpus this file belongs to
        key, new = path.stem, f"{path.stem}s{copy:05d}"
        text = path.read_text(encoding="utf-8")
        text = re.sub(rf"^key: {re.escape(key)}$", f"key: {new}", text, count=1, flags=re.MULTILINE)
        text = re.sub(r"^(\s*overlap_group: )(\S+)$", rf"\g<1>\g<2>-s{copy:05d}", text, flags=re.MULTILINE)
        # links between reports point into the same copy
        text = re.sub(r"^(\s*- key: )(\S+)$", lambda m, c=copy: m.group(1) + linked(m.group(2), c), text, flags=re.MULTILINE)
        (review / "studies" / f"{new}.yaml").write_text(text, encoding="utf-8")
        entry = entries[key]
        bib.append(entry.replace(f"{{{key},", f"{{{new},", 1))
    (review / "references.bib").write_text("".join(bib), encoding="utf-8")
    return review


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int)
    parser.add_argument("--into", type=Path, default=None)
    opts = parser.parse_args()
    into = opts.into or Path(tempfile.mkdtemp(prefix="secondhct-synthetic-"))
    print(generate(opts.n, into))


if __name__ == "__main__":
    main()
