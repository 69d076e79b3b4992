"""Find a doctor and the locations list in real Chromium, with JavaScript on and off: every
filter and their combinations, paging, the URL as the state (reload, Back, shared links), the
sort by distance from a ZIP code or the browser's location, keyboard-only use at 320 px, the
call-to-book bar, and axe-core in every state. Expected lists come from the site's own data."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from browser import axe_violations
from conftest import REPO, TODAY
from playwright.sync_api import Page, expect
from serving import serve_site

from sitegen.geo import distance_miles, miles_display, published_zip_table
from sitegen.markdown import slugify
from sitegen.pipeline import Options, load_and_check

pytestmark = pytest.mark.browser
PHONE = {"width": 320, "height": 640}
DESKTOP = {"width": 1280, "height": 900}
DISTANCE_MESSAGE = "[data-finder-message]"
STATUS = "[data-finder-status]"
CARD = "[data-finder-list] .doctor-card"  # the finder's list: not the team patients do not book with


# -- the site, the browser, and what the data says ------------------------------------------------


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    options = Options(source=REPO, out=tmp_path_factory.mktemp("unused"), today=dt.date.fromisoformat(TODAY))
    result = load_and_check(options)
    assert not result.problems.errors
    return result.model


@pytest.fixture(scope="module")
def origin(content_site: Path):
    with serve_site(content_site) as served:
        yield served


@pytest.fixture
def page(browser, origin) -> Page:
    """A fresh desktop page; every request it makes must stay on the site."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    yield page
    context.close()
    assert [url for url in requested if not url.startswith(origin)] == []
    assert errors == []


@pytest.fixture(scope="module")
def zips() -> dict[str, list[float]]:
    return json.loads(published_zip_table())


def family_order(model, keep=lambda provider: True) -> list[str]:
    """The ids of active doctors patients book with, in the page's own order (by family name),
    filtered by keep."""
    return [p.id for p in model.records_of("doctor") if p.sees_patients and keep(p)]


def nearest_first(model, ids: list[str], lat: float, lng: float) -> list[tuple[str, str]]:
    """(id, "N.N miles to PLACE") sorted by the distance to each doctor's nearest location."""
    rows = []
    for order, provider_id in enumerate(ids):
        provider = model.providers[provider_id]
        miles, place = min((distance_miles(lat, lng, loc.lat, loc.lng), loc.name) for loc in model.named_by(provider.source, "locations"))
        rows.append((miles, order, provider_id, f"{miles_display(miles)} to {place}"))
    return [(provider_id, text) for _, _, provider_id, text in sorted(rows)]


def shown_ids(page: Page) -> list[str]:
    return page.locator(f"{CARD}:not([hidden])").evaluate_all("cards => cards.map(card => card.dataset.id)")


def shown_distances(page: Page) -> list[tuple[str, str]]:
    """(id, the distance line) of every doctor shown, in order."""
    rows = page.locator(f"{CARD}:not([hidden])").evaluate_all(
        "cards => cards.map(card => [card.dataset.id, card.querySelector('[data-distance]').textContent])"
    )
    return [tuple(row) for row in rows]


def expect_list(page: Page, ids: list[str]) -> None:
    """The list shows the first ten of ids, in order, and says so."""
    if ids:
        expect(page.locator(STATUS)).to_have_text(f"Showing {min(10, len(ids))} of {len(ids)} doctor{'s' if len(ids) != 1 else ''}")
    else:
        expect(page.locator(STATUS)).to_have_text("No doctors match these filters.")
    expect(page.locator(f"{CARD}:not([hidden])")).to_have_count(min(10, len(ids)))
    assert shown_ids(page) == ids[:10]


def open_finder(page: Page, origin: str, query: str = "") -> None:
    page.goto(origin + "doctors/" + query)
    expect(page.get_by_role("heading", name="Filter by")).to_be_visible()


