"""secondhct's Bayesian random-effects model against R's bayesmeta, and its own properties.

Reference values: ``tests/reference/bayesmeta_reference.json``, written by
``tests/reference/make_bayesmeta_reference.R`` (options, grid and tolerances:
``tests/reference/BAYESMETA.md``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, stats

import secondhct.stats.bayes as bayes
from secondhct.errors import PoolingError
from secondhct.stats.bayes import (
    FLAT,
    HalfCauchy,
    HalfNormal,
    LogNormal,
    MuPrior,
    Uniform,
    bayes_pool,
    parse_mu_prior,
    parse_tau_prior,
)
from secondhct.stats.escalc import escalc_proportions, ratio_from_ci
from secondhct.stats.pooling import pool

REFERENCE_DIR = Path(__file__).parents[1] / "reference"
REFERENCE_JSON = REFERENCE_DIR / "bayesmeta_reference.json"
REFERENCE_SCRIPT = REFERENCE_DIR / "make_bayesmeta_reference.R"

#: bayesmeta (delta = 1e-5) approximates the mu / theta posteriors by a finite normal
#: mixture whose quantiles and moments are ~1e-6 from the exact ones (tau's come from
#: integrate(), ~1e-10); secondhct's quadrature is ~1e-10.  1e-4 leaves a wide margin.
RTOL = 1e-4
#: Absolute floor for values near 0 (a credible bound of a log HR near 0, a small
#: probability): the mixture error is absolute, ~1e-6 of the posterior SD (SDs here are
#: 0.05-2 on the log / logit scale), so 1e-5 is still an order of magnitude above it.
ATOL = 1e-5
#: Regenerating the JSON with the same R and bayesmeta must reproduce it to rounding.
RTOL_REGENERATE = 1e-9

#: bayesmeta's mixture stops at the 1 - epsilon quantile of tau.  With a half-Cauchy prior
#: and k = 3 (flat mu prior) the posterior of tau decays only as tau^-4, so Var(mu) loses
#: ~0.5% in that tail (bayesmeta's SD is that of the truncated mixture, reproduced in
#: test_heavy_tail_sd_is_the_exact_one).  Compared at TRUNCATED_RTOL, ours must be larger.
TRUNCATED = {("k3/prop/halfcauchy:0.5/flat", "mu_sd")}
TRUNCATED_RTOL = 5e-3

SCALARS = ("mu_median", "mu_mean", "mu_sd", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau", "tau_lb", "tau_ub", "tau_mean")
VECTORS = ("theta_mean", "theta_sd", "theta_lb", "theta_ub", "mean_weights")  # mean_weights: bayesmeta's $weights
KS = {1, 2, 3, 6, 13}
TAU_PRIORS = {"halfnormal:0.5", "halfnormal:1", "halfcauchy:0.5", "uniform:2", "lognormal:-1.07,0.8"}
MU_PRIORS = {"flat", "normal:0,4"}
DATASETS = {"prop", "ratio"}


def _load() -> dict:
    with REFERENCE_JSON.open(encoding="utf-8") as fh:
        return json.load(fh)


REF = _load()


def _fit(case: dict) -> bayes.BayesResult:
    ds = REF["datasets"][case["dataset"]]
    k = case["k"]
    return bayes_pool(ds["yi"][:k], ds["vi"][:k], tau_prior=case["tau_prior"], mu_prior=case["mu_prior"],
                      level=REF["level"], thresholds=(case["threshold"],))  # fmt: skip


def test_reference_covers_every_k_and_prior_family() -> None:
    cases = REF["cases"].values()
    assert {c["k"] for c in cases} == KS
    assert {c["tau_prior"] for c in cases} == TAU_PRIORS
    assert {c["mu_prior"] for c in cases} == MU_PRIORS
    assert {c["dataset"] for c in cases} == DATASETS
    assert REF["source"]["delta"] == 1e-5 and REF["source"]["epsilon"] == 1e-7


def test_reference_datasets_are_the_projects_effect_sizes() -> None:
    prop, ratio = REF["datasets"]["prop"], REF["datasets"]["ratio"]
    yi, vi, _ = escalc_proportions("PLO", prop["xi"], prop["ni"])
    np.testing.assert_allclose(yi, prop["yi"], rtol=1e-12)
    np.testing.assert_allclose(vi, prop["vi"], rtol=1e-12)
    es = [ratio_from_ci(e, lo, up, "HR") for e, lo, up in zip(ratio["hr_est"], ratio["hr_lower"], ratio["hr_upper"])]
    np.testing.assert_allclose([e.yi for e in es], ratio["yi"], rtol=1e-12)
    np.testing.assert_allclose([e.vi for e in es], ratio["vi"], rtol=1e-12)


@pytest.mark.parametrize("case_id", sorted(REF["cases"]))
def test_bayes_pool_matches_bayesmeta(case_id: str) -> None:
    case = REF["cases"][case_id]
    res = _fit(case)
    assert res.k == case["k"]
    for name in SCALARS:
        got = getattr(res, name)
        if got is None:  # a moment that does not exist; bayesmeta's comes from a truncated mixture
            assert any("does not exist" in n for n in res.notes), name
            continue
        if (case_id, name) in TRUNCATED:
            assert case[name] < got < case[name] * (1 + TRUNCATED_RTOL), name
            continue
        np.testing.assert_allclose(got, case[name], rtol=RTOL, atol=ATOL, err_msg=name)
    for name in VECTORS:
        np.testing.assert_allclose(getattr(res, name), case[name], rtol=RTOL, atol=ATOL, err_msg=name)
    np.testing.assert_allclose(res.prob_above, [case["prob_above"]], rtol=RTOL, atol=ATOL, err_msg="prob_above")
    assert not any("quadrature" in n for n in res.notes)


def _compare(a: object, b: object, path: str = "") -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), path
        for key in a:
            _compare(a[key], b[key], f"{path}/{key}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _compare(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, (int, float)):
        assert math.isclose(a, b, rel_tol=RTOL_REGENERATE, abs_tol=1e-300), f"{path}: {a} != {b}"
    else:
        assert a == b, path


@pytest.mark.slow
@pytest.mark.metafor
@pytest.mark.timeout(1500)  # bayesmeta at delta = 1e-5 takes minutes
def test_reference_json_regenerates(tmp_path: Path) -> None:
    """The committed JSON is what the committed R script produces (to 1e-9)."""
    from reference_scripts import regenerate

    _compare(regenerate(REFERENCE_SCRIPT, tmp_path / "bayesmeta_reference.json", needs_env="BAYESMETA_SRC", timeout=1200), REF)


# ---- priors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("halfnormal:0.5", HalfNormal(0.5)),
        (" HalfCauchy : 1 ", HalfCauchy(1.0)),
        ("uniform:2", Uniform(2.0)),
        ("lognormal:-1.07,0.8", LogNormal(-1.07, 0.8)),
        ("lognormal: -1.07, 0.8", LogNormal(-1.07, 0.8)),
    ],
)
def test_parse_tau_prior(text: str, expected: bayes.TauPrior) -> None:
    assert parse_tau_prior(text) == expected


def test_parse_mu_prior() -> None:
    assert parse_mu_prior("flat") == FLAT == MuPrior()
    assert parse_mu_prior("Normal:0, 4") == MuPrior(0.0, 4.0)


@pytest.mark.parametrize(
    "text", ["", "halfnormal", "halfnormal:", "halfnormal:a", "halfnormal:1,2", "gamma:1", "lognormal:1", "uniform:inf"]
)
def test_bad_tau_prior_names_the_allowed_forms(text: str) -> None:
    with pytest.raises(PoolingError, match="allowed forms: halfnormal:SCALE, halfcauchy:SCALE"):
        parse_tau_prior(text)


@pytest.mark.parametrize("text", ["halfnormal:0", "halfcauchy:-1", "uniform:0", "lognormal:0,0"])
def test_nonpositive_tau_prior_scale_is_refused(text: str) -> None:
    with pytest.raises(PoolingError, match="must be positive"):
        parse_tau_prior(text)


@pytest.mark.parametrize("text", ["", "normal", "normal:0", "normal:0,a", "flat:1", "cauchy:0,1"])
def test_bad_mu_prior_names_the_allowed_forms(text: str) -> None:
    with pytest.raises(PoolingError, match="allowed forms: flat, normal:MEAN,SD"):
        parse_mu_prior(text)


def test_nonpositive_mu_prior_sd_is_refused() -> None:
    with pytest.raises(PoolingError, match="must be positive"):
        parse_mu_prior("normal:0,0")


# ---- properties ----------------------------------------------------------------------

Y = np.array([-0.9, -0.2, 0.3, -1.4, -0.5, 0.1])
V = np.array([0.12, 0.05, 0.2, 0.3, 0.08, 0.15])


def test_tight_tau_prior_gives_the_common_effect_estimate() -> None:
    ee = pool(Y, V, method="EE", test="z")
    res = bayes_pool(Y, V, tau_prior="uniform:1e-6")
    z = stats.norm.isf(0.025)
    for got, want in [(res.mu_mean, ee.estimate), (res.mu_median, ee.estimate), (res.mu_sd, ee.se),
                      (res.ci_lb, ee.estimate - z * ee.se), (res.ci_ub, ee.estimate + z * ee.se),
                      (res.pi_lb, ee.estimate - z * ee.se), (res.pi_ub, ee.estimate + z * ee.se)]:  # fmt: skip
        assert got == pytest.approx(want, rel=1e-6)
    assert res.tau_ub < 1e-6


@pytest.mark.parametrize("prior", sorted(TAU_PRIORS))
@pytest.mark.parametrize("mu_prior", ["flat", "normal:0,4"])
def test_symmetric_data_give_probability_one_half_at_the_centre(prior: str, mu_prior: str) -> None:
    y, v = np.array([-1.0, -0.3, 0.3, 1.0]), np.array([0.2, 0.1, 0.1, 0.2])
    res = bayes_pool(y, v, tau_prior=prior, mu_prior=mu_prior, thresholds=(0.0, 0.5))
    assert res.prob_above[0] == pytest.approx(0.5, abs=1e-12)
    assert abs(res.mu_median) < 1e-10 and res.mu_mean == pytest.approx(0.0, abs=1e-12)
    assert res.ci_lb == pytest.approx(-res.ci_ub, rel=1e-10) and res.pi_lb == pytest.approx(-res.pi_ub, rel=1e-10)
    assert res.prob_above[1] < 0.5
    np.testing.assert_allclose(res.theta_mean, -np.array(res.theta_mean[::-1]), atol=1e-12)


@pytest.mark.parametrize("case_id", sorted(REF["cases"]))
def test_prediction_interval_is_wider_than_the_credible_interval(case_id: str) -> None:
    res = _fit(REF["cases"][case_id])
    assert res.pi_lb < res.ci_lb < res.mu_median < res.ci_ub < res.pi_ub
    assert res.tau_lb < res.tau < res.tau_ub


@pytest.mark.parametrize(
    ("prior", "median"),
    [("halfnormal:0.5", 0.5 * stats.norm.ppf(0.75)), ("halfcauchy:1", 1.0), ("uniform:2", 1.0),
     ("lognormal:-1.07,0.8", math.exp(-1.07))],
)  # fmt: skip
def test_k1_works_and_its_tau_posterior_is_the_prior(prior: str, median: float) -> None:
    res = bayes_pool([0.4], [0.05], tau_prior=prior, thresholds=(0.4,))
    assert res.k == 1 and res.tau == pytest.approx(median, rel=1e-9)
    assert res.mu_median == pytest.approx(0.4, abs=1e-12) and res.prob_above[0] == pytest.approx(0.5, abs=1e-12)
    assert res.ci_lb < 0.4 - 1.96 * math.sqrt(0.05) and res.theta_mean[0] == pytest.approx(0.4, abs=1e-12)
    if prior.startswith("halfcauchy"):  # Cauchy-like tails: no mean of tau or mu
        assert res.tau_mean is None and res.mu_mean is None and res.mu_sd is None and res.notes
    else:
        assert res.mu_sd is not None and res.mu_sd > math.sqrt(0.05)


def test_heavy_tails_moments_that_do_not_exist_are_none() -> None:
    res = bayes_pool(Y[:2], V[:2], tau_prior="halfcauchy:0.5")
    assert res.mu_mean is not None and res.tau_mean is not None and res.mu_sd is None
    assert any("SD of mu does not exist" in n for n in res.notes)
    res = bayes_pool(Y[:2], V[:2], tau_prior="halfcauchy:0.5", mu_prior="normal:0,4")
    assert res.mu_sd is not None and not res.notes


def _adaptive_mu_sd(y: np.ndarray, v: np.ndarray, scale: float, upper: float) -> float:
    """Posterior SD of mu (flat prior, half-Cauchy tau prior) by scipy's adaptive quad on [0, upper)."""

    def parts(t: float) -> tuple[float, float, float]:
        w = 1 / (v + t * t)
        m = float(w @ y / w.sum())
        loglik = -0.5 * (np.log(v + t * t).sum() + np.log(w.sum()) + float(w @ (y - m) ** 2))
        return math.exp(loglik) / (1 + (t / scale) ** 2), m, 1 / float(w.sum())

    def integral(f: object) -> float:
        cuts = [0.0] + [c for c in (1.0, 10.0, 100.0, 1e3, 1e4) if c < upper] + [upper]
        return sum(integrate.quad(lambda t: f(*parts(t)), a, b, epsabs=0, epsrel=1e-12, limit=500)[0]  # type: ignore[operator]
                   for a, b in zip(cuts[:-1], cuts[1:]))  # fmt: skip

    z = integral(lambda d, m, s2: d)
    mean = integral(lambda d, m, s2: d * m) / z
    return math.sqrt(integral(lambda d, m, s2: d * (s2 + (m - mean) ** 2)) / z)


