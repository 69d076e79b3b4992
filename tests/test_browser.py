"""Real Chromium through Playwright: accessibility (axe-core), the CSP from _headers, requests
that stay on the site, keyboard use, reflow at 320 px, and the pages with JavaScript off."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import axe_violations
from playwright.sync_api import expect
from serving import serve_site
from sitecheck import html_pages

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def sites(content_site: Path, basic_site: Path):
    """Both built sites, served with their own _headers: [(origin, [url paths])]."""
    with serve_site(content_site) as content_origin, serve_site(basic_site) as basic_origin:
        yield [(content_origin, _paths(content_site)), (basic_origin, _paths(basic_site))]


def _paths(site: Path) -> list[str]:
    paths = []
    for page in html_pages(site):
        rel = page.relative_to(site).as_posix()
        paths.append(rel if rel == "404.html" else rel.removesuffix("index.html"))
    return paths


def test_axe_finds_no_violations_on_any_page(browser, sites):
    context = browser.new_context()
    page = context.new_page()
    failures = []
    checked = 0
    for origin, paths in sites:
        for path in paths:
            page.goto(origin + path)
            checked += 1
            failures += axe_violations(page, path)
    context.close()
    assert checked == sum(len(paths) for _, paths in sites) > 80
    assert failures == []


def test_csp_holds_and_nothing_leaves_the_site(browser, sites):
    context = browser.new_context()
    page = context.new_page()
    errors, requested = [], []
    page.on("console", lambda message: errors.append(f"{page.url}: {message.text}") if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    page.on("request", lambda request: requested.append(request.url))
    hosts = {origin.split("/")[2] for origin, _ in sites}
    for origin, paths in sites:
        for path in paths:
            response = page.goto(origin + path)
            assert "content-security-policy" in response.headers, path
            expect(page.locator("h1")).to_have_count(1)
    context.close()
    # 404.html answers unknown paths with status 404, which Chromium logs as a console error.
    assert [e for e in errors if "404 (Not Found)" not in e] == []
    assert [url for url in requested if not url.startswith("data:") and url.split("/")[2] not in hosts] == []


def test_keyboard_reaches_skip_link_call_and_search(browser, sites):
    origin, _ = sites[0]
    context = browser.new_context()
    page = context.new_page()
    page.goto(origin + "tumors/chordoma/")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "focus must be visible"
    page.keyboard.press("Enter")
    expect(page).to_have_url(origin + "tumors/chordoma/#main")
    reached = set()
    page.goto(origin + "tumors/chordoma/")
    for _ in range(12):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.getAttribute('href') || document.activeElement.id"))
    assert "tel:+19195550100" in reached
    assert "site-search" in reached
    page.locator("#site-search").focus()
    page.keyboard.type("chordoma")
    page.keyboard.press("Enter")
    expect(page).to_have_url(origin + "search/?q=chordoma")
    context.close()


def test_every_page_reflows_at_320_px(browser, sites):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    wide = []
    for origin, paths in sites:
        for path in paths:
            page.goto(origin + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 320:
                wide.append(f"{path}: {width}px")
    context.close()
    assert wide == []


def test_core_pages_work_without_javascript(browser, sites):
    origin, _ = sites[0]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(origin + "search/?q=mri")
    assert "Search needs JavaScript" in page.locator("main").inner_text()
    page.locator("main noscript a").click()
    expect(page.locator("h1")).to_have_text("A to Z")
    page.goto(origin + "doctors/")
    # Playwright's text engine skips <noscript>, so find the paragraph by CSS and read what renders.
    notice = page.locator("main noscript > p")
    expect(notice).to_be_visible()
    assert "Filtering needs JavaScript. All doctors are listed below." in page.locator("main").inner_text()
    expect(page.locator(".doctor-card").first).to_be_visible()
    expect(page.locator(".doctor-card a[href^='tel:']").first).to_be_visible()
    # The finders' forms are laid out from the first paint only where scripts run (site.css).
    expect(page.locator("[data-finder-filters]")).to_be_hidden()
    expect(page.locator("[data-finder-distance]")).to_be_hidden()
    context.close()


# One page of each kind in the basic fixture (with the site's own pages and the 404 page).
EVERY_KIND = [
    "",
    "tumors/",
    "tumors/chordoma/",
    "tests/mri/",
    "treatments/surgery/",
    "visiting/",
    "appointments/",
    "doctors/",
    "doctors/dr-sample-lee/",
    "locations/",
    "locations/durham/",
    "search/",
    "a-z/",
    "404.html",
]
# The same in Spanish, whose longer words must fit the same first screen.
SPANISH_KINDS = [
    "es/",
    "es/tumors/",
    "es/tumors/chordoma/",
    "es/doctors/",
    "es/doctors/dr-sample-lee/",
    "es/locations/",
    "es/locations/durham/",
    "es/search/",
    "es/a-z/",
    "es/404.html",
]


@pytest.mark.parametrize("code", ["en", "es"])
def test_phone_header_leaves_the_heading_on_the_first_screen(browser, sites, code):
    """At 375 x 667 with JavaScript off the header is short: the h1 starts within 400 px, the
    call line and the whole emergency sentence are on screen, and the menu is behind "Menu";
    in English, and in Spanish with its longer words."""
    from conftest import fixture_texts, interface

    say = interface(code)
    sentence = fixture_texts(code)["emergency"]
    origin, paths = sites[1]
    context = browser.new_context(viewport={"width": 375, "height": 667}, java_script_enabled=False)
    page = context.new_page()
    low = []
    for path in EVERY_KIND if code == "en" else SPANISH_KINDS:
        assert path in paths, path
        page.goto(origin + path)
        top = page.locator("h1").bounding_box()["y"]
        if top >= 400:
            low.append(f"{path}: h1 at {top:.0f}px")
        header = page.locator(".site-header")
        expect(header.locator(".call-line")).to_be_in_viewport()
        expect(header.locator(".call-line a[href='tel:+19195550100']")).to_be_visible()
        expect(header.locator(".emergency")).to_contain_text(sentence)
        expect(header.locator(".emergency")).to_be_in_viewport(ratio=1)
        menu = page.get_by_role("navigation", name=say("Main"), exact=True)
        expect(menu.get_by_role("link")).to_have_count(0)
        menu.locator("summary", has_text=say("Menu")).click()
        expect(menu.get_by_role("link")).to_have_count(6)
        for link in menu.get_by_role("link").all():
            expect(link).to_be_visible()
        if path.removeprefix("es/").startswith("tumors/"):
            current = "page" if path.removeprefix("es/") == "tumors/" else "true"
            expect(menu.get_by_role("link", name=say("Tumor types"))).to_have_attribute("aria-current", current)
    context.close()
    assert low == []


def test_wide_screens_show_the_menu_as_a_bar(browser, sites):
    origin, _ = sites[1]
    context = browser.new_context(viewport={"width": 1024, "height": 768}, java_script_enabled=False)
    page = context.new_page()
    page.goto(origin + "tumors/chordoma/")
    menu = page.get_by_role("navigation", name="Main")
    expect(menu.locator("summary")).to_be_hidden()
    expect(menu.get_by_role("link")).to_have_count(6)
    expect(menu.get_by_role("link", name="Tumor types")).to_have_attribute("aria-current", "true")
    expect(menu.get_by_role("link", name="Appointments")).to_be_in_viewport()
    context.close()


@pytest.mark.parametrize("width", [1024, 375])
def test_a_printed_medical_page_keeps_the_text_call_line_and_emergency(browser, sites, width):
    """Printed, a tumor, test or treatment page keeps its text, the review stamp, the call
    line, the emergency sentence and its sources, and drops the menu, search and skip link."""
    import yaml
    from conftest import FIXTURES

    sentence = yaml.safe_load((FIXTURES / "basic/data/site.yaml").read_text())["emergency"]
    origin, _ = sites[1]
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.emulate_media(media="print")
    for path in ("tumors/chordoma/", "tests/mri/", "treatments/surgery/"):
        page.goto(origin + path)
        expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
        expect(page.locator(".main-nav summary")).to_be_hidden()
        expect(page.locator(".site-header form[role=search]")).to_be_hidden()
        expect(page.locator("#site-search")).to_be_hidden()
        expect(page.locator(".skip-link")).to_be_hidden()
        expect(page.locator(".call-bar")).to_be_hidden()  # the header's call line is the one printed
        expect(page.locator(".site-header .call-line")).to_be_visible()
        expect(page.locator(".site-header .call-line")).to_contain_text("919-555-0100")
        expect(page.locator(".site-header .emergency")).to_be_visible()
        expect(page.locator(".site-header .emergency")).to_contain_text(sentence)
        expect(page.locator("main h1")).to_be_visible()
        expect(page.locator("main h2").first).to_be_visible()
        expect(page.locator(".review-stamp")).to_be_visible()
        sources = page.locator("main .sources")
        for i in range(sources.count()):  # where the page lists its sources
            expect(sources.nth(i)).to_be_visible()
    context.close()


# The figure of where in the spine a tumor grows (components/spine_map.html), on every screen.
MARKS = """() => [...document.querySelectorAll('.spine-part')].map(part => {
  const shape = getComputedStyle(part.querySelector('.spine-shape'));
  const box = part.closest('svg').getBoundingClientRect();
  return {here: part.classList.contains('is-here'), fill: shape.fill, stroke: shape.stroke, width: parseFloat(shape.strokeWidth),
          shown: box.width > 0 && box.height > 0 && getComputedStyle(part.closest('svg')).display !== 'none'};
})"""


def _marks_stand_apart(page, path: str) -> None:
    """Every part of both drawings is shown, and the marked ones differ from the rest by the
    width of their outline and by their fill (stripes), whatever the colours."""
    marks = page.evaluate(MARKS)
    assert len(marks) == 8 and all(mark["shown"] for mark in marks), path
    marked = [mark for mark in marks if mark["here"]]
    others = [mark for mark in marks if not mark["here"]]
    assert marked and others, path
    assert min(mark["width"] for mark in marked) > max(mark["width"] for mark in others), path
    assert all(mark["fill"].startswith("url(") for mark in marked) and not any(mark["fill"].startswith("url(") for mark in others), path
    assert {mark["stroke"] for mark in marked}.isdisjoint({mark["stroke"] for mark in others}), path


@pytest.mark.parametrize(
    ("viewport", "media"),
    [
        ({"width": 320, "height": 640}, {}),
        ({"width": 1024, "height": 800}, {"forced_colors": "active"}),
        ({"width": 320, "height": 640}, {"forced_colors": "active", "color_scheme": "dark"}),
        ({"width": 375, "height": 800}, {"media": "print"}),
    ],
    ids=["320px", "forced-colors", "forced-colors-dark-320px", "print"],
)
def test_the_spine_figure_shows_where_on_a_phone_in_high_contrast_and_in_print(browser, sites, viewport, media):
    origin, paths = sites[1]
    tumors = [path for path in paths if path.startswith("tumors/") and path != "tumors/"]
    assert len(tumors) >= 2
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.emulate_media(**media)
    for path in tumors:
        page.goto(origin + path)
        figure = page.locator(".spine-map")
        expect(figure).to_be_visible()
        expect(figure.locator(".spine-map-text")).to_contain_text("Usually grows in:")
        for svg in figure.locator("svg[role=img]").all():
            expect(svg).to_be_visible()
            box = svg.bounding_box()
            assert box["width"] > 200 and box["x"] + box["width"] <= viewport["width"], f"{path}: {box}"
            assert abs(box["height"] / box["width"] - float(svg.get_attribute("height")) / float(svg.get_attribute("width"))) < 0.02
        expect(figure.locator(".spine-here").first).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], path
        _marks_stand_apart(page, path)
    context.close()