# -- without JavaScript --------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "?condition=chordoma&language=spanish&accepting=yes&q=ada&zip=27606"])
def test_without_javascript_every_doctor_is_listed(browser, origin, model, query):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(origin + "doctors/" + query)
    assert "Filtering needs JavaScript. All doctors are listed below." in page.locator("main").inner_text()
    cards = page.locator(CARD)
    expect(cards).to_have_count(len(family_order(model)))
    assert cards.evaluate_all("cards => cards.map(card => card.dataset.id)") == family_order(model)
    # Those patients do not book with are listed after the others, without a call line.
    team = [p.id for p in model.records_of("doctor") if not p.sees_patients]
    assert team, "the site has team members who do not see patients"
    team_cards = page.locator(".team .doctor-card")
    assert team_cards.evaluate_all("cards => cards.map(card => card.dataset.id)") == team
    expect(team_cards.locator("a[href^='tel:']")).to_have_count(0)
    for hidden in ("Filter by", "Located near you"):
        expect(page.get_by_role("heading", name=hidden)).to_have_count(0)
    expect(page.get_by_role("button", name="Load more")).to_have_count(0)
    expect(page.locator(".card-distance:visible")).to_have_count(0)
    expect(page.locator(f"{CARD} a[href^='tel:+1']")).to_have_count(len(family_order(model)))
    page.goto(origin + "locations/?zip=27606")
    expect(page.locator("main .card")).to_have_count(4)
    expect(page.get_by_role("heading", name="Located near you")).to_have_count(0)
    context.close()


def test_the_finder_script_loads_only_where_it_is_needed(content_site: Path):
    def scripts(rel: str) -> list[str]:
        return re.findall(r'<script src="([^"]+)" defer></script>', (content_site / rel).read_text())

    assert [s.split("/")[-1].split(".")[0] for s in scripts("doctors/index.html")] == ["finder"]
    assert scripts("doctors/index.html") == scripts("locations/index.html")
    for rel in ("index.html", "tumors/chordoma/index.html", "doctors/dr-muster/index.html", "locations/cary-clinic/index.html"):
        assert scripts(rel) == [], rel
    table = re.search(r'data-zip-table="/(assets/zips\.[0-9a-f]{10}\.json)"', (content_site / "doctors/index.html").read_text())
    assert table and (content_site / table.group(1)).read_bytes() == published_zip_table()


# -- filters, paging and the URL -------------------------------------------------------------


def test_ten_at_a_time_then_load_more_and_view_all(page, origin, model):
    everyone = family_order(model)
    open_finder(page, origin)
    expect_list(page, everyone)
    page.get_by_role("button", name="Load more").click()
    expect(page.locator(STATUS)).to_have_text(f"Showing {len(everyone)} of {len(everyone)} doctors")
    assert shown_ids(page) == everyone
    # Focus moves to the first doctor just shown, so reading goes on from there.
    expect(page.locator(CARD).nth(10).get_by_role("link").first).to_be_focused()
    expect(page.get_by_role("button", name="Load more")).to_be_hidden()
    expect(page.get_by_role("button", name="View all")).to_be_hidden()

    open_finder(page, origin, "?accepting=yes")
    accepting = family_order(model, lambda p: p.accepting_new_patients)
    expect_list(page, accepting)
    page.get_by_role("button", name="View all").click()
    expect(page.locator(STATUS)).to_have_text(f"Showing {len(accepting)} of {len(accepting)} doctors")
    assert shown_ids(page) == accepting
    expect(page.locator(f".doctor-card[data-id='{accepting[10]}'] h2 a")).to_be_focused()
    assert page.url.endswith("/doctors/?accepting=yes"), "paging is not a filter: the URL stays"


FILTERS = [
    ("condition", "chordoma", lambda p: "chordoma" in p.conditions),
    ("condition", "metastatic", lambda p: "metastatic" in p.conditions),
    ("specialty", "radiation-oncology", lambda p: "Radiation oncology" in p.specialties),
    ("specialty", "physical-medicine-and-rehabilitation", lambda p: "Physical medicine and rehabilitation" in p.specialties),
    ("language", "spanish", lambda p: "Spanish" in p.languages),
    ("language", "mandarin-chinese", lambda p: "Mandarin Chinese" in p.languages),
    ("location", "cary-clinic", lambda p: "cary-clinic" in p.locations),
    ("location", "durham-hospital", lambda p: "durham-hospital" in p.locations),
    ("accepting", "yes", lambda p: p.accepting_new_patients),
]


@pytest.mark.parametrize(("name", "value", "keep"), FILTERS, ids=[f"{n}={v}" for n, v, _ in FILTERS])
def test_each_filter_in_the_page_and_the_url(page, origin, model, name, value, keep):
    expected = family_order(model, keep)
    assert 0 < len(expected) < len(family_order(model))
    open_finder(page, origin)
    control = page.locator(f"[data-finder-filters] [name={name}]")
    if name == "accepting":
        control.check()
    else:
        control.select_option(value)
    expect(page).to_have_url(f"{origin}doctors/?{name}={value}")
    expect_list(page, expected)
    page.reload()
    expect_list(page, expected)
    if name == "accepting":
        expect(control).to_be_checked()
    else:
        expect(control).to_have_value(value)
    page.go_back()
    expect(page).to_have_url(f"{origin}doctors/")
    expect_list(page, family_order(model))


