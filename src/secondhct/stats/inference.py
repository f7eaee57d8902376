"""The tests (inference) of the frequentist models, a leaf of :mod:`secondhct.stats`.

``z``: Wald z; ``knha``: Knapp & Hartung (2003, Stat Med 22:2693-2710); ``adhoc``: their
adjustment with the variance factor floored at 1 (Knapp & Hartung 2003; metafor's
``test = "adhoc"``). The model registry, the estimators and the protocol read it here.
"""

from __future__ import annotations

from ..errors import PoolingError

#: Inference for the frequentist models: Wald z, Knapp-Hartung, ad hoc Knapp-Hartung.
TESTS: dict[str, str] = {"z": "Wald z", "knha": "Knapp-Hartung", "adhoc": "Knapp-Hartung (ad hoc)"}

#: Each test as a methods paragraph words it after the estimator ("REML with ...").
TEST_PHRASES: dict[str, str] = {
    "z": "with Wald-type z tests and intervals",
    "knha": "with the Knapp-Hartung adjustment",
    "adhoc": "with the ad hoc Knapp-Hartung adjustment",
}
#: The source of each test that needs one.
TEST_CITATIONS: dict[str, str] = {
    "knha": "Knapp & Hartung 2003, Stat Med 22:2693-2710",
    "adhoc": "Knapp & Hartung 2003, Stat Med 22:2693-2710",
}

#: A test's name (one of :data:`TESTS`).
TestType = str


def check_test(test: str) -> str:
    """Return ``test`` if it is one of :data:`TESTS`."""
    if test not in TESTS:
        raise PoolingError(f"unknown test {test!r}; allowed: {', '.join(TESTS)}")
    return test
