"""What each doctor's state shows, place by place (issue 19's table): a doctor who is accepting
new patients, one who is not, a team member patients do not book with (sees_patients: false)
and one who has left (active: false). Each doctor's state and places are read from the fixture's
own data, so a doctor added there is checked too; the fixture must hold every state."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES
from sitecheck import jsonld, visible_text

ACCEPTING, NOT_ACCEPTING, TEAM, INACTIVE = "accepting", "not accepting", "does not see patients", "inactive"
SITE = yaml.safe_load((FIXTURES / "basic/data/site.yaml").read_text(encoding="utf-8"))
NEW_PATIENTS = SITE["phones"]["new_patients"]["number"]
EXISTING = SITE["phones"]["existing_patients"]["number"]
PROVIDERS = yaml.safe_load((FIXTURES / "basic/data/providers.yaml").read_text(encoding="utf-8"))


def state(provider: dict) -> str:
    if provider.get("active", True) is False:
        return INACTIVE
    if provider.get("sees_patients", True) is False:
        return TEAM
    return ACCEPTING if provider["accepting_new_patients"] else NOT_ACCEPTING


def read(site: Path, rel: str) -> str:
    return (site / rel).read_text(encoding="utf-8")


def card(html: str, provider_id: str) -> str | None:
    found = re.search(rf'<li class="card doctor-card" data-id="{provider_id}".*?</li>', html, re.S)
    return found.group(0) if found else None


def section(html: str, heading_id: str) -> str:
    """The <section> labelled by heading_id, or "" where the page has none."""
    found = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', html, re.S)
    return found.group(0) if found else ""


def main(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def booking_number(provider: dict) -> str:
    return provider.get("phone") or NEW_PATIENTS


CASES = [(p["id"], p) for p in PROVIDERS]


def test_the_fixture_holds_every_state():
    assert {state(p) for p in PROVIDERS} == {ACCEPTING, NOT_ACCEPTING, TEAM, INACTIVE}


@pytest.mark.parametrize(("provider_id", "provider"), CASES, ids=[i for i, _ in CASES])
def test_tumor_pages(basic_site: Path, provider_id: str, provider: dict):
    for tumor in provider["conditions"]:
        html = main(read(basic_site, f"tumors/{tumor}/index.html"))
        doctors, team = section(html, "related-doctors"), section(html, "related-team")
        found = card(html, provider_id)
        if state(provider) == INACTIVE:
            assert found is None and provider["name"] not in html.split("Medically reviewed")[0]
            continue
        if state(provider) == TEAM:
            assert card(team, provider_id) and not card(doctors, provider_id)
            assert "Also on your care team" in team and "tel:" not in found
            assert "<dt>Works on</dt>" in found and "<dt>Treats</dt>" not in found, "a pathologist treats no one"
            continue
        assert "<dt>Treats</dt>" in found
        assert card(doctors, provider_id) and not card(team, provider_id)
        if state(provider) == ACCEPTING:
            assert f'To book, call <a href="tel:{booking_number(provider)}">' in found
        else:
            assert f'Not accepting new patients; existing patients call <a href="tel:{EXISTING}">' in found
            assert found.count("tel:") == 1


@pytest.mark.parametrize(("provider_id", "provider"), CASES, ids=[i for i, _ in CASES])
def test_the_doctors_list_without_javascript(basic_site: Path, provider_id: str, provider: dict):
    html = main(read(basic_site, "doctors/index.html"))
    finder = html.split("data-finder-list>", 1)[1].split("</ul>", 1)[0]
    team = section(html, "team-heading")
    if state(provider) == INACTIVE:
        assert card(html, provider_id) is None
    elif state(provider) == TEAM:
        assert card(team, provider_id) and not card(finder, provider_id) and "tel:" not in card(team, provider_id)
        assert html.index("data-finder-list") < html.index('aria-labelledby="team-heading"'), "after the others"
    else:
        assert card(finder, provider_id) and not card(team, provider_id)
    # The count the finder starts from is of those patients can book with.
    bookable = sum(state(p) in (ACCEPTING, NOT_ACCEPTING) for p in PROVIDERS)
    assert f'data-finder-status tabindex="-1">{bookable} doctors</p>' in html


@pytest.mark.parametrize(("provider_id", "provider"), CASES, ids=[i for i, _ in CASES])
def test_location_pages_and_a_to_z(basic_site: Path, provider_id: str, provider: dict):
    for location in provider["locations"]:
        html = main(read(basic_site, f"locations/{location}/index.html"))
        found = card(html, provider_id)
        if state(provider) == INACTIVE:
            assert found is None
            continue
        assert found, "listed"
        if state(provider) == TEAM:
            assert "tel:" not in found and html.index("Also on the team here") < html.index(f'data-id="{provider_id}"')
        else:
            assert "tel:" in found
    a_to_z = main(read(basic_site, "a-z/index.html"))
    assert (f'href="/doctors/{provider_id}/"' in a_to_z) == (state(provider) != INACTIVE)


@pytest.mark.parametrize(("provider_id", "provider"), CASES, ids=[i for i, _ in CASES])
def test_own_page_and_structured_data(basic_site: Path, provider_id: str, provider: dict):
    path = basic_site / f"doctors/{provider_id}/index.html"
    page = main(path.read_text(encoding="utf-8"))
    text = visible_text(path)
    physician = next(node for node in jsonld(path) if node.get("@type") == "IndividualPhysician")
    kind = state(provider)
    if kind == INACTIVE:
        assert "No longer seeing patients here" in text and "isAcceptingNewPatients" not in physician
    elif kind == TEAM:
        assert "tel:" not in page, "no call line in the page's own text (the header keeps the site's)"
        assert "isAcceptingNewPatients" not in physician and "telephone" not in physician
    elif kind == ACCEPTING:
        assert f'To book, call <a href="tel:{booking_number(provider)}">' in page
        assert physician["isAcceptingNewPatients"] is True
    else:
        assert f'Existing patients, call <a href="tel:{EXISTING}">' in page and "To book" not in page
        assert physician["isAcceptingNewPatients"] is False
    assert ("data-pagefind-body" in path.read_text(encoding="utf-8")) == (kind != INACTIVE), "searchable while active"