def test_filter_values_are_the_documented_forms(content_site: Path, model):
    html = (content_site / "doctors/index.html").read_text()
    site = model.data.site

    def values(name: str) -> list[str]:
        select = re.search(rf'<select id="finder-{name}" name="{name}">(.*?)</select>', html, re.S).group(1)
        return re.findall(r'<option value="([^"]*)">', select)

    assert values("specialty") == [""] + [slugify(s) for s in site.specialties]
    assert "radiation-oncology" in values("specialty") and "spanish" in values("language")
    assert values("language") == [""] + [slugify(s) for s in site.languages]
    assert sorted(values("location")[1:]) == sorted(loc.id for loc in model.data.locations)
    assert sorted(values("condition")[1:]) == sorted(p.slug for p in model.pages_of("tumor"))
    assert 'name="accepting" type="checkbox" value="yes"' in html and 'name="q" type="search"' in html


def test_combined_filters_back_forward_and_reload(page, origin, model):
    open_finder(page, origin)
    page.get_by_label("Tumor type").select_option("metastatic")
    page.get_by_label("Language").select_option("spanish")
    page.get_by_label("Only doctors accepting new patients").check()
    both = family_order(model, lambda p: "metastatic" in p.conditions and "Spanish" in p.languages)
    all_three = [i for i in both if model.providers[i].accepting_new_patients]
    expect(page).to_have_url(f"{origin}doctors/?condition=metastatic&language=spanish&accepting=yes")
    expect_list(page, all_three)
    page.reload()
    expect_list(page, all_three)
    expect(page.get_by_label("Tumor type")).to_have_value("metastatic")
    expect(page.get_by_label("Language")).to_have_value("spanish")
    expect(page.get_by_label("Only doctors accepting new patients")).to_be_checked()

    page.go_back()
    expect(page).to_have_url(f"{origin}doctors/?condition=metastatic&language=spanish")
    expect_list(page, both)
    expect(page.get_by_label("Only doctors accepting new patients")).not_to_be_checked()
    page.go_back()
    expect(page).to_have_url(f"{origin}doctors/?condition=metastatic")
    expect_list(page, family_order(model, lambda p: "metastatic" in p.conditions))
    expect(page.get_by_label("Language")).to_have_value("")
    page.go_back()
    expect(page).to_have_url(f"{origin}doctors/")
    expect_list(page, family_order(model))
    page.go_forward()
    page.go_forward()
    expect(page).to_have_url(f"{origin}doctors/?condition=metastatic&language=spanish")
    expect_list(page, both)
    expect(page.get_by_label("Language")).to_have_value("spanish")


def test_a_shared_link_restores_every_filter_and_drops_unknown_ones(page, origin, model):
    open_finder(page, origin, "?specialty=neurosurgery&location=durham-hospital&accepting=yes&condition=no-such-tumor")
    expected = family_order(
        model, lambda p: "Neurosurgery" in p.specialties and "durham-hospital" in p.locations and p.accepting_new_patients
    )
    expect_list(page, expected)
    expect(page).to_have_url(f"{origin}doctors/?specialty=neurosurgery&location=durham-hospital&accepting=yes")
    expect(page.get_by_label("Specialty")).to_have_value("neurosurgery")
    expect(page.get_by_label("Location")).to_have_value("durham-hospital")
    expect(page.get_by_label("Tumor type")).to_have_value("")


@pytest.mark.parametrize(
    ("typed", "family_names"),
    [
        ("Muster", ["Muster"]),
        ("dr. ada", ["Sample"]),
        ("clara muster", ["Muster"]),
        ("MUE", ["Muestra"]),
        ("ex", ["Example", "Exemple"]),  # not Exemplar: patients do not book with him
    ],
)
def test_name_search(page, origin, model, typed, family_names):
    open_finder(page, origin)
    page.get_by_label("Doctor's name").fill(typed)
    expected = family_order(model, lambda p: p.family_name in family_names)
    assert len(expected) == len(family_names)
    expect_list(page, expected)
    expect(page).to_have_url(f"{origin}doctors/?{urlencode({'q': typed})}")
    page.reload()
    expect_list(page, expected)
    expect(page.get_by_label("Doctor's name")).to_have_value(typed)


