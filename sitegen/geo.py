"""Distances for the doctor and location finders: the ZIP code table the browser looks ZIP codes
up in, and the great-circle distance that templates/assets/finder.js computes the same way."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping

# North Carolina and its neighbours: where nearly all of our patients travel from. The table
# stays small enough (about 100 KB) to fetch once, and only when someone types a ZIP code.
STATES = ("NC", "VA", "SC", "TN", "GA")
EARTH_RADIUS_MILES = 3958.8
# Two decimal places is about half a mile: finer than a ZIP code's own centre point means.
PLACES = 2


def distance_miles(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle (haversine) distance between two points in degrees, in miles."""
    rad = math.pi / 180
    d_lat = (lat2 - lat1) * rad
    d_lng = (lng2 - lng1) * rad
    h = math.sin(d_lat / 2) ** 2 + math.cos(lat1 * rad) * math.cos(lat2 * rad) * math.sin(d_lng / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(h)))


def miles_display(miles: float) -> str:
    """2.8449 → "2.8 miles", as the finder shows it."""
    return "under 0.1 miles" if miles < 0.05 else f"{miles:.1f} miles"


def zip_table(records: Iterable[Mapping], states: Iterable[str] = STATES, places: int = PLACES) -> dict[str, list[float]]:
    """{zip: [lat, lng]} for every record in states that has coordinates, sorted by ZIP code.

    A record is a mapping like the `zipcodes` package's: zip_code, state, lat, long (strings)."""
    wanted = set(states)
    table: dict[str, list[float]] = {}
    for record in records:
        code, lat, lng = record.get("zip_code", ""), record.get("lat"), record.get("long")
        if record.get("state") not in wanted or not (len(code) == 5 and code.isdigit()) or lat in (None, "") or lng in (None, ""):
            continue
        table[code] = [round(float(lat), places), round(float(lng), places)]
    return dict(sorted(table.items()))


def zip_table_json(table: Mapping[str, list[float]]) -> bytes:
    """The table as compact JSON: the same bytes for the same table."""
    return json.dumps(table, separators=(",", ":"), sort_keys=True).encode("ascii")


def published_zip_table() -> bytes:
    """The ZIP table the site publishes, from the pinned `zipcodes` package's own data (no network)."""
    import zipcodes

    records = [record for state in STATES for record in zipcodes.filter_by(state=state)]
    return zip_table_json(zip_table(records))
