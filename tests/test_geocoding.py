"""Geocoding through geopy against a local Nominatim-format server: found, cached, and
each failure (timeout, no match, 5xx) falling back to the CSR placing the pin."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from api.core.errors import InvalidInput
from api.core.settings import Settings
from api.customers.geocoding import GeocodeAnswer, geocode_address, normalise
from api.customers.service_area import check_service_area
from api.persistence.geocode_cache import COLLECTION
from api.persistence.store import Store
from tests.nominatim import NominatimServer, nominatim_server

NOW = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)


@pytest.fixture
def nominatim() -> Iterator[NominatimServer]:
    with nominatim_server() as server:
        yield server


@pytest.fixture
def settings(nominatim: NominatimServer) -> Settings:
    return Settings(geocoder="nominatim", geocoder_url=nominatim.url, geocoder_timeout=0.5)


async def test_an_address_is_found_then_served_from_the_cache(
    store: Store, settings: Settings, nominatim: NominatimServer
) -> None:
    """A match comes back as a point with its label; the same address typed differently
    is answered from MongoDB without asking the geocoder again."""
    first = await geocode_address(store, settings, "1100 Congress Ave, Austin, TX", NOW)
    assert first.found and first.source == "nominatim"
    assert (first.lat, first.lon) == pytest.approx((30.2747, -97.7404))
    assert first.label is not None and "Congress Avenue" in first.label
    again = await geocode_address(store, settings, "  1100 congress ave   austin TX ", NOW)
    assert again.source == "cache" and (again.lat, again.lon) == (first.lat, first.lon)
    assert len(nominatim.searches) == 1
    lon1, lat1, lon2, lat2 = map(float, nominatim.viewboxes[0].split(","))  # x1,y1,x2,y2
    assert lon1 < -97.7431 < lon2 and lat1 < 30.2672 < lat2  # results biased to the base
    key = normalise("1100 Congress Ave, Austin, TX")
    assert await store.db[COLLECTION].count_documents({"_id": key}) == 1


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("12 Slow Lane, Austin, TX", "did not answer within 0.5 s"),
        ("1100 Congress Ave empty, Austin, TX", "found no such address"),
        ("1 Boom Rd, Austin, TX", "failed (HTTP 500)"),
        ("1 Busy Rd, Austin, TX", "failed (HTTP 503)"),
        ("1 Garbled Way, Austin, TX", "unexpected format"),
    ],
)
async def test_a_failing_geocoder_means_placing_the_pin(
    store: Store, settings: Settings, nominatim: NominatimServer, address: str, why: str
) -> None:
    """Timeout, empty result, 500, 503 and a malformed body each answer "not found,
    place the pin", and nothing is cached (the next try asks again)."""
    answer = await geocode_address(store, settings, address, NOW)
    assert not answer.found and answer.lat is None
    assert why in answer.message and "place the pin on the map" in answer.message
    assert nominatim.searches == [address.lower()]
    assert await store.db[COLLECTION].count_documents({}) == 0


async def test_no_geocoder_configured_means_placing_the_pin(store: Store) -> None:
    """With `NEXTJOB_GEOCODER=none` nothing is asked; the CSR pins the address."""
    answer = await geocode_address(store, Settings(geocoder="none"), "1100 Congress Ave", NOW)
    assert answer == GeocodeAnswer(
        "1100 Congress Ave", False, "No geocoder is configured: place the pin on the map."
    )


async def test_an_address_outside_the_service_area_is_refused(
    store: Store, settings: Settings
) -> None:
    """New York for an Austin company: BAD_USER_INPUT naming the distance and the radius."""
    with pytest.raises(InvalidInput, match=r"outside the 80 km service area") as caught:
        await geocode_address(store, settings, "350 5th Ave, New York, NY", NOW)
    assert caught.value.code == "BAD_USER_INPUT"


SQUARE = (
    '{"type": "Polygon", "coordinates": [[[-98.0, 30.0], [-97.5, 30.0], [-97.5, 30.5],'
    " [-98.0, 30.5], [-98.0, 30.0]], [[-97.8, 30.2], [-97.7, 30.2], [-97.7, 30.3],"
    " [-97.8, 30.3], [-97.8, 30.2]]]}"
)


@pytest.mark.parametrize(
    ("lat", "lon", "inside"),
    [(30.10, -97.90, True), (30.25, -97.75, False), (30.60, -97.75, False), (29.9, -97.6, False)],
)
def test_a_polygon_service_area_replaces_the_radius(lat: float, lon: float, inside: bool) -> None:
    """Inside the polygon and outside its hole is in; the hole and beyond are refused."""
    settings = Settings(service_area_geojson=SQUARE)
    if inside:
        check_service_area(settings, lat, lon)
    else:
        with pytest.raises(InvalidInput, match="outside the company's service area"):
            check_service_area(settings, lat, lon)


def test_a_zero_radius_means_no_service_area() -> None:
    """`NEXTJOB_SERVICE_AREA_RADIUS_KM=0` accepts anywhere (a company with no limit)."""
    check_service_area(Settings(service_area_radius_km=0), 40.7484, -73.9857)


@pytest.mark.parametrize(
    "bad",
    [
        {"geocoder": "opencage"},  # a keyed provider without its key
        {"geocoder": "google"},
        {"service_area_geojson": '{"type": "Point", "coordinates": [-97.7, 30.2]}'},
        {"service_area_center": "Austin"},
        {"booking_windows": "12:00-08:00"},
        {"kind_default_values": "PLUMBING=300"},
    ],
)
def test_desk_settings_are_checked_at_start_up(bad: dict[str, str]) -> None:
    """A desk setting that cannot work is refused when settings load, not at the first call."""
    with pytest.raises(ValidationError):
        Settings.model_validate(bad)
