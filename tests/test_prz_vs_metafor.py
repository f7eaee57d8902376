"""Probit-transformed proportions (PRZ) against metafor 4.4+ (escalc, transf.iprobit, rma on the probit scale).

Reference: ``tests/reference/prz_reference.json``, written by ``make_prz_reference.R`` with the
newer metafor's sources (Debian's metafor 3.8 has no PRZ; see that script).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from secondhct.measures import MEASURES, transf_iprobit
from secondhct.stats.escalc import escalc_proportions
from secondhct.stats.models import EffectData, FitOptions, fit

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
REF = json.loads((REFERENCE_DIR / "prz_reference.json").read_text(encoding="utf-8"))
RTOL = 1e-10  # closed form: the same arithmetic in another order
RTOL_REML = 1e-8  # iterative, both sides at tol 1e-12


def test_escalc_prz_matches_metafor() -> None:
    yi, vi, corrected = escalc_proportions("PRZ", REF["xi"], REF["ni"])
    np.testing.assert_allclose(yi, REF["yi"], rtol=RTOL, atol=1e-15)
    np.testing.assert_allclose(vi, REF["vi"], rtol=RTOL)
    assert corrected.tolist() == [True, False, False, False, True, False]  # 0/10 and 20/20 get 1/2


def test_iprobit_and_pooled_prz_match_metafor() -> None:
    np.testing.assert_allclose(transf_iprobit(REF["y"]), REF["iprobit"], rtol=RTOL)
    yi, vi, _ = escalc_proportions("PRZ", REF["xi"], REF["ni"])
    res = fit("REML", EffectData(tuple(yi), tuple(vi), "PRZ"), FitOptions(test="z", fallback=False))
    ref = REF["rma_reml"]
    for name in ("estimate", "ci_lb", "ci_ub", "tau2"):
        assert getattr(res, name) == pytest.approx(ref[name], rel=RTOL_REML), name
    natural, note = MEASURES["PRZ"].natural([res.estimate, res.ci_lb, res.ci_ub])
    np.testing.assert_allclose(natural, ref["bt"], rtol=RTOL_REML)
    assert note is None


@pytest.mark.slow
@pytest.mark.metafor
def test_prz_reference_regenerates_identically(tmp_path: Path) -> None:
    from reference_scripts import regenerate

    assert regenerate(REFERENCE_DIR / "make_prz_reference.R", tmp_path / "prz.json", needs_env="METAFOR_SRC") == REF
