"""The search log, ``searches.yaml``: each search, and the PRISMA 2020 screening counts.

Every count is what the search record states, or ``not stated``; nothing is
estimated. The counts from the reports assessed down are not typed here: the build
computes them from ``studies/`` and its records (:mod:`.review.flow`). The file is read like the protocol (:func:`.modelerrors.parse_model`,
located diagnostics), then the counts that are stated are checked against each
other (PRISMA 2020 arithmetic); a rule whose counts are not all stated is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import Field

from .diagnostics import Diagnostic, FieldPath, Severity
from .extraction.base import Strict
from .extraction.codes import Count, Identifier, NotStated, Text
from .extraction.fieldtypes import DateText
from .modelerrors import LoadedModel, parse_model
from .textio import read_text
from .yamlsource import Positions

SEARCHES_FILE = "searches.yaml"
NOT_STATED: NotStated = "not stated"

#: PRISMA 2020: databases and registers (left column) or other methods (websites,
#: organisations, citation searching, anything else).
SourceKind = Literal["database", "register", "website", "organisation", "citation_searching", "other"]
DATABASE_SOURCES: tuple[str, ...] = ("database", "register")
Stated = Count | NotStated


class Search(Strict):
    """One search: where, when, with what query, and how many records it gave."""

    id: Identifier
    source: SourceKind
    name: Text = Field(description="what was searched: 'MEDLINE (Ovid)', 'reference lists of the seed documents'")
    date: DateText
    query: list[Text] | NotStated = Field(description="the query or search phrases as recorded")
    records: Stated = Field(description="records identified, as recorded")
    notes: Text | None = None


class Screening(Strict):
    """The PRISMA 2020 counts the search record states, to the reports awaiting assessment;
    ``not stated`` where not recorded.

    The counts from *reports assessed* down (assessed, excluded with reasons, included) are
    computed by the build from ``studies/`` and the analyses' records (:mod:`.review.flow`), so
    they never go stale when a report is added. A log that still types them is read, with a
    warning that the typed value is ignored (:data:`COMPUTED`).
    """

    duplicates_removed: Stated
    removed_by_automation: Stated = NOT_STATED
    removed_other_reasons: Stated = NOT_STATED
    records_screened: Stated
    records_excluded: Stated
    reports_sought: Stated
    reports_not_retrieved: Stated
    reports_awaiting_assessment: Stated = 0
    reports_assessed: Stated | None = Field(default=None, description="computed: the extractions in studies/")
    reports_excluded: Stated | None = Field(default=None, description="computed by the build")
    exclusion_reasons: dict[Text, Count] | NotStated | None = Field(default=None, description="computed by the build")
    studies_included: Stated | None = Field(default=None, description="computed by the build")
    reports_included: Stated | None = Field(default=None, description="computed by the build")
    notes: list[Text] = Field(default_factory=list)


#: the screening counts the build computes; typed in searches.yaml they are ignored (a warning)
COMPUTED: tuple[str, ...] = ("reports_assessed", "reports_excluded", "exclusion_reasons", "studies_included", "reports_included")


class SearchLog(Strict):
    """``searches.yaml``."""

    searches: list[Search] = Field(min_length=1)
    screening: Screening
    notes: list[Text] = Field(default_factory=list)

    def identified(self, kinds: tuple[str, ...] | None = None, *, other: bool = False) -> int | NotStated | None:
        """Records identified by the searches of ``kinds`` (or of the other kinds when ``other``).

        ``None`` when no search of those kinds was made; ``not stated`` when one of them
        does not state its count.
        """
        chosen = [s for s in self.searches if kinds is None or ((s.source in kinds) != other)]
        if not chosen:
            return None
        counts = [s.records for s in chosen]
        return sum(c for c in counts if isinstance(c, int)) if all(isinstance(c, int) for c in counts) else NOT_STATED

    @property
    def last_search(self) -> str:
        return max(s.date for s in self.searches)

    @property
    def search_dates(self) -> list[str]:
        return sorted({s.date for s in self.searches})


Finding = tuple[Severity, FieldPath, str]


def _ints(*values: object) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) for v in values)


def arithmetic(log: SearchLog, assessed: int | None = None) -> Iterator[Finding]:
    """The PRISMA 2020 sums, for the counts that are stated; ``assessed``: the extractions in ``studies/``."""
    s = log.screening
    at: FieldPath = ("screening",)
    ids: dict[str, int] = {}
    for i, search in enumerate(log.searches):
        if search.id in ids:
            yield "error", ("searches", i, "id"), f"duplicate search id '{search.id}' (also searches[{ids[search.id]}])"
        ids.setdefault(search.id, i)
    identified = log.identified()
    removed = (s.duplicates_removed, s.removed_by_automation, s.removed_other_reasons)
    if _ints(identified, *removed, s.records_screened):
        assert isinstance(identified, int)
        expected = identified - sum(r for r in removed if isinstance(r, int))
        if s.records_screened != expected:
            yield "error", at + ("records_screened",), (
                f"records screened ({s.records_screened}) should be records identified ({identified}) minus records "
                f"removed before screening (duplicates {removed[0]}, automation {removed[1]}, other {removed[2]}) = {expected}"
            )
    if _ints(s.records_screened, s.records_excluded) and s.records_excluded > s.records_screened:  # type: ignore[operator]
        yield "error", at + ("records_excluded",), f"more records excluded ({s.records_excluded}) than screened ({s.records_screened})"
    if _ints(s.reports_sought, s.reports_not_retrieved) and s.reports_not_retrieved > s.reports_sought:  # type: ignore[operator]
        yield "error", at + ("reports_not_retrieved",), f"more reports not retrieved ({s.reports_not_retrieved}) than sought ({s.reports_sought})"
    elif _ints(s.reports_sought, s.reports_not_retrieved, assessed, s.reports_awaiting_assessment):
        retrieved = s.reports_sought - s.reports_not_retrieved  # type: ignore[operator]
        if assessed + s.reports_awaiting_assessment != retrieved:  # type: ignore[operator]
            yield "error", at + ("reports_sought",), (
                f"reports sought ({s.reports_sought}) minus not retrieved ({s.reports_not_retrieved}) = {retrieved} should be "
                f"the reports assessed ({assessed} extraction(s) in studies/) plus awaiting assessment ({s.reports_awaiting_assessment})"
            )


def typed_computed(log: SearchLog, extractions: int | None) -> Iterator[Finding]:
    """A warning for each count the build computes that the log still types (it is ignored)."""
    held = "" if extractions is None else f"; studies/ holds {extractions} extraction(s)"
    for name in COMPUTED:
        value = getattr(log.screening, name)
        if value is not None:
            shown = value if isinstance(value, (int, str)) else f"{len(value)} reason(s)"
            yield "warning", ("screening", name), (
                f"{name} ({shown}) is computed by the build from studies/ and the analyses' records{held}: "
                "the typed value is ignored; remove it"
            )


def load_searches(path: Path, display: str, extractions: int | None = None) -> LoadedModel[SearchLog]:
    """Read ``searches.yaml``; every problem is a located diagnostic (errors leave ``model`` None).

    ``extractions``: the number of files in ``studies/`` (the reports assessed), checked against
    the reports sought, not retrieved and awaiting assessment.
    """
    text, diagnostics = read_text(path, display)
    if text is None:
        return LoadedModel(display, None, None, Positions(), diagnostics)
    loaded = parse_model(text, display, SearchLog)
    if loaded.model is not None:
        findings = [*arithmetic(loaded.model, extractions), *typed_computed(loaded.model, extractions)]
        for severity, field_path, message in findings:
            line, column = loaded.positions.locate(field_path, prefer_key=field_path[-1] == "exclusion_reasons")  # a mapping: its key
            loaded.diagnostics.append(Diagnostic(display, severity, message, line, column, field_path, "searches"))
        if any(d.severity == "error" for d in loaded.diagnostics):
            loaded.model = None
    return loaded


#: The screening counts the log states, in the order of the PRISMA 2020 diagram, with their labels
#: (the computed ones follow them: :func:`.review.flow.report_flow`).
COUNT_LABELS: tuple[tuple[str, str], ...] = (
    ("duplicates_removed", "Duplicate records removed"),
    ("removed_by_automation", "Records marked as ineligible by automation tools"),
    ("removed_other_reasons", "Records removed for other reasons"),
    ("records_screened", "Records screened"),
    ("records_excluded", "Records excluded"),
    ("reports_sought", "Reports sought for retrieval"),
    ("reports_not_retrieved", "Reports not retrieved"),
    ("reports_awaiting_assessment", "Reports awaiting assessment"),
)
SOURCE_WORDS = {
    "database": "database", "register": "register", "website": "website", "organisation": "organisation",
    "citation_searching": "citation searching", "other": "other",
}
