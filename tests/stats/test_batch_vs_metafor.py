"""The vectorised permutation test and GOSH fits against metafor's ``permutest`` and ``gosh``.

Reference values: ``tests/reference/batch_reference.json``, written by
``tests/reference/make_batch_reference.R`` (see ``tests/reference/README.md``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from secondhct.stats.batch import gosh
from secondhct.stats.permutation import permutation_test

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference"
REFERENCE_SCRIPT = REFERENCE_DIR / "make_batch_reference.R"
REF = json.loads((REFERENCE_DIR / "batch_reference.json").read_text(encoding="utf-8"))

#: DL and HE are closed-form on both sides: only rounding differs (observed <= 1e-13).
RTOL_CLOSED = 1e-10
#: PyMARE's REML locates the optimum from likelihood values (stats/batch.py): tau^2 and I^2
#: within 1.6e-7 relative of metafor's fully converged Fisher scoring (observed), the estimate 8e-8.
RTOL_REML = 1e-6
#: tau^2 and I^2 at the boundary 0 in metafor can be ~1e-17 in PyMARE (and the reverse).
ATOL = 1e-12
#: Near the boundary metafor's Fisher scoring stops within its threshold (1e-10) of 0, where
#: PyMARE's search returns 0 exactly: tau^2 to 1e-10 absolute, I^2 (in percent) to 1e-6.
ATOL_REML = {"tau2": 1e-10, "i2": 1e-6}


def _case_id(case: dict[str, Any]) -> str:
    return f"{case['name']}-{case['method']}-{case['test']}"


@pytest.mark.parametrize("case", REF["permutest"], ids=_case_id)
def test_permutation_test_agrees_with_permutest(case: dict[str, Any]) -> None:
    X = np.array(case["X"]).T
    orders = np.array(case["orders"], dtype=np.int64) if not case["exact"] else None
    res = permutation_test(case["yi"], case["vi"], X, method=case["method"], test=case["test"], iter=1000, permutations=orders)
    assert res.qm == pytest.approx(case["qm"], rel=RTOL_CLOSED)
    assert res.permutations == case["permutations"] and res.exact == case["exact"]
    assert res.pval == pytest.approx(case["pval"], abs=1e-15)  # the same permutations counted the same way
    if case["exact"]:  # every distinct design: the same distribution, in whatever order it was enumerated
        np.testing.assert_allclose(np.sort(res.distribution), case["qm_sorted"], rtol=RTOL_CLOSED, atol=ATOL)
    else:  # the very permutations metafor drew with set.seed(20261202), in its order
        np.testing.assert_allclose(res.distribution, case["qm_perm"], rtol=RTOL_CLOSED, atol=ATOL)


@pytest.mark.parametrize("case", REF["gosh"], ids=lambda c: f"k{c['k']}-{c['method']}")
def test_gosh_agrees_with_metafor(case: dict[str, Any]) -> None:
    k = case["k"]
    result = gosh(case["yi"], case["vi"], case["method"])
    mask = result.members.astype(np.int64) @ (2 ** np.arange(k))
    assert result.members.shape[0] == case["subsets"] == 2**k - 1
    ours, theirs = np.argsort(mask), np.argsort(np.array(case["mask"], dtype=np.int64))
    assert (mask[ours] == np.array(case["mask"], dtype=np.int64)[theirs]).all()
    rtol = RTOL_REML if case["method"] == "REML" else RTOL_CLOSED
    for ours_name, ref_name, tol in (("estimate", "estimate", rtol), ("tau2", "tau2", rtol), ("i2", "I2", rtol), ("q", "QE", RTOL_CLOSED)):
        got = getattr(result.fit, ours_name)[ours]
        want = np.array(case[ref_name], dtype=float)[theirs]
        atol = ATOL_REML.get(ours_name, ATOL) if case["method"] == "REML" else ATOL
        np.testing.assert_allclose(got, want, rtol=tol, atol=atol, err_msg=ours_name)


@pytest.mark.slow
@pytest.mark.metafor
def test_batch_reference_json_regenerates_identically(tmp_path: Path) -> None:
    """The committed JSON is exactly what the committed R script produces."""
    from reference_scripts import regenerate

    assert regenerate(REFERENCE_SCRIPT, tmp_path / "batch_reference.json") == REF