def test_heavy_tail_sd_is_the_exact_one() -> None:
    """The TRUNCATED exception: ours is the exact SD, bayesmeta's that of its truncated mixture."""
    case_id = "k3/prop/halfcauchy:0.5/flat"
    case, ds = REF["cases"][case_id], REF["datasets"]["prop"]
    y, v = np.array(ds["yi"][:3]), np.array(ds["vi"][:3])
    assert _fit(case).mu_sd == pytest.approx(_adaptive_mu_sd(y, v, 0.5, math.inf), rel=1e-8)
    # bayesmeta's grid ends where P(tau > t | y) = epsilon = 1e-7, i.e. at secondhct's quantile
    grid = bayes._tau_grid(y, v, HalfCauchy(0.5), FLAT)[0]
    t_max = float(bayes._tau_quantiles(grid, np.array([1 - REF["source"]["epsilon"]]))[0])
    assert _adaptive_mu_sd(y, v, 0.5, t_max) == pytest.approx(case["mu_sd"], rel=RTOL)


def test_quadrature_is_converged(monkeypatch: pytest.MonkeyPatch) -> None:
    """Quarter-width panels with twice the nodes change nothing beyond 1e-9."""
    cases = [(Y, V * 0.01, "halfnormal:5"), (Y, V, "halfcauchy:0.05"), (Y[:1], V[:1], "lognormal:-1.07,0.8")]
    fields = SCALARS + VECTORS + ("prob_above",)

    def values(y: np.ndarray, v: np.ndarray, prior: str) -> np.ndarray:
        res = bayes_pool(y, v, tau_prior=prior, mu_prior="normal:0,4", thresholds=(-0.3,))
        return np.hstack([getattr(res, f) for f in fields]).astype(float)

    default = [values(*c) for c in cases]
    monkeypatch.setattr(bayes, "PANEL_WIDTH", 0.25)
    monkeypatch.setattr(bayes, "MIN_PANELS", 32)
    monkeypatch.setattr(bayes, "NODES", 32)
    for want, c in zip(default, cases):
        np.testing.assert_allclose(values(*c), want, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"level": 1.0}, "level"), ({"thresholds": (float("nan"),)}, "thresholds"), ({"tau_prior": "gamma:1"}, "allowed")],
)
def test_bad_arguments_are_refused(kwargs: dict, match: str) -> None:
    args = {"tau_prior": "halfnormal:0.5", **kwargs}
    with pytest.raises(PoolingError, match=match):
        bayes_pool(Y, V, **args)


def test_nonpositive_variance_is_refused() -> None:
    with pytest.raises(PoolingError, match="not positive"):
        bayes_pool([0.1, 0.2], [0.1, 0.0], tau_prior="halfnormal:0.5")


@pytest.mark.parametrize("case_id", sorted(REF["cases"]))
def test_posterior_mean_weights_give_the_posterior_mean(case_id: str) -> None:
    """E[mu | y] = sum_i omega_i y_i (+ the prior's share of its mean): the weights a forest plot shows are
    the reports' shares of the posterior mean (an identity of the model, checked to 1e-10)."""
    case = REF["cases"][case_id]
    res = _fit(case)
    yi = np.array(REF["datasets"][case["dataset"]]["yi"][: case["k"]])
    weights = np.array(res.mean_weights)
    prior_mean = 0.0  # normal:0,4 has mean 0, so its share adds nothing to the sum
    if res.mu_mean is not None:
        assert float(weights @ yi) + (1 - weights.sum()) * prior_mean == pytest.approx(res.mu_mean, rel=1e-10, abs=1e-12)
    if case["mu_prior"] == "flat":
        assert weights.sum() == pytest.approx(1.0, abs=1e-12)
    else:
        assert 0 < weights.sum() < 1
