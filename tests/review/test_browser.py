"""The HTML evidence summary renders in a real browser (headless Chromium), with every figure present.

Needs Debian's ``chromium`` (installed by .ci/run). Skipped where it is missing,
except in CI (the ``CI`` environment variable), where a missing browser fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SUMMARY = ROOT / "outputs" / "evidence-summary.html"
APPENDIX = ROOT / "outputs" / "evidence-appendix.html"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--virtual-time-budget=5000",
]
PROBE = """<script>
window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.images);
  var figures = document.querySelectorAll("figure svg");
  var drawn = Array.prototype.filter.call(figures, function (svg) {
    var box = svg.getBoundingClientRect(); return box.width > 100 && box.height > 100;
  });
  document.body.setAttribute("data-probe", JSON.stringify({
    images: images.length,
    images_loaded: images.every(function (img) { return img.complete && img.naturalWidth > 0; }),
    figures: figures.length, figures_drawn: drawn.length,
    sections: document.querySelectorAll("section").length,
    scroll_width: document.documentElement.scrollWidth, client_width: document.documentElement.clientWidth,
    toc_links: document.querySelectorAll("nav.toc a[href^='#']").length,
    toc_broken: Array.prototype.filter.call(document.querySelectorAll("nav.toc a[href^='#']"), function (a) {
      return !document.getElementById(a.getAttribute("href").slice(1)); }).length,
    captions: document.querySelectorAll("figure figcaption").length,
    titled: Array.prototype.filter.call(figures, function (svg) {
      return svg.querySelector("title") && svg.querySelector("desc"); }).length,
    references: document.querySelectorAll("ol.refs li").length
  }));
});
</script>"""


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed (.ci/run installs the Debian package 'chromium')")
    pytest.skip("chromium is not installed")


@pytest.mark.slow
def _page_probe(common: list[str], source: Path, page: Path) -> dict:
    page.write_text(source.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = subprocess.run([*common, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120, check=True).stdout
    match = re.search(r'data-probe="([^"]*)"', dom)
    assert match, f"{source.name} did not finish loading"
    return json.loads(match.group(1).replace("&quot;", '"'))  # type: ignore[no-any-return]


def test_summary_renders_with_every_figure(tmp_path: Path) -> None:
    """The main report and its appendix (issue 25: per-analysis detail in evidence-appendix.html) hold every figure."""
    browser = _chromium()
    common = [browser, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    main = _page_probe(common, SUMMARY, tmp_path / "summary.html")
    appendix = _page_probe(common, APPENDIX, tmp_path / "appendix.html")
    kinds = ("forest", "rob", "gosh", "curve", "era", "direction", "albatross")  # forests (and per-level ones), risk of bias, GOSH, curves, era, factor plots
    forests = sum(len(list((ROOT / "outputs").glob(f"*.{kind}.svg"))) for kind in kinds)
    assert main["images_loaded"] is True and appendix["images_loaded"] is True
    assert appendix["figures"] == forests and forests > 0 and appendix["figures_drawn"] == forests
    assert main["figures"] == main["figures_drawn"] >= int((ROOT / "outputs" / "prisma.svg").is_file())  # PRISMA, factor plots
    results = json.loads((ROOT / "outputs" / "results.json").read_text(encoding="utf-8"))
    assert appendix["sections"] >= len(results["analyses"]) + len(results.get("curves", []))  # and one per factor
    assert main["references"] == appendix["references"] == len(results["studies"])
    assert main["toc_links"] >= 5 and main["toc_broken"] == 0
    for probe in (main, appendix):
        assert probe["captions"] == probe["figures"] and probe["titled"] == probe["figures"]


FRAME = """<!DOCTYPE html><html><body style="margin:0"><iframe id="f" src="summary.html" style="border:0;width:WIDTHpx;height:2400px"></iframe>
<script>document.getElementById("f").addEventListener("load", function () {
  var d = this.contentDocument.documentElement;
  document.body.setAttribute("data-probe", JSON.stringify({scroll_width: d.scrollWidth, client_width: d.clientWidth}));
});</script></body></html>"""


def _probe(common: list[str], page: Path, width: int) -> dict[str, int]:
    """The page's widths in a frame ``width`` px wide (headless Chromium will not make its window
    narrower than 500 px, so the phone width is a frame, as the browser's device mode does)."""
    frame = page.with_name(f"frame-{width}.html")
    frame.write_text(FRAME.replace("WIDTH", str(width)), encoding="utf-8")
    dom = subprocess.run([*common, "--allow-file-access-from-files", "--window-size=1400,2400", "--dump-dom", frame.as_uri()],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    match = re.search(r'data-probe="([^"]*)"', dom)
    assert match, "the page did not finish loading"
    return json.loads(match.group(1).replace("&quot;", '"'))  # type: ignore[no-any-return]


@pytest.mark.slow
@pytest.mark.parametrize("width", [1280, 390])
def test_summary_fits_the_window(tmp_path: Path, width: int) -> None:
    """At desktop and phone width the page itself never scrolls sideways (wide tables scroll
    inside their own box, figures shrink to the column); a screenshot is kept for a look
    (``SECONDHCT_SCREENSHOT_DIR``, else the test's tmp dir)."""
    browser = _chromium()
    page = tmp_path / "summary.html"
    page.write_text(SUMMARY.read_text(encoding="utf-8"), encoding="utf-8")
    common = [browser, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    probe = _probe(common, page, width)
    assert probe["client_width"] == width
    assert probe["scroll_width"] <= width, f"the page is {probe['scroll_width']} px wide at a {width} px window"
    shot = Path(os.environ.get("SECONDHCT_SCREENSHOT_DIR", tmp_path)) / f"summary-{width}.png"
    subprocess.run([*common, f"--screenshot={shot}", f"--window-size={width},2400", page.as_uri()],
                   capture_output=True, timeout=120, check=True)
    assert shot.stat().st_size > 30_000  # a real page, not a blank one


CERTAINTY_FRAME = """<!DOCTYPE html><html><body style="margin:0"><iframe id="f" src="summary.html" style="border:0;width:WIDTHpx;height:2400px"></iframe>
<script>document.getElementById("f").addEventListener("load", function () {
  var doc = this.contentDocument, cells = doc.querySelectorAll("table.sof td[data-label='Certainty']");
  var seen = Array.prototype.filter.call(cells, function (td) {
    var box = td.getBoundingClientRect(); return box.width > 0 && box.left >= 0 && box.right <= WIDTH; });
  var line = doc.getElementById("bottom-line").getBoundingClientRect();
  document.body.setAttribute("data-probe", JSON.stringify({cells: cells.length, seen: seen.length, bottom_top: line.top}));
});</script></body></html>"""


@pytest.mark.slow
def test_the_certainty_column_is_seen_on_a_phone(frozen_root: Path, tmp_path: Path) -> None:
    """At 390 px the summary-of-findings rows are cards: every certainty cell lies inside the window,
    and the bottom line starts on the first screen (above 844 px, an iPhone's height). On the frozen
    fixture project's summary."""
    browser = _chromium()
    page = tmp_path / "summary.html"
    page.write_text((frozen_root / "outputs" / "evidence-summary.html").read_text(encoding="utf-8"), encoding="utf-8")
    frame = tmp_path / "certainty-390.html"
    frame.write_text(CERTAINTY_FRAME.replace("WIDTH", "390"), encoding="utf-8")
    common = [browser, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--allow-file-access-from-files"]
    dom = subprocess.run([*common, "--window-size=1400,2400", "--dump-dom", frame.as_uri()],
                         capture_output=True, text=True, timeout=120, check=True).stdout  # fmt: skip
    match = re.search(r'data-probe="([^"]*)"', dom)
    assert match, "the page did not finish loading"
    probe = json.loads(match.group(1).replace("&quot;", '"'))
    assert probe["cells"] > 0 and probe["seen"] == probe["cells"]
    assert probe["bottom_top"] < 844
