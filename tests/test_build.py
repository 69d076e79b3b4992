"""End-to-end: build the fixture site with the real command line and inspect what it wrote."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO, TODAY, build_site, copy_fixture, fixture_texts, interface, language_of_page, run_cli, tree_digest
from sitecheck import broken_links, html_pages, jsonld, parse, visible_text


def read(site: Path, rel: str) -> str:
    return (site / rel).read_text(encoding="utf-8")


def test_every_page_kind_is_written(basic_site: Path):
    for rel in [
        "index.html",
        "tumors/index.html",
        "tumors/chordoma/index.html",
        "tests/index.html",
        "tests/mri/index.html",
        "treatments/index.html",
        "treatments/surgery/index.html",
        "appointments/index.html",
        "doctors/index.html",
        "doctors/dr-sample-lee/index.html",
        "doctors/dr-sample-old/index.html",
        "locations/index.html",
        "locations/durham/index.html",
        "search/index.html",
        "a-z/index.html",
        "404.html",
        "sitemap.xml",
        "robots.txt",
        "_headers",
        "_redirects",
    ]:
        assert (basic_site / rel).is_file(), rel
    assert not (basic_site / "treatments/draft-therapy").exists(), "drafts are left out"


def test_every_internal_link_and_asset_resolves(basic_site: Path):
    assert broken_links(basic_site) == []


def test_every_page_has_the_frame(basic_site: Path):
    for page in html_pages(basic_site):
        html = page.read_text()
        code = language_of_page(basic_site, page)
        say = interface(code)  # what the page says, in its language
        assert 'href="tel:+19195550100"' in html, page
        assert say("Call to book") in html
        search = "/es/search/" if code == "es" else "/search/"  # the page's language's
        assert 'role="search"' in html and f'action="{search}"' in html
        banner = say(
            "<strong>Sample data.</strong> The doctors, places and phone numbers on this site are invented examples, not real ones."
        )
        assert banner in html, page
        assert '<meta name="robots" content="noindex">' in html
        assert fixture_texts(code)["footer_links"][0] in html
        assert html.count("<h1") == 1, page
        other_hosts = html.replace('href="https://www.google.com/maps', "").replace(f'href="{NCI_TRIAL_SEARCH}"', "")
        other_hosts = re.sub(r'href="https://www\.cancer\.gov/espanol/[^"]*"', "", other_hosts)  # NCI's trial search, in Spanish
        assert not re.search(r'(src|href)="(https?:)?//(?!example\.org)', other_hosts), page
        assert "<style" not in html and " style=" not in html, "inline styles would need 'unsafe-inline'"
        # No inline script (the CSP has no 'unsafe-inline'): only JSON data blocks, and the site's
        # own deferred files where a page needs one.
        for tag in re.findall(r"<script[^>]*>", html):
            data_blocks = (
                '<script type="application/ld+json">',
                '<script type="application/json" data-finder-places>',
                '<script type="application/json" id="ui-text">',
            )
            data_block = tag in data_blocks
            assert data_block or re.fullmatch(r'<script src="/assets/[a-z-]+\.[0-9a-f]{10}\.js" defer>', tag), (page, tag)


def test_every_page_shows_the_whole_emergency_sentence(basic_site: Path):
    """PRODUCT.md: the whole emergency sentence near the call line on every page, the 404 page
    and the list pages included, and never inside something hidden or closed (a collapsed menu)."""

    pages = html_pages(basic_site)
    assert basic_site / "404.html" in pages and basic_site / "doctors/index.html" in pages
    sentence = {code: fixture_texts(code)["emergency"] for code in ("en", "es")}  # each page's in its language
    missing = [
        page.relative_to(basic_site).as_posix() for page in pages if sentence[language_of_page(basic_site, page)] not in visible_text(page)
    ]
    assert missing == []
    for page in pages:
        code = language_of_page(basic_site, page)
        header = page.read_text(encoding="utf-8").split('<header class="site-header">')[1].split("</header>")[0]
        assert interface(code)("Call to book") in header and sentence[code] in header, page


NCI_TRIAL_SEARCH = "https://www.cancer.gov/research/participate/clinical-trials-search"


def test_every_tumor_page_and_only_they_say_how_to_ask_about_clinical_trials(basic_site: Path):
    tumor_pages = sorted([*(basic_site / "tumors").glob("*/index.html"), *(basic_site / "es/tumors").glob("*/index.html")])
    assert len(tumor_pages) == 3, "the fixture has two tumor pages, and one of them in Spanish"
    for page in html_pages(basic_site):
        html = page.read_text(encoding="utf-8")
        section = re.search(r'<section [^>]*aria-labelledby="clinical-trials-heading"[^>]*>(.*?)</section>', html, re.S)
        if page not in tumor_pages:
            assert section is None and NCI_TRIAL_SEARCH not in html, page
            continue
        assert section, page
        assert "data-pagefind-ignore" in section.group(0), "the same words on every tumor page stay out of the index"
        text = " ".join(re.sub(r"<[^>]+>", " ", section.group(1)).split())
        say = interface(language_of_page(basic_site, page))
        assert f'<h2 id="clinical-trials-heading">{say("Clinical trials")}</h2>' in section.group(1), page
        assert '<a href="tel:+19195550100">919-555-0100</a>' in section.group(1), page
        if language_of_page(basic_site, page) == "en":
            assert f'<a href="{NCI_TRIAL_SEARCH}">' in section.group(1), page
            assert "your choice" in text and "leave" in text and "care team" in text, text
        else:  # the Spanish of the same words, and NCI's guide in Spanish
            assert re.search(r'<a href="https://www\.cancer\.gov/espanol/[^"]+">', section.group(1)), page


def test_medical_pages_carry_stamp_and_emergency(basic_site: Path):
    chordoma = read(basic_site, "tumors/chordoma/index.html")
    assert 'Medically reviewed on <time datetime="2026-10-01">October 1, 2026</time> by' in chordoma
    assert '<a href="/doctors/dr-sample-abbott/">Blair Abbott, MD</a>' in chordoma
    assert 'Next review due <time datetime="2029-10-01">October 1, 2029</time>' in chordoma
    assert "If you have sudden weakness" in chordoma
    biopsy = read(basic_site, "tests/biopsy/index.html")
    assert 'Next review due <time datetime="2027-09-01">September 1, 2027</time>' in biopsy, "the page's own interval wins"
    schwannoma = read(basic_site, "tumors/schwannoma/index.html")
    assert 'Review overdue since <time datetime="2026-06-15">June 15, 2026</time>' in schwannoma
    doctors = read(basic_site, "doctors/index.html")
    assert "Medically reviewed" not in doctors
    appointments = read(basic_site, "appointments/index.html")
    assert "If you have sudden weakness" in appointments
    assert "After 5 p.m. and on weekends" in appointments
    assert "Online scheduling is not offered here" in appointments
    for number in ("919-555-0100", "919-555-0101", "919-555-0102", "919-555-0103"):
        assert number in appointments


def test_today_moves_a_page_from_ok_to_overdue(tmp_path: Path):
    before = build_site(FIXTURES / "basic", tmp_path / "a")
    later = run_cli("build", "--source", str(FIXTURES / "basic"), "--out", str(tmp_path / "b"), "--today", "2029-10-02", "--no-search")
    assert before.returncode == 0 and later.returncode == 0, later.stderr
    assert "Next review due" in read(tmp_path / "a", "tumors/chordoma/index.html")
    assert 'Review overdue since <time datetime="2029-10-01">October 1, 2029</time>' in read(tmp_path / "b", "tumors/chordoma/index.html")


def test_related_pages_both_ways_and_doctors(basic_site: Path):
    chordoma = read(basic_site, "tumors/chordoma/index.html")
    assert 'href="/tests/mri/">MRI</a>' in chordoma and 'href="/treatments/surgery/">Tumor removal surgery</a>' in chordoma
    assert "Avery Lee, MD, PhD" in chordoma and "Blair Abbott, MD" in chordoma
    assert 'href="/doctors/?condition=chordoma"' in chordoma
    mri = read(basic_site, "tests/mri/index.html")
    assert 'href="/tumors/chordoma/">Chordoma</a>' in mri and 'href="/tumors/schwannoma/">Schwannoma</a>' in mri
    schwannoma = read(basic_site, "tumors/schwannoma/index.html")
    assert "Casey Old" not in schwannoma.split("<main")[1].split("Medically reviewed")[0], "inactive doctors are left off tumor pages"


class SpineMap(HTMLParser):
    """What a tumor page's "Where in the spine" figure holds: its drawings' attributes, the text
    of every element with an id, the parts of the spine marked "Usually here" (and their
    labels), and its sentence in words."""

    def __init__(self) -> None:
        super().__init__()
        self.svgs, self.texts, self.marked, self.sentence = [], {}, [], ""
        self._open: list[tuple[str, str | None, set]] = []  # (tag, id, classes) of the elements open now

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = set((attrs.get("class") or "").split())
        if tag == "svg":
            self.svgs.append(attrs)
        if "spine-part" in classes and "is-here" in classes:
            self.marked.append(attrs["data-region"])
        self._open.append((tag, attrs.get("id"), classes))

    def handle_endtag(self, tag):
        while self._open and self._open.pop()[0] != tag:
            pass

    def handle_data(self, data):
        for _, element_id, classes in self._open:
            if element_id:
                self.texts[element_id] = self.texts.get(element_id, "") + data
            if "spine-map-text" in classes:
                self.sentence += data


def test_each_tumor_page_shows_where_in_the_spine_it_grows_in_pictures_and_words(basic_site: Path):
    """The figure comes from the page's own regions: every drawing is an image with a name,
    exactly the parts the page lists are marked, and the sentence names exactly those."""
    import yaml

    from sitegen.kinds import COMPARTMENTS, LEVELS

    pages = sorted(p for p in (FIXTURES / "basic/content/tumors").glob("*.md") if p.name != "_index.md")
    assert len(pages) >= 2
    for path in pages:
        regions = yaml.safe_load(path.read_text().split("---\n")[1])["regions"]
        html = read(basic_site, f"tumors/{path.stem}/index.html")
        figure = html[html.index('<section class="spine-map"') : html.index("</section>", html.index('<section class="spine-map"'))]
        found = SpineMap()
        found.feed(figure)
        assert len(found.svgs) == 2, path.name
        for svg in found.svgs:
            assert svg["role"] == "img" and svg["width"] and svg["height"] and svg["viewbox"]
            for attribute in ("aria-labelledby", "aria-describedby"):
                assert all(found.texts.get(i, "").strip() for i in svg[attribute].split()), f"{path.name}: {attribute} names no text"
        listed = {*regions["levels"], *regions["compartments"]}
        assert sorted(found.marked) == sorted(listed), path.name
        assert figure.count(">Usually here<") == len(listed)
        for value, words in (*LEVELS, *COMPARTMENTS):
            assert (words in found.sentence) == (value in listed), f"{path.name}: {value} in {found.sentence!r}"
        assert "data-pagefind-ignore" in html[: html.index('<section class="spine-map"')].rsplit("<div", 1)[1], "left out of search"


def test_doctors_list_sorted_without_javascript(basic_site: Path):
    html = read(basic_site, "doctors/index.html")
    assert "<noscript><p>Filtering needs JavaScript. All doctors are listed below.</p></noscript>" in html
    names = re.findall(r'class="card-title"><a href="/doctors/[^"]+/">([^<]+)</a>', html)
    assert names == ["Blair Abbott, MD", "Avery Lee, MD, PhD", "Dana Reader, MD"], "active only, by family name; the team after"


def test_finder_cards_carry_what_the_filters_need(basic_site: Path):
    html = read(basic_site, "doctors/index.html")
    card = re.search(r'<li class="card doctor-card" data-id="dr-sample-lee"[^>]*>', html).group(0)
    for attribute in (
        'data-name="Avery Lee"',
        'data-conditions="chordoma schwannoma"',
        'data-specialties="neurosurgery"',
        'data-languages="english spanish"',
        'data-locations="durham"',
        'data-accepting="yes"',
    ):
        assert attribute in card
    assert '<option value="radiation-oncology">Radiation oncology</option>' in html
    places = json.loads(re.search(r"<script type=\"application/json\" data-finder-places>(.*?)</script>", html).group(1))
    assert set(places) == {"durham", "raleigh"} and set(places["durham"]) == {"name", "lat", "lng"}


def test_doctor_photos_or_initials(basic_site: Path):
    listing = read(basic_site, "doctors/index.html")
    assert re.search(r'<img class="portrait" src="/media/portrait\.[0-9a-f]{10}\.png" alt="" width="64" height="64">', listing)
    assert '<span class="initials" aria-hidden="true">BA</span>' in listing
    profile = read(basic_site, "doctors/dr-sample-lee/index.html")
    assert re.search(r'<img class="portrait portrait-large" src="/media/portrait\.[0-9a-f]{10}\.png" alt="Portrait of Avery Lee"', profile)


@pytest.mark.parametrize(
    ("rel", "number"),
    [
        ("index.html", "+19195550100"),
        ("doctors/dr-sample-lee/index.html", "+19195550120"),  # the doctor's own number
        ("doctors/dr-sample-abbott/index.html", "+19195550100"),  # none of their own: the new-patient line
        ("doctors/dr-sample-old/index.html", "+19195550100"),  # no longer here: no call link of their own
        ("locations/durham/index.html", "+19195550110"),
    ],
)
def test_the_phone_call_bar_uses_the_page_own_number(basic_site: Path, rel: str, number: str):
    bar = read(basic_site, rel).split('<div class="call-bar">')[1].split("</div>")[0]
    assert f'href="tel:{number}"' in bar and f">{number[2:5]}-{number[5:8]}-{number[8:]}<" in bar


def test_inactive_provider_page(basic_site: Path):
    html = read(basic_site, "doctors/dr-sample-old/index.html")
    main = html.split("<main")[1].split("</main>")[0]
    assert "No longer seeing patients here" in main
    assert "tel:" not in main
    active = read(basic_site, "doctors/dr-sample-lee/index.html").split("<main")[1]
    assert 'href="tel:+19195550120"' in active and "Accepting new patients" in active
    assert 'href="/tests/mri/">MRI</a>' in active, "the bio's links are rewritten too"
    assert "Pages Avery Lee reviewed" in active


def test_search_page_without_javascript_links_a_to_z(basic_site: Path):
    html = read(basic_site, "search/index.html")
    assert "Search needs JavaScript" in html and 'href="/a-z/"' in html
    a_to_z = read(basic_site, "a-z/index.html")
    for title in ("Chordoma", "MRI", "Avery Lee, MD, PhD", "Sample Clinic, Raleigh"):
        assert f">{title}</a>" in a_to_z
    assert 'Magnetic resonance imaging: see <a href="/tests/mri/">MRI</a>' in a_to_z
    assert "Casey Old" not in a_to_z


def test_claims_are_rendered_with_source(basic_site: Path):
    home = read(basic_site, "index.html")
    assert '<p class="claim">Our team performs more than 1,200 spine surgeries every year.' in home
    assert 'href="https://example.org/quality/">Example Health volume report</a>' in home


def test_media_is_hashed_and_linked(basic_site: Path):
    home = read(basic_site, "index.html")
    match = re.search(r'<img src="/media/spine\.([0-9a-f]{10})\.png" alt="A drawing of the spine"', home)
    assert match, home
    assert (basic_site / f"media/spine.{match.group(1)}.png").read_bytes() == (FIXTURES / "basic/content/media/spine.png").read_bytes()
    css = re.search(r'href="/assets/site\.([0-9a-f]{10})\.css"', home)
    assert css and (basic_site / f"assets/site.{css.group(1)}.css").is_file()


def test_static_files_are_published_as_they_are(basic_site: Path):
    """static/ is copied byte for byte, .well-known/ included; other names that begin with a
    dot are left out, as in content/."""
    static = FIXTURES / "basic/static"
    files = sorted(p.relative_to(static).as_posix() for p in static.rglob("*") if p.is_file())
    assert ".well-known/security.txt" in files and ".notes" in files, "the fixture has both kinds"
    for rel in files:
        published = basic_site / rel
        if rel.startswith(".") and not rel.startswith(".well-known/"):
            assert not published.exists(), rel
        else:
            assert published.read_bytes() == (static / rel).read_bytes(), rel


def test_cdn_files(basic_site: Path):
    headers = read(basic_site, "_headers")
    csp = re.search(r"Content-Security-Policy: (.+)", headers).group(1)
    assert "'unsafe-inline'" not in csp and "default-src 'self'" in csp and "'wasm-unsafe-eval'" in csp
    for header in ("X-Content-Type-Options: nosniff", "Referrer-Policy:", "Permissions-Policy: geolocation=(self)"):
        assert header in headers
    assert "browsing-topics=()" in headers and "interest-cohort" not in headers, "the obsolete FLoC opt-out is replaced"
    assert "  Strict-Transport-Security: max-age=63072000\n" in headers, "a site at its host's root sets HSTS"
    assert "includeSubDomains" not in headers
    assert "/assets/*\n  ! Cache-Control\n  Cache-Control: public, max-age=31536000, immutable" in headers
    assert read(basic_site, "_redirects") == "/old/chordoma.html /tumors/chordoma/ 301\n"
    assert read(basic_site, "robots.txt").endswith("User-agent: *\nDisallow: /\n")
    sitemap = read(basic_site, "sitemap.xml")
    assert "<loc>https://example.org/tumors/chordoma/</loc>\n    <lastmod>2026-10-01</lastmod>" in sitemap
    assert "404" not in sitemap
    locs = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    not_found = [page for page in html_pages(basic_site) if page.name == "404.html"]  # one a language
    assert all(loc.startswith("https://example.org/") for loc in locs) and len(locs) == len(html_pages(basic_site)) - len(not_found)


def test_canonical_and_description(basic_site: Path):
    html = read(basic_site, "tumors/chordoma/index.html")
    assert '<link rel="canonical" href="https://example.org/tumors/chordoma/">' in html
    assert '<meta name="description" content="A rare cancer of the spine bones that grows slowly.">' in html


def test_structured_data(basic_site: Path):
    types = {node["@type"]: node for node in jsonld(basic_site / "tumors/chordoma/index.html")}
    page = types["MedicalWebPage"]
    assert page["lastReviewed"] == "2026-10-01" and page["reviewedBy"]["name"] == "Blair Abbott"
    assert page["about"]["@type"] == "MedicalCondition" and "BreadcrumbList" in types
    assert jsonld(basic_site / "tests/mri/index.html")[0]["about"]["@type"] == "MedicalTest"
    assert jsonld(basic_site / "treatments/surgery/index.html")[0]["about"]["@type"] == "MedicalProcedure"
    doctor = jsonld(basic_site / "doctors/dr-sample-lee/index.html")[0]
    assert doctor["@type"] == "IndividualPhysician" and doctor["address"][0]["postalCode"] == "27701"
    assert doctor["medicalSpecialty"] == ["https://schema.org/Neurologic", "https://schema.org/Surgical"]
    assert "honorificSuffix" not in doctor, "a Person property; IndividualPhysician is an organization type"
    assert page["about"]["possibleTreatment"][0]["@type"] == "MedicalTherapy", "what possibleTreatment expects"
    hospital = jsonld(basic_site / "locations/durham/index.html")[0]
    assert hospital["@type"] == "Hospital" and hospital["geo"]["latitude"] == 36.0010
    assert hospital["openingHoursSpecification"][1] == {
        "@type": "OpeningHoursSpecification",
        "dayOfWeek": ["Saturday"],
        "opens": "08:00",
        "closes": "12:00",
    }
    assert jsonld(basic_site / "locations/raleigh/index.html")[0]["@type"] == "MedicalClinic"
    contact = [n for n in jsonld(basic_site / "appointments/index.html") if n["@type"] == "MedicalOrganization"][0]
    assert {p["telephone"] for p in contact["contactPoint"]} == {"+19195550100", "+19195550101", "+19195550102"}


def test_json_ld_cannot_close_its_script(basic: Path, tmp_path: Path):
    path = basic / "content/tests/mri.md"
    path.write_text(path.read_text().replace("title: MRI", 'title: "MRI </script><script>alert(1)</script> & more"'))
    assert build_site(basic, tmp_path / "site").returncode == 0
    html = (tmp_path / "site/tests/mri/index.html").read_text()
    script = html.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert "<" not in script and json.loads(script)["@graph"][0]["name"].startswith("MRI </script>")
    assert "&lt;/script&gt;&lt;script&gt;" in html, "the title is escaped in HTML too"


def test_two_builds_are_byte_identical_from_any_folder(basic_site: Path, tmp_path: Path):
    again = tmp_path / "again"
    moved = copy_fixture("basic", tmp_path / "elsewhere")
    assert build_site(FIXTURES / "basic", again).returncode == 0
    assert build_site(moved, tmp_path / "moved").returncode == 0
    assert tree_digest(again) == tree_digest(basic_site)
    assert tree_digest(tmp_path / "moved") == tree_digest(basic_site)


@pytest.mark.parametrize("fixture", ["basic", "content"])
def test_one_worker_or_two_give_the_same_bytes(fixture: str, tmp_path: Path):
    source = FIXTURES / "basic" if fixture == "basic" else REPO
    for jobs in ("1", "2"):
        result = run_cli("build", "--source", str(source), "--out", str(tmp_path / jobs), "--today", TODAY, "--jobs", jobs)
        assert result.returncode == 0, result.stderr
    assert tree_digest(tmp_path / "1") == tree_digest(tmp_path / "2")


def test_sub_path_build(tmp_path: Path):
    out = tmp_path / "site"
    result = build_site(FIXTURES / "basic", out, "--base-url", "https://example.org/spine/")
    assert result.returncode == 0, result.stderr
    assert broken_links(out, "/spine/") == []
    for page in html_pages(out):
        for _tag, _attribute, value in parse(page).refs:
            if value.startswith("/"):
                assert value.startswith("/spine/"), f"{page}: {value}"
    not_found = read(out, "404.html")
    assert 'href="/spine/a-z/"' in not_found and 'href="/spine/assets/site.' in not_found
    assert read(out, "_redirects") == "/old/chordoma.html /spine/tumors/chordoma/ 301\n"
    assert "/spine/*\n" in read(out, "_headers") and "/spine/assets/*" in read(out, "_headers")
    assert "Strict-Transport-Security" not in read(out, "_headers"), "a site under a sub-path shares its host's policy"
    assert read(out, "robots.txt").endswith("Disallow: /spine/\n")
    assert "<loc>https://example.org/spine/tumors/chordoma/</loc>" in read(out, "sitemap.xml")


def test_hsts_under_a_sub_path_and_for_subdomains_only_when_site_yaml_asks(basic: Path, tmp_path: Path):
    site_yaml = basic / "data/site.yaml"
    lines = len(site_yaml.read_text().splitlines())
    with site_yaml.open("a") as file:
        file.write("hsts: {under_sub_path: true, include_subdomains: true}\n")
    result = build_site(basic, tmp_path / "asked", "--base-url", "https://example.org/spine/", "--no-search")
    assert result.returncode == 0, result.stderr
    assert "/spine/*\n" in read(tmp_path / "asked", "_headers")
    assert "  Strict-Transport-Security: max-age=63072000; includeSubDomains\n" in read(tmp_path / "asked", "_headers")
    site_yaml.write_text(site_yaml.read_text().replace("include_subdomains: true", "include_subdomains: sure"))
    refused = build_site(basic, tmp_path / "refused", "--no-search")
    assert refused.returncode == 1 and f"data/site.yaml:{lines + 1}: hsts.include_subdomains:" in refused.stderr, refused.stderr


def test_a_new_base_url_reaches_every_link_though_the_templates_were_compiled_before(basic: Path, tmp_path: Path):
    """The compiled templates are kept in the store (.cache/) and the same source is built
    again under a sub-path: no address from the first build may be baked into them."""
    assert build_site(basic, tmp_path / "root").returncode == 0
    assert list((basic / ".cache").glob("templates-*.marshal")), "the compiled templates are where this test expects them"
    result = build_site(basic, tmp_path / "spine", "--base-url", "https://example.org/spine/")
    assert result.returncode == 0, result.stderr
    for page in html_pages(tmp_path / "spine"):
        for _tag, _attribute, value in parse(page).refs:
            if value.startswith("/"):
                assert value.startswith("/spine/"), f"{page}: {value}"


def test_drafts_and_production(tmp_path: Path):
    drafts = build_site(FIXTURES / "basic", tmp_path / "drafts", "--drafts")
    assert drafts.returncode == 0 and (tmp_path / "drafts/treatments/draft-therapy/index.html").is_file()
    refused = build_site(FIXTURES / "basic", tmp_path / "p1", "--production", "--drafts")
    assert refused.returncode == 2 and "--production" in refused.stderr
    production = build_site(FIXTURES / "basic", tmp_path / "p2", "--production")
    assert production.returncode == 1
    assert (
        "data/providers.yaml:1: providers[dr-sample-lee].sample: is sample data; replace it with real data before a production build"
        in production.stderr
    )
    assert "data/site.yaml" in production.stderr and not (tmp_path / "p2").exists()


def test_without_samples_the_site_is_indexable(basic: Path, tmp_path: Path):
    for rel in ("data/providers.yaml", "data/locations.yaml", "data/site.yaml"):
        path = basic / rel
        text = path.read_text().replace("  sample: true\n", "").replace(", sample: true", "")
        path.write_text(re.sub(r"555(0\d)(\d\d)", r"444\1\2", text))
    result = build_site(basic, tmp_path / "site", "--production")
    assert result.returncode == 0, result.stderr
    home = read(tmp_path / "site", "index.html")
    assert "Sample data." not in home and "noindex" not in home
    assert read(tmp_path / "site", "robots.txt") == "User-agent: *\nAllow: /\n\nSitemap: https://example.org/sitemap.xml\n"


def test_sample_number_in_a_page_body_counts(basic: Path, tmp_path: Path):
    path = basic / "content/treatments/surgery.md"
    path.write_text(path.read_text() + "\nCall 919-555-0142 with questions.\n")
    result = build_site(basic, tmp_path / "site", "--production")
    assert "content/treatments/surgery.md:13: phone: 919-555-0142 is a sample number" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--today", "2026-13-01"], "is not a date"),
        (["--base-url", "example.org/spine"], "is not a full web address"),
        (["--base-url", "https://example.org/spine"], "should end with a slash"),
        (["--bogus"], "unrecognized arguments"),
        (["review", "--format", "xml"], "invalid choice"),
    ],
)
def test_bad_usage_exits_2(args: list[str], message: str):
    result = run_cli(*args, "--source", str(FIXTURES / "basic"))
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_help_explains_every_option():
    for command, options in {
        "build": ["--source", "--out", "--base-url", "--drafts", "--production", "--today", "--no-search"],
        "serve": ["--port"],
        "check": ["--source"],
        "review": ["--format", "--fail-on", "--stamp", "--by"],
    }.items():
        result = run_cli(command, "--help")
        assert result.returncode == 0
        for option in options:
            assert option in result.stdout


@pytest.mark.parametrize(
    ("command", "unused"),
    [
        ("new", ["--today", "--drafts", "--production", "--base-url"]),
        ("review", ["--production", "--base-url", "--out"]),
        ("serve", ["--production"]),
    ],
)
def test_each_command_s_help_lists_only_the_options_it_uses(command: str, unused: list[str]):
    result = run_cli(command, "--help")
    assert result.returncode == 0 and not [option for option in unused if option in result.stdout]


def test_a_misspelt_command_gets_a_suggestion():
    result = run_cli("chek")
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == 'build.py: error: "chek" is not a command; did you mean "check"? the commands are build, check, serve, new, translate, review, schemas'
    )


def test_new_writes_a_draft_and_never_overwrites(basic: Path):
    result = run_cli("new", "tumors", "Pilocytic astrocytoma", "--source", str(basic))
    assert result.returncode == 0, result.stderr
    path = basic / "content/tumors/pilocytic-astrocytoma.md"
    text = path.read_text()
    for field in (
        'title: "Pilocytic astrocytoma"',
        "summary:",
        "draft: true",
        "group:",
        "tests:",
        "treatments:",
    ):
        assert field in text
    assert "medically_reviewed" not in text.replace("# Not yet medically reviewed", ""), "new writes no review date"
    assert "reviewed_by:" not in text
    assert "removing draft: true" in result.stdout
    again = run_cli("new", "tumors", "Pilocytic astrocytoma", "--source", str(basic))
    assert again.returncode == 1 and "already exists" in again.stderr
    assert path.read_text() == text
    assert run_cli("check", "--source", str(basic), "--today", TODAY).returncode == 0, "a new draft does not break the site"
    assert run_cli("check", "--source", str(basic), "--today", TODAY, "--drafts").returncode == 1, "until it is filled in"


def test_failed_build_keeps_previous_site_and_leaves_no_staging(basic: Path, tmp_path: Path):
    out = tmp_path / "site"
    assert build_site(basic, out).returncode == 0
    before = tree_digest(out)
    (basic / "content/tests/mri.md").write_text("---\ntitle: MRI\n")
    assert build_site(basic, out).returncode == 1
    assert tree_digest(out) == before
    # The spare tree is made while the site is checked (the next build trusts it only once a
    # build has published it whole); no staging folder is left.
    left = {p.name for p in tmp_path.iterdir()} - {".site.spare", ".site.spare-changing"}
    assert sorted(left) == [".site.lock", ".site.manifest.json", ".site.reads", "basic", "site"], "no staging folder is left"


def test_search_index_is_built_by_default(tmp_path: Path):
    source = copy_fixture("basic", tmp_path)
    result = run_cli("build", "--source", str(source), "--out", str(tmp_path / "site"), "--today", TODAY)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site/pagefind/pagefind.js").is_file()
    shutil.rmtree(tmp_path / "site")


def test_pagefind_runs_after_the_rendering_process_has_exited(tmp_path: Path):
    """The indexer is the biggest user of memory in a build: while it runs, the build's
    process has not loaded the generator (Jinja, Markdown, YAML) and has no other child."""
    source = copy_fixture("basic", tmp_path)
    driver = tmp_path / "driver.py"
    driver.write_text(
        textwrap.dedent(
            f"""
            import json, os, sys
            sys.path.insert(0, {str(REPO)!r})
            import build, sitegen.search as search

            def spy(site, out, run=search._run_pagefind):
                children = [p for p in os.listdir("/proc") if p.isdigit() and open(f"/proc/{{p}}/stat").read().rsplit(")", 1)[1].split()[1] == str(os.getpid())]
                loaded = sorted(m for m in ("jinja2", "markdown_it", "yaml", "sitegen.pipeline") if m in sys.modules)
                print(json.dumps({{"children": children, "loaded": loaded}}), file=sys.stderr)
                return run(site, out)

            search._run_pagefind = spy
            sys.exit(build.main(sys.argv[1:]))
            """
        )
    )
    ran = subprocess.run(
        [sys.executable, str(driver), "build", "--source", str(source), "--out", str(tmp_path / "site"), "--today", TODAY],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    seen = json.loads(ran.stderr.strip().splitlines()[0])
    assert seen == {"children": [], "loaded": []}
    assert (tmp_path / "site/pagefind/pagefind-entry.json").is_file()
    assert not [p for p in tmp_path.iterdir() if ".writer" in p.name], "the handed-over writer is cleaned up"


def test_a_build_process_killed_midway_is_reported_and_publishes_nothing(tmp_path: Path):
    source, out = copy_fixture("basic", tmp_path), tmp_path / "site"
    assert build_site(source, out).returncode == 0
    before = tree_digest(out)
    page = source / "content/tests/mri.md"
    page.write_text(page.read_text().replace("## ", "## About: ", 1))  # work for the child to do
    driver = tmp_path / "driver.py"
    driver.write_text(
        textwrap.dedent(
            f"""
            import os, signal, sys
            sys.path.insert(0, {str(REPO)!r})
            import build, sitegen.pipeline
            sitegen.pipeline.prepare = lambda options, last=None: os.kill(os.getpid(), signal.SIGKILL)  # as the kernel does when memory runs out
            sys.exit(build.main(sys.argv[1:]))
            """
        )
    )
    args = ["build", "--source", str(source), "--out", str(out), "--today", TODAY, "--no-search"]
    ran = subprocess.run([sys.executable, str(driver), *args], capture_output=True, text=True, timeout=120)
    assert ran.returncode == 1
    assert ran.stderr.strip() == "build.py: a build process stopped without an answer (killed by signal 9); nothing was published"
    assert tree_digest(out) == before


def test_what_a_killed_build_left_is_cleared_and_builds_take_turns(tmp_path: Path):
    import fcntl

    source, out = copy_fixture("basic", tmp_path), tmp_path / "site"
    assert build_site(source, out).returncode == 0
    (tmp_path / ".site-staging-k1ll3d").mkdir()
    (tmp_path / ".site-staging-k1ll3d/index.html").write_text("half a site")
    (tmp_path / ".site-staging-k1ll3d.writer").write_bytes(b"")
    (tmp_path / ".other-staging-keep").mkdir()  # another output folder's: not ours to clear
    with open(tmp_path / ".site.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a build of site/ is running
        waiting = subprocess.Popen(
            [sys.executable, str(REPO / "build.py"), "build", "--source", str(source), "--out", str(out), "--today", TODAY, "--no-search"],
            stderr=subprocess.PIPE,
            text=True,
        )
        said = waiting.stderr.readline()  # blocks until the build says it waits
        assert said.startswith("Waiting for another build of site/ to finish") and waiting.poll() is None
        assert (tmp_path / ".site-staging-k1ll3d").exists(), "it touches nothing while it waits"
    _, errors = waiting.communicate(timeout=60)
    assert waiting.returncode == 0, errors
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".other-staging-keep",
        ".site.lock",
        ".site.manifest.json",
        ".site.reads",
        "basic",
        "site",
    ]


@pytest.mark.parametrize(
    ("rel", "current"),
    [
        ("index.html", {}),
        ("tumors/index.html", {"/tumors/": "page"}),
        ("tumors/chordoma/index.html", {"/tumors/": "true"}),
        ("doctors/index.html", {"/doctors/": "page"}),
        ("doctors/dr-sample-lee/index.html", {"/doctors/": "true"}),
        ("a-z/index.html", {}),
    ],
)
def test_the_main_menu_marks_where_the_page_is(basic_site: Path, rel: str, current: dict):
    """The header is made once a build for each state of the menu (Renderer.once): each page
    still gets its own."""
    menu = read(basic_site, rel).split('<nav class="main-nav" aria-label="Main">')[1].split("</nav>")[0]
    assert dict(re.findall(r'<a href="([^"]+)" aria-current="([a-z]+)">', menu)) == current


def test_drafts_left_out_are_named_and_one_line_counts_every_problem(basic: Path, tmp_path: Path):
    drafts = sorted(p.relative_to(basic).as_posix() for p in (basic / "content").rglob("*.md") if "\ndraft: true" in p.read_text())
    assert drafts, "the fixture has a draft"
    note = f"{len(drafts)} draft{'s' if len(drafts) > 1 else ''} left out: {', '.join(drafts)} (preview"
    replace_in = basic / "content/_index.md"
    replace_in.write_text(replace_in.read_text().replace('{{ claim "surgeries" }}', '{{ claim "old-ranking" }}'))  # a warning
    assert run_cli("review", "--source", str(basic), "--retranslated", "content/es/_index.md").returncode == 0, "its translation kept up"
    checked = run_cli("check", "--source", str(basic), "--today", TODAY)
    assert checked.returncode == 0 and note in checked.stderr
    assert checked.stdout.strip().splitlines()[-1].endswith(": no errors, 1 warning.")
    assert "0 errors" not in checked.stdout + checked.stderr, "one summary line, not two"
    for _ in range(2):  # a build, then one with nothing to do, which says the same
        built = build_site(basic, tmp_path / "site", "--no-search")
        assert built.returncode == 0 and note in built.stderr, built.stderr
        assert built.stdout.strip().endswith("(1 warning)."), built.stdout
    previewed = run_cli("check", "--source", str(basic), "--today", TODAY, "--drafts")
    assert "left out: " not in previewed.stderr
