"""Binomial-normal GLMM (rma.glmm, measure PLO) against metafor/lme4 reference values."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from secondhct.cli import app
from secondhct.errors import PoolingError
from secondhct.stats.glmm import glmm_pool

REF = json.loads((Path(__file__).resolve().parents[1] / "reference" / "metafor_reference.json").read_text(encoding="utf-8"))

#: Estimate, tau^2, I^2, H^2, Q: ML optimum located to ~1e-9 in both (glmer with
#: tolPwrss 1e-12 and bobyqa rhoend 1e-12; here Newton with the exact gradient until the
#: predicted fall of the deviance is < 1e-10); observed <= 4e-8.
RTOL_GLMM = 1e-6
#: SE: lme4 takes it from a plain central-difference Hessian of the deviance (step 1e-4)
#: whose noise is ~1e-7..1e-6 relative (its SE moves by 5e-7 between tolPwrss 1e-10 and
#: 1e-13); we difference the exact gradient (Richardson) and agree to <= 4.5e-7 on these
#: small datasets, so the 1e-6 bound holds here (5e-6 is the general floor: README.md).
RTOL_GLMM_SE = 1e-6
#: CI/PI bounds inherit the SE difference scaled by the critical value, so they are compared
#: relative to their half-width (a bound near 0 would make a plain relative comparison
#: meaningless): |diff| <= 1e-6 * |bound - estimate|.  p-values: dp/p ~ z*phi(z)/p
#: times dSE/SE, up to ~4x the SE difference; 5e-6.
RTOL_HALF_WIDTH = 1e-6
RTOL_GLMM_P = 5e-6


def test_glmm_reference_covers_grid() -> None:
    assert set(REF["glmm"]) == {f"{d}/{t}" for d, t in itertools.product(("zeros", "k2", "homog", "hetero"), ("z", "t"))}


@pytest.mark.parametrize("case_id", sorted(REF["glmm"]))
def test_glmm_matches_metafor(case_id: str) -> None:
    case = REF["glmm"][case_id]
    ds = REF["datasets"][case["dataset"]]
    res = glmm_pool(ds["xi"], ds["ni"], test="z" if case["test"] == "z" else "knha")
    assert res.k == case["k"]
    for name in ("estimate", "tau2", "i2", "h2", "q", "q_p"):
        np.testing.assert_allclose(getattr(res, name), case[name], rtol=RTOL_GLMM, atol=1e-12, err_msg=name)
    np.testing.assert_allclose(res.se, case["se"], rtol=RTOL_GLMM_SE, err_msg="se")
    for name in ("ci_lb", "ci_ub", "pi_lb", "pi_ub"):
        half_width = abs(case[name] - case["estimate"])
        np.testing.assert_allclose(getattr(res, name), case[name], rtol=0, atol=RTOL_HALF_WIDTH * half_width, err_msg=name)
    np.testing.assert_allclose(res.pval, case["pval"], rtol=RTOL_GLMM_P, err_msg="pval")


@pytest.mark.parametrize(("xi", "which"), [([0, 0, 0], "no study has events"), ([10, 20, 15], "only events")])
def test_glmm_without_events_or_non_events_is_refused(xi: list[int], which: str) -> None:
    with pytest.raises(PoolingError, match=which):
        glmm_pool(xi, [10, 20, 15])


def test_glmm_from_the_cli(tmp_path: Path) -> None:
    ds = REF["datasets"]["hetero"]
    path = tmp_path / "s.csv"
    path.write_text("xi,ni\n" + "\n".join(f"{int(x)},{int(n)}" for x, n in zip(ds["xi"], ds["ni"])) + "\n")
    result = CliRunner().invoke(app, ["pool", str(path), "--method", "GLMM", "--test", "z", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    case = REF["glmm"]["hetero/z"]
    assert out["method"] == "GLMM" and out["tau2_lb"] is None
    assert out["estimate"] == pytest.approx(case["estimate"], rel=RTOL_GLMM)
    assert out["tau2"] == pytest.approx(case["tau2"], rel=RTOL_GLMM)
    bad = CliRunner().invoke(app, ["pool", str(path), "--method", "GLMM", "--measure", "PAS"])
    assert bad.exit_code == 1 and "GLMM pools logits (measure PLO)" in bad.output
