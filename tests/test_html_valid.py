"""Every built page is valid HTML by the Nu Html Checker (vnu-jar on a Java runtime)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO

VNU = REPO / "tools/vnu/node_modules/vnu-jar/build/dist/vnu.jar"


def _vnu() -> list[str]:
    java = shutil.which("java")
    if not (java and VNU.is_file()):
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("the Nu Html Checker needs java and tools/vnu (run `make test`)")
        pytest.skip("java or vnu.jar is missing; `make test` installs them")
    return [java, "-jar", str(VNU)]


def test_every_page_is_valid_html(content_site: Path, basic_site: Path):
    run = subprocess.run(
        [*_vnu(), "--format", "json", "--skip-non-html", str(content_site), str(basic_site)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(run.stderr or run.stdout)["messages"]
    problems = [f"{m.get('url', '')}:{m.get('lastLine', '')}: {m['type']}: {m['message']}" for m in messages if m["type"] != "info"]
    assert problems == []
    checked = len([p for p in content_site.rglob("*.html") if "pagefind" not in p.parts])
    assert checked > 50


def test_the_checker_catches_invalid_html(tmp_path: Path):
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><html lang=en><head><title>x</title></head><body><p><div>no</div></p></body></html>")
    run = subprocess.run([*_vnu(), "--format", "json", str(page)], capture_output=True, text=True, timeout=120)
    assert any(m["type"] == "error" for m in json.loads(run.stderr)["messages"])