def test_typing_a_name_is_one_step_back(page, origin, model):
    open_finder(page, origin, "?specialty=neurosurgery")
    name = page.get_by_label("Doctor's name")
    name.press_sequentially("Muestra", delay=40)
    expect_list(page, family_order(model, lambda p: p.family_name == "Muestra"))
    expect(page).to_have_url(f"{origin}doctors/?specialty=neurosurgery&q=Muestra")
    page.go_back()
    expect(page).to_have_url(f"{origin}doctors/?specialty=neurosurgery")
    expect(name).to_have_value("")
    expect_list(page, family_order(model, lambda p: "Neurosurgery" in p.specialties))


def test_show_doctors_applies_the_filters_and_moves_to_the_count(page, origin, model):
    """The form has a real submit button (WCAG H32): it applies every control as it stands, as
    one step back, and moves focus to the count; the list still follows each change by itself."""
    open_finder(page, origin, "?specialty=neurosurgery")
    button = page.locator("[data-finder-filters]").get_by_role("button", name="Show doctors")
    expect(button).to_have_attribute("type", "submit")
    # Submitted at once, before the list follows the typing.
    page.get_by_label("Doctor's name").fill("Muestra")
    button.click()
    expected = family_order(model, lambda p: p.family_name == "Muestra" and "Neurosurgery" in p.specialties)
    expect(page).to_have_url(f"{origin}doctors/?specialty=neurosurgery&q=Muestra")
    expect(page.locator(STATUS)).to_be_focused()
    expect_list(page, expected)
    page.go_back()
    expect(page).to_have_url(f"{origin}doctors/?specialty=neurosurgery")
    expect_list(page, family_order(model, lambda p: "Neurosurgery" in p.specialties))

    # A control's change still filters by itself; then the button from the keyboard.
    page.get_by_label("Language").select_option("spanish")
    expect(page).to_have_url(f"{origin}doctors/?specialty=neurosurgery&language=spanish")
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator(STATUS)).to_be_focused()
    expect(page).to_have_url(f"{origin}doctors/?specialty=neurosurgery&language=spanish")
    expect_list(page, family_order(model, lambda p: "Neurosurgery" in p.specialties and "Spanish" in p.languages))


def test_no_match_says_so_and_resets(page, origin, model):
    open_finder(page, origin, "?specialty=pathology")
    page.get_by_label("Language").select_option("vietnamese")
    expect_list(page, [])
    empty = page.locator("[data-finder-empty]")
    expect(empty).to_be_visible()
    expect(empty).to_contain_text("No doctors match these filters.")
    expect(empty.locator("a[href='tel:+19195550100']")).to_have_text("919-555-0100")
    empty.get_by_role("button", name="Clear all filters").click()
    expect(page).to_have_url(f"{origin}doctors/")
    expect_list(page, family_order(model))
    expect(empty).to_be_hidden()
    expect(page.get_by_label("Doctor's name")).to_be_focused()
    page.go_back()
    expect(page).to_have_url(f"{origin}doctors/?specialty=pathology&language=vietnamese")
    expect_list(page, [])


def test_each_tumor_page_links_to_its_filtered_list(page, origin, model):
    for tumor in ("chordoma", "ependymoma", "vertebral-hemangioma"):
        expected = [p.id for p in model.naming(model.page_at(f"/tumors/{tumor}/").source, "conditions") if p.sees_patients]
        page.goto(f"{origin}tumors/{tumor}/")
        assert page.locator("#related-doctors ~ ul .doctor-card").evaluate_all("cards => cards.map(c => c.dataset.id)") == expected
        page.get_by_role("link", name=re.compile(r"^Find a doctor for ")).click()
        expect(page).to_have_url(f"{origin}doctors/?condition={tumor}")
        expect_list(page, expected)
        expect(page.get_by_label("Tumor type")).to_have_value(tumor)


# -- distance ----------------------------------------------------------------------------------


