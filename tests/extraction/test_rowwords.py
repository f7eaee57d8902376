"""The row-against-its-words checks of issue 27: time words, se/sd definitions, a percent below 1."""

from __future__ import annotations

import pytest

from secondhct.extraction.rowwords import time_words
from secondhct.extraction.slips import _printed_as_percent


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("3-year OS was 40%", [36.0]),
        ("OS at 5 years", [60.0]),
        ("2-yr LFS 30%", [24.0]),
        ("24 months", [24.0]),
        ("five-year OS", [60.0]),
        ("The 2- and 5-year cumulative incidence", [24.0, 60.0]),
        ("at 1, 2 and 3 years", [12.0, 24.0, 36.0]),
        ("HR 1.5 (p = 0.03)", []),
    ],
)
def test_time_words_reads_how_papers_print_durations(text: str, months: list[float]) -> None:
    assert [m for _, m in time_words(text)] == months


def test_day_100_is_100_days() -> None:
    assert [round(m, 6) for _, m in time_words("TRM at day +100 was 10%")] == [round(100 * 12 / 365.25, 6)]


@pytest.mark.parametrize(("text", "printed"), [("OS 0.32%", True), ("OS 0·32 per cent", True), ("OS 0.32", False), ("OS 10.32%", False), (".5%", True)])
def test_percent_sign_after_the_number(text: str, printed: bool) -> None:
    value = 0.5 if text.startswith(".5") else 0.32
    assert _printed_as_percent(value, [text]) is printed


@pytest.mark.parametrize(("text", "defined"), [
    ("OS 40 ± 5 (mean ± SE)", True), ("values are given as ±SE", True), ("SD not given; ± SE", True),
    ("± presumably SE", False), ("(± not defined in abstract; presumably SE)", False), ("± not defined as SE", False),
])
def test_a_hedged_or_negated_se_is_no_definition(text: str, defined: bool) -> None:
    """The new-curator pass of issue 27: 'presumably SE' in a row's notes let se: pass."""
    from secondhct.extraction.rowwords import defines

    assert defines("se", text) is defined
