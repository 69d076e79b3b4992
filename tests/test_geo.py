"""The distance math and the ZIP code table the finders sort by (sitegen/geo.py)."""

from __future__ import annotations

import json
import math

import pytest
import yaml
from conftest import REPO

from sitegen.geo import EARTH_RADIUS_MILES, STATES, distance_miles, miles_display, published_zip_table, zip_table, zip_table_json

DURHAM = (36.0010, -78.8985)
RALEIGH = (35.7780, -78.6630)


@pytest.mark.parametrize(
    ("a", "b", "miles"),
    [
        (DURHAM, DURHAM, 0.0),
        ((0.0, 0.0), (0.0, 1.0), 2 * math.pi * EARTH_RADIUS_MILES / 360),  # one degree along the equator
        ((0.0, 0.0), (1.0, 0.0), 2 * math.pi * EARTH_RADIUS_MILES / 360),  # one degree along a meridian
        ((0.0, 0.0), (0.0, 180.0), math.pi * EARTH_RADIUS_MILES),  # the far side of the earth
        ((90.0, 0.0), (-90.0, 0.0), math.pi * EARTH_RADIUS_MILES),  # pole to pole
        (DURHAM, RALEIGH, 20.28),  # the sample hospital to the sample Raleigh clinic
        ((0.0, 0.0), (0.0, 90.0), math.pi * EARTH_RADIUS_MILES / 2),  # a quarter of the way round
        ((60.0, 0.0), (60.0, 180.0), math.pi * EARTH_RADIUS_MILES / 3),  # 60 degrees over the pole, not along the parallel
    ],
)
def test_distance_miles(a, b, miles):
    assert distance_miles(*a, *b) == pytest.approx(miles, abs=0.05)
    assert distance_miles(*b, *a) == pytest.approx(distance_miles(*a, *b))


def test_distance_agrees_with_the_zipcodes_package():
    import zipcodes

    ours = distance_miles(*DURHAM, *RALEIGH)
    # zipcodes takes (lng, lat) pairs and a slightly different earth radius: agree within 0.2 %.
    assert zipcodes.haversine(DURHAM[1], DURHAM[0], RALEIGH[1], RALEIGH[0]) == pytest.approx(ours, rel=0.002)


@pytest.mark.parametrize(
    ("miles", "shown"),
    [
        (0.0, "under 0.1 miles"),
        (0.04, "under 0.1 miles"),
        (0.06, "0.1 miles"),
        (2.8449, "2.8 miles"),
        (19.94, "19.9 miles"),
        (120.0, "120.0 miles"),
    ],
)
def test_miles_display(miles, shown):
    assert miles_display(miles) == shown


def _record(code, state, lat="35.7645", lng="-78.7112"):
    return {"zip_code": code, "state": state, "lat": lat, "long": lng, "zip_code_type": "STANDARD"}


@pytest.mark.parametrize(
    ("record", "kept"),
    [
        (_record("27606", "NC"), True),
        (_record("23219", "VA"), True),
        (_record("29201", "SC"), True),
        (_record("37203", "TN"), True),
        (_record("30303", "GA"), True),
        (_record("10001", "NY"), False),  # outside NC and its neighbours
        (_record("27606", "NC", lat=""), False),  # no coordinates
        (_record("27606", "NC", lng=None), False),
        (_record("2760", "NC"), False),  # not five digits
        (_record("27606-1234", "NC"), False),
    ],
)
def test_zip_table_keeps_five_states_with_coordinates(record, kept):
    assert (record["zip_code"] in zip_table([record])) is kept


def test_zip_table_rounds_and_sorts():
    table = zip_table([_record("28202", "NC", "35.22709", "-80.84313"), _record("27606", "NC", "35.7645", "-78.7112")])
    assert list(table) == ["27606", "28202"]
    assert table["28202"] == [35.23, -80.84]
    assert zip_table([_record("28202", "NC", "35.22709", "-80.84313")], places=3)["28202"] == [35.227, -80.843]
    assert zip_table_json(table) == b'{"27606":[35.76,-78.71],"28202":[35.23,-80.84]}'


def test_published_zip_table_covers_the_region_and_every_location():
    data = published_zip_table()
    assert data == published_zip_table(), "the same bytes on every build"
    table = json.loads(data)
    assert 4000 < len(table) < 6000 and len(data) < 150_000, "compact enough to fetch on demand"
    first_digits = {code[:1] for code in table}
    assert first_digits <= {"2", "3"}, "NC, VA, SC start with 2; TN and GA with 3"
    assert "10001" not in table and "90210" not in table and "00000" not in table
    assert table["27606"] == [35.76, -78.71]
    for state_zip in ("27710", "23219", "29201", "37203", "30303"):  # a ZIP code in each of STATES
        assert state_zip in table
    assert len(STATES) == 5
    for location in yaml.safe_load((REPO / "data/locations.yaml").read_text()):
        lat, lng = table[location["address"]["zip"]]
        assert distance_miles(lat, lng, location["geo"]["lat"], location["geo"]["lng"]) < 10, location["id"]
