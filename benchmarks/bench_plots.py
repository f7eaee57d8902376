"""Render time of forest plots: ``python benchmarks/bench_plots.py [repeats]``.

Times building the figure plus encoding it (SVG and PNG at 300 dpi) for a 10-study and
a 60-study forest plot, and a 60-study funnel plot ("60 fun") (synthetic data from :mod:`secondhct.plots.examples`); prints
the median and the slowest of ``repeats`` runs after one warm-up.  Target: well under
one second each.
"""

from __future__ import annotations

import statistics
import sys
import time


def main(repeats: int = 7) -> int:
    from secondhct.plots import examples, figure_bytes, forest_plot

    datasets = {10: examples.proportions(10), 60: examples.proportions(60)}
    print(f"{'studies':>7} {'format':>6} {'median s':>9} {'max s':>7} {'bytes':>9}")
    worst = 0.0
    for k, data in datasets.items():
        for fmt in ("svg", "png"):
            figure_bytes(forest_plot(data), fmt)  # warm-up: font cache, imports
            times = []
            size = 0
            for _ in range(repeats):
                t0 = time.perf_counter()
                size = len(figure_bytes(forest_plot(data), fmt))
                times.append(time.perf_counter() - t0)
            worst = max(worst, max(times))
            print(f"{k:>7} {fmt:>6} {statistics.median(times):>9.3f} {max(times):>7.3f} {size:>9}")
    from secondhct.plots.funnel import funnel_data_from_forest, funnel_plot

    funnel = funnel_data_from_forest(datasets[60])
    for fmt in ("svg", "png"):
        figure_bytes(funnel_plot(funnel), fmt)
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            size = len(figure_bytes(funnel_plot(funnel), fmt))
            times.append(time.perf_counter() - t0)
        worst = max(worst, max(times))
        print(f"{'60 fun':>7} {fmt:>6} {statistics.median(times):>9.3f} {max(times):>7.3f} {size:>9}")
    return 0 if worst < 1.0 else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 7))