def test_sort_by_a_known_zip_code(page, origin, model, zips):
    table_requests: list[str] = []
    page.on("request", lambda request: table_requests.append(request.url) if "/assets/zips." in request.url else None)
    open_finder(page, origin, "?accepting=yes")
    accepting = family_order(model, lambda p: p.accepting_new_patients)
    expect_list(page, accepting)
    assert table_requests == [], "the ZIP table is fetched only once a ZIP code is used"

    page.get_by_label("ZIP code").fill("27606")
    page.get_by_role("button", name="Sort by distance").click()
    expect(page.locator(DISTANCE_MESSAGE)).to_have_text("Sorted by distance from ZIP code 27606, nearest first.")
    expect(page).to_have_url(f"{origin}doctors/?accepting=yes&zip=27606")
    expected = nearest_first(model, accepting, *zips["27606"])
    expect(page.locator(STATUS)).to_have_text(f"Showing 10 of {len(accepting)} doctors")
    assert shown_distances(page) == expected[:10]
    assert len(table_requests) == 1

    # Filters keep the distance order; Load more goes on in it.
    page.get_by_role("button", name="View all").click()
    assert shown_distances(page) == expected
    page.get_by_label("Location").select_option("chapel-hill-clinic")
    in_chapel_hill = [i for i in accepting if "chapel-hill-clinic" in model.providers[i].locations]
    expect(page.locator(STATUS)).to_have_text(f"Showing {len(in_chapel_hill)} of {len(in_chapel_hill)} doctors")
    assert shown_distances(page) == nearest_first(model, in_chapel_hill, *zips["27606"])

    # A second ZIP code uses the table already loaded; reload restores the sort from the URL.
    page.get_by_label("ZIP code").fill("28202")
    page.get_by_label("ZIP code").press("Enter")
    expect(page).to_have_url(f"{origin}doctors/?location=chapel-hill-clinic&accepting=yes&zip=28202")
    expect(page.locator(DISTANCE_MESSAGE)).to_have_text("Sorted by distance from ZIP code 28202, nearest first.")
    assert shown_distances(page) == nearest_first(model, in_chapel_hill, *zips["28202"])
    assert len(table_requests) == 1
    page.reload()
    expect(page.locator(DISTANCE_MESSAGE)).to_have_text("Sorted by distance from ZIP code 28202, nearest first.")
    expect(page.get_by_label("ZIP code")).to_have_value("28202")
    assert shown_distances(page) == nearest_first(model, in_chapel_hill, *zips["28202"])

    page.go_back()
    expect(page).to_have_url(f"{origin}doctors/?location=chapel-hill-clinic&accepting=yes&zip=27606")
    expect(page.locator(DISTANCE_MESSAGE)).to_have_text("Sorted by distance from ZIP code 27606, nearest first.")
    assert shown_distances(page) == nearest_first(model, in_chapel_hill, *zips["27606"])

    page.get_by_role("button", name="Sort by name instead").click()
    expect(page).to_have_url(f"{origin}doctors/?location=chapel-hill-clinic&accepting=yes")
    expect(page.locator(f"{CARD} .card-distance:visible")).to_have_count(0)
    assert shown_ids(page) == in_chapel_hill
    expect(page.get_by_label("ZIP code")).to_be_focused()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("99999", "We could not find the ZIP code 99999."),
        ("10001", "We could not find the ZIP code 10001."),  # New York: outside the table's five states
        ("2760", "Enter a ZIP code of five digits, like 27606."),
        ("abcde", "Enter a ZIP code of five digits, like 27606."),
    ],
)
def test_an_unknown_zip_code_leaves_the_list_as_it_was(page, origin, model, typed, message):
    open_finder(page, origin, "?zip=27514")
    expect(page.locator(DISTANCE_MESSAGE)).to_have_text("Sorted by distance from ZIP code 27514, nearest first.")
    before = shown_distances(page)
    page.get_by_label("ZIP code").fill(typed)
    page.get_by_label("ZIP code").press("Enter")
    expect(page.locator(DISTANCE_MESSAGE)).to_contain_text(message)
    expect(page.locator(DISTANCE_MESSAGE)).to_contain_text("The list has not changed.")
    expect(page.get_by_label("ZIP code")).to_have_attribute("aria-invalid", "true")
    expect(page).to_have_url(f"{origin}doctors/?zip=27514")
    assert shown_distances(page) == before


def test_an_unknown_zip_code_in_a_link_keeps_the_name_order(page, origin, model):
    open_finder(page, origin, "?language=english&zip=99999")
    expect(page.locator(DISTANCE_MESSAGE)).to_contain_text("We could not find the ZIP code 99999.")
    expect_list(page, family_order(model))
    expect(page).to_have_url(f"{origin}doctors/?language=english")  # the list is not sorted by it
    expect(page.get_by_label("ZIP code")).to_have_value("99999")  # there to be corrected


def test_a_zip_table_that_fails_to_load_can_be_tried_again(browser, origin, model, zips):
    context = browser.new_context(viewport=DESKTOP)  # not the page fixture: Chromium logs the failed load as an error
    page = context.new_page()
    page.route("**/assets/zips.*.json", lambda route: route.abort())  # as if the connection dropped
    open_finder(page, origin)
    page.get_by_label("ZIP code").fill("27606")
    page.get_by_label("ZIP code").press("Enter")
    expect(page.locator(DISTANCE_MESSAGE)).to_have_text(
        "The ZIP code list could not be loaded. Check your connection and try again. The list has not changed."
    )
    expect_list(page, family_order(model))
    page.unroute("**/assets/zips.*.json")
    page.get_by_role("button", name="Sort by distance").click()
    expect(page.locator(DISTANCE_MESSAGE)).to_have_text("Sorted by distance from ZIP code 27606, nearest first.")
    assert shown_distances(page) == nearest_first(model, family_order(model), *zips["27606"])[:10]
    context.close()


