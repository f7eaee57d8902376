"""Synthetic forest-plot inputs for tests, benchmarks and visual review (not real studies).

Each builder pools its rows with :func:`secondhct.stats.pooling.pool` and returns a
:class:`ForestData`; the numbers are made up (deterministic, seeded).
"""

from __future__ import annotations

import numpy as np

from ..stats.escalc import escalc_proportions, ratio_from_ci
from ..stats.pooling import pool
from .data import ForestData, ForestRow, SubgroupTestResult, effect_arrays, rows_with_weights

DISEASES = ("AML", "ALL", "MDS", "CML")


def proportion_rows(xi: list[int], ni: list[int], *, labels: list[str] | None = None) -> list[ForestRow]:
    """One row per study from events/totals (logit scale, metafor escalc)."""
    yi, vi, corrected = escalc_proportions("PLO", xi, ni)
    out = []
    for i, (x, n) in enumerate(zip(xi, ni)):
        label = labels[i] if labels else f"Study {chr(65 + i % 26)}{i // 26 or ''} {2005 + i % 18}"
        note = "1/2 added to events and non-events (zero cell)" if corrected[i] else None
        out.append(ForestRow(label, float(yi[i]), float(vi[i]), disease=DISEASES[i % 4], patients=n,
                             reported=f"{x}/{n}", derived_note=note))  # fmt: skip
    return out


def proportions(k: int, *, seed: int = 1, title: str = "Overall survival at 2 years") -> ForestData:
    """``k`` studies of a proportion around 35% with varying sizes."""
    rng = np.random.default_rng(seed)
    ni = [int(n) for n in rng.integers(8, 120, size=k)]
    p = 1 / (1 + np.exp(-rng.normal(-0.6, 0.6, size=k)))
    xi = [int(rng.binomial(n, q)) for n, q in zip(ni, p)]
    rows = proportion_rows(xi, ni)
    res = pool(*effect_arrays(rows))
    return ForestData(rows_with_weights(rows, res.weights), res, "PLO", title=title, outcome="Overall survival")


def extremes() -> ForestData:
    """CIs reaching 0% and 100%, a long label, a derived value and an excluded study."""
    xi, ni = [0, 10, 4, 15, 6], [12, 10, 30, 25, 18]
    labels = ["Kato 2012", "Ruutu 2015 (haploidentical donors, second transplant after relapse of AML)",
              "Andersson 2008", "Christopoulos 2013", "Vrhovac 2016"]  # fmt: skip
    rows = proportion_rows(xi, ni, labels=labels)
    rows[2] = ForestRow(rows[2].label, rows[2].yi, effect_arrays([rows[2]])[1][0] * 1.3, disease="ALL", patients=30,
                        reported="13.3 ± 7.1%", derived_note="events reconstructed from the Kaplan-Meier estimate and its SE")  # fmt: skip
    res = pool(*effect_arrays(rows))
    rows = list(rows_with_weights(rows, res.weights))
    rows.insert(2, ForestRow("Shimoni 2016", -0.2, 0.15, disease="AML", patients=40, reported="45% (95% CI 30-60)",
                             excluded_reason="overlapping cohort with Kato 2012 (same registry, 2004-2010)"))  # fmt: skip
    title = ("Non-relapse mortality at 1 year after a second allogeneic HCT for leukemia relapsed after a "
             "first transplant: all studies, including those reporting only counts")  # fmt: skip
    return ForestData(tuple(rows), res, "PLO", title=title, outcome="NRM")


def hazard_ratios(*, clip: bool = True) -> ForestData:
    """Hazard ratios on a log axis; with ``clip`` two CIs run beyond the axis (arrows)."""
    data = [("Kato 2012", 0.72, 0.51, 1.02), ("Ruutu 2015", 1.10, 0.80, 1.52), ("Andersson 2008", 0.45, 0.12, 1.70),
            ("Christopoulos 2013", 0.88, 0.70, 1.11), ("Vrhovac 2016", 1.9, 0.6, 9.5), ("Shimoni 2016", 0.60, 0.41, 0.88)]  # fmt: skip
    rows = []
    for i, (lab, hr, lo, hi) in enumerate(data):
        es = ratio_from_ci(hr, lo, hi, "HR")
        rows.append(ForestRow(lab, es.yi, es.vi, disease=DISEASES[i % 4], patients=40 + 13 * i,
                              reported=f"HR {hr:g} ({lo:g}-{hi:g})",
                              derived_note="SE from the 95% CI on the log scale" if i == 4 else None))  # fmt: skip
    res = pool(*effect_arrays(rows))
    return ForestData(rows_with_weights(rows, res.weights), res, "HR", title="Overall survival: second HCT vs none",
                      xlim=(0.25, 4.0) if clip else None)  # fmt: skip


def subgroups() -> ForestData:
    """Three disease subgroups with subtotals, a common-effect diamond and the subgroup test."""
    base = proportions(11, seed=7)
    levels = ("AML", "ALL", "MDS")
    rows = [ForestRow(r.label, r.yi, r.vi, disease=levels[i % 3], patients=r.patients, reported=r.reported,
                      derived_note=r.derived_note, subgroup=levels[i % 3]) for i, r in enumerate(base.rows)]  # fmt: skip
    rows.sort(key=lambda r: levels.index(r.subgroup or ""))
    res = pool(*effect_arrays(rows))
    common = pool(*effect_arrays(rows), method="EE", test="z")
    subs = tuple((lev, pool(*effect_arrays([r for r in rows if r.subgroup == lev])))
                 for lev in levels)  # fmt: skip
    return ForestData(rows_with_weights(rows, res.weights), res, "PLO", title="Overall survival by disease",
                      outcome="Overall survival", common=common, subgroups=subs,
                      subgroup_test=SubgroupTestResult(q=2.31, df=2, p=0.315))  # fmt: skip
