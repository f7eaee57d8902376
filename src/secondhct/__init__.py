"""secondhct: a living meta-analysis of outcomes after a second allogeneic HCT.

The package turns curated study extractions (``studies/<key>.yaml``) and their
bibliography (``references.bib``) into validated data for pooling.

Glossary (names used throughout the code)
-----------------------------------------
k
    number of studies (or estimates) in an analysis.
yi, vi
    an effect size on the analysis scale and its sampling variance.
sei
    the standard error of ``yi``.
tau2
    between-study variance (tau squared).
i2, h2, q
    heterogeneity statistics I², H² and Cochran's Q.
xi, ni
    events and total for a proportion.

This module stays import-light on purpose: ``secondhct --help`` and
``secondhct validate`` must start instantly, so nothing heavy is imported here.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