def test_current_location_granted(browser, origin, model):
    chapel_hill = (35.93, -79.03)  # the finder sorts from where you are to two decimals, about half a mile
    context = browser.new_context(viewport=DESKTOP, permissions=["geolocation"], geolocation={"latitude": 35.9334, "longitude": -79.0296})
    page = context.new_page()
    open_finder(page, origin, "?specialty=neurosurgery")
    neuro = family_order(model, lambda p: "Neurosurgery" in p.specialties)
    page.get_by_role("button", name="Use my current location").click()
    expect(page.locator(DISTANCE_MESSAGE)).to_have_text("Sorted by distance from your location, nearest first.")
    expected = nearest_first(model, neuro, *chapel_hill)
    assert shown_distances(page) == expected
    expect(page).to_have_url(f"{origin}doctors/?specialty=neurosurgery")  # where you are never goes in the URL
    page.reload()
    expect(page.locator(DISTANCE_MESSAGE)).to_have_text("Sorted by distance from your location, nearest first.")
    assert shown_distances(page) == expected
    page.go_back()
    expect(page.locator(f"{CARD} .card-distance:visible")).to_have_count(0)
    assert shown_ids(page) == neuro
    page.go_forward()
    expect(page.locator(DISTANCE_MESSAGE)).to_have_text("Sorted by distance from your location, nearest first.")
    assert shown_distances(page) == expected
    context.close()


def test_current_location_refused(page, origin, model):
    open_finder(page, origin, "?zip=27606")
    expect(page.locator(DISTANCE_MESSAGE)).to_contain_text("27606")
    before = shown_distances(page)
    page.get_by_role("button", name="Use my current location").click()
    expect(page.locator(DISTANCE_MESSAGE)).to_have_text(
        "This site was not allowed to use your location. Enter a ZIP code instead. The list has not changed."
    )
    assert shown_distances(page) == before
    expect(page).to_have_url(f"{origin}doctors/?zip=27606")


def test_current_location_timing_out(browser, origin, model):
    context = browser.new_context(viewport=DESKTOP, permissions=["geolocation"])
    # A browser that never answers: only the finder's own time limit can end the wait.
    context.add_init_script("navigator.geolocation.getCurrentPosition = () => {};")
    page = context.new_page()
    page.clock.install()
    open_finder(page, origin)
    page.get_by_role("button", name="Use my current location").click()
    expect(page.locator(DISTANCE_MESSAGE)).to_have_text("Finding your location…")
    page.clock.run_for(9000)
    expect(page.locator(DISTANCE_MESSAGE)).to_have_text("Finding your location…")
    page.clock.run_for(4000)
    expect(page.locator(DISTANCE_MESSAGE)).to_have_text(
        "Finding your location took too long. Try again, or enter a ZIP code. The list has not changed."
    )
    expect_list(page, family_order(model))
    context.close()


def test_locations_sort_by_distance(page, origin, model, zips):
    page.goto(origin + "locations/")
    names = page.locator("main .card:not([hidden]) h2")
    own_order = names.all_inner_texts()
    assert own_order[0] == next(loc.name for loc in model.data.locations if loc.kind == "hospital")
    page.get_by_label("ZIP code").fill("27514")
    page.get_by_role("button", name="Sort by distance").click()
    expect(page).to_have_url(f"{origin}locations/?zip=27514")
    lat, lng = zips["27514"]
    by_distance = sorted(model.data.locations, key=lambda loc: distance_miles(lat, lng, loc.lat, loc.lng))
    expect(names.first).to_have_text(by_distance[0].name)
    assert names.all_inner_texts() == [loc.name for loc in by_distance]
    assert page.locator("main .card .card-distance").all_inner_texts() == [
        f"{miles_display(distance_miles(lat, lng, loc.lat, loc.lng))} away" for loc in by_distance
    ]
    page.reload()
    expect(names.first).to_have_text(by_distance[0].name)
    page.go_back()
    expect(names.first).to_have_text(own_order[0])
    assert names.all_inner_texts() == own_order
    page.get_by_label("ZIP code").fill("00000")
    page.get_by_label("ZIP code").press("Enter")
    expect(page.locator(DISTANCE_MESSAGE)).to_contain_text("We could not find the ZIP code 00000.")
    assert names.all_inner_texts() == own_order


