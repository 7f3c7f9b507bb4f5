"""The booking desk's API against a real server: windows with room, the service area,
geocoding through a local Nominatim-format server, and the CSR's own figures."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from api.persistence.store import Store
from tests.conftest import BOOK, add_tech, booking_vars
from tests.gql import Client
from tests.nominatim import NominatimServer, nominatim_server
from tests.servers import ApiProcess

WINDOWS = """
query($days: Int, $skills: [String!]) {
  bookingWindows(days: $days, skills: $skills) {
    start end capacityMinutes bookedMinutes roomMinutes roomCalls jobsBooked full
  }
}
"""
GEOCODE = """
query($a: String!) { geocodeAddress(address: $a) { found message lat lon label source } }
"""
MINE = "{ myBookings { day total value byKind { kind count value } } }"
DEFAULTS = "{ bookingDefaults { timezone kinds { kind value } serviceArea { radiusKm } } }"
NEW_YORK = (40.7484, -73.9857)
AUSTIN_TIME = ZoneInfo("America/Chicago")


@pytest.fixture
def nominatim() -> Iterator[NominatimServer]:
    with nominatim_server() as server:
        yield server


@pytest.fixture
async def api(
    mongo_uri: str, db_name: str, store: Store, nominatim: NominatimServer
) -> AsyncIterator[ApiProcess]:
    """The API with the local Nominatim-format server as its geocoder; two techs on a
    06:00-20:00 shift (one HVAC, one plumbing), so tomorrow's windows are whole."""
    await add_tech(store, "tech_air", skills=("hvac",))
    await add_tech(store, "tech_pipes", skills=("plumbing",))
    await store.technicians.update_many({}, {"$set": {"shift": {"start": "06:00", "end": "20:00"}}})
    env = {
        "NEXTJOB_GEOCODER": "nominatim",
        "NEXTJOB_GEOCODER_URL": nominatim.url,
        "NEXTJOB_GEOCODER_TIMEOUT": "1",
    }
    proc = ApiProcess(mongo_uri, db_name, extra_env=env)
    try:
        yield proc
    finally:
        proc.stop()


async def windows(client: Client, **variables: Any) -> list[dict[str, Any]]:
    data = await client.execute(WINDOWS, {"days": 2, **variables})
    rows: list[dict[str, Any]] = data["bookingWindows"]
    return rows


