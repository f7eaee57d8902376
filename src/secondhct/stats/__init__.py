"""Statistics: effect sizes, tau^2 estimators and pooling that agree with R's metafor.

Pure functions on numpy arrays; no printing, no file access.  Reference values from
metafor are in ``tests/reference/`` (see its README for versions and deliberate
differences).
"""
