"""The registry of analysis-kind behaviours: what the build does with an analysis of each kind.

The protocol declares each kind once (:mod:`secondhct.protocol.kinds`); here each declared
form has a :class:`~secondhct.review.kinds.base.Behaviour` that runs the analysis, turns its
result into the typed record of ``results.json``, and draws its figures. The build, the API
and the command line drive every kind through this one interface.

Kinds that pool one number per report share :class:`~secondhct.review.kinds.univariate.Univariate`
(their only difference, the effect sizes, is :mod:`secondhct.review.effectsizes`). A kind with
a model of its own is one module here, registered in :data:`BEHAVIOURS` (a test checks that
every declared form has one).
"""

from __future__ import annotations

from ...protocol.kinds import KindForm
from .base import Behaviour, Section
from .survivalcurve import SURVIVAL_CURVE
from .univariate import UNIVARIATE

__all__ = ["BEHAVIOURS", "Behaviour", "Section", "behaviour", "distinct"]

#: Every declared form's behaviour.
BEHAVIOURS: dict[str, Behaviour] = {
    "proportion": UNIVARIATE,
    "factor_ratio": UNIVARIATE,
    "factor_levels": UNIVARIATE,
    "versus_arms": UNIVARIATE,
    "versus_ratios": UNIVARIATE,
    "survival_curve": SURVIVAL_CURVE,
}


def distinct() -> list[Behaviour]:
    """Each behaviour once, in registry order."""
    return list({id(b): b for b in BEHAVIOURS.values()}.values())


def behaviour(form: KindForm) -> Behaviour:
    """The behaviour of a declared kind."""
    if form.form not in BEHAVIOURS:
        raise KeyError(f"analysis kind {form.form!r} is declared in secondhct.protocol.kinds but has no behaviour")
    return BEHAVIOURS[form.form]
