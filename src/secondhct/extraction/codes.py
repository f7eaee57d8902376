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
    "ALL", "AML", "JMML", "MDS", "CML", "CLL", "MPN", "myelofibrosis", "acute_leukemia", "leukemia_type_not_stated",
    "lymphoma", "myeloma", "hematologic_malignancy", "marrow_failure", "other",
]
"""``acute_leukemia``: acute leukemia, lineage (AML or ALL) not printed; ``leukemia_type_not_stated``: leukemia
whose type (acute or chronic, lymphoid or myeloid) the source does not print ("leukaemia/MDS 57 of 71");
``hematologic_malignancy``: any blood cancer, not split (leukemia or not)."""
#: The diseases that are leukemia, the review's question (MDS, MPN, myelofibrosis, lymphoma and myeloma are not).
LEUKEMIAS = frozenset({"ALL", "AML", "JMML", "CML", "CLL", "acute_leukemia", "leukemia_type_not_stated"})
#: Broad disease codes and the specific codes whose patients they may hold (a report coded with a broad
#: code may or may not have patients of each of these).
DISEASE_COVERS: dict[str, frozenset[str]] = {
    "acute_leukemia": frozenset({"AML", "ALL", "acute_leukemia"}),
    "leukemia_type_not_stated": LEUKEMIAS,
    "hematologic_malignancy": frozenset(
        {"ALL", "AML", "JMML", "MDS", "CML", "CLL", "MPN", "myelofibrosis", "acute_leukemia", "leukemia_type_not_stated",
         "lymphoma", "myeloma", "hematologic_malignancy", "other"}
    ),
}
AgeGroup = Literal["infant", "pediatric", "aya", "adult", "mixed", "not stated"]
Indication = Literal["relapse", "graft_failure", "not stated"]
TimeOrigin = Literal["second_hct", "treatment_start", "relapse", "first_hct", "diagnosis", "not stated"]
Intervention = Literal[
    "second_allo_hct", "no_second_hct", "dli", "chemotherapy", "chemotherapy_or_dli", "car_t", "blinatumomab",
    "inotuzumab", "best_supportive_care", "salvage_not_specified", "il2_lak", "immunotherapy", "mixed", "no_dli_other",
    "other",
]
"""An arm's treatment of the relapse. The comparators a guideline panel weighs against a second HCT
(issue 24): ``no_second_hct``: patients who did not receive a second HCT, whatever else (if anything)
they received ("no second HSCT"); ``dli``; ``chemotherapy``; ``car_t``; ``blinatumomab``;
``inotuzumab``; ``best_supportive_care``: the source says no anti-leukaemic salvage was given;
``salvage_not_specified``: a salvage the source names without its kind ("other treatment", "salvage
type not specified"), which enters "vs no second HCT" only in its sensitivity analysis;
``chemotherapy_or_dli``: chemotherapy and/or DLI, not split by the source ("CTx and/or DLI"), no second
HCT. Other arms: ``no_dli_other``: patients not treated with DLI, whatever else they received, as a
DLI report's comparator; ``mixed``: a cohort whose treatments are not one kind (e.g. all relapsed
patients, some of whom had a second HCT). Codes before issue 24: ``none`` is ``best_supportive_care``,
``not_specified`` is ``no_second_hct`` where the source says "no second HCT", else ``salvage_not_specified``."""
AnalysisDesign = Literal["landmark", "time_dependent", "none", "not stated"]
"""How a report compared survival between patients who did and did not receive a second HCT, against
immortal-time (guarantee-time) bias (Suissa S. Am J Epidemiol 2008;167:492-499; METHODS.md section 10
[47, 48]): ``landmark``: survival counted from a landmark time, among the patients alive (and not yet
transplanted) then, the treatment classified by what they had received by it; ``time_dependent``: the
second HCT as a time-dependent covariate (the patient counts as untransplanted until the transplant);
``none``: survival of each group from a common origin before the transplant (relapse, diagnosis), the
groups formed by what happened later; ``not stated``."""
DESIGN_HELP = (
    "for a comparator arm (or a comparison of the second HCT with an alternative): how survival was compared against "
    "immortal-time bias: landmark, time_dependent (the second HCT as a time-dependent covariate), none (each group "
    "from a common origin such as relapse, grouped by what happened later), or not stated"
)
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
