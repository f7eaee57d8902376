"""Every number of a row must be printed in the words its ``source`` quotes.

A curator copies a number from a paper and quotes the sentence it is printed in
(``source.quote``, and ``source.quotes`` for the same row's numbers printed
elsewhere). This rule finds each recorded number among the numbers of those
quotes, reading them the way papers print numbers:

* ``29.4`` and ``29·4`` (a middle dot, as some journals print it), ``29.4%``,
  ``.04`` for 0.04;
* ``29,4`` as a decimal comma, and ``1,234`` as a thousands separator (a comma
  followed by one or two digits is read as a decimal, by three as thousands);
* small integers in words: ``Twenty-one``, ``twenty one``, ``eleven``, and the one
  patient of a case report as ``a patient`` (``a single child``, ``an infant``);
* p-values with their bound: ``p = "<0.001"`` is printed ``P<.001`` or
  ``p < 0.001``;
* for a percentage or proportion (and only there: the row's ``unit`` says which),
  the same value on the other scale, ``0.294`` for 29.4 percent or ``29.4%`` for
  0.294.

Rows without a quote are not checked (quotes are not required by the format).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..diagnostics import FieldPath
from .schema import PROPORTION_SCALE, Source, StudyExtraction

if TYPE_CHECKING:
    from .finding import Finding

_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
          "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]  # fmt: skip
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_WORD_VALUE = {w: i for i, w in enumerate(_UNITS)} | {w: 10 * i for i, w in enumerate(_TENS) if w}
_WORD = "|".join(sorted(_WORD_VALUE, key=len, reverse=True))
_NUMBER_WORDS = re.compile(rf"\b({_WORD})(?:[- ]({_WORD}))?\b", re.IGNORECASE)
# How a case report prints its one patient: 'a patient', 'a single child', 'an infant'.
_ONE = re.compile(r"\ban? (?:single )?(?:patient|case|child|infant|boy|girl|man|woman)\b", re.IGNORECASE)
# A printed number: digits with an optional decimal part ('.' or the middle dot '·'), or '.04'.
_NUMBER = re.compile(r"(?<![\w.·])(\d+(?:[.·]\d+)?|[.·]\d+)(?:,(\d+(?:[.·]\d+)?))?(?![\w])")
_BOUND = re.compile(r"(<=|>=|≤|≥|<|>|=)\s*$")
_P = re.compile(r"^(<=|>=|≤|≥|<|>|=)?\s*([0-9.]+(?:[eE]-?[0-9]+)?)$")
_SAME_BOUND = {"<=": "≤", ">=": "≥"}
_EPS = 1e-9


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= _EPS * max(1.0, abs(a), abs(b))


def _word_numbers(text: str) -> set[float]:
    """Integers written in words ('Twenty-one', 'twenty one', 'eleven')."""
    found: set[float] = set()
    for match in _NUMBER_WORDS.finditer(text):
        first = _WORD_VALUE[match[1].casefold()]
        second = _WORD_VALUE[match[2].casefold()] if match[2] else None
        if second is not None and first >= 20 and first % 10 == 0 and 0 < second < 10:
            found.add(float(first + second))
        else:
            found.add(float(first))
            if second is not None:
                found.add(float(second))
    if _ONE.search(text):
        found.add(1.0)
    return found


def printed_numbers(text: str) -> list[tuple[float, str]]:
    """Every number ``text`` prints, with the text just before it (for a bound such as '<')."""
    found: list[tuple[float, str]] = []
    for match in _NUMBER.finditer(text):
        head, tail = match[1].replace("·", "."), match[2]
        before = text[max(0, match.start() - 12) : match.start()]
        found.append((float(head), before))
        if tail is None:
            continue
        if len(tail) <= 2 and tail.isdigit() and "." not in head:  # 29,4: a decimal comma
            found.append((float(f"{head}.{tail}"), before))
        elif len(tail) == 3 and tail.isdigit() and "." not in head:  # 1,234: thousands
            found.append((float(head + tail), before))
        found.append((float(tail.replace("·", ".")), ""))  # 1,2: a list of numbers
    found.extend((value, "") for value in _word_numbers(text))
    return found


def number_is_printed(value: float, text: str, unit: str | None = None) -> bool:
    """Whether ``value`` is among the numbers ``text`` prints (on the other scale of a
    percentage or proportion too, when ``unit`` is one of them)."""
    wanted = [float(value)]
    if unit == "percent":
        wanted.append(value / PROPORTION_SCALE["percent"])
    elif unit == "proportion":
        wanted.append(value * PROPORTION_SCALE["percent"])
    return any(_close(n, w) for n, _ in printed_numbers(text) for w in wanted)


def p_is_printed(p: Any, text: str) -> bool:
    """Whether the p-value ``p`` (0.04, '<0.001', 'n.s.') is printed in ``text`` with its bound."""
    if isinstance(p, str):
        match = _P.match(p.strip())
        if match is None:  # 'n.s.' and the like: words, not a number
            return True
        bound, number = match[1] or "=", float(match[2])
    else:
        bound, number = "=", float(p)
    bound = _SAME_BOUND.get(bound, bound)
    for printed, before in printed_numbers(text):
        if not _close(printed, number):
            continue
        shown = _BOUND.search(before)
        shown_bound = _SAME_BOUND.get(shown[1], shown[1]) if shown else "="
        if shown_bound == bound or bound == "=" and shown is None:
            return True
    return False


def quoted_text(source: Source) -> str | None:
    """All the words a source quotes (its quote and its further quotes), or None if none."""
    parts = [source.quote] if source.quote else []
    parts += [q.quote for q in source.quotes]
    return " … ".join(parts) if parts else None


def _fmt(value: Any) -> str:
    return str(value)  # as written: 40.0 stays 40.0


def _rows(study: StudyExtraction) -> Iterator[tuple[FieldPath, Source, list[tuple[str, Any]], str | None]]:
    """Each row that carries numbers: its path, source, (field, value) pairs and unit."""
    for i, out in enumerate(study.outcomes):
        values: list[tuple[str, Any]] = [(n, getattr(out, n)) for n in ("estimate", "se", "sd", "plus_minus", "events", "total")]
        if out.ci is not None:
            values += [("ci.lower", out.ci.lower), ("ci.upper", out.ci.upper)]
        yield ("outcomes", i), out.source, values, out.unit
    for i, comp in enumerate(study.comparisons):
        values = [("estimate", comp.estimate)]
        if comp.ci is not None:
            values += [("ci.lower", comp.ci.lower), ("ci.upper", comp.ci.upper)]
        yield ("comparisons", i), comp.source, values + [("p", comp.p)], None
    for section in ("arms", "subgroups"):
        for i, item in enumerate(getattr(study, section)):
            yield (section, i), item.source, [("n", item.n)], None


def _printed(name: str, value: Any, text: str, unit: str | None) -> bool:
    if name == "p":
        return p_is_printed(value, text)
    scaled = unit in PROPORTION_SCALE and name in ("estimate", "se", "sd", "plus_minus", "ci.lower", "ci.upper")
    return number_is_printed(value, text, unit if scaled else None)


def check_quotes(study: StudyExtraction) -> Iterator[Finding]:
    """A number of a quoted row that none of its quotes prints is an error (see module docstring)."""
    from .finding import Finding

    for path, source, values, unit in _rows(study):
        text = quoted_text(source)
        if text is None:
            continue
        for name, value in values:
            if value is None or isinstance(value, bool) or value == "not stated":
                continue
            if _printed(name, value, text, unit):
                continue
            where = path + tuple(name.split("."))
            quoted = f"its quote {source.quote!r}" if source.quote else "its quotes"
            if source.quote and source.quotes:
                quoted += f" nor in its {len(source.quotes)} further quote(s)"
            yield Finding(
                "error", where,
                f"{_fmt(value)} is not printed in {quoted}; write the number as printed, or quote the words "
                "that print it (in source.quote, or in source.quotes with their location when printed elsewhere)",
                "quote-number",
            )
