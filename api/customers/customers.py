"""Customers: one record per household or business, found again by phone or name.

A customer has a name, phones in E.164 (the first is the key bookings look them up
by), service addresses with coordinates, notes and a service-agreement flag. A
booking names an existing customer or creates one; either way the job links to it.
"""

from __future__ import annotations

import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from api.core.errors import Conflict, InvalidInput, NotFound
from api.core.events import EventType
from api.core.phones import e164, search_form
from api.core.validation import coordinates, identifier, text
from api.persistence.records import insert_record, update_record
from api.persistence.store import Doc, Store

COLLECTION = "customers"
MAX_PHONES = 5
MAX_ADDRESSES = 20
_ATTEMPTS = 3
_SAME_PLACE_M = 30.0  # two geocodes of one house land within a few metres


@dataclass(frozen=True, slots=True)
class Address:
    address: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class CustomerEdit:
    """What staff may change on a customer; `None` leaves a field as it is."""

    name: str | None = None
    phones: tuple[str, ...] | None = None
    notes: str | None = None
    service_agreement: bool | None = None


def address_key(address: str) -> str:
    """An address reduced to lower-case words, so `1100 Congress Ave.` = `1100 congress ave`."""
    return " ".join(re.findall(r"[a-z0-9]+", address.lower()))


def same_place(a: Doc, address: str, lat: float, lon: float) -> bool:
    """Whether a stored address (or job) is where this booking is."""
    if address_key(str(a.get("address", ""))) == address_key(address):
        return True
    alat, alon = _lat_lon(a)
    dy = (alat - lat) * 111_320.0
    dx = (alon - lon) * 111_320.0 * math.cos(math.radians(lat))
    return math.hypot(dx, dy) <= _SAME_PLACE_M


def _lat_lon(a: Doc) -> tuple[float, float]:
    if "location" in a:
        lon, lat = a["location"]["coordinates"]
        return float(lat), float(lon)
    return float(a.get("lat", 0.0)), float(a.get("lon", 0.0))


async def customer(store: Store, customer_id: str) -> Doc:
    identifier(customer_id, "customerId")
    doc: Doc | None = await store.db[COLLECTION].find_one({"_id": customer_id})
    if doc is None:
        raise NotFound(f"customer {customer_id} not found")
    return doc


async def by_phone(store: Store, phone: str) -> Doc | None:
    """The customer with this E.164 phone, if any."""
    doc: Doc | None = await store.db[COLLECTION].find_one(
        {"$or": [{"phones": phone}, {"phone": phone}]}
    )
    return doc


async def search(store: Store, query: str, region: str, limit: int = 20) -> list[Doc]:
    """Customers whose phone is this number, or whose name contains this text."""
    q = text(query, "search", max_len=100)
    phone = search_form(q, region)
    match: Doc = {"$or": [{"phones": phone}, {"phone": phone}]} if phone else {}
    if not phone:
        match = {"name": {"$regex": re.escape(q), "$options": "i"}}
    cursor = store.db[COLLECTION].find(match).sort("name", 1).limit(max(1, min(limit, 50)))
    return await cursor.to_list(None)


async def find_for_booking(
    store: Store, *, customer_id: str | None, phone: str, region: str
) -> tuple[Doc | None, str]:
    """The customer a booking names (by id), else the one with its phone; and that phone
    in E.164. Reads only, so a refused booking writes nothing."""
    number = e164(phone, region, "customer.phone")
    if customer_id is not None:
        return await customer(store, customer_id), number
    return await by_phone(store, number), number


async def for_booking(
    store: Store,
    found: Doc | None,
    *,
    name: str,
    phone: str,
    place: Address,
    now: datetime,
    actor: dict[str, str],
) -> Doc:
    """File a booking under `found` (adding its address and phone, E.164) or a new customer.

    Two bookings racing for one new phone, or an edit racing a booking, are retried on
    the record as it now is: the loser links to the winner's customer.
    """
    coordinates(place.lat, place.lon)
    for _ in range(_ATTEMPTS):
        try:
            return await _file_once(store, found, name, phone, place, now, actor)
        except Conflict:
            found = await (customer(store, found["_id"]) if found else by_phone(store, phone))
    raise Conflict("the customer record keeps changing; try again")


async def _file_once(
    store: Store,
    found: Doc | None,
    name: str,
    phone: str,
    place: Address,
    now: datetime,
    actor: dict[str, str],
) -> Doc:
    if found is None:
        return await insert_record(
            store,
            COLLECTION,
            {
                "_id": "cus_" + secrets.token_hex(8),
                "name": text(name, "customer.name", max_len=120),
                "phone": phone,
                "phones": [phone],
                "addresses": [_address_doc(place)],
                "notes": "",
                "service_agreement": False,
            },
            now=now,
            actor=actor,
            entity="customer",
            event_type=EventType.CUSTOMER_CREATED,
        )
    addresses: list[Doc] = list(found.get("addresses") or [])
    phones: list[str] = list(found.get("phones") or [found["phone"]])
    changes: Doc = {}
    if not any(same_place(a, place.address, place.lat, place.lon) for a in addresses):
        changes["addresses"] = [*addresses, _address_doc(place)][-MAX_ADDRESSES:]
    if phone not in phones and len(phones) < MAX_PHONES:
        changes["phones"] = [*phones, phone]
    if not changes:
        return found
    return await update_record(
        store,
        COLLECTION,
        found["_id"],
        changes=changes,
        expect_version=found.get("version"),
        now=now,
        actor=actor,
        entity="customer",
        event_type=EventType.CUSTOMER_EDITED,
    )


async def edit(
    store: Store,
    customer_id: str,
    c: CustomerEdit,
    *,
    region: str,
    expect_version: int | None,
    now: datetime,
    actor: dict[str, str],
) -> Doc:
    """Change a customer's name, phones (the first is the main one), notes, agreement."""
    identifier(customer_id, "customerId")
    changes: Doc = {}
    if c.name is not None:
        changes["name"] = text(c.name, "name", max_len=120)
    if c.phones is not None:
        phones = list(dict.fromkeys(e164(p, region, "phones") for p in c.phones))
        if not 1 <= len(phones) <= MAX_PHONES:
            raise InvalidInput(f"a customer has 1 to {MAX_PHONES} phones", "phones")
        changes.update(phones=phones, phone=phones[0])
    if c.notes is not None:
        changes["notes"] = text(c.notes, "notes", max_len=4000, min_len=0)
    if c.service_agreement is not None:
        changes["service_agreement"] = c.service_agreement
    if not changes:
        raise InvalidInput("nothing to change", "input")
    return await update_record(
        store,
        COLLECTION,
        customer_id,
        changes=changes,
        expect_version=expect_version,
        now=now,
        actor=actor,
        entity="customer",
        event_type=EventType.CUSTOMER_EDITED,
    )


def _address_doc(place: Address) -> Doc:
    return {
        "address": text(place.address, "address", max_len=300),
        "lat": place.lat,
        "lon": place.lon,
    }
