"""Addresses to map pins, through geopy and a provider the company chooses.

The provider comes from settings (`NEXTJOB_GEOCODER`: Nominatim or Photon at a URL the
company runs or pays for, OpenCage with a key, or none). geopy adapters are either
synchronous or asynchronous: `AioHTTPAdapter` when aiohttp is installed, else geopy's
default (urllib) in a worker thread, so the event loop never waits on the network.
Answers are cached in MongoDB by normalised address. When there is no geocoder or it
fails (timeout, no match, an error status) the answer says so and the CSR places the
pin by hand; a found point outside the service area is refused.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from geopy.adapters import AioHTTPAdapter, BaseAdapter
from geopy.exc import GeocoderTimedOut, GeopyError
from geopy.geocoders import Nominatim, OpenCage, Photon

from api.core.settings import Settings
from api.core.validation import text
from api.customers.service_area import base_point, check_service_area
from api.persistence.geocode_cache import CachedPlace, cached_place, remember_place
from api.persistence.store import Store

_PROVIDERS: dict[str, tuple[type[Nominatim] | type[Photon] | type[OpenCage], str]] = {
    "nominatim": (Nominatim, "https://nominatim.openstreetmap.org"),
    "photon": (Photon, "https://photon.komoot.io"),
    "opencage": (OpenCage, "https://api.opencagedata.com"),
}
PLACE_THE_PIN = "place the pin on the map"


@dataclass(frozen=True, slots=True)
class GeocodeAnswer:
    """What the desk shows: the point when found, else why not (then the CSR pins it)."""

    query: str
    found: bool
    message: str
    lat: float | None = None
    lon: float | None = None
    label: str | None = None
    source: str = "none"  # "cache", the provider's name, or "none"


def normalise(address: str) -> str:
    """The cache key: case, punctuation and spacing do not make a different address."""
    return " ".join(re.sub(r"[^\w]+", " ", address.lower()).split())


class Lookup:
    """One configured provider; `locate` returns (lat, lon, label) or None for no match,
    and raises geopy's errors for failures."""

    def __init__(self, settings: Settings) -> None:
        cls, default_url = _PROVIDERS[settings.geocoder]
        url = urlsplit(settings.geocoder_url or default_url)
        self.name = settings.geocoder
        self.timeout = settings.geocoder_timeout
        self._cls = cls
        self._options: dict[str, Any] = {
            "domain": (url.netloc + url.path).rstrip("/"),
            "scheme": url.scheme or "https",
            "user_agent": settings.geocoder_user_agent,
            "timeout": settings.geocoder_timeout,
        }
        if settings.geocoder == "opencage":
            self._options["api_key"] = settings.geocoder_key
        self._bias = _bias(settings)

    def _geocoder(self, adapter: type[BaseAdapter] | None = None) -> Nominatim | Photon | OpenCage:
        options = dict(self._options)
        if adapter is not None:
            options["adapter_factory"] = adapter
        return self._cls(**options)

    async def locate(self, query: str) -> tuple[float, float, str] | None:
        options = {"exactly_one": True, **self._bias}
        if AioHTTPAdapter.is_available:
            async with self._geocoder(AioHTTPAdapter) as geo:
                location = await geo.geocode(query, **options)
        else:
            location = await asyncio.to_thread(partial(self._geocoder().geocode, query, **options))
        if location is None:
            return None
        return float(location.latitude), float(location.longitude), str(location.address)


def _bias(settings: Settings) -> dict[str, Any]:
    """Prefer (not restrict to) places near the base: "100 Main St" means ours."""
    lat, lon = base_point(settings)
    reach = max(settings.service_area_radius_km, 20.0) / 111.0  # degrees, roughly
    box = [(lat - reach, lon - reach), (lat + reach, lon + reach)]
    if settings.geocoder == "nominatim":
        return {"viewbox": box, "bounded": False}
    if settings.geocoder == "photon":
        return {"location_bias": (lat, lon)}
    return {"bounds": box}  # OpenCage


def lookup_for(settings: Settings) -> Lookup | None:
    """The configured provider, or None when the company places pins by hand."""
    return None if settings.geocoder == "none" else Lookup(settings)


async def geocode_address(
    store: Store, settings: Settings, address: str, now: datetime
) -> GeocodeAnswer:
    """Find an address: from the cache, else the provider; refuse it outside the area."""
    query = text(address, "address", max_len=300)
    key = normalise(query)
    hit = await cached_place(store, key)
    if hit is not None:
        answer = _found(query, hit, "cache")
    else:
        answer = await _ask_provider(settings, query)
        if answer.found and answer.lat is not None and answer.lon is not None:
            place = CachedPlace(answer.lat, answer.lon, answer.label or query, answer.source)
            await remember_place(store, key, place, now)
    if answer.lat is not None and answer.lon is not None:
        check_service_area(settings, answer.lat, answer.lon, answer.label or query)
    return answer


async def _ask_provider(settings: Settings, query: str) -> GeocodeAnswer:
    lookup = lookup_for(settings)
    if lookup is None:
        return GeocodeAnswer(query, False, f"No geocoder is configured: {PLACE_THE_PIN}.")
    try:
        found = await lookup.locate(query)
    except GeopyError as exc:
        return GeocodeAnswer(
            query, False, f"{_why(exc, lookup)}: {PLACE_THE_PIN}.", source=lookup.name
        )
    except (LookupError, TypeError, ValueError):
        # A 200 whose body is not the provider's format: geopy's parsers fail on it raw.
        why = "The geocoder answered in an unexpected format"
        return GeocodeAnswer(query, False, f"{why}: {PLACE_THE_PIN}.", source=lookup.name)
    if found is None:
        why = "The geocoder found no such address"
        return GeocodeAnswer(query, False, f"{why}: {PLACE_THE_PIN}.", source=lookup.name)
    lat, lon, label = found
    return _found(query, CachedPlace(lat, lon, label, lookup.name), lookup.name)


def _why(exc: GeopyError, lookup: Lookup) -> str:
    # geopy files a 503 or 504 under "timed out" too: the HTTP status it wraps tells them apart.
    status = getattr(exc.__cause__, "status_code", None)
    if status is not None:
        return f"The geocoder failed (HTTP {status})"
    if isinstance(exc, GeocoderTimedOut):
        return f"The geocoder did not answer within {lookup.timeout:g} s"
    return f"The geocoder failed ({type(exc).__name__})"


def _found(query: str, place: CachedPlace, source: str) -> GeocodeAnswer:
    return GeocodeAnswer(
        query, True, f"Found: {place.label}", place.lat, place.lon, place.label, source
    )
