"""Property test: whatever the labels, sizes and exclusions, no two texts of a forest plot
overlap, every text is inside the figure and the table columns keep off the plot area."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secondhct.plots import ForestData, ForestRow, forest_plot, rows_with_weights
from secondhct.plots.data import effect_arrays
from secondhct.stats.pooling import pool

WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzüéøABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789–-()/", min_size=1, max_size=28)
LABEL = st.lists(WORDS, min_size=1, max_size=9).map(" ".join)


@st.composite
def datasets(draw: st.DrawFn) -> ForestData:
    k = draw(st.integers(1, 25))
    measure = draw(st.sampled_from(["PLO", "HR"]))
    rows = []
    for i in range(k):
        yi = draw(st.floats(-6, 6) if measure == "PLO" else st.floats(-3, 3))
        vi = draw(st.floats(0.001, 4.0))
        excluded = draw(st.one_of(st.none(), LABEL)) if i > 0 else None
        rows.append(ForestRow(
            draw(LABEL), yi, vi, disease=draw(st.sampled_from(["", "AML", "ALL", "MDS/MPN overlap syndrome"])),
            patients=draw(st.one_of(st.none(), st.integers(1, 20000))), reported=draw(st.one_of(st.just(""), WORDS)),
            derived_note=draw(st.one_of(st.none(), LABEL)), excluded_reason=excluded,
        ))  # fmt: skip
    included = [r for r in rows if r.included]
    res = pool(*effect_arrays(included), method=["REML", "DL"])
    title = draw(st.one_of(st.just(""), LABEL))
    return ForestData(rows_with_weights(rows, res.weights), res, measure, title=title)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(datasets())
def test_layout_holds_for_any_labels_and_sizes(data: ForestData) -> None:
    fig = forest_plot(data)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = [t for t in fig.findobj(lambda a: hasattr(a, "get_text")) if t.get_text() and t.get_visible()]
    boxes = np.array([[b.x0, b.y0, b.x1, b.y1] for b in (t.get_window_extent(renderer) for t in texts)])
    assert boxes[:, 0].min() >= -0.5 and boxes[:, 1].min() >= -0.5
    assert boxes[:, 2].max() <= fig.bbox.width + 0.5, texts[int(boxes[:, 2].argmax())].get_text()
    assert boxes[:, 3].max() <= fig.bbox.height + 0.5
    ox = (np.minimum(boxes[:, None, 2], boxes[None, :, 2]) - np.maximum(boxes[:, None, 0], boxes[None, :, 0])) > 0.5
    oy = (np.minimum(boxes[:, None, 3], boxes[None, :, 3]) - np.maximum(boxes[:, None, 1], boxes[None, :, 1])) > 0.5
    overlap = ox & oy
    np.fill_diagonal(overlap, False)
    assert not overlap.any(), [texts[i].get_text() for i in np.argwhere(overlap)[0]]
    ax_box = fig.axes[0].get_window_extent(renderer)
    for t in fig.axes[0].texts:
        b = t.get_window_extent(renderer)
        assert b.x1 <= ax_box.x0 or b.x0 >= ax_box.x1, t.get_text()
    # automatic limits cover every estimate: one square per included study
    (squares,) = [a for a in fig.findobj() if a.get_gid() == "study-squares"]
    assert len(squares.get_offsets()) == len(data.included_rows)