def tomorrow_morning(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The first window of the second local day listed (whole: nothing of it is past)."""
    days = sorted({local_day(r) for r in rows})
    return next(r for r in rows if local_day(r) == days[-1])


def local_day(row: dict[str, Any]) -> date:
    return datetime.fromisoformat(row["start"]).astimezone(AUSTIN_TIME).date()


async def test_booking_fills_the_window_it_was_booked_into(
    api: ApiProcess, client_for: Callable[[str, str], Client]
) -> None:
    """Tomorrow 8-12 has 2 techs x 240 min x 0.75 of room; a repair booked into it takes
    its 75 minutes; asking for plumbing counts only the plumber."""
    csr = client_for("csr", "csr_desk")
    before = tomorrow_morning(await windows(csr))
    assert before["capacityMinutes"] == 360 and before["bookedMinutes"] == 0
    assert before["roomCalls"] == 360 // 75 and not before["full"]
    window = {"start": before["start"], "end": before["end"]}
    await csr.execute(BOOK, booking_vars(skills=("hvac",), arrivalWindow=window))
    after = tomorrow_morning(await windows(csr))
    assert (after["bookedMinutes"], after["roomMinutes"], after["jobsBooked"]) == (75, 285, 1)
    plumbing = tomorrow_morning(await windows(csr, skills=["plumbing"]))
    assert (plumbing["capacityMinutes"], plumbing["bookedMinutes"]) == (180, 0)
    assert await csr.errors(WINDOWS, {"days": 40}) == ["BAD_USER_INPUT"]


async def test_an_address_outside_the_service_area_is_refused(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """New York coordinates for the Austin company: `bookJob` answers BAD_USER_INPUT with
    the distance and writes nothing; geocoding a New York address is refused the same way."""
    csr = client_for("csr", "csr_desk")
    body = (await csr.raw(BOOK, booking_vars(at=NEW_YORK))).json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    assert "outside the 80 km service area" in body["errors"][0]["message"]
    assert await store.jobs.count_documents({}) == 0
    assert await csr.errors(GEOCODE, {"a": "350 5th Ave, New York, NY"}) == ["BAD_USER_INPUT"]


async def test_geocoding_over_the_api_finds_or_asks_for_the_pin(
    api: ApiProcess, nominatim: NominatimServer, client_for: Callable[[str, str], Client]
) -> None:
    """A known address comes back as a point, then from the cache; a 503 says to place
    the pin; a technician may not geocode."""
    csr = client_for("csr", "csr_desk")
    found = (await csr.execute(GEOCODE, {"a": "4500 Guadalupe St, Austin, TX"}))["geocodeAddress"]
    assert found["found"] and found["source"] == "nominatim"
    assert (found["lat"], found["lon"]) == pytest.approx((30.3105, -97.7394))
    cached = (await csr.execute(GEOCODE, {"a": "4500 guadalupe st austin tx"}))["geocodeAddress"]
    assert cached["source"] == "cache" and len(nominatim.searches) == 1
    busy = (await csr.execute(GEOCODE, {"a": "1 Busy Rd, Austin"}))["geocodeAddress"]
    assert not busy["found"] and busy["lat"] is None
    assert busy["message"] == "The geocoder failed (HTTP 503): place the pin on the map."
    tech = client_for("technician", "tech_air")
    assert await tech.errors(GEOCODE, {"a": "4500 Guadalupe St"}) == ["FORBIDDEN"]


async def test_a_csr_sees_their_own_bookings_today_by_kind(
    api: ApiProcess, client_for: Callable[[str, str], Client]
) -> None:
    """Two repairs and an install by this CSR count; another CSR's booking does not."""
    mine, theirs = client_for("csr", "csr_one"), client_for("csr", "csr_two")
    for n, kind in enumerate(["REPAIR", "REPAIR", "INSTALL"]):
        await mine.execute(BOOK, booking_vars(kind=kind, value=100.0 * (n + 1)))
    await theirs.execute(BOOK, booking_vars(kind="ESTIMATE"))
    figures = (await mine.execute(MINE))["myBookings"]
    by_kind = {k["kind"]: (k["count"], k["value"]) for k in figures["byKind"]}
    assert (figures["total"], figures["value"]) == (3, 600.0)
    assert by_kind["REPAIR"] == (2, 300.0) and by_kind["INSTALL"] == (1, 300.0)
    assert by_kind["ESTIMATE"] == (0, 0.0)
    defaults = (await mine.execute(DEFAULTS))["bookingDefaults"]
    assert defaults["timezone"] == "America/Chicago"
    assert {"kind": "REPAIR", "value": 350.0} in defaults["kinds"]
    assert defaults["serviceArea"]["radiusKm"] == 80


async def test_days_off_and_deactivated_technicians_offer_no_room(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """A weekly pattern without tomorrow's weekday takes the plumber out of tomorrow's
    room; a deactivated HVAC tech leaves none at all."""
    csr = client_for("csr", "csr_desk")
    tomorrow = local_day(tomorrow_morning(await windows(csr)))
    day_off = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[tomorrow.weekday()]
    other = {d: {"start": "06:00", "end": "20:00"} for d in ("mon", "wed", "fri") if d != day_off}
    await store.technicians.update_one({"_id": "tech_pipes"}, {"$set": {"weekly_shift": other}})
    assert tomorrow_morning(await windows(csr))["capacityMinutes"] == 180
    await store.technicians.update_one({"_id": "tech_air"}, {"$set": {"status": "inactive"}})
    assert tomorrow_morning(await windows(csr))["capacityMinutes"] == 0
