"""The registry of pooling methods and the one place a model is fitted: :func:`fit`.

Every analysis (the review's primary analyses, leave-one-out, cumulative, subgroups,
sensitivity analyses, ``secondhct pool``, ``secondhct forest --csv`` and the notebook API)
calls :func:`fit` with a method name from :data:`METHODS`.  A method is one registered
class with its name, its words, what it needs (counts for the GLMM) and what it gives
(study weights, a Q-profile CI for tau^2); what a method cannot give is ``None`` in its
result type, never a stand-in.

Importing this module is cheap (no numpy or scipy): the CLI reads the registry for its
choices and help texts; the statistics are imported when a model is fitted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias

from ..errors import PoolingError
from .inference import check_test

if TYPE_CHECKING:
    from .bayes import BayesResult
    from .pooling import PooledResult

#: What a method returns: a frequentist fit (:class:`~secondhct.stats.pooling.PooledResult`)
#: or a posterior summary (:class:`~secondhct.stats.bayes.BayesResult`). A string at run
#: time, so that importing it costs nothing.
ModelFit: TypeAlias = "PooledResult | BayesResult"



@dataclass(frozen=True)
class EffectData:
    """The studies of one model: ``yi``/``vi`` on the analysis scale of ``measure``, and the
    counts ``xi``/``ni`` when every study gave them (``ni`` alone: sample sizes, for PFT)."""

    yi: Sequence[float]
    vi: Sequence[float]
    measure: str
    xi: Sequence[float] | None = None
    ni: Sequence[float] | None = None

    @property
    def k(self) -> int:
        return len(self.yi)

    def subset(self, keep: Sequence[bool]) -> EffectData:
        """The studies where ``keep`` is true."""

        def pick(values: Sequence[float] | None) -> tuple[float, ...] | None:
            return None if values is None else tuple(v for v, k in zip(values, keep) if k)

        return EffectData(pick(self.yi) or (), pick(self.vi) or (), self.measure, pick(self.xi), pick(self.ni))


@dataclass(frozen=True)
class FitOptions:
    """Options every method reads: the test, the CI level, and whether an iterative
    tau^2 estimator that does not converge may fall back to DerSimonian-Laird (noted), as
    metafor's ``method = c("REML", "DL")``.  ``params`` holds method-specific settings
    (e.g. a prior), validated by the method."""

    test: str = "adhoc"
    level: float = 0.95
    fallback: bool = True
    params: tuple[tuple[str, Any], ...] = field(default=())

    def param(self, name: str, default: Any = None) -> Any:
        return dict(self.params).get(name, default)


class PoolingMethod:
    """A registered pooling method (subclass, set the class attributes, implement :meth:`fit`)."""

    name: ClassVar[str]
    words: ClassVar[str]
    needs_counts: ClassVar[bool] = False
    citation: ClassVar[str] = ""
    """The method's source, as the summary's methods paragraph cites it ("" when none is needed)."""

    def fit(self, data: EffectData, options: FitOptions) -> ModelFit:
        raise NotImplementedError


METHODS: dict[str, PoolingMethod] = {}


def register(cls: type[PoolingMethod]) -> type[PoolingMethod]:
    """Class decorator: add a method to :data:`METHODS` under its ``name``."""
    if cls.name in METHODS:
        raise ValueError(f"pooling method {cls.name} registered twice")
    METHODS[cls.name] = cls()
    return cls


def get_method(name: str) -> PoolingMethod:
    if name not in METHODS:
        raise PoolingError(f"unknown method {name!r}; allowed: {', '.join(METHODS)}")
    return METHODS[name]


def fitted_measure(method: str, measure: str) -> str:
    """The scale a method's result is on: a model of counts (the GLMM) pools logits."""
    return "PLO" if get_method(method).needs_counts else measure


def fit(method: str, data: EffectData, options: FitOptions | None = None) -> ModelFit:
    """Fit ``method`` (a name in :data:`METHODS`) to ``data``: the one entry point."""
    m = get_method(method)
    opts = options or FitOptions()
    check_test(opts.test)
    if m.needs_counts and (data.xi is None or data.ni is None):
        raise PoolingError(f"{m.words} needs events and totals (xi, ni) for every study")
    return m.fit(data, opts)


