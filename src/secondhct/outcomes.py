"""The table of outcomes: one record per outcome code of the extraction format, everything else derived.

Each :class:`OutcomeInfo` says how a reader names the outcome, the verbs of GRADE's
plain-language statements (Santesso et al., J Clin Epidemiol 2020;119:126-135: "may be alive",
"are alive"), whether a higher proportion is worse (a harm: relapse, NRM, GVHD), and its role
among competing risks after transplant: relapse and non-relapse mortality are the two
competing events whose complement is leukemia-free (event-free) survival (Gooley et al., Stat
Med 1999;18:695-706; Latouche et al., J Clin Epidemiol 2013;66:648-653), so at one time point
``event_free + relapse + nrm`` is 100% when each is estimated consistently.

The reader words (:mod:`secondhct.words`), the plain-language verbs
(:mod:`secondhct.review.grade`), the direction of a contrast
(:mod:`secondhct.review.contrasts`) and the competing-risk checks of ``validate`` all read
this table; a test checks that it covers every outcome code of the schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CompetingRole = Literal["overall", "event_free", "relapse", "nrm"]


@dataclass(frozen=True)
class OutcomeInfo:
    """One outcome code (see the module docstring)."""

    code: str
    words: str
    """As a clinician says it: 'leukemia-free survival'."""
    verbs: tuple[str, str] | None = None
    """Plain-language verbs (after "may", after "are"); None: "have the outcome"."""
    harm: bool = False
    """A higher proportion is worse."""
    role: CompetingRole | None = None
    """Its role among the competing risks after transplant (None: not one of them)."""


_ALIVE_NO_RELAPSE = ("be alive without relapse", "are alive without relapse")
_NRM_VERBS = ("have died of causes other than relapse", "have died of causes other than relapse")

OUTCOMES: dict[str, OutcomeInfo] = {
    o.code: o
    for o in (
        OutcomeInfo("os", "overall survival", ("be alive", "are alive"), role="overall"),
        OutcomeInfo("efs", "event-free survival", ("be alive without an event", "are alive without an event"), role="event_free"),
        OutcomeInfo("lfs", "leukemia-free survival", _ALIVE_NO_RELAPSE, role="event_free"),
        OutcomeInfo("dfs", "disease-free survival", _ALIVE_NO_RELAPSE, role="event_free"),
        OutcomeInfo("pfs", "progression-free survival", ("be alive without progression", "are alive without progression"),
                    role="event_free"),  # fmt: skip
        OutcomeInfo("rfs", "relapse-free survival", _ALIVE_NO_RELAPSE, role="event_free"),
        OutcomeInfo("relapse", "relapse incidence", ("have relapsed", "have relapsed"), harm=True, role="relapse"),
        OutcomeInfo("nrm", "non-relapse mortality", _NRM_VERBS, harm=True, role="nrm"),
        OutcomeInfo("trm", "transplant-related mortality", ("have died of transplant-related causes",
                    "have died of transplant-related causes"), harm=True, role="nrm"),  # fmt: skip
        OutcomeInfo("cr", "complete remission", ("be in complete remission", "are in complete remission")),
        OutcomeInfo("response", "response", ("have responded", "have responded")),
        OutcomeInfo("engraftment", "engraftment", ("have engrafted", "have engrafted")),
        OutcomeInfo("graft_failure", "graft failure", ("have had graft failure", "have had graft failure"), harm=True),
        OutcomeInfo("agvhd", "acute GVHD", ("have had acute GVHD", "have had acute GVHD"), harm=True),
        OutcomeInfo("cgvhd", "chronic GVHD", ("have had chronic GVHD", "have had chronic GVHD"), harm=True),
        OutcomeInfo("death", "death", ("have died", "have died"), harm=True),
        OutcomeInfo("time_to_relapse", "time to relapse"),
        OutcomeInfo("remission_duration", "remission duration"),
        OutcomeInfo("other", "another outcome"),
        OutcomeInfo("not stated", "outcome (which not stated)"),
    )
}

#: Outcomes whose proportion is of a harm: a higher one is worse (the others are survival or response).
HARMS: frozenset[str] = frozenset(code for code, o in OUTCOMES.items() if o.harm)

_GENERIC_VERBS = ("have the outcome", "have the outcome")


def outcome_verbs(code: str) -> tuple[str, str]:
    """The plain-language verbs of an outcome (after "may", after "are")."""
    info = OUTCOMES.get(code)
    return info.verbs if info is not None and info.verbs is not None else _GENERIC_VERBS


def competing_role(code: str) -> CompetingRole | None:
    """An outcome's role among the competing risks after transplant (None: not one of them)."""
    info = OUTCOMES.get(code)
    return info.role if info is not None else None