def test_locations_sort_by_current_location(browser, origin, model):
    context = browser.new_context(viewport=DESKTOP, permissions=["geolocation"], geolocation={"latitude": 35.75, "longitude": -78.78})
    page = context.new_page()
    page.goto(origin + "locations/")
    page.get_by_role("button", name="Use my current location").click()
    expect(page.locator(DISTANCE_MESSAGE)).to_have_text("Sorted by distance from your location, nearest first.")
    by_distance = sorted(model.data.locations, key=lambda loc: distance_miles(35.75, -78.78, loc.lat, loc.lng))
    assert page.locator("main .card h2").all_inner_texts() == [loc.name for loc in by_distance]
    expect(page).to_have_url(f"{origin}locations/")
    page.get_by_role("button", name="Sort by name instead").click()
    expect(page.locator(DISTANCE_MESSAGE)).to_have_text("Listed in the usual order, hospitals first.")
    assert page.locator("main .card h2").all_inner_texts()[0] == next(loc.name for loc in model.data.locations if loc.kind == "hospital")
    context.close()


# -- keyboard, phones and accessibility ------------------------------------------------------------

FOCUS_REPORT = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const bar = document.querySelector('.call-bar');
  const barBox = bar.getBoundingClientRect();
  const covered = getComputedStyle(bar).display !== 'none' && !bar.contains(el)
    && box.bottom > barBox.top + 0.5 && box.top < barBox.bottom;
  return {
    what: el.id || el.getAttribute('href') || el.textContent.trim().slice(0, 40),
    visible: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
    covered: covered,
    inView: box.top >= 0 && box.bottom <= innerHeight,
    wide: document.documentElement.scrollWidth > innerWidth,
  };
}"""


def tab_to(page: Page, target: str, limit: int = 60) -> None:
    """Press Tab until the element matching target has focus, checking every stop on the way."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        check_focus(page)
        if page.evaluate("sel => document.activeElement.matches(sel)", target):
            return
    raise AssertionError(f"Tab never reached {target}")


def check_focus(page: Page) -> None:
    report = page.evaluate(FOCUS_REPORT)
    assert report["visible"], f"focus is not visible on {report['what']}"
    assert not report["covered"], f"the call bar covers {report['what']}"
    assert report["inView"], f"{report['what']} has focus but is off screen"
    assert not report["wide"], "the page scrolls sideways at 320 px"


def test_the_whole_finder_by_keyboard_at_320_px(browser, origin, model, zips):
    context = browser.new_context(viewport=PHONE, permissions=["geolocation"], geolocation={"latitude": 35.80, "longitude": -78.69})
    page = context.new_page()
    open_finder(page, origin)
    tab_to(page, "#finder-q")
    page.keyboard.type("sample")
    expect_list(page, ["dr-sample"])
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    expect_list(page, family_order(model))

    tab_to(page, "#finder-condition")
    first_tumor = page.locator("#finder-condition optgroup option").first.get_attribute("value")
    page.keyboard.press("ArrowDown")
    expect(page).to_have_url(f"{origin}doctors/?condition={first_tumor}")
    with_tumor = family_order(model, lambda p: first_tumor in p.conditions)
    expect_list(page, with_tumor)
    page.keyboard.press("ArrowUp")
    expect(page).to_have_url(f"{origin}doctors/")

    tab_to(page, "#finder-language")
    page.keyboard.press("ArrowDown")  # the first language after "Any language"
    first_language = model.data.site.languages[0]
    expect(page).to_have_url(f"{origin}doctors/?language={slugify(first_language)}")
    page.keyboard.press("ArrowUp")
    tab_to(page, "#finder-accepting")
    page.keyboard.press("Space")
    accepting = family_order(model, lambda p: p.accepting_new_patients)
    expect(page).to_have_url(f"{origin}doctors/?accepting=yes")
    expect_list(page, accepting)

    tab_to(page, "#finder-zip")
    page.keyboard.type("27606")
    page.keyboard.press("Enter")
    expect(page.locator(DISTANCE_MESSAGE)).to_have_text("Sorted by distance from ZIP code 27606, nearest first.")
    assert shown_distances(page) == nearest_first(model, accepting, *zips["27606"])[:10]

    tab_to(page, "[data-action=locate]")
    page.keyboard.press("Enter")
    expect(page.locator(DISTANCE_MESSAGE)).to_have_text("Sorted by distance from your location, nearest first.")
    assert shown_distances(page) == nearest_first(model, accepting, 35.80, -78.69)[:10]

    tab_to(page, "[data-action=more]", limit=200)
    page.keyboard.press("Enter")
    eleventh = nearest_first(model, accepting, 35.80, -78.69)[10][0]
    expect(page.locator(f".doctor-card[data-id='{eleventh}'] h2 a")).to_be_focused()
    check_focus(page)
    page.keyboard.press("Shift+Tab")
    check_focus(page)

    # Reset from the keyboard: Clear filters, found by tabbing back up the page.
    page.locator("#finder-q").focus()
    tab_to(page, "[data-finder-filters] [data-action=reset]")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{origin}doctors/")
    expect(page.locator("#finder-q")).to_be_focused()
    context.close()


