"""Starting Debian's Chromium through Playwright, or skipping (failing where CI requires it)."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def launch(playwright):
    if not os.path.exists(CHROMIUM) and not shutil.which("chromium"):
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("REQUIRE_BROWSER=1 but /usr/bin/chromium is missing; run `make test` as root to install it")
        pytest.skip("Chromium is not installed (Debian package chromium)")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    return browser
