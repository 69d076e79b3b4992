"""Shared test helpers: run the real command line, copy fixture sites, fingerprint output trees."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TODAY = "2026-12-04"


def run_cli(*args: str, cwd: Path | None = None, timeout: int = 120, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run build.py as a user would, returning its exit status and output."""
    return subprocess.run(
        [sys.executable, str(REPO / "build.py"), *args],
        capture_output=True,
        text=True,
        cwd=cwd or REPO,
        timeout=timeout,
        env={**os.environ, **env} if env else None,
    )


def build_site(source: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return run_cli("build", "--source", str(source), "--out", str(out), "--today", TODAY, "--no-search", *extra)


def tree_digest(root: Path) -> dict[str, str]:
    """Every file below root with the hash of its bytes."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def copy_built_site(built: Path, out: Path) -> None:
    """A copy of a built site at out, with its manifest, as if built there: the manifest names
    the folder it describes (its inode), which the copy's is not."""
    shutil.copytree(built, out)
    manifest = json.loads((built.parent / f".{built.name}.manifest.json").read_text())
    manifest["tree"] = out.stat().st_ino
    (out.parent / f".{out.name}.manifest.json").write_text(json.dumps(manifest))


def language_of_page(site: Path, page: Path) -> str:
    """The language code of a built page: es for one below es/, else en."""
    return "es" if page.relative_to(site).parts[0] == "es" else "en"


def interface(code: str):
    """The interface's gettext in a language, from the repository's catalogues: what a test
    expects a page in that language to say where an English page says a message."""
    from sitegen import i18n

    return i18n.translations(i18n.LOCALES, code).gettext


def fixture_texts(code: str) -> dict:
    """The basic fixture's site texts in a language (data/site.yaml, with its es: map)."""
    import yaml

    site = yaml.safe_load((FIXTURES / "basic/data/site.yaml").read_text(encoding="utf-8"))
    texts = {key: site[key] for key in ("name", "after_hours", "emergency")}
    texts["footer_links"] = [link["text"] for link in site.get("footer_links", [])]
    if code != "en":
        texts.update(site.get(code, {}))
        texts["footer_links"] = [link.get(code, {}).get("text", link["text"]) for link in site.get("footer_links", [])]
    return texts


def copy_fixture(name: str, dest: Path) -> Path:
    target = dest / name
    shutil.copytree(FIXTURES / name, target, symlinks=True, ignore=shutil.ignore_patterns(".cache"))
    return target


@pytest.fixture
def basic(tmp_path: Path) -> Path:
    """A fresh, writable copy of the basic fixture site."""
    return copy_fixture("basic", tmp_path)


@pytest.fixture(scope="session")
def basic_site(tmp_path_factory) -> Path:
    """The basic fixture built once (drafts left out, no search index)."""
    out = tmp_path_factory.mktemp("basic-site") / "site"
    result = build_site(FIXTURES / "basic", out)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def content_site(tmp_path_factory) -> Path:
    """The real content of the repository, built once with its search index."""
    out = tmp_path_factory.mktemp("content-site") / "site"
    result = run_cli("build", "--out", str(out), "--today", TODAY)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright, started once (skipped where it is missing,
    unless REQUIRE_BROWSER=1)."""
    from browser import launch
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


def pytest_report_header(config):
    """Debian's Chromium updates under a pinned Playwright: show both in every test log."""
    import shutil
    import subprocess
    from importlib.metadata import version

    chromium = shutil.which("chromium")
    shown = subprocess.run([chromium, "--version"], capture_output=True, text=True).stdout.strip() if chromium else "not installed"
    return [f"playwright {version('playwright')}; chromium: {shown}"]
