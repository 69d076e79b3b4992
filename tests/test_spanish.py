"""Spanish pages: a translation is content/es/ plus its English page's path, published at /es/
plus its address, of its English page's kind, linked both ways, and checked against the English
text it was made from. The cases are read from the fixture's content/es/, not listed here."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import FIXTURES, TODAY, build_site, copy_fixture, run_cli

from sitegen.content import load_page, translation_digest
from sitegen.kinds import index_path, place
from sitegen.problems import Problems

BASIC = FIXTURES / "basic"
CONTENT = BASIC / "content"


def _draft(path: Path) -> bool:
    return "\ndraft: true" in path.read_text(encoding="utf-8")


def _english_pages() -> list[str]:
    """The English address of every published page of the fixture."""
    return sorted(
        place(p.relative_to(CONTENT).as_posix())[0]
        for p in CONTENT.rglob("*.md")
        if p.parent.name != "media" and p.relative_to(CONTENT).parts[0] != "es" and not _draft(p)
    )


def _translated() -> dict[str, str]:
    """English address → Spanish address of each published translation in the fixture, and
    of the list page of each folder that has one (made where there is no _index.md)."""
    found = {}
    for path in sorted((CONTENT / "es").rglob("*.md")):
        if not _draft(path):
            english = place(path.relative_to(CONTENT / "es").as_posix())[0]
            found[english] = place(path.relative_to(CONTENT).as_posix())[0]
            if english.count("/") == 3:  # /tumors/chordoma/: its folder's list page
                found.setdefault(english.rsplit("/", 2)[0] + "/", "/es" + english.rsplit("/", 2)[0] + "/")
    return found


TRANSLATED = _translated()
UNTRANSLATED = [url for url in _english_pages() if url not in TRANSLATED]


def test_the_fixture_has_pages_of_both_sorts():
    assert TRANSLATED and UNTRANSLATED
    assert "/" in TRANSLATED, "a site with Spanish pages has a Spanish home page"


def _html(site: Path, url: str) -> str:
    return (site / index_path(url)).read_text(encoding="utf-8")


def _alternates(html: str) -> dict[str, str]:
    return dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html))


@pytest.mark.parametrize("english", sorted(TRANSLATED))
def test_a_translation_and_its_english_page_name_each_other(basic_site: Path, english: str):
    spanish = TRANSLATED[english]
    es, en = _html(basic_site, spanish), _html(basic_site, english)
    assert '<html lang="es">' in es and '<html lang="en">' in en
    both = {"en": f"https://example.org{english}", "es": f"https://example.org{spanish}", "x-default": f"https://example.org{english}"}
    assert _alternates(es) == both == _alternates(en)
    assert f'<link rel="canonical" href="https://example.org{spanish}">' in es
    switcher = en.split('class="wrap language-switcher"')[1].split("</nav>")[0]
    assert f'<a href="{spanish}" hreflang="es" lang="es">Español</a>' in switcher
    switcher = es.split('class="wrap language-switcher"')[1].split("</nav>")[0]
    assert f'<a href="{english}" hreflang="en" lang="en">English</a>' in switcher
    assert "not-translated" not in en


@pytest.mark.parametrize("english", UNTRANSLATED)
def test_a_page_not_yet_in_spanish_says_so_in_spanish_and_offers_help(basic_site: Path, english: str):
    html = _html(basic_site, english)
    assert _alternates(html) == {}, "the Spanish pages it offers instead are not its alternate"
    section = "/" + english.strip("/").split("/")[0] + "/"
    instead = f"/es{section}" if section in TRANSLATED or (basic_site / "es" / section.strip("/")).is_dir() else "/es/"
    line = re.search(r'<p class="wrap not-translated" lang="es">(.*?)</p>', html, re.S)
    assert line, english
    assert "Esta página aún no está en español." in line[1] and f'<a href="{instead}">' in line[1]
    assert 'href="tel:+19195550100"' in line[1], "how to call for help in Spanish"
    switcher = html.split('class="wrap language-switcher"')[1].split("</nav>")[0]
    assert (
        f'<span lang="es"><a href="{instead}">Español</a> (esta página aún no está en español)</span>' in switcher
        and "hreflang" not in switcher
    )


def test_a_spanish_body_leads_its_links_to_spanish_pages_and_marks_the_english_ones(basic_site: Path):
    html = _html(basic_site, "/es/")
    assert '<a href="/es/tumors/chordoma/">cordoma</a>' in html, "a translated page: its Spanish address"
    assert '<a href="/es/doctors/?condition=chordoma">Busque un médico</a>' in html, "a page of the site's own, in Spanish"
    marked = '<a href="/tumors/schwannoma/#what-it-is" hreflang="en">schwannoma</a> <span class="in-other-language">(en inglés)</span>'
    assert marked in html, "a page only in English: its English address, said to be in English"


def test_a_translation_lists_what_its_english_page_does_in_its_language(basic_site: Path):
    """A tumor's tests and treatments come from its English page (its shared fields); each is
    shown in Spanish where translated, else in English, marked."""
    html = _html(basic_site, "/es/tumors/chordoma/")
    mri = re.search(r'<li class="card" lang="en">\s*<h3 class="card-title"><a href="/tests/mri/" hreflang="en">MRI</a>', html)
    assert mri, "the English test page, marked as English"
    assert '"inLanguage":"es-US"' in html


def test_the_spanish_section_lists_only_spanish_pages(basic_site: Path):
    html = _html(basic_site, "/es/tumors/")
    listed = set(re.findall(r'<h3 class="card-title"><a href="([^"]+)"', html))
    assert listed == {spanish for spanish in TRANSLATED.values() if spanish.startswith("/es/tumors/") and spanish != "/es/tumors/"}
    left = [url for url in UNTRANSLATED if url.startswith("/tumors/") and url != "/tumors/"]
    said = re.search(r'<p class="english-only">(.*?)</p>', html)
    assert left and said, "how many are in English only, and where"
    assert ("Una página más" if len(left) == 1 else f"Otras {len(left)} páginas") in said[1] and 'href="/tumors/" hreflang="en"' in said[1]


def test_the_spanish_a_to_z_lists_only_spanish_pages(basic_site: Path):
    html = _html(basic_site, "/es/a-z/")
    pages = {href for href in re.findall(r'href="(/[^"]*)"', html.split("<main")[1].split("</main>")[0])}
    content = {href for href in pages if href.startswith(("/es/tumors/", "/es/tests/", "/es/treatments/", "/tumors/", "/tests/"))}
    sections = {url.rsplit("/", 2)[0] + "/" for url in UNTRANSLATED if url.count("/") == 3}  # list pages made of folders
    left = {url for url in UNTRANSLATED if url != "/"} | {section for section in sections if section not in TRANSLATED}
    assert f"Otras {len(left)} páginas están solo en inglés" in html and 'href="/a-z/" hreflang="en"' in html
    assert content == {url for url in TRANSLATED.values() if url.startswith(("/es/tumors/", "/es/tests/", "/es/treatments/"))}


def test_the_sitemap_names_each_translation_beside_its_english_page(basic_site: Path):
    sitemap = (basic_site / "sitemap.xml").read_text()
    assert 'xmlns:xhtml="http://www.w3.org/1999/xhtml"' in sitemap
    for english, spanish in TRANSLATED.items():
        for url in (english, spanish):
            entry = sitemap.split(f"<loc>https://example.org{url}</loc>")[1].split("</url>")[0]
            assert f'<xhtml:link rel="alternate" hreflang="es" href="https://example.org{spanish}"/>' in entry
            assert f'<xhtml:link rel="alternate" hreflang="x-default" href="https://example.org{english}"/>' in entry
    assert "<loc>https://example.org/es/doctors/</loc>" in sitemap


def _check(source: Path) -> subprocess.CompletedProcess:
    return run_cli("check", "--source", str(source), "--today", TODAY)


ES_CHORDOMA = "content/es/tumors/chordoma.md"


def _line(source: Path, rel: str, start: str) -> int:
    """The line of a file that starts so."""
    return next(n for n, line in enumerate((source / rel).read_text(encoding="utf-8").splitlines(), 1) if line.startswith(start))


def _edit(source: Path, rel: str, old: str, new: str) -> None:
    path = source / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda s: _edit(s, ES_CHORDOMA, "reviewed_by:", "group: benign\nreviewed_by:"),
            lambda s: (
                f"{ES_CHORDOMA}:{_line(s, ES_CHORDOMA, 'group:')}: group: comes from the English page content/tumors/chordoma.md; remove it here"
            ),
        ),
        (
            lambda s: (s / "content/es/tumors/nope.md").write_text((s / ES_CHORDOMA).read_text()),
            "content/es/tumors/nope.md:1: file: translates content/tumors/nope.md, which does not exist",
        ),
        (
            lambda s: _edit(s, ES_CHORDOMA, "reviewed_by: dr-sample-lee", "reviewed_by: dr-sample-abbott"),
            lambda s: (
                f"{ES_CHORDOMA}:{_line(s, ES_CHORDOMA, 'reviewed_by:')}: reviewed_by: dr-sample-abbott does not list Spanish among their languages"
            ),
        ),
        (
            lambda s: _edit(s, ES_CHORDOMA, "translated_from: sha256:", "translated_from: sha1:"),
            lambda s: (
                f"{ES_CHORDOMA}:{_line(s, ES_CHORDOMA, 'translated_from:')}: translated_from: should be sha256: and 64 letters and digits"
            ),
        ),
        (
            lambda s: _edit(s, "content/es/_index.md", "reviewed_by: dr-sample-lee", "reviewed_by: dr-sample-lee\ndraft: true"),
            f"{ES_CHORDOMA}:1: file: is a Spanish page, and the site has no Spanish home page yet",
        ),
        (
            lambda s: _edit(s, "content/tumors/chordoma.md", "reviewed_by:", "draft: true\nreviewed_by:"),
            f"{ES_CHORDOMA}:1: file: translates content/tumors/chordoma.md, a draft",
        ),
    ],
    ids=["shared field", "no English page", "reviewer not reading Spanish", "translated_from", "no Spanish home", "English draft"],
)
def test_the_checks_of_a_translation(basic: Path, edit, expected):
    edit(basic)
    expected = expected(basic) if callable(expected) else expected
    result = _check(basic)
    assert result.returncode == 1, result.stderr
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_an_english_edit_leaves_its_translation_out_of_date_until_retranslated(basic: Path):
    assert "warning" not in _check(basic).stdout
    _edit(basic, "content/tumors/chordoma.md", "Chordoma is a rare cancer.", "Chordoma is a rare bone cancer.")
    result = _check(basic)
    assert result.returncode == 0
    assert (
        f"{ES_CHORDOMA}:{_line(basic, ES_CHORDOMA, 'translated_from:')}: warning: translated_from: the English page content/tumors/chordoma.md has changed since"
        in result.stderr
    )
    # a change of line breaks only is no change of the text
    _edit(basic, "content/tumors/chordoma.md", "Chordoma is a rare bone cancer.", "Chordoma is a rare bone\ncancer.")
    retranslated = run_cli("review", "--source", str(basic), "--retranslated", ES_CHORDOMA)
    assert retranslated.returncode == 0 and retranslated.stdout.startswith(f"Translation brought up to date: {ES_CHORDOMA}")
    assert "warning: translated_from" not in _check(basic).stderr
    english = load_page(basic / "content/tumors/chordoma.md", "content/tumors/chordoma.md", "tumors/chordoma.md", Problems())
    assert f"translated_from: {translation_digest(english)}" in (basic / ES_CHORDOMA).read_text()
    _edit(basic, "content/tumors/chordoma.md", "bone\ncancer.", "bone cancer.")
    assert "warning: translated_from" not in _check(basic).stderr, "white space is normalised"


def test_translate_writes_a_draft_of_the_page_to_translate_and_never_overwrites(basic: Path):
    result = run_cli("translate", "--source", str(basic), "content/tests/mri.md", "--to", "es")
    assert result.returncode == 0, result.stderr
    written = basic / "content/es/tests/mri.md"
    text = written.read_text()
    english = load_page(basic / "content/tests/mri.md", "content/tests/mri.md", "tests/mri.md", Problems())
    assert f"translated_from: {translation_digest(english)}" in text and "\ndraft: true" in text
    assert 'title: "MRI"' in text and english.body in text
    assert _check(basic).returncode == 0, "a draft translation checks clean (and is left out)"
    again = run_cli("translate", "--source", str(basic), "content/tests/mri.md", "--to", "es")
    assert again.returncode == 1 and "already exists; nothing was written" in again.stderr
    assert written.read_text() == text
    of_spanish = run_cli("translate", "--source", str(basic), ES_CHORDOMA, "--to", "es")
    assert of_spanish.returncode == 1 and "is a Spanish page; translate its English page" in of_spanish.stderr
    tumor = run_cli("translate", "--source", str(basic), "content/tumors/schwannoma.md", "--to", "es")
    assert tumor.returncode == 0
    draft = (basic / "content/es/tumors/schwannoma.md").read_text()
    assert "group:" not in draft and "regions:" not in draft and "tests:" not in draft, "the shared fields stay on the English page"


def test_review_reports_a_translation_outdated_and_retranslated_commits_it(tmp_path: Path):
    source = copy_fixture("basic", tmp_path)

    def git(*args: str) -> str:
        env = {"GIT_AUTHOR_DATE": "2026-11-02T12:00:00", "GIT_COMMITTER_DATE": "2026-11-02T12:00:00"}
        ident = ("-c", "user.name=Sam Editor", "-c", "user.email=editor@example.org", "-c", "commit.gpgsign=false")
        return subprocess.run(
            ["git", *ident, *args], cwd=source, capture_output=True, text=True, check=True, env={**os.environ, **env}
        ).stdout

    git("init", "-q", "-b", "main")
    (source / ".gitignore").write_text(".cache/\n")
    git("add", "-A")
    git(
        "commit",
        "-q",
        "-m",
        "Add the pages\n\nReviewed-by: Avery Lee <dr-sample-lee>\nReviewed-by: Blair Abbott <dr-sample-abbott>\nReviewed-by: Dana Reader <dr-sample-reader>",
    )
    _edit(source, "content/tumors/chordoma.md", "Chordoma is a rare cancer.", "Chordoma is a rare bone cancer.")
    git("commit", "-q", "-am", "Chordoma wording")

    def status(rel: str) -> str:
        rows = json.loads(run_cli("review", "--source", str(source), "--today", TODAY, "--format", "json").stdout)
        return next(row["status"] for row in (rows["pages"] if isinstance(rows, dict) else rows) if row["path"] == rel)

    assert status(ES_CHORDOMA) == "translation-outdated"
    committed = run_cli("review", "--source", str(source), "--retranslated", ES_CHORDOMA, "--commit")
    assert committed.returncode == 0, committed.stderr
    assert git("log", "-1", "--format=%s").strip() == f"Translation brought up to date: {ES_CHORDOMA}"
    assert status(ES_CHORDOMA) == "changed-since-review", "its text changed after its review: a doctor reads it again"


def test_a_spanish_page_scores_its_reading_ease(tmp_path: Path):
    source = copy_fixture("basic", tmp_path)
    result = run_cli("review", "--source", str(source), "--today", TODAY)
    row = next(line for line in result.stdout.splitlines() if line.endswith("es/tumors/chordoma.md"))
    assert re.search(r"\d+\.\d FH \d+", row), row


def test_a_built_spanish_page_is_published_with_the_build(basic: Path, tmp_path: Path):
    result = build_site(basic, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    for spanish in TRANSLATED.values():
        assert (tmp_path / "site" / index_path(spanish)).is_file(), spanish
    for own in ("/es/doctors/", "/es/locations/", "/es/search/", "/es/a-z/"):
        assert (tmp_path / "site" / index_path(own)).is_file(), own
    assert (tmp_path / "site/es/404.html").is_file()
