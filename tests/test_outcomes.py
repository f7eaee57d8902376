"""The outcome table covers every outcome code of the extraction format, once."""

from __future__ import annotations

from typing import get_args

from secondhct.extraction.codes import OutcomeName
from secondhct.outcomes import HARMS, OUTCOMES, competing_role, outcome_verbs
from secondhct.words import OUTCOME_WORDS, outcome_words


def test_every_outcome_code_of_the_schema_is_in_the_table() -> None:
    assert set(OUTCOMES) == set(get_args(OutcomeName))
    assert all(code == info.code for code, info in OUTCOMES.items())
    assert OUTCOME_WORDS == {code: info.words for code, info in OUTCOMES.items()}


def test_the_competing_risks_after_transplant() -> None:
    assert {c for c in OUTCOMES if competing_role(c) == "nrm"} == {"nrm", "trm"}
    assert {c for c in OUTCOMES if competing_role(c) == "event_free"} == {"efs", "lfs", "dfs", "pfs", "rfs"}
    assert competing_role("relapse") == "relapse" and competing_role("os") == "overall" and competing_role("cr") is None
    assert {"relapse", "nrm", "trm", "agvhd", "cgvhd", "graft_failure", "death"} == HARMS


def test_plain_language_words() -> None:
    assert outcome_verbs("os") == ("be alive", "are alive")
    assert outcome_verbs("time_to_relapse") == ("have the outcome", "have the outcome")
    assert outcome_words("lfs") == "leukemia-free survival" and outcome_words("made_up") == "made up"


def test_the_event_free_preference_of_the_coherence_check_covers_the_table() -> None:
    from secondhct.extraction.competing import _EVENT_FREE

    assert set(_EVENT_FREE) == {c for c in OUTCOMES if competing_role(c) == "event_free"}


def test_every_estimator_code_has_words() -> None:
    from secondhct.extraction.codes import Estimator
    from secondhct.words import ESTIMATOR_WORDS

    assert set(ESTIMATOR_WORDS) == set(get_args(Estimator))
