"""Synthesis without meta-analysis of prognostic factors: vote counting on the direction of effect,
and within-report contrasts of two levels' survival on the log cumulative-hazard scale.

Vote counting counts reports by the *direction* of their estimate, never by its significance
(Cochrane Handbook, ch. 12.2.2; McKenzie & Brennan 2019; the SWiM guideline: Campbell M et al.
BMJ 2020;368:l6890; METHODS.md section 9): the proportion of reports favouring one level, its
Wilson score interval, and the two-sided exact sign test of "half the reports favour each level".

Level contrasts: two levels' survival S_a, S_b at one time point compare as
log(-log S_a) - log(-log S_b), the log cumulative-hazard ratio, which equals the log hazard ratio
under proportional hazards and so is stable across 1-5 years where the odds ratio is not
(Royston & Parmar, Stat Med 2002;21:2175-97). Pure functions; no input is read here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import binom, norm

#: R's binom.test counts outcomes as extreme as the observed one up to this relative error.
_RELATIVE_ERROR = 1 + 1e-7


def sign_test(favouring: int, total: int) -> float:
    """Two-sided exact sign test: P(a split at least as uneven as ``favouring`` of ``total``) under p = 1/2.

    The binomial test of R's ``binom.test(favouring, total, p = 0.5)``: the sum of the binomial
    probabilities d(i) <= d(favouring) (1 + 1e-7), capped at 1 (Conover, Practical
    Nonparametric Statistics, 3rd ed., 1999, section 3.4; Cochrane Handbook 12.4.2.3).
    """
    _check_counts(favouring, total)
    if total == 0:
        return 1.0
    d = binom.pmf(range(total + 1), total, 0.5)
    observed = d[favouring]
    return float(min(1.0, sum(x for x in d if x <= observed * _RELATIVE_ERROR)))


def wilson_interval(favouring: int, total: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion x/n (R's ``prop.test(x, n, correct = FALSE)$conf.int``).

    (p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n), with z the normal quantile
    (1 + level)/2; the bound is exactly 0 at x = 0 and 1 at x = n, as in R (Wilson EB, J Am Stat
    Assoc 1927;22:209-12; Newcombe RG, Stat Med 1998;17:857-72, method 3).
    """
    _check_counts(favouring, total)
    if total == 0:
        raise ValueError("a proportion of 0 reports has no interval")
    p, n = favouring / total, total
    z = float(norm.ppf((1 + level) / 2))
    z22n = z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z22n / (2 * n))
    lower = 0.0 if p <= 0 else (p + z22n - half) / (1 + 2 * z22n)
    upper = 1.0 if p >= 1 else (p + z22n + half) / (1 + 2 * z22n)
    return max(lower, 0.0), min(upper, 1.0)


@dataclass(frozen=True)
class VoteCount:
    """Reports whose estimate points one way (``favouring``) out of those with a direction (``total``)."""

    favouring: int
    total: int
    proportion: float
    ci_lb: float
    ci_ub: float
    sign_test_p: float


def vote_count(favouring: int, total: int, level: float = 0.95) -> VoteCount:
    """The proportion favouring, its Wilson interval and the two-sided sign test (Cochrane Handbook 12.4.2.3)."""
    lower, upper = wilson_interval(favouring, total, level)
    return VoteCount(favouring, total, favouring / total, lower, upper, sign_test(favouring, total))


def _check_counts(favouring: int, total: int) -> None:
    if total < 0 or not 0 <= favouring <= total:
        raise ValueError(f"cannot count {favouring} of {total} reports")


@dataclass(frozen=True)
class LogCumulativeHazard:
    """y = log(-log S) and its variance; ``binomial`` when the variance comes from n, not a printed SE."""

    y: float
    v: float
    binomial: bool


def log_cumulative_hazard(s: float, se: float | None = None, n: int | None = None) -> LogCumulativeHazard:
    """log(-log S) with the delta-method variance Var(S) / (S log S)^2.

    Var(S) is the printed SE squared, else the binomial S(1 - S)/n (flagged: it ignores censoring
    and so understates the variance of a Kaplan-Meier estimate; Collett, Modelling Survival Data in
    Medical Research, 3rd ed., 2015, section 2.2). S is a proportion strictly between 0 and 1.
    """
    if not 0 < s < 1:
        raise ValueError(f"survival {s} is not strictly between 0 and 1: log(-log S) is undefined")
    if se is not None:
        if se <= 0:
            raise ValueError(f"standard error {se} is not positive")
        var_s, binomial = se * se, False
    elif n is not None and n > 0:
        var_s, binomial = s * (1 - s) / n, True
    else:
        raise ValueError("neither a standard error nor a number of patients: no variance")
    return LogCumulativeHazard(math.log(-math.log(s)), var_s / (s * math.log(s)) ** 2, binomial)


def log_cumulative_hazard_ratio(a: LogCumulativeHazard, b: LogCumulativeHazard) -> tuple[float, float]:
    """log(-log S_a) - log(-log S_b) and its variance (the two levels are independent groups): the
    log cumulative-hazard ratio of level a vs level b, > 0 when a does worse."""
    return a.y - b.y, a.v + b.v
