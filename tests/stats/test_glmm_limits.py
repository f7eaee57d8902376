"""The GLMM fit cannot hang: adversarial data end in a result or a PoolingError, in time.

Each adversarial fit runs in a subprocess with a hard timeout (so a hang fails the test
instead of freezing the suite) and with warnings turned into errors.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

from secondhct.errors import PoolingError
from secondhct.stats import glmm
from secondhct.stats.glmm import agq_deviance, glmm_pool

rng = np.random.default_rng(20250610)
_N200 = rng.integers(5, 500, 200)
_X200 = rng.binomial(_N200, 1 / (1 + np.exp(-rng.normal(-2.5, 2.0, 200))))
_X200[::7] = 0  # many 0/n studies
_X200[3::11] = _N200[3::11]  # and n/n studies

#: name -> (xi, ni): every one either fits or is refused with a PoolingError.
ADVERSARIAL = {
    "all zeros": ([0] * 10, [50] * 10),
    "all events": ([50] * 10, [50] * 10),
    "a single event": ([0] * 9 + [1], [50] * 10),
    "huge n": ([1, 3, 2, 5, 0], [10**9, 2 * 10**9, 10**9, 3 * 10**9, 10**9]),
    "huge n, many events": ([10**8, 3 * 10**8, 2 * 10**7, 5 * 10**8], [10**9, 2 * 10**9, 10**9, 3 * 10**9]),
    "complete separation": ([0, 20, 0, 20, 0, 20], [20] * 6),
    "near separation": ([0, 20, 0, 19, 1, 20], [20] * 6),
    "0/n and n/n mixed with large n": ([0, 0, 0, 500, 1, 2], [500, 500, 500, 500, 10, 10]),
    "studies of one patient": ([0, 1, 1, 0, 1, 0, 0, 1], [1] * 8),
    "k = 200 with 0/n and n/n": (_X200.tolist(), _N200.tolist()),
}
#: Seconds one adversarial fit may take (the module's own wall-clock limit is 10 s).
FIT_LIMIT = glmm.TIME_LIMIT + 2.0

_CHILD = textwrap.dedent(
    """
    import json, sys, time, warnings
    warnings.simplefilter("error")
    from secondhct.errors import PoolingError
    from secondhct.stats.glmm import glmm_pool
    out = {}
    for name, (xi, ni) in json.loads(sys.stdin.read()).items():
        t0 = time.perf_counter()
        try:
            res = glmm_pool(xi, ni)
            outcome = ["result", res.estimate, res.se, res.tau2]
        except PoolingError as exc:
            outcome = ["PoolingError", str(exc)]
        out[name] = outcome + [time.perf_counter() - t0]
    print(json.dumps(out))
    """
)


def test_adversarial_data_end_in_time_without_warnings() -> None:
    proc = subprocess.run(
        [sys.executable, "-W", "error", "-c", _CHILD], input=json.dumps(ADVERSARIAL), capture_output=True,
        text=True, timeout=FIT_LIMIT * len(ADVERSARIAL), check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # no warning of any kind
    out = json.loads(proc.stdout)
    assert set(out) == set(ADVERSARIAL)
    for name, outcome in out.items():
        assert outcome[-1] < FIT_LIMIT, f"{name}: {outcome[-1]:.1f} s"
        if outcome[0] == "result":
            assert all(np.isfinite(outcome[1:4])), name
            assert outcome[2] > 0 and outcome[3] >= 0, name
        else:
            assert outcome[1].startswith("GLMM: "), name
    assert out["all zeros"][0] == out["all events"][0] == out["complete separation"][0] == "PoolingError"
    assert "separated" in out["complete separation"][1]
    assert out["k = 200 with 0/n and n/n"][0] == "result"


def test_a_tiny_wall_clock_limit_ends_in_a_clear_error() -> None:
    xi, ni = ADVERSARIAL["k = 200 with 0/n and n/n"]
    with pytest.raises(PoolingError, match=r"stopped at the wall-clock limit of 1e-09 s \(\d+ deviance evaluations, k = 200\)"):
        glmm_pool(xi, ni, time_limit=1e-9)


def test_the_iteration_limit_ends_in_a_clear_error() -> None:
    xi, ni = ADVERSARIAL["k = 200 with 0/n and n/n"]
    with pytest.raises(PoolingError, match=r"did not converge within the iteration limit \(1 Newton steps\)"):
        glmm_pool(xi, ni, max_iter=1)


@pytest.mark.parametrize("theta", [0.0, 1e-8, 1.0, 1e3, 1e6])
@pytest.mark.parametrize("beta", [-800.0, -40.0, 0.0, 40.0, 800.0])
def test_deviance_is_finite_at_extreme_parameters(theta: float, beta: float) -> None:
    """0/n and n/n studies at extreme (tau, beta) once gave inf - inf (NaN) and warnings."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dev = agq_deviance(theta, beta, [0, 3, 10, 0, 7], [10, 3, 10**9, 5, 7])
    assert np.isfinite(dev)


def test_flat_likelihood_in_tau_is_noted() -> None:
    res = glmm_pool([0, 1, 0, 1], [1, 1, 1, 1])
    assert any("barely identified" in note for note in res.notes)
