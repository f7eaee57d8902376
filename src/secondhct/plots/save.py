"""Write a figure deterministically as SVG (default), PNG (300 dpi) or PDF.

Identical figures give byte-identical files: no dates, no software/version strings,
fixed SVG ids (``svg.hashsalt``), text kept as text (SVG ``svg.fonttype: none``,
TrueType fonts in PDF).  Files are written atomically: a temporary file in the same
folder, then ``os.replace``.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import Any, Literal, get_args

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .scale import PlotInputError
from .style import RC

Format = Literal["svg", "png", "pdf"]
FORMATS: tuple[str, ...] = get_args(Format)

_METADATA: dict[str, dict[str, Any]] = {
    "svg": {"Date": None, "Creator": None, "Format": None, "Type": None},
    "png": {"Software": None},
    "pdf": {"Creator": None, "Producer": None, "CreationDate": None, "ModDate": None},
}


def check_format(fmt: str) -> Format:
    """``fmt`` lower-cased if it is one of :data:`FORMATS`."""
    f = fmt.lower().lstrip(".")
    if f not in FORMATS:
        raise PlotInputError(f"unknown figure format {fmt!r}; allowed: {', '.join(FORMATS)}")
    return f  # type: ignore[return-value]


def figure_bytes(fig: Figure, fmt: str = "svg", *, dpi: int = 300) -> bytes:
    """The figure encoded as ``fmt``; the same figure always gives the same bytes."""
    f = check_format(fmt)
    if fig.canvas is None or not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    buf = io.BytesIO()
    with matplotlib.rc_context(RC):
        fig.savefig(buf, format=f, dpi=dpi, metadata=_METADATA[f], facecolor="white")
    return buf.getvalue()


def save_figure(fig: Figure, path: str | os.PathLike[str], fmt: str | None = None, *, dpi: int = 300) -> Path:
    """Write ``fig`` to ``path`` atomically; the format comes from ``fmt`` or the suffix.

    Returns the path written.  A failure leaves any existing file untouched.
    """
    target = Path(path)
    f = check_format(fmt if fmt is not None else (target.suffix or ".svg"))
    data = figure_bytes(fig, f, dpi=dpi)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise PlotInputError(f"cannot write {target}: folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
