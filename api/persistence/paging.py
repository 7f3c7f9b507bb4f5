"""Keyset pagination: pages that stay stable while jobs are booked.

A cursor encodes the sort key and `_id` of a row; the next page is "rows after this
key" in (key, _id) order, not "skip N rows", so an insert never shifts or repeats a
row across pages. Cursors are opaque (base64 JSON) and tied to their sort.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from pymongo.asynchronous.collection import AsyncCollection

from api.core.domain import Priority
from api.core.errors import InvalidInput
from api.persistence.driver_errors import maps_driver_errors
from api.persistence.store import Doc

MAX_PAGE: Final = 500
DEFAULT_PAGE: Final = 50
EARTH_RADIUS_KM: Final = 6378.1
PRIORITY_ORDER: Final = [p.value for p in Priority]  # emergency first
# Sort keys that are not stored fields are computed in the pipeline.
COMPUTED: Final[dict[str, Doc]] = {
    "_priority_rank": {"$indexOfArray": [PRIORITY_ORDER, "$priority"]},
}


@dataclass(frozen=True, slots=True)
class PageRequest:
    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None


@dataclass(frozen=True, slots=True)
class Page:
    docs: list[Doc]
    cursors: list[str]
    has_next: bool
    has_previous: bool


def near(lat: float, lon: float, radius_km: float) -> Doc:
    """Within `radius_km` of a point (served by the 2dsphere index)."""
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidInput("near: lat/lon out of range", "near")
    if not 0 < radius_km <= 500:
        raise InvalidInput("near.radiusKm must be in (0, 500]", "near")
    return {"$geoWithin": {"$centerSphere": [[lon, lat], radius_km / EARTH_RADIUS_KM]}}


def _encode(sort: str, value: Any, doc_id: str) -> str:
    v = {"$dt": value.isoformat()} if isinstance(value, datetime) else value
    raw = json.dumps([sort, v, doc_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, sort: str) -> tuple[Any, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        name, value, doc_id = json.loads(raw)
        if isinstance(value, dict):
            value = datetime.fromisoformat(value["$dt"])
    except (binascii.Error, ValueError, TypeError, KeyError) as exc:
        raise InvalidInput("malformed cursor", "after") from exc
    if name != sort or not isinstance(doc_id, str):
        raise InvalidInput("cursor belongs to another sort order", "after")
    return value, doc_id


def _after(key: str, value: Any, doc_id: str, ascending: bool) -> Doc:
    op = "$gt" if ascending else "$lt"
    return {"$or": [{key: {op: value}}, {key: value, "_id": {op: doc_id}}]}


def _size(n: int | None, name: str) -> int:
    if n is None:
        return DEFAULT_PAGE
    if not 0 <= n <= MAX_PAGE:
        raise InvalidInput(f"{name} must be 0-{MAX_PAGE}", name)
    return n


@maps_driver_errors
async def fetch_page(
    collection: AsyncCollection[Doc],
    match: Doc,
    key: str,
    descending: bool,
    req: PageRequest,
) -> Page:
    """One page of `match` in (`key`, `_id`) order, by Relay's first/after/last/before."""
    if req.first is not None and req.last is not None:
        raise InvalidInput("pass first or last, not both", "last")
    backward = req.last is not None or (req.before is not None and req.first is None)
    size = _size(req.last if backward else req.first, "last" if backward else "first")
    sort_name = f"{key}:{'desc' if descending else 'asc'}"
    ascending = descending == backward  # the direction we scan in
    pipeline: list[Doc] = [{"$match": match}]
    if key in COMPUTED:
        pipeline.append({"$addFields": {key: COMPUTED[key]}})
    for cursor, forward in ((req.after, True), (req.before, False)):
        if cursor is not None:
            value, doc_id = _decode(cursor, sort_name)
            scan_up = (not descending) if forward else descending
            pipeline.append({"$match": _after(key, value, doc_id, scan_up)})
    direction = 1 if ascending else -1
    pipeline += [{"$sort": {key: direction, "_id": direction}}, {"$limit": size + 1}]
    docs = await (await collection.aggregate(pipeline)).to_list(None)
    more = len(docs) > size
    docs = docs[:size]
    if backward:
        docs.reverse()
    cursors = [_encode(sort_name, d.get(key), d["_id"]) for d in docs]
    if backward:
        return Page(docs, cursors, has_next=req.before is not None, has_previous=more)
    return Page(docs, cursors, has_next=more, has_previous=req.after is not None)
