"""The binomial-normal GLMM on k = 10 and k = 50 (two 0/n-type studies) against rma.glmm.

Reference values: ``tests/reference/glmm_reference.json``, written by
``tests/reference/make_glmm_reference.R`` (see ``tests/reference/README.md``).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from secondhct.stats.glmm import glmm_pool

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference"
REFERENCE_SCRIPT = REFERENCE_DIR / "make_glmm_reference.R"
REF = json.loads((REFERENCE_DIR / "glmm_reference.json").read_text(encoding="utf-8"))

#: Estimate, tau^2, I^2, H^2: both sides locate the ML optimum of the same AGQ deviance
#: to ~1e-9 (glmer with tolPwrss 1e-12 and bobyqa rhoend 1e-12; here Newton with the
#: exact gradient); observed <= 5e-8 relative.
RTOL_FIT = 1e-6
#: Q (QE.LRT) does not depend on the GLMM fit: closed form here, glm's IRLS in metafor
#: (observed 5e-13).  Its p-value (4.8e-200 for k50) has dp/p ~ (Q/2) dQ/Q: 2.5e-10 seen.
RTOL_Q = 1e-10
RTOL_Q_P = 1e-8
#: SE: lme4 differences the deviance centrally with step 1e-4 and PIRLS-converged modes;
#: its SE moves by up to 5e-7 relative between tolPwrss 1e-10 and 1e-13 (k = 50), so
#: 5e-6 is the realistic floor (observed here: <= 1.1e-7).
RTOL_SE = 5e-6
#: CI/PI bounds relative to their half-width (they inherit the SE difference, times the
#: critical value); the test statistic likewise.
RTOL_HALF_WIDTH = 5e-6


def rtol_pval(stat: float) -> float:
    """p-value tolerance: a tail p = 2 Phi(-|z|) has dp/p ~ (z^2 + 1) dSE/SE (Mills ratio)."""
    return RTOL_SE * (stat**2 + 1)


def test_reference_has_both_datasets_and_tests() -> None:
    assert set(REF["glmm"]) == {"k10/z", "k10/t", "k50/z", "k50/t"}
    x, n = np.array(REF["datasets"]["k50"]["xi"]), np.array(REF["datasets"]["k50"]["ni"])
    assert x.size == 50 and int(np.sum((x == 0) | (x == n))) == 2


@pytest.mark.parametrize("case_id", sorted(REF["glmm"]))
def test_glmm_large_matches_metafor(case_id: str) -> None:
    case = REF["glmm"][case_id]
    ds = REF["datasets"][case["dataset"]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning may escape the fit
        res = glmm_pool(ds["xi"], ds["ni"], test="z" if case["test"] == "z" else "knha")
    assert res.k == case["k"] and res.converged
    assert res.df == (None if case["test"] == "z" else case["k"] - 1)
    for name in ("estimate", "tau2", "i2", "h2"):
        np.testing.assert_allclose(getattr(res, name), case[name], rtol=RTOL_FIT, err_msg=name)
    np.testing.assert_allclose(res.q, case["q"], rtol=RTOL_Q, err_msg="q")
    np.testing.assert_allclose(res.q_p, case["q_p"], rtol=RTOL_Q_P, err_msg="q_p")
    np.testing.assert_allclose(res.se, case["se"], rtol=RTOL_SE, err_msg="se")
    assert res.stat is not None and res.pval is not None
    np.testing.assert_allclose(res.stat, case["stat"], rtol=RTOL_HALF_WIDTH, err_msg="stat")
    for name in ("ci_lb", "ci_ub", "pi_lb", "pi_ub"):
        half_width = abs(case[name] - case["estimate"])
        np.testing.assert_allclose(getattr(res, name), case[name], rtol=0, atol=RTOL_HALF_WIDTH * half_width, err_msg=name)
    np.testing.assert_allclose(res.pval, case["pval"], rtol=rtol_pval(case["stat"]), err_msg="pval")


@pytest.mark.slow
@pytest.mark.metafor
def test_glmm_reference_json_regenerates_identically(tmp_path: Path) -> None:
    """The committed JSON is exactly what the committed R script produces."""
    from reference_scripts import regenerate

    assert regenerate(REFERENCE_SCRIPT, tmp_path / "glmm_reference.json") == REF