def test_call_to_book_stays_in_reach_on_a_phone(browser, origin, model):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    # A doctor with a number of their own who takes new patients: the bar books with them.
    own = next(p for p in model.records_of("doctor") if p.phone and p.sees_patients and p.accepting_new_patients)
    location = model.data.locations[0]
    cases = [
        ("appointments/", "tel:+19195550100", "919-555-0100"),
        ("doctors/", "tel:+19195550100", "919-555-0100"),
        (own.url.lstrip("/"), f"tel:{own.phone}", f"{own.phone[2:5]}-{own.phone[5:8]}-{own.phone[8:]}"),
        (location.url.lstrip("/"), f"tel:{location.phone}", f"{location.phone[2:5]}-{location.phone[5:8]}-{location.phone[8:]}"),
    ]
    for path, href, shown in cases:
        page.goto(origin + path)
        bar = page.locator(".call-bar a")
        expect(bar).to_be_visible()
        expect(bar).to_have_attribute("href", href)
        expect(bar).to_contain_text(shown)
        expect(page.locator(".site-header .call-number")).to_have_attribute("href", "tel:+19195550100")
        box = bar.bounding_box()
        assert box["y"] + box["height"] <= PHONE["height"] + 0.5 and box["height"] >= 24
        page.mouse.wheel(0, 3000)
        expect(bar).to_be_in_viewport()
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        # Every stop of the Tab order from the main content on stays visible above the bar,
        # down to the bar's own link, the last one.
        page.locator("main").focus()
        for _ in range(400):
            page.keyboard.press("Tab")
            check_focus(page)
            if page.evaluate("document.activeElement.closest('.call-bar') !== null"):
                break
        else:
            raise AssertionError(f"{path}: Tab never reached the call bar")
    context.close()
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(origin + "doctors/")
    expect(page.locator(".call-bar")).to_be_hidden()
    context.close()


def test_axe_finds_nothing_in_any_finder_state(browser, origin):
    failures: list[str] = []
    for viewport in (DESKTOP, PHONE):
        size = f"{viewport['width']}px"
        context = browser.new_context(viewport=viewport)  # no geolocation permission: asking is refused
        page = context.new_page()
        open_finder(page, origin)
        failures += axe_violations(page, f"{size} first ten")
        page.get_by_role("button", name="Load more").click()
        failures += axe_violations(page, f"{size} after load more")
        page.get_by_label("Tumor type").select_option("chordoma")
        page.get_by_label("Only doctors accepting new patients").check()
        failures += axe_violations(page, f"{size} filtered")
        page.get_by_label("ZIP code").fill("27606")
        page.get_by_label("ZIP code").press("Enter")
        expect(page.locator(DISTANCE_MESSAGE)).to_contain_text("Sorted")
        failures += axe_violations(page, f"{size} sorted by ZIP")
        page.get_by_label("ZIP code").fill("99999")
        page.get_by_label("ZIP code").press("Enter")
        expect(page.locator(DISTANCE_MESSAGE)).to_contain_text("could not find")
        failures += axe_violations(page, f"{size} unknown ZIP")
        page.get_by_role("button", name="Use my current location").click()
        expect(page.locator(DISTANCE_MESSAGE)).to_contain_text("not allowed")
        failures += axe_violations(page, f"{size} location refused")
        page.get_by_label("Language").select_option("vietnamese")
        expect(page.locator("[data-finder-empty]")).to_be_visible()
        failures += axe_violations(page, f"{size} no match")
        page.get_by_role("button", name="Clear all filters").click()
        page.get_by_label("Doctor's name").fill("ex")
        failures += axe_violations(page, f"{size} name search")
        page.goto(origin + "locations/?zip=27606")
        expect(page.locator(DISTANCE_MESSAGE)).to_contain_text("Sorted")
        failures += axe_violations(page, f"{size} locations by distance")
        context.close()
    assert failures == []
