"""Every quote is printed, word for word, in the document it cites.

A quote may join passages with ``...``; each passage must appear in the document
(whitespace is compared loosely, and the brackets around a passage are ignored).
Documents are read from ``curation.documents[].path`` (relative to the project);
a document that is not available on this machine is not checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ..diagnostics import FieldPath
from .schema import Source, StudyExtraction

if TYPE_CHECKING:
    from .finding import Finding


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def quotes_of(study: StudyExtraction) -> Iterator[tuple[FieldPath, str | None, str]]:
    """Each quote of the study: its field path, the document it cites (None: the first) and its words."""
    from .walk import instances as _instances

    for path, source in _instances(study, Source):
        if source.quote is not None:
            yield path + ("quote",), source.document, source.quote
        for j, more in enumerate(source.quotes):
            yield path + ("quotes", j, "quote"), more.document or source.document, more.quote


def check_verbatim(study: StudyExtraction, root: Path) -> Iterator[Finding]:
    """A quote passage that its (locally available) document does not print is an error."""
    from .finding import Finding

    docs = {d.id: d for d in study.curation.documents}
    texts: dict[str | None, str | None] = {}
    for path, document, quote in quotes_of(study):
        if document not in texts:
            doc = docs.get(document) if document else study.curation.documents[0]
            file = root / doc.path if doc is not None and doc.path else None
            try:
                texts[document] = _normalise(file.read_text(encoding="utf-8")) if file and file.is_file() else None
            except (OSError, UnicodeDecodeError):
                texts[document] = None
        text = texts[document]
        if text is None:
            continue
        for fragment in quote.split("..."):
            fragment = _normalise(fragment).strip(" ()")
            if fragment not in text:
                shown = docs[document].path if document in docs else study.curation.documents[0].path
                yield Finding(
                    "error", path,
                    f"not printed word for word in {shown}: {fragment!r}; copy the words exactly as printed "
                    "(join separate passages with '...')",
                    "quote-verbatim",
                )
