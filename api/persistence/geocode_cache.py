"""Addresses already geocoded: the `geocode_cache` collection, keyed by the normalised
address, so a repeat caller costs the geocoder nothing (and keeps us inside public
providers' usage policies)."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from api.persistence.driver_errors import maps_driver_errors
from api.persistence.store import Store

COLLECTION = "geocode_cache"


class CachedPlace(NamedTuple):
    lat: float
    lon: float
    label: str
    provider: str


@maps_driver_errors
async def cached_place(store: Store, key: str) -> CachedPlace | None:
    """The remembered answer for a normalised address, if any."""
    doc = await store.db[COLLECTION].find_one({"_id": key})
    if doc is None:
        return None
    return CachedPlace(float(doc["lat"]), float(doc["lon"]), str(doc["label"]), doc["provider"])


@maps_driver_errors
async def remember_place(store: Store, key: str, place: CachedPlace, now: datetime) -> None:
    """Keep a geocoder's answer (the latest wins; addresses do not move)."""
    await store.db[COLLECTION].update_one(
        {"_id": key},
        {"$set": {**place._asdict(), "updated_at": now}, "$setOnInsert": {"created_at": now}},
        upsert=True,
    )
