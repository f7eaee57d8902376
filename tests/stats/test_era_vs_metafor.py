"""The era meta-regression against metafor: ``rma(yi, vi, mods = ~ era, method = "REML", test = ...)``
on the fictional reports of ``tests/data/era/reports.csv`` (reference values written by
``tests/reference/make_era_reference.R``).

First the midpoints (:mod:`secondhct.extraction.accrual`) and the logits, then
:func:`secondhct.stats.metareg.slope_regression` on metafor's yi/vi for every test.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from reference_scripts import regenerate
from secondhct.extraction.accrual import accrual_midpoint
from secondhct.extraction.schema import Period
from secondhct.stats.escalc import proportion_effect_sizes
from secondhct.stats.metareg import slope_regression

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "reference" / "make_era_reference.R"
REF: dict[str, Any] = json.loads((ROOT / "tests" / "reference" / "era_reference.json").read_text())
FIXTURE = ROOT / "tests" / "data" / "era" / "reports.csv"
#: The issue's bar; REML converges to 1e-12 on both sides (control in the script), so agreement is far tighter.
RTOL = 1e-6
#: tau^2 and R^2 at the boundary 0 compare absolutely.
ATOL = 1e-9
TESTS = ("z", "knha", "adhoc")


def fixture_rows(dataset: str) -> list[dict[str, str]]:
    """The fixture's reports of one dataset, as read by the R script."""
    with FIXTURE.open(encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["dataset"] == dataset]


def _period(row: dict[str, str]) -> Period:
    return Period(start=row["start"] or None, end=row["end"] or None, source={"location": "table 1"})


@pytest.mark.parametrize("dataset", sorted(REF["datasets"]))
def test_midpoints_and_logits_match_the_script(dataset: str) -> None:
    ref = REF["datasets"][dataset]
    rows = fixture_rows(dataset)
    stated = [r for r in rows if accrual_midpoint(_period(r)) is not None]
    assert [r["key"] for r in stated] == ref["keys"]  # a report with a bound not stated is left out
    np.testing.assert_allclose([accrual_midpoint(_period(r)) for r in stated], ref["mid"], rtol=1e-15)
    effects = proportion_effect_sizes("PLO", [float(r["events"]) for r in stated], [float(r["total"]) for r in stated])
    np.testing.assert_allclose([e.yi for e in effects], ref["yi"], rtol=1e-12)
    np.testing.assert_allclose([e.vi for e in effects], ref["vi"], rtol=1e-12)


@pytest.mark.parametrize("dataset", sorted(REF["datasets"]))
@pytest.mark.parametrize("test", TESTS)
def test_slope_regression_matches_rma(dataset: str, test: str) -> None:
    ref = REF["datasets"][dataset]
    theirs = ref["fits"][test]
    era = (np.asarray(ref["mid"]) - 2000) / 10
    ours = slope_regression(ref["yi"], ref["vi"], era, method="REML", test=test)
    for name in ("intercept", "slope", "se", "stat", "pval", "ci_lb", "ci_ub"):
        np.testing.assert_allclose(getattr(ours, name), theirs[name], rtol=RTOL, err_msg=name)
    for ours_v, name in ((ours.tau2, "tau2"), (ours.tau2_null, "tau2_null"), (ours.r2, "R2"), (ours.i2, "I2")):
        np.testing.assert_allclose(ours_v, theirs[name], rtol=RTOL, atol=ATOL, err_msg=name)
    np.testing.assert_allclose(ours.qe, theirs["QE"], rtol=RTOL)
    np.testing.assert_allclose(ours.qe_p, theirs["QEp"], rtol=RTOL)
    np.testing.assert_allclose(ours.weights, theirs["weights"], rtol=RTOL)
    assert ours.df == (None if test == "z" else ours.k - 2)


def test_the_fixture_covers_a_trend_with_residual_heterogeneity_and_a_boundary_case() -> None:
    """Guard the grid: one dataset with residual tau^2 > 0 and 0 < R^2 < 100, one at tau^2 = 0."""
    fits = {name: ds["fits"]["adhoc"] for name, ds in REF["datasets"].items()}
    assert fits["trend"]["tau2"] > 0 and 0 < fits["trend"]["R2"] < 100
    assert fits["flat"]["tau2_null"] == 0 and fits["flat"]["R2"] == 0
    assert set(REF["datasets"]) == {"trend", "flat"}


@pytest.mark.slow
@pytest.mark.metafor
def test_era_reference_json_regenerates_identically(tmp_path: Path) -> None:
    regenerate(SCRIPT, tmp_path / "era.json")
    assert (tmp_path / "era.json").read_text() == (ROOT / "tests" / "reference" / "era_reference.json").read_text()
