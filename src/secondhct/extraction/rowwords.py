"""A row's fields against the words it quotes: the time point, and what ``se``/``sd`` claim.

* **Time point.** A quote that prints time words ("3-year OS", "at 5 years", "2-yr",
  "24 months", "day +100") names the time its number is read at; when none of them is
  the row's ``time`` (``2y`` == ``24mo``), the time point was probably mistyped. A quote
  may also print an age or a follow-up, so this is a warning, not an error. A time point
  beyond any follow-up in this literature (:data:`LONGEST_YEARS`) is a warning too.
* **se and sd.** The format keeps ``se:`` and ``sd:`` for a number the source *defines*
  as a standard error or deviation; "±" alone is ``plus_minus``. A quoted row (or its
  ``notes``, saying where the source defines it) must print "SE"/"standard error" for
  ``se`` and "SD"/"standard deviation" for ``sd``, or it is an error; an unquoted row is
  not checked, as the quote rule does not check it either.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .schema import StudyExtraction
from .slips import row_texts
from .timepoint import parse_time_point

if TYPE_CHECKING:
    from .finding import Finding

#: No follow-up in this literature reaches this far: a longer time point is a typing slip.
LONGEST_YEARS = 30
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
          "twelve": 12, "fifteen": 15, "eighteen": 18, "twenty": 20, "thirty": 30}  # fmt: skip
_NUM = r"(\d+(?:[.·]\d+)?|" + "|".join(_WORDS) + ")"
_UNIT_MONTHS = {"y": 12.0, "m": 1.0, "w": 7 * 12 / 365.25, "d": 12 / 365.25}
# '3-year', '5 years', '2-yr', '1-y', '24 months', '24-mo', '6 weeks', '100 days', '100-d', and lists of them:
# 'the 2- and 5-year', '1, 2 and 3 years', '1-/2-year'
_SEP = r"\s*[-‐–]?\s*(?:,\s*(?:and\s+)?|\s+(?:and|or|to)\s+|\s*[&/]\s*)"
_AFTER = re.compile(
    rf"(?<![\w.·])((?:{_NUM}{_SEP})*){_NUM}\s*[-‐–]?\s*(years?|yrs?|y|months?|mos?|mths?|weeks?|wks?|days?|d)\b", re.IGNORECASE
)
_ONE_NUMBER = re.compile(rf"(?<![\w.·]){_NUM}", re.IGNORECASE)
# 'day 100', 'day +100', 'day-100'
_DAY = re.compile(r"\bday\s*[-+]?\s*(\d+)\b", re.IGNORECASE)
_DEFINES = {
    "se": re.compile(r"\bS\.?E\.?(?:M\.?)?\b|standard errors?", re.IGNORECASE),
    "sd": re.compile(r"\bS\.?D\.?\b|standard deviations?", re.IGNORECASE),
}
_NAMES = {"se": "a standard error ('SE', 'standard error')", "sd": "a standard deviation ('SD', 'standard deviation')"}
#: Words before "SE"/"SD" that make it no definition: a guess ("presumably SE") or a negation ("not defined as SE").
_HEDGE = re.compile(r"\b(?:presumably|probably|possibly|likely|maybe|perhaps|assumed|not|no|nor|undefined|unclear|whether)\b[^.;]*$",
                    re.IGNORECASE)


def defines(name: str, text: str) -> bool:
    """Whether ``text`` defines the spread ``name`` ('se', 'sd'): the word, not hedged or negated before it in its
    clause ("mean ± SE" defines it; "± presumably SE" and "± not defined as SE" do not: README, the extraction format)."""
    for match in _DEFINES[name].finditer(text):
        clause = text[: match.start()]
        if not _HEDGE.search(clause):
            return True
    return False


def time_words(text: str) -> list[tuple[str, float]]:
    """The durations ``text`` prints, as (words, months).

    >>> time_words("3-year OS was 40% and day +100 TRM 10%")
    [('3-year', 36.0), ('day +100', 3.285420944558522)]
    """
    found = []
    for match in _AFTER.finditer(text):
        unit = _UNIT_MONTHS[match[4][0].casefold()]  # groups: the list before, a number in it, the last number, the unit
        for number in [*(m[1] for m in _ONE_NUMBER.finditer(match[1])), match[3]]:
            number = number.casefold().replace("·", ".")
            found.append((match[0], (float(_WORDS[number]) if number in _WORDS else float(number)) * unit))
    for match in _DAY.finditer(text):
        found.append((match[0], float(match[1]) * _UNIT_MONTHS["d"]))
    return found


def check_row_words(study: StudyExtraction) -> Iterator[Finding]:
    """Each outcome row's time point and spread fields against its quotes (module docstring)."""
    from .finding import Finding

    for i, out in enumerate(study.outcomes):
        texts = row_texts(out.source)
        months = _months(out.time)
        if months is not None and months > LONGEST_YEARS * 12:
            yield Finding("warning", ("outcomes", i, "time"), f"time point {out.time} is beyond {LONGEST_YEARS} years, longer than any follow-up of a second HCT: a slip?", "time-words")
        printed = [words for text in texts for words in time_words(text)]
        if months is not None and printed and not any(abs(m - months) <= 0.02 * months for _, m in printed):
            shown = ", ".join(f"'{w}'" for w in dict.fromkeys(w for w, _ in printed))
            yield Finding("warning", ("outcomes", i, "time"), f"time point {out.time} is not among the times its quote prints ({shown}): is the time point right?", "time-words")
        if not texts:
            continue
        for name in ("se", "sd"):
            if getattr(out, name) is not None and not any(defines(name, t) for t in (*texts, out.notes or "")):
                yield Finding(
                    "error", ("outcomes", i, name),
                    f"{name}: is only for a number the source defines as {_NAMES[name]}, and neither the quote nor the row's notes "
                    "say so; a number after '±' whose meaning is not stated is plus_minus: (quote the definition, or say where it is in notes)",
                    "spread-defined",
                )


def _months(time: str | None) -> float | None:
    if time is None:
        return None
    try:
        return parse_time_point(time).months
    except ValueError:  # the schema reports it
        return None
