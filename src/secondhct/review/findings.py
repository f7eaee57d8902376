"""Who and when an analysis is about, in the words of the summary of findings (:mod:`secondhct.review.sof`)
and the first screen (:mod:`secondhct.review.firstscreen`)."""

from __future__ import annotations

from ..results import AnalysisRecord
from ..words import origin_words

#: The disease named beside the age group in plain-language statements, when an analysis is
#: limited to it; broader sets (leukemia with MDS or MPN) are named by the age group alone.
_DISEASE_WORDS = {frozenset({"ALL"}): "with ALL", frozenset({"AML"}): "with AML",
                  frozenset({"ALL", "AML", "acute_leukemia"}): "with acute leukemia"}  # fmt: skip


def who_words(a: AnalysisRecord) -> str:
    """Who an analysis is about in words: "children with ALL", "adults", "patients"; when its reports
    cover one group only, that group as the reports print it ("adults with ALL": issue 23, never the
    typed title's wider population)."""
    covered = getattr(a, "covered", "")  # a curve's record has none
    if covered and ";" not in covered:
        return str(covered).split(" (")[0]
    ages = set(a.population.get("age_groups", []))
    people = "children" if ages <= {"infant", "pediatric"} else "adults" if ages == {"adult"} else "patients"
    disease = _DISEASE_WORDS.get(frozenset(a.population.get("diseases", [])))
    return f"{people} {disease}" if disease else people


def when_words(a: AnalysisRecord) -> str:
    def words(text: str) -> str:
        for suffix, unit in (("mo", "months"), ("y", "years"), ("d", "days")):
            if text.endswith(suffix) and text[: -len(suffix)].isdigit():
                n = text[: -len(suffix)]
                return f"{n} {unit[:-1] if n == '1' else unit}"
        return text

    time = a.time or {}
    if "exact" in time:
        span = words(time["exact"])
    elif "min" in time and "max" in time:
        lo, hi = words(time["min"]), words(time["max"])
        span = f"{lo.split()[0]} to {hi}" if lo.split()[1:] == hi.split()[1:] or lo.split()[1:] == [hi.split()[-1][:-1]] else f"{lo} to {hi}"
    else:
        span = "over the follow-up"
    if a.kind == "versus_alternative":  # both arms from one origin (contrasts refuse two), never "after a second HCT"
        origins = sorted({r.time_origin for r in a.included if r.time_origin})
        known = [origin_words(o) for o in origins if o != "not stated"]
        if known:
            return f"{span} from {' or '.join(known)}, in both arms" + ("; or time origin not stated" if len(known) < len(origins) else "")
        return f"{span}, time origin not stated" if origins else f"{span} from each report's time origin"
    return f"{span} after a second HCT"
