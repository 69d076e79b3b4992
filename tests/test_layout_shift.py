"""Layout shift while a page loads and its scripts start, measured in Chromium as Lighthouse
measures it on a slow phone: the CPU four times slower and a slow 4G network (DevTools
emulation over CDP), shifts collected by a PerformanceObserver registered before the page's
first byte. The figure is the sum of every shift without recent input: never less than
Lighthouse's CLS (the largest session window of them), so a page under the limit here is
under it there."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect
from serving import serve_site

pytestmark = pytest.mark.browser

# Lighthouse's mobile throttling: 4x CPU, and "slow 4G": 150 ms round trips, 1.6 Mbps down,
# 750 kbps up (CDP takes bytes per second).
CPU_SLOWDOWN = 4
SLOW_4G = {"offline": False, "latency": 150, "downloadThroughput": 1.6 * 1024 * 1024 / 8, "uploadThroughput": 750 * 1024 / 8}

COLLECT_SHIFTS = """
window.__layoutShifts = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.hadRecentInput) continue;
    const nodes = entry.sources.map((source) => {
      const node = source.node;
      if (!node || !node.tagName) return "?";
      return node.tagName.toLowerCase() + (node.className && typeof node.className === "string" ? "." + node.className.trim().split(/\\s+/).join(".") : "");
    });
    window.__layoutShifts.push({value: entry.value, at: Math.round(entry.startTime), nodes});
  }
}).observe({type: "layout-shift", buffered: true});
"""
# Two animation frames: whatever the last script changed has been laid out and painted.
SETTLED = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done(window.__layoutShifts))))"

# One page of every kind in the real content, and the limit for each: the doctor finder's is
# Lighthouse's "good" (it must start without a visible jump), every other page's half that.
# The finders also as a shared link opens them, filtered and sorted by a ZIP code.
PAGES = {
    "/doctors/": 0.1,
    "/doctors/?condition=chordoma&zip=27606": 0.1,
    "/": 0.05,
    "/tumors/chordoma/": 0.05,
    "/tests/mri/": 0.05,
    "/treatments/chemotherapy/": 0.05,
    "DOCTOR": 0.05,
    "LOCATION": 0.05,
    "/locations/": 0.05,
    "/locations/?zip=27606": 0.1,  # its cards move once: the nearest first, as the link asks
    "/a-z/": 0.05,
    "/search/": 0.05,
    "/no-such-page/": 0.05,
}
# Phones as Lighthouse emulates one, and a desktop screen.
VIEWPORTS = {"phone": {"width": 412, "height": 823}, "desktop": {"width": 1350, "height": 940}}


def _first(site: Path, section: str) -> str:
    return f"/{section}/{sorted(p.parent.name for p in (site / section).glob('*/index.html'))[0]}/"


def measure(browser, url: str, viewport: dict) -> list[dict]:
    """The layout shifts of one load of url, under the throttling, once its scripts have started."""
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    page.add_init_script(COLLECT_SHIFTS)
    page.goto(url, timeout=60_000)
    # The finders have started once their distance form is shown (finder.js does it last).
    if page.locator("[data-finder]").count():
        expect(page.locator("[data-finder-distance]:not([hidden])")).to_have_count(1, timeout=30_000)
    if "zip=" in url:  # and sorted the list once the ZIP code table has come
        expect(page.locator("[data-finder-message]")).to_contain_text("Sorted by distance", timeout=30_000)
    shifts = page.evaluate(SETTLED)
    context.close()
    return shifts


@pytest.fixture(scope="module")
def served(content_site: Path):
    with serve_site(content_site) as origin:
        yield origin, content_site


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_pages_do_not_shift_while_they_load_on_a_slow_phone(browser, served, viewport: str):
    origin, site = served
    paths = {"DOCTOR": _first(site, "doctors"), "LOCATION": _first(site, "locations")}
    failures, figures = [], []
    for key, limit in PAGES.items():
        path = paths.get(key, key)
        shifts = measure(browser, origin.rstrip("/") + path, VIEWPORTS[viewport])
        total = sum(shift["value"] for shift in shifts)
        figures.append(f"{path} {total:.3f}")
        if total >= limit:
            failures.append(f"{path}: {total:.3f} >= {limit}: {[(round(s['value'], 3), s['at'], s['nodes']) for s in shifts]}")
    print(f"layout shift ({viewport}): " + ", ".join(figures))
    assert failures == []
