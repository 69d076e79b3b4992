"""Starting Debian's Chromium through Playwright, or skipping (failing where CI requires it),
and asking axe-core what a page gets wrong."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def launch(playwright):
    if not os.path.exists(CHROMIUM) and not shutil.which("chromium"):
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("REQUIRE_BROWSER=1 but /usr/bin/chromium is missing; run `make test` as root to install it")
        pytest.skip("Chromium is not installed (Debian package chromium)")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    return browser


def axe_violations(page, where: str) -> list[str]:
    """One line for each WCAG 2.0-2.2 A/AA rule axe-core finds broken on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]})
    return [
        f"{where}: {v['id']} ({v['impact']}): {v['help']} at {[node['target'] for node in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]
