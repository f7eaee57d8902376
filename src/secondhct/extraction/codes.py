"""The codes and field types of the extraction format: every allowed value a curator may write.

The models of :mod:`secondhct.extraction.schema` use these; the outcome codes come from the
outcome table (:mod:`secondhct.outcomes`), the one place an outcome is defined.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal, TypeAlias

from pydantic import Field, WithJsonSchema

from ..keys import KEY_PATTERN, KEY_RULE
from ..outcomes import OUTCOMES

NotStated = Literal["not stated"]

Identifier = Annotated[
    str,
    Field(pattern=r"^[A-Za-z][A-Za-z0-9_\-]*$", description="a short identifier: letters, digits, '_' or '-'"),
]
# Study keys (BibTeX key = file stem) and factor names: one rule, defined in secondhct.keys.
Key = Annotated[str, Field(pattern=KEY_PATTERN, description=f"a key: {KEY_RULE}")]
# Factor and level codes: snake_case codes from vocabulary.yaml (checked against it by `validate`).
FactorCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
LevelCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
CutoffUnit = Literal["d", "w", "mo", "y", "percent", "points", "calendar_year"]
Text = Annotated[str, Field(min_length=1)]
#: More patients than any registry holds is a slip (a 500-digit n), not a count.
MAX_COUNT = 10_000_000
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
# A number as printed. Keeping ints as ints preserves how many decimals were printed
# ("54" vs "54.0"), which the rounding-aware consistency checks need.
Printed = Annotated[int | float, WithJsonSchema({"type": "number"})]
PositiveCount = Annotated[int, Field(ge=1, le=MAX_COUNT)]

Disease = Literal[
    "ALL", "AML", "JMML", "MDS", "CML", "MPN", "myelofibrosis", "acute_leukemia", "leukemia_type_not_stated",
    "hematologic_malignancy", "marrow_failure", "other",
]
"""``leukemia_type_not_stated``: leukemia whose type (acute or chronic, lymphoid or myeloid) the source
does not print ("leukaemia/MDS 57 of 71"); ``acute_leukemia``: acute, lineage not printed."""
#: The diseases that are leukemia, the review's question (MDS, MPN and myelofibrosis are not).
LEUKEMIAS = frozenset({"ALL", "AML", "JMML", "CML", "acute_leukemia", "leukemia_type_not_stated"})
AgeGroup = Literal["infant", "pediatric", "aya", "adult", "mixed", "not stated"]
Indication = Literal["relapse", "graft_failure", "not stated"]
TimeOrigin = Literal["second_hct", "treatment_start", "relapse", "first_hct", "diagnosis", "not stated"]
Intervention = Literal[
    "second_allo_hct", "dli", "il2_lak", "car_t", "chemotherapy", "immunotherapy", "chemotherapy_or_dli", "none", "mixed",
    "not_specified", "no_dli_other", "other",
]
"""``none``: the source says no salvage was given; ``not_specified``: a comparator whose salvage the
source does not specify ("salvage type not specified", "no second HSCT"); ``no_dli_other``: patients
not treated with DLI, whatever else (if anything) they received, as a DLI report's comparator;
``chemotherapy_or_dli``: chemotherapy and/or DLI, not split by the source ("CTx and/or DLI"), no second
HCT; ``mixed``: a cohort whose treatments are not one kind (e.g. all relapsed patients, some of whom
had a second HCT)."""
Design = Literal[
    "registry", "multicentre", "single_centre", "case_series", "case_report", "literature_review", "not stated",
]
Publication = Literal["article", "meeting_abstract", "correspondence", "review", "news_report", "not stated"]
if TYPE_CHECKING:
    OutcomeName: TypeAlias = str
else:
    OutcomeName = Literal[tuple(OUTCOMES)]  # one row per outcome in secondhct.outcomes
Unit = Literal["percent", "proportion", "days", "weeks", "months", "years"]
Statistic = Literal[
    "kaplan_meier", "cumulative_incidence", "crude_proportion", "median", "mean", "count", "not stated",
]
Estimator = Literal["kaplan_meier", "cumulative_incidence", "one_minus_kaplan_meier", "crude_proportion", "not stated"]
"""How a proportion at a time point was computed, coded only from words of the source that name it or from
what its numbers prove (README, "The extraction format"): ``kaplan_meier`` (also "actuarial", said so in the
notes), ``cumulative_incidence`` (a competing-risks estimate), ``one_minus_kaplan_meier`` (an incidence taken
as 1 - KM, which overstates it under competing risks), ``crude_proportion`` (a count share, events of
total, with no censoring), ``not stated``."""
CIScale = Literal["linear", "log", "log_log", "logit", "arcsine", "not stated"]
RatioMeasure = Literal["HR", "SHR", "RR", "OR", "none"]
DocumentContent = Literal[
    "abstract", "full_text", "preview", "meeting_abstract", "citation_record", "news_report", "fact_sheet",
    "figure_caption", "review_table",
]
"""``review_table``: a table in someone else's review that reprints the study's numbers (a secondary source)."""
