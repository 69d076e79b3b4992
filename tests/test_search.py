"""Site search in real Chromium: a table of realistic queries, filters, URL state, the no-JS
fallback, accessibility, and a build under a sub-path."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
import yaml
from browser import axe_violations
from conftest import REPO, TODAY, run_cli
from playwright.sync_api import expect
from serving import serve_site

from sitegen.kinds import place

pytestmark = pytest.mark.browser

# (query, a page that must be among the first three results)
QUERIES = [
    ("chordoma", "/tumors/chordoma/"),
    ("cordoma", "/tumors/chordoma/"),
    ("tailbone tumor", "/tumors/chordoma/"),
    ("schwanoma", "/tumors/schwannoma/"),
    ("shwannoma", "/tumors/schwannoma/"),
    ("ependimoma", "/tumors/ependymoma/"),
    ("astrocitoma", "/tumors/astrocytoma/"),
    ("menengioma", "/tumors/meningioma/"),
    ("haemangioma", "/tumors/vertebral-hemangioma/"),
    ("ewings sarcoma", "/tumors/ewing-sarcoma/"),
    ("multiple myeloma", "/tumors/plasmacytoma/"),
    ("neurofibromatosis", "/tumors/neurofibroma/"),
    ("giant cell", "/tumors/giant-cell-tumor/"),
    ("bone cyst", "/tumors/aneurysmal-bone-cyst/"),
    ("cancer spread to the spine", "/tumors/metastatic/"),
    ("cat scan", "/tests/ct-scan/"),
    ("MRI", "/tests/mri/"),
    ("magnetic resonance", "/tests/mri/"),
    ("xray", "/tests/x-ray/"),
    ("PET", "/tests/pet-scan/"),
    ("bone scan", "/tests/bone-scan/"),
    ("myelogram", "/tests/ct-myelogram/"),
    ("needle biopsy", "/tests/biopsy/"),
    ("reflexes", "/tests/neurological-exam/"),
    ("chemo", "/treatments/chemotherapy/"),
    ("radiotherapy", "/treatments/radiation-therapy/"),
    ("proton therapy", "/treatments/radiation-therapy/"),
    ("SBRT", "/treatments/spinal-radiosurgery/"),
    ("cement", "/treatments/kyphoplasty-vertebroplasty/"),
    ("rehab", "/treatments/rehabilitation/"),
    ("watch and wait", "/treatments/watchful-waiting/"),
    ("decompression", "/treatments/decompression-stabilization/"),
    ("Ada Sample", "/doctors/dr-sample/"),
    ("Muster", "/doctors/dr-muster/"),
    ("Raleigh", "/locations/raleigh-clinic/"),
    ("book an appointment", "/appointments/"),
]


@pytest.fixture(scope="module")
def origin(content_site: Path):
    with serve_site(content_site) as served:
        yield served


@pytest.fixture
def page(browser):
    context = browser.new_context()
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    yield tab
    context.close()
    assert errors == []


def top_results(page, origin: str, query: str, n: int = 3) -> list[str]:
    page.goto(origin + "search/?q=" + query.replace(" ", "+"))
    expect(page.locator(".result").first).to_be_visible()
    return page.locator(".result-title a").evaluate_all(f"links => links.slice(0, {n}).map(a => a.getAttribute('href'))")


def test_queries_find_the_right_page(page, origin):
    misses = []
    for query, expected in QUERIES:
        found = top_results(page, origin, query)
        if expected not in found:
            misses.append(f"{query!r}: wanted {expected}, got {found}")
    assert misses == []
    assert len(QUERIES) >= 25


def test_results_show_kind_title_and_highlighted_summary(page, origin):
    top_results(page, origin, "chordoma")
    first = page.locator(".result").first
    expect(first.locator(".result-kind")).to_have_text("Tumor type")
    expect(first.locator(".result-title")).to_have_text("Chordoma")
    expect(first.locator(".result-summary")).to_contain_text("slow-growing bone cancer")
    expect(page.locator("#search-status")).to_have_text(re.compile(r"^\d+ results for \u201cchordoma\u201d\.$"))
    top_results(page, origin, "spine")
    expect(page.locator(".result-summary mark").first).to_have_text("spine", ignore_case=True)


def test_a_misspelling_is_corrected_and_said(page, origin):
    assert top_results(page, origin, "menengioma", 1) == ["/tumors/meningioma/"]
    expect(page.locator("#search-status")).to_have_text(re.compile(r"^Showing \d+ results? for \u201cmeningioma\u201d\.$"))
    instead = page.get_by_role("link", name="menengioma")
    expect(instead).to_have_attribute("href", "?q=menengioma&spell=off")
    instead.click()
    expect(page).to_have_url(origin + "search/?q=menengioma&spell=off")
    expect(page.locator("#search-instead")).to_be_hidden()
    expect(page.locator("#search-status")).to_contain_text("for \u201cmenengioma\u201d")
    top_results(page, origin, "numbness")
    expect(page.locator("#search-status")).to_contain_text("for \u201cnumbness\u201d"), "a word on the site is never corrected"


def test_kind_filters_with_counts_and_url_state(page, origin):
    page.goto(origin + "search/?q=raleigh")
    expect(page.locator(".result").first).to_be_visible()
    location = page.get_by_role("radio", name="Location (1)")
    expect(location).to_be_visible()
    expect(page.get_by_role("radio", name="All (", exact=False)).to_be_checked()
    location.check()
    expect(page).to_have_url(origin + "search/?q=raleigh&kind=Location")
    expect(page.locator(".result")).to_have_count(1)
    expect(page.locator(".result-kind")).to_have_text("Location")
    page.reload()
    expect(page.locator("#search-page-q")).to_have_value("raleigh")
    expect(page.get_by_role("radio", name="Location (1)")).to_be_checked()
    expect(page.locator(".result")).to_have_count(1)


def test_typing_searches_and_keeps_the_query_in_the_url(page, origin):
    page.goto(origin + "search/")
    page.locator("#search-page-q").press_sequentially("ependymoma", delay=20)
    expect(page.locator(".result-title a").first).to_have_attribute("href", "/tumors/ependymoma/")
    expect(page).to_have_url(origin + "search/?q=ependymoma")
    expect(page.locator("#search-status")).to_have_attribute("role", "status")


def test_header_form_lands_on_results_and_keyboard_reaches_them(page, origin):
    page.goto(origin + "tumors/chordoma/")
    page.locator("#site-search").fill("pet scan")
    page.keyboard.press("Enter")
    expect(page).to_have_url(origin + "search/?q=pet+scan")
    expect(page.locator(".result-title a").first).to_have_attribute("href", "/tests/pet-scan/")
    page.locator("#search-page-q").focus()
    for _ in range(8):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('.result') !== null"):
            break
    assert page.evaluate("document.activeElement.getAttribute('href')") == page.locator(".result-title a").first.get_attribute("href")


def test_show_more_results(page, origin):
    page.goto(origin + "search/?q=spine")
    expect(page.locator(".result")).to_have_count(10)
    page.get_by_role("button", name="Show more results").click()
    expect(page.locator(".result").nth(10)).to_be_visible()
    expect(page.locator(".result").nth(10).locator("a")).to_be_focused()


def test_pages_left_out_of_the_index(page, origin, content_site: Path):
    page.goto(origin + "search/?q=Voorbeeld")
    expect(page.locator("#search-status")).to_contain_text("No results")
    indexed = [p for p in content_site.rglob("*.html") if "data-pagefind-body" in p.read_text()]
    entry = json.loads((content_site / "pagefind/pagefind-entry.json").read_text())
    in_spanish = [p for p in indexed if p.relative_to(content_site).parts[0] == "es"]  # an index for each language
    assert entry["languages"]["en"]["page_count"] == len(indexed) - len(in_spanish)
    assert entry["languages"]["es"]["page_count"] == len(in_spanish) > 0
    names = {p.relative_to(content_site).as_posix() for p in indexed}
    left_out = {"404.html", "a-z/index.html", "search/index.html", "doctors/dr-voorbeeld/index.html"}
    assert not names & (left_out | {f"es/{name}" for name in left_out})
    assert {"tumors/chordoma/index.html", "doctors/dr-sample/index.html", "locations/raleigh-clinic/index.html"} <= names


def test_results_page_is_accessible(page, origin):
    top_results(page, origin, "raleigh")
    failures = axe_violations(page, "results")
    page.get_by_role("radio", name="Doctor", exact=False).check()
    expect(page.locator(".result-kind").first).to_have_text("Doctor")
    failures += axe_violations(page, "filtered")
    page.set_viewport_size({"width": 320, "height": 640})
    failures += axe_violations(page, "filtered at 320 px")
    assert failures == []


def test_without_javascript_search_points_to_a_to_z(browser, origin):
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(origin + "tumors/chordoma/")
    tab.locator("#site-search").fill("mri")
    tab.keyboard.press("Enter")
    expect(tab).to_have_url(origin + "search/?q=mri")
    assert "Search needs JavaScript" in tab.locator("main").inner_text()
    expect(tab.locator("main noscript a")).to_have_attribute("href", "/a-z/")
    context.close()


def test_search_under_a_sub_path(browser, tmp_path_factory):
    out = tmp_path_factory.mktemp("spine") / "site"
    result = run_cli("build", "--out", str(out), "--today", TODAY, "--base-url", "https://example.org/spine/")
    assert result.returncode == 0, result.stderr
    with serve_site(out, "/spine/") as origin:
        context = browser.new_context()
        tab = context.new_page()
        tab.goto(origin + "search/?q=chordoma")
        link = tab.locator(".result-title a").first
        expect(link).to_have_attribute("href", "/spine/tumors/chordoma/")
        link.click()
        expect(tab.locator("h1")).to_have_text("Chordoma")
        context.close()


def test_index_is_byte_identical_build_to_build(tmp_path: Path):
    from conftest import tree_digest

    for name in ("a", "b"):
        assert run_cli("build", "--out", str(tmp_path / name), "--today", TODAY, cwd=REPO).returncode == 0
    first, second = tree_digest(tmp_path / "a"), tree_digest(tmp_path / "b")
    assert any(path.startswith("pagefind/index/") for path in first)
    assert first == second


def test_only_hashed_index_files_are_cached_for_a_year(content_site: Path):
    from serving import headers_for, parse_headers

    rules = parse_headers((content_site / "_headers").read_text())
    meta = next(content_site.glob("pagefind/*.pf_meta")).name
    immutable = "public, max-age=31536000, immutable"
    for path in [
        f"/pagefind/{meta}",
        "/pagefind/index/" + next((content_site / "pagefind/index").iterdir()).name,
        "/pagefind/fragment/" + next((content_site / "pagefind/fragment").iterdir()).name,
        "/pagefind/filter/" + next((content_site / "pagefind/filter").iterdir()).name,
    ]:
        assert headers_for(rules, path)["Cache-Control"] == immutable, path
    for path in ["/pagefind/pagefind.js", "/pagefind/pagefind-entry.json", "/pagefind/wasm.en.pagefind", "/search/", "/"]:
        assert headers_for(rules, path)["Cache-Control"] == "public, max-age=300, must-revalidate", path
    assert "'wasm-unsafe-eval'" in headers_for(rules, "/search/")["Content-Security-Policy"]


# Spanish queries, each with the Spanish page it must find among the first three: Pagefind
# keeps an index for each <html lang>, and /es/search/ asks the Spanish one.
SPANISH_QUERIES = [
    ("cordoma", "/es/tumors/chordoma/"),
    ("resonancia magnetica", "/es/tests/mri/"),
    ("tomografia", "/es/tests/ct-scan/"),
    ("biopsia", "/es/tests/biopsy/"),
    ("radioterapia", "/es/treatments/radiation-therapy/"),
    ("meningioma", "/es/tumors/meningioma/"),
]


def spanish_results(page, origin: str, query: str) -> list[str]:
    page.goto(origin + "es/search/?q=" + query.replace(" ", "+"))
    expect(page.locator(".result").first).to_be_visible()
    return page.locator(".result-title a").evaluate_all("links => links.map(a => a.getAttribute('href'))")


def test_spanish_search_finds_spanish_pages_only(page, origin):
    misses = []
    for query, expected in SPANISH_QUERIES:
        found = spanish_results(page, origin, query)
        if expected not in found[:3]:
            misses.append(f"{query!r}: wanted {expected}, got {found[:3]}")
        english = [href for href in found if not href.startswith("/es/")]
        if english:
            misses.append(f"{query!r}: English pages in the Spanish results: {english}")
    assert misses == []
    expect(page.locator("#search-status")).not_to_contain_text("results for")  # said in Spanish
    english = top_results(page, origin, "chordoma", 20)
    assert english and not [href for href in english if href.startswith("/es/")], "and the English search finds no Spanish page"


def _spanish_titles(site: Path) -> dict[str, str]:
    """Address → heading of every Spanish page in the Spanish index, read from the built site."""
    found = {}
    for path in sorted((site / "es").rglob("index.html")):
        html = path.read_text(encoding="utf-8")
        heading = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
        if "data-pagefind-body" in html and heading:
            found["/" + path.parent.relative_to(site).as_posix() + "/"] = re.sub(r"<[^>]+>", "", heading.group(1)).strip()
    return found


def _unaccented(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def test_spanish_search_finds_each_spanish_page_by_its_title_with_or_without_accents(page, origin, content_site: Path):
    titles = _spanish_titles(content_site)
    assert len(titles) >= 30 and any(_unaccented(t) != t for t in titles.values())
    misses = []
    for url, title in titles.items():
        for query in dict.fromkeys([title, _unaccented(title)]):
            found = spanish_results(page, origin, query)[:3]
            if url not in found:
                misses.append(f"{query!r}: wanted {url}, got {found}")
    assert misses == []


def _names(path: Path) -> list[str]:
    meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
    return [meta["title"], *meta.get("also_known_as", [])]


def _named(words: list[str]) -> set[str]:
    """The Spanish pages of the repository whose names, or their English page's, hold one of words
    (each compared whole, without accents): the pages a synonym of them should find."""
    content = REPO / "content"
    found = set()
    for path in (content / "es").rglob("*.md"):
        english = content / path.relative_to(content / "es")
        names = " " + " ".join(_unaccented(n).lower() for n in _names(path) + (_names(english) if english.exists() else [])) + " "
        names = re.sub(r"[^a-z0-9]+", " ", names)
        if any(f" {_unaccented(word).lower()} " in names for word in words):
            found.add(place(path.relative_to(content).as_posix())[0])
    return found


def test_spanish_synonyms_find_the_pages_they_name(page, origin):
    """Each Spanish synonym of data/synonyms.yaml (es:) finds a Spanish page named by a word it
    means, among the first five."""
    synonyms = yaml.safe_load((REPO / "data" / "synonyms.yaml").read_text(encoding="utf-8"))["es"]
    misses, checked = [], 0
    for phrase, words in synonyms.items():
        wanted = _named(words)
        if not wanted:
            continue  # a word no Spanish page has yet
        checked += 1
        found = spanish_results(page, origin, phrase)[:5]
        if not wanted & set(found):
            misses.append(f"{phrase!r}: wanted one of {sorted(wanted)}, got {found}")
    assert checked >= 10 and misses == []


def test_a_spanish_misspelling_is_corrected_from_the_spanish_words(page, origin, content_site: Path):
    """A Spanish word with a letter left out is corrected to the word, said in Spanish, and a
    word typed without its accents is never "corrected" (the index finds it as it is)."""
    words = json.loads(next((content_site / "assets").glob("search-words.es.*.json")).read_text(encoding="utf-8"))
    english_file = next(p for p in (content_site / "assets").glob("search-words.*.json") if p.name.count(".") == 2)
    english = set(json.loads(english_file.read_text(encoding="utf-8")))
    assert "radiocirugía" in words and "radiocirugía" not in english, "each language has its own word list"
    page.goto(origin + "es/search/?q=radiocirgía")
    expect(page.locator("#search-status")).to_contain_text("\u201cradiocirugía\u201d")
    expect(page.locator("#search-instead")).to_be_visible()
    assert "/es/treatments/spinal-radiosurgery/" in spanish_results(page, origin, "radiocirgía")[:3]
    spanish_results(page, origin, "radiocirugia")
    expect(page.locator("#search-instead")).to_be_hidden()
    expect(page.locator("#search-status")).to_contain_text("\u201cradiocirugia\u201d")
