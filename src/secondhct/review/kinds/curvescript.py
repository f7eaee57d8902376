"""The reproducibility appendix of a curve analysis: ``outputs/<analysis>.R`` refits its frequentist
models with metafor's ``rma.mv`` from the rows written out in the script (y and Var(log S), as
``results.json`` stores them), and prints tau^2 and the coefficients as JSON."""

from __future__ import annotations

from typing import Any

from ...curveresults import CurveModel, CurveRecord
from ...escape import r_comment, r_string


def frequentist_models(record: CurveRecord) -> list[CurveModel]:
    """The curve's frequentist models (primary or sensitivity) that were fitted."""
    models = [m for m in ([record.model] if record.model else []) + list(record.sensitivity)]
    return [m for m in models if m.method in ("REML", "ML") and m.predictions is not None and m.tau is not None]


def curve_scripts(curves: list[CurveRecord], version: str) -> dict[str, str]:
    """``{"<id>.R": script}`` for every curve analysis with a frequentist model."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("secondhct", "templates"), undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)  # fmt: skip
    env.filters.update(r_string=r_string, r_comment=r_comment)
    template = env.get_template("curve.R.j2")
    out = {}
    for c in curves:
        models = frequentist_models(c)
        rows = [p for p in c.points if p.yi is not None and p.w is not None]
        if not models or not rows:
            continue
        spec: list[dict[str, Any]] = [{"name": m.name, "method": m.method, "time_model": m.time_model} for m in models]
        out[f"{c.id}.R"] = template.render(
            id=c.id, title=c.title, file=f"{c.id}.R", version=version, models=spec,
            keys=", ".join(r_string(p.key) for p in rows), times=", ".join(repr(p.time_years) for p in rows),
            yi=", ".join(repr(p.yi) for p in rows), w=", ".join(repr(p.w) for p in rows),
        )  # fmt: skip
    return out
