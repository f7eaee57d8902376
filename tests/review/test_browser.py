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
def test_summary_renders_with_every_figure(tmp_path: Path) -> None:
    browser = _chromium()
    page = tmp_path / "summary.html"
    page.write_text(SUMMARY.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    common = [browser, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([*common, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120, check=True).stdout
    match = re.search(r'data-probe="([^"]*)"', dom)
    assert match, "the page did not finish loading"
    probe = json.loads(match.group(1).replace("&quot;", '"'))
    forests = len(list((ROOT / "outputs").glob("*.forest.svg"))) + len(list((ROOT / "outputs").glob("*.rob.svg")))  # and risk of bias
    assert probe["images_loaded"] is True
    figures = forests + int((ROOT / "outputs" / "prisma.svg").is_file())  # and the PRISMA flow diagram
    assert probe["figures"] == figures and forests > 0 and probe["figures_drawn"] == figures
    results = json.loads((ROOT / "outputs" / "results.json").read_text(encoding="utf-8"))
    assert probe["sections"] == len(results["analyses"])
    assert probe["references"] == len(results["studies"])
    shot = tmp_path / "summary.png"
    subprocess.run([*common, f"--screenshot={shot}", "--window-size=1280,2400", page.as_uri()],
                   capture_output=True, timeout=120, check=True)
    assert shot.stat().st_size > 50_000  # a real page, not a blank one
    keep = os.environ.get("SECONDHCT_SCREENSHOT")
    if keep:
        shutil.copy(shot, keep)
