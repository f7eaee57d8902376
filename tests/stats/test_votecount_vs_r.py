"""Vote counting and log cumulative-hazard contrasts against R (``binom.test``, ``prop.test(correct =
FALSE)``, metafor ``rma``): reference values from ``tests/reference/make_votecount_reference.R``."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from secondhct.stats.pooling import pool
from secondhct.stats.votecount import (
    log_cumulative_hazard,
    log_cumulative_hazard_ratio,
    sign_test,
    vote_count,
    wilson_interval,
)

HERE = Path(__file__).resolve().parents[1] / "reference"
SCRIPT = HERE / "make_votecount_reference.R"
REF = json.loads((HERE / "votecount_reference.json").read_text(encoding="utf-8"))
RTOL_EXACT = 1e-10
RTOL_POOLED = 1e-6


@pytest.mark.parametrize("case", REF["votes"], ids=lambda c: f"{int(c['x'])}of{int(c['n'])}")
def test_sign_test_and_wilson_interval_equal_r(case: dict) -> None:
    x, n = int(case["x"]), int(case["n"])
    assert sign_test(x, n) == pytest.approx(case["sign_p"], rel=RTOL_EXACT)
    assert wilson_interval(x, n) == pytest.approx(tuple(case["wilson"]), rel=RTOL_EXACT, abs=1e-15)
    assert wilson_interval(x, n, 0.90) == pytest.approx(tuple(case["wilson90"]), rel=RTOL_EXACT, abs=1e-15)


def test_fifteen_of_fifteen_reports() -> None:
    vote = vote_count(15, 15)
    assert (vote.favouring, vote.total, vote.proportion) == (15, 15, 1.0)
    assert vote.sign_test_p == pytest.approx(2 / 2**15, rel=1e-12)
    assert vote.ci_ub == 1.0 and vote.ci_lb == pytest.approx(0.79611669896415138, rel=RTOL_EXACT)


@pytest.mark.parametrize(("x", "n"), [(-1, 3), (4, 3)])
def test_impossible_counts_are_refused(x: int, n: int) -> None:
    with pytest.raises(ValueError, match="cannot count"):
        sign_test(x, n)


def _levels() -> tuple[list[float], list[float], list[bool]]:
    lv = REF["levels"]
    yi, vi, binomial = [], [], []
    for i in range(len(lv["sa"])):
        rows = []
        for s, se, n in (("sa", "sea", "na"), ("sb", "seb", "nb")):
            se_i, n_i = lv[se][i], lv[n][i]
            rows.append(log_cumulative_hazard(lv[s][i] / 100, se=None if se_i is None else se_i / 100,
                                              n=None if n_i is None else int(n_i)))
        y, v = log_cumulative_hazard_ratio(*rows)
        yi.append(y), vi.append(v), binomial.append(rows[0].binomial)
    return yi, vi, binomial


def test_log_cumulative_hazard_contrasts_equal_r() -> None:
    yi, vi, binomial = _levels()
    assert yi == pytest.approx(REF["levels"]["yi"], rel=1e-12)
    assert vi == pytest.approx(REF["levels"]["vi"], rel=1e-12)
    assert binomial == [True, True, False, True, False]


@pytest.mark.parametrize("name", ["REML_adhoc", "REML_z", "DL_z"])
def test_pooled_log_cumulative_hazard_ratio_equals_metafor(name: str) -> None:
    yi, vi, _ = _levels()
    method, test = name.split("_")
    fit, ref = pool(yi, vi, method=method, test=test), REF["levels"]["fits"][name]  # type: ignore[arg-type]
    for ours, theirs in [(fit.estimate, "estimate"), (fit.se, "se"), (fit.ci_lb, "ci_lb"), (fit.ci_ub, "ci_ub"),
                         (fit.tau2, "tau2"), (fit.pval, "pval")]:
        assert ours == pytest.approx(ref[theirs], rel=RTOL_POOLED), theirs


def test_log_cumulative_hazard_refuses_survival_of_0_or_1_and_no_variance() -> None:
    with pytest.raises(ValueError, match="strictly between"):
        log_cumulative_hazard(0.0, n=10)
    with pytest.raises(ValueError, match="no variance"):
        log_cumulative_hazard(0.3)
    assert log_cumulative_hazard(0.5, se=0.1).y == pytest.approx(math.log(math.log(2)))


@pytest.mark.slow
@pytest.mark.metafor
def test_votecount_reference_json_regenerates_identically(tmp_path: Path) -> None:
    from reference_scripts import regenerate

    assert regenerate(SCRIPT, tmp_path / "votecount_reference.json") == REF
