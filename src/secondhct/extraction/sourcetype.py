"""The kind of source an extraction's numbers were read from: full text, abstract, ... news report.

Derived, never recorded twice: from the contents of ``curation.documents`` (the best one
read; the curators' own fact sheets do not count) and ``study.publication`` (an abstract
of a meeting is a meeting abstract, whatever the document is called).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from .schema import StudyExtraction

SourceType = Literal["full_text", "preview", "abstract", "meeting_abstract", "secondary_source", "news_report", "citation_only"]

#: Best first: the first of these among a report's documents is its source type.
_RANK: tuple[tuple[str, SourceType], ...] = (
    ("full_text", "full_text"),
    ("preview", "preview"),
    ("abstract", "abstract"),
    ("meeting_abstract", "meeting_abstract"),
    ("figure_caption", "abstract"),
    ("review_table", "secondary_source"),
    ("news_report", "news_report"),
    ("citation_record", "citation_only"),
)

SOURCE_TYPE_WORDS: dict[str, str] = {
    "full_text": "full text",
    "preview": "first-page preview",
    "abstract": "abstract",
    "meeting_abstract": "meeting abstract",
    "secondary_source": "secondary source (review table)",
    "news_report": "news report",
    "citation_only": "citation record only",
}

#: The source type in a forest-plot label: "Kato 2012 (abstract)".
SOURCE_TYPE_SHORT: dict[str, str] = {**SOURCE_TYPE_WORDS, "secondary_source": "review table", "preview": "preview",
                                     "citation_only": "citation"}

#: Source types whose numbers a reader cannot check against a full paper.
NOT_FULL_TEXT: frozenset[str] = frozenset(SOURCE_TYPE_WORDS) - {"full_text"}


def source_type(study: StudyExtraction) -> SourceType:
    """The report's source type: the best document read, a meeting abstract when the report is one."""
    contents = {d.content for d in study.curation.documents}
    best: SourceType = "citation_only"
    for content, kind in _RANK:
        if content in contents:
            best = kind
            break
    if best == "abstract" and study.study.publication == "meeting_abstract":
        return "meeting_abstract"
    if best in ("abstract", "preview", "full_text") and study.study.publication == "news_report":
        return "news_report"
    return best
