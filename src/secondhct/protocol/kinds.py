"""The analysis kinds as the protocol states them: one declaration each, the one place a kind is defined.

An analysis's ``kind`` in ``protocol.yaml`` names what it pools. Each kind is declared here
once, as data: which rows of a report it reads (``outcomes`` or ``comparisons``), whether a
report's effect is a within-report contrast of two proportions, which measure it pools by
default, which protocol fields it needs, and the words the schema and the summary use.
Everything downstream asks the declaration (``plan.kind.reads_comparisons`` ...), never the
kind's name; what a kind *does* is registered under the same name: the effect sizes of a kind
that pools one number per report in :mod:`secondhct.review.effectsizes`, the behaviour of every
kind (run, record, figures, summary section, R appendix) in :mod:`secondhct.review.kinds`.

``versus_alternative`` comes in two forms, chosen by the analysis's fields: with
``alternative`` it contrasts the second-HCT arm with the comparator arm (``versus_arms``);
with ``comparison`` it pools reported ratios (``versus_ratios``).

Adding a kind: a declaration here (in :data:`KINDS`), its fields in
:mod:`secondhct.protocol.schema` if it has new ones, its effect sizes or its behaviour module
(above), and its test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DefaultMeasure = Literal["proportion", "ratio", "contrast", "raw"]


@dataclass(frozen=True)
class KindForm:
    """One analysis kind's declaration (see the module docstring)."""

    form: str
    """The form's own name (the registry key of its behaviour)."""
    name: str
    """The kind as ``protocol.yaml`` and ``results.json`` write it."""
    words: str
    """What it pools, in words (the schema's description)."""
    reads_comparisons: bool
    """Rows are reported ratios (``comparisons[]``), not proportions (``outcomes[]``)."""
    contrasts_proportions: bool = False
    """Each report's effect is a within-report ratio of two proportions (levels or arms)."""
    takes_levels: bool = False
    """Rows are read for the two levels of the comparison's factor (not whole arms)."""
    spans_arms: bool = False
    """A reported ratio compares arms (the second HCT vs an alternative), not levels within the second-HCT arm."""
    non_randomised: bool = False
    """A comparison of the second HCT with an alternative: never read as the effect of the choice."""
    factor_kind: bool = False
    """A prognostic factor among recipients of a second HCT (the summary's factor section)."""
    default_measure: DefaultMeasure = "proportion"
    """``proportion``: the protocol's ``defaults.measure``; ``ratio``: ``defaults.ratio_measure``; ``contrast``: OR;
    ``raw``: untransformed proportions (PR), the input of a model of its own (the summary survival curve)."""
    every_time: bool = False
    """Every time point a report prints inside the window enters (not only the earliest)."""
    own_model: bool = False
    """Pooled by a model of its own (its behaviour module), not one number per report."""
    record_field: str = "analyses"
    """The list of the results document (``results.json``) its records are stored in."""
    needs_time: bool = True
    needs: tuple[str, ...] = ()
    """Protocol fields the kind requires (beside outcomes and population)."""
    needs_words: str = ""
    """Those fields in words, for the error when one is missing."""
    forbids: tuple[str, ...] = ()
    """Protocol fields the kind does not take."""
    grade_start: Literal["high", "low"] = "high"
    """GRADE's starting level for the kind's question: overall prognosis (survival proportions and curves)
    and prognostic factors start cohort evidence at high (Iorio A, et al. BMJ 2015;350:h870; Foroutan F,
    et al. J Clin Epidemiol 2020;121:62-70); a non-randomised comparison of interventions starts at low
    (Balshem H, et al. J Clin Epidemiol 2011;64:401-406; high only when judged with ROBINS-I)."""

    @property
    def grade_question(self) -> str:
        """The question GRADE rates (its key in ``defaults.certainty.start``)."""
        return "comparison" if self.non_randomised else "prognostic_factor" if self.factor_kind else "overall_prognosis"

    @property
    def pools_proportions(self) -> bool:
        """Each report's row is itself the pooled quantity (a proportion), not a contrast."""
        return not self.reads_comparisons and not self.contrasts_proportions and not self.own_model


PROPORTION = KindForm(
    "proportion", "proportion", "pooled survival (or another proportion) at a time point",
    reads_comparisons=False, forbids=("comparison",),
)  # fmt: skip
FACTOR_RATIO = KindForm(
    "factor_ratio", "factor_ratio", "reported HR/RR/OR of a factor contrast", reads_comparisons=True,
    factor_kind=True, default_measure="ratio", needs_time=False, needs=("comparison",),
    needs_words="a comparison (factor, level, reference_level)",
)  # fmt: skip
FACTOR_LEVELS = KindForm(
    "factor_levels", "factor_levels",
    "within-report odds or risk ratio of two levels' proportions at a time point, plus per-level pooled proportions",
    reads_comparisons=False, contrasts_proportions=True, takes_levels=True, factor_kind=True,
    default_measure="contrast", needs=("comparison",), needs_words="a comparison (factor, level, reference_level)",
)  # fmt: skip
_EITHER = "either alternative (arm estimates) or comparison (reported ratios)"
VERSUS_ARMS = KindForm(
    "versus_arms", "versus_alternative", "second HCT vs a comparator from the two arms' proportions",
    reads_comparisons=False, contrasts_proportions=True, non_randomised=True, default_measure="contrast",
    needs=("alternative",), needs_words=_EITHER, forbids=("comparison",), grade_start="low",
)  # fmt: skip
VERSUS_RATIOS = KindForm(
    "versus_ratios", "versus_alternative", "second HCT vs a comparator from reported ratios", reads_comparisons=True,
    spans_arms=True, non_randomised=True, default_measure="ratio", needs_time=False, needs=("comparison",),
    needs_words=_EITHER, grade_start="low",
)  # fmt: skip

SURVIVAL_CURVE = KindForm(
    "survival_curve", "survival_curve",
    "a summary survival curve from every time point each report prints in the window (Arends et al. 2008)",
    reads_comparisons=False, default_measure="raw", every_time=True, own_model=True,
    forbids=("comparison", "subgroup", "measure", "method", "test", "subgroup_factors", "sensitivity", "thresholds", "batch"),
    record_field="curves",
)  # fmt: skip

#: Every form, by its own name.
KINDS: dict[str, KindForm] = {
    k.form: k for k in (PROPORTION, FACTOR_RATIO, FACTOR_LEVELS, VERSUS_ARMS, VERSUS_RATIOS, SURVIVAL_CURVE)
}
#: The kinds ``protocol.yaml`` may name (``kind:``), in the schema's order.
KIND_NAMES: tuple[str, ...] = tuple(dict.fromkeys(k.name for k in KINDS.values()))
#: Each kind ``protocol.yaml`` may name, in words (the schema's description): its forms' words.
KIND_WORDS: dict[str, str] = {name: "; or ".join(k.words for k in KINDS.values() if k.name == name) for name in KIND_NAMES}


#: The lists of the results document the kinds' records are stored in.
RECORD_FIELDS: tuple[str, ...] = tuple(dict.fromkeys(k.record_field for k in KINDS.values()))


def forms_named(name: str) -> tuple[KindForm, ...]:
    """The forms of a kind as ``results.json`` names it (two for versus_alternative)."""
    return tuple(k for k in KINDS.values() if k.name == name)


def form_named(name: str, reads_comparisons: bool) -> KindForm:
    """The form of a recorded analysis: its kind's name and whether its rows are reported ratios."""
    forms = forms_named(name)
    return next((k for k in forms if k.reads_comparisons == reads_comparisons), forms[0])
