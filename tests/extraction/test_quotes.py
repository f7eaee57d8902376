"""How papers print numbers, as the quote rule of ``secondhct validate`` reads them."""

from __future__ import annotations

import pytest

from secondhct.extraction.quotes import number_is_printed, p_is_printed


@pytest.mark.parametrize(
    ("value", "text", "unit"),
    [
        (29.4, "OS at 2 years was 29.4±3.7%", None),
        (29.4, "OS at 2 years was 29·4%", None),  # a middle dot
        (29.4, "la survie était de 29,4 %", None),  # a decimal comma
        (1234, "1,234 transplants", None),  # a thousands separator
        (30.1, "29.4,30.1", None),
        (21, "Twenty-one patients", None),
        (21, "twenty one patients", None),
        (11, "Eleven children", None),
        (1, "We treated a patient who relapsed", None),
        (54, "54.0%", None),
        (29.4, "a proportion of 0.294", "percent"),
        (0.294, "OS was 29.4%", "proportion"),
        (0.04, "P = .04", None),
    ],
)
def test_printed(value: float, text: str, unit: str | None) -> None:
    assert number_is_printed(value, text, unit)


@pytest.mark.parametrize(
    ("value", "text", "unit"),
    [
        (4, "44.1", None),  # a number is read whole, never as a part of another
        (1, "bone marrow", None),  # 'one' inside a word is not a number
        (29.4, "0.294", None),  # the other scale only where the unit says so
        (0.294, "29.4%", None),
        (2, "2y OS", None),
    ],
)
def test_not_printed(value: float, text: str, unit: str | None) -> None:
    assert not number_is_printed(value, text, unit)


@pytest.mark.parametrize(
    ("p", "text", "printed"),
    [
        ("<0.001", "P<.001", True),
        ("<0.001", "p < 0.001", True),
        ("<=0.05", "P ≤ 0.05", True),
        ("<0.001", "P = 0.001", False),
        (0.04, "(117 days vs 164 days, P=0.04)", True),
        (0.04, "P < 0.04", False),
        ("n.s.", "not significant", True),
    ],
)
def test_p_values(p: object, text: str, printed: bool) -> None:
    assert p_is_printed(p, text) is printed