# ---- inverse-variance models: metafor rma.uni with one of nine tau^2 estimators ---------


class InverseVariance(PoolingMethod):
    """``rma.uni(yi, vi, method=<name>, test=...)``: see :func:`secondhct.stats.pooling.pool`."""

    iterative: ClassVar[bool] = False

    def fit(self, data: EffectData, options: FitOptions) -> PooledResult:
        from .pooling import pool

        methods = (self.name, "DL") if self.iterative and options.fallback else (self.name,)
        return pool(data.yi, data.vi, method=methods, test=options.test, level=options.level)  # type: ignore[arg-type]


def _inverse_variance(code: str, words: str, citation: str, *, iterative: bool = False) -> None:
    attributes = {"name": code, "words": words, "iterative": iterative, "citation": citation}
    register(type(f"Method{code}", (InverseVariance,), attributes))


_inverse_variance("REML", "REML", "Viechtbauer 2005, J Educ Behav Stat 30:261-293", iterative=True)
_inverse_variance("DL", "DerSimonian-Laird", "DerSimonian & Laird 1986, Control Clin Trials 7:177-188")
_inverse_variance("ML", "ML", "Viechtbauer 2005, J Educ Behav Stat 30:261-293", iterative=True)
_inverse_variance("PM", "Paule-Mandel", "Paule & Mandel 1982, J Res Natl Bur Stand 87:377-385", iterative=True)
_inverse_variance("HS", "Hunter-Schmidt", "Hunter & Schmidt 2004, Methods of Meta-Analysis, 2nd ed.")
_inverse_variance("SJ", "Sidik-Jonkman", "Sidik & Jonkman 2005, J R Stat Soc C 54:367-384")
_inverse_variance("HE", "Hedges", "Hedges & Olkin 1985, Statistical Methods for Meta-Analysis")
_inverse_variance("EB", "empirical Bayes", "Morris 1983, J Am Stat Assoc 78:47-55", iterative=True)
_inverse_variance("EE", "common effect (inverse variance)", "")


@register
class BinomialNormal(PoolingMethod):
    """``rma.glmm(measure="PLO")``: the binomial-normal model on the logit scale.

    It has no study weights (``weights`` is None); tau^2 has no Q-profile CI.
    """

    name = "GLMM"
    words = "binomial-normal GLMM"
    needs_counts = True

    def fit(self, data: EffectData, options: FitOptions) -> PooledResult:
        from dataclasses import replace

        from .glmm import glmm_pool
        from .pooling import pool

        if data.measure != "PLO":
            raise PoolingError(f"the GLMM pools logits (measure PLO), not {data.measure}")
        assert data.xi is not None and data.ni is not None
        try:
            return glmm_pool(data.xi, data.ni, test=options.test, level=options.level)
        except PoolingError as exc:
            if not options.fallback:
                raise
            res = pool(data.yi, data.vi, method="DL", test=options.test, level=options.level)
            return replace(res, notes=(*res.notes, f"GLMM not fitted ({exc}); DerSimonian-Laird used instead"))


@register
class Bayesian(PoolingMethod):
    """The Bayesian normal-normal hierarchical model (as R's bayesmeta), by quadrature over tau.

    Parameters (``FitOptions.params``): ``tau_prior`` (required, e.g. ``halfnormal:0.5``),
    ``mu_prior`` (``flat``, the default, or ``normal:MEAN,SD``), ``thresholds`` (values of
    mu on the analysis scale for posterior probabilities).  No study weights and no
    frequentist test: ``options.test`` does not apply.  See :mod:`secondhct.stats.bayes`.
    """

    name = "BAYES"
    words = "Bayesian random-effects"

    def fit(self, data: EffectData, options: FitOptions) -> ModelFit:
        from .bayes import bayes_pool

        tau_prior = options.param("tau_prior")
        if not tau_prior:
            raise PoolingError("BAYES needs a prior for tau, e.g. --tau-prior halfnormal:0.5")
        return bayes_pool(
            tuple(data.yi), tuple(data.vi), tau_prior=tau_prior, mu_prior=options.param("mu_prior") or "flat",
            level=options.level, thresholds=tuple(options.param("thresholds") or ()),
        )  # fmt: skip
