"""Reader words for the codes of the extraction format (outcomes, time origins, factors).

Codes (``lfs``, ``second_hct``, ``remission_at_second_hct``) are for files; every text a
reader sees (summary, plots, exclusion reasons) names them with these words instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from .outcomes import OUTCOMES

#: Outcome codes in words, as a clinician says them (from the outcome table).
OUTCOME_WORDS: dict[str, str] = {code: o.words for code, o in OUTCOMES.items()}

#: Estimators (outcomes[].estimator) in words, for exclusion reasons.
ESTIMATOR_WORDS: dict[str, str] = {
    "kaplan_meier": "Kaplan-Meier", "cumulative_incidence": "cumulative incidence",
    "one_minus_kaplan_meier": "1 − Kaplan-Meier", "crude_proportion": "crude share (events of total)",
    "not stated": "estimator not stated",
}  # fmt: skip

#: Time origins (time zero of survival) in words.
TIME_ORIGIN_WORDS: dict[str, str] = {
    "second_hct": "the second HCT", "treatment_start": "the start of treatment", "relapse": "the relapse",
    "first_hct": "the first HCT", "diagnosis": "diagnosis", "not stated": "not stated",
}  # fmt: skip


def outcome_words(code: str) -> str:
    """One outcome code in words (an unknown code is shown with its underscores as spaces)."""
    return OUTCOME_WORDS.get(code, code.replace("_", " "))


def outcome_group(codes: Sequence[str]) -> str:
    """An analysis's outcomes as one name: the first outcome, 'or a synonym' when there are more
    (the synonyms are listed once, in the summary's methods)."""
    if not codes:
        return "no outcome"
    head = outcome_words(codes[0])
    return head if len(codes) == 1 else f"{head} (or a synonym)"


def origin_words(code: str) -> str:
    return TIME_ORIGIN_WORDS.get(code, code.replace("_", " "))


def code_words(code: str) -> str:
    """Any other code (design, factor, level) in words: underscores as spaces."""
    return code.replace("_", " ")


#: Why a report left an analysis, by selection stage, in words.
INTERVENTION_WORDS: dict[str, str] = {
    "second_allo_hct": "second allogeneic HCT", "dli": "donor lymphocyte infusion", "il2_lak": "IL-2/LAK cells",
    "car_t": "CAR T cells", "chemotherapy": "chemotherapy", "immunotherapy": "immunotherapy",
    "chemotherapy_or_dli": "chemotherapy and/or DLI", "no_second_hct": "no second HCT", "blinatumomab": "blinatumomab",
    "inotuzumab": "inotuzumab ozogamicin", "best_supportive_care": "best supportive care",
    "mixed": "mixed salvage", "salvage_not_specified": "salvage not specified",
    "no_dli_other": "treatment other than DLI", "other": "other salvage",
}


def intervention_words(code: str) -> str:
    """An arm's intervention (extraction ``arms[].intervention``) in words."""
    return INTERVENTION_WORDS.get(code, code_words(code))


STAGE_WORDS: dict[str, str] = {
    "population": "population", "outcome": "outcome", "selected": "selected cohort", "overlap": "overlapping cohort",
}
