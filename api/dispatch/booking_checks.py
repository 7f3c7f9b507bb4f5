"""Checks a booking passes before the dispatch service writes it.

The skills must be in the catalogue; the customer is found (by id or phone) or created
and the job is booked under their record; and a booking that repeats an open job for
the same customer at the same address is refused as DUPLICATE_BOOKING, naming that
job, unless the caller confirms it is a second visit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from api.core.domain import ACTIVE_STATUSES, OPEN_STATUSES
from api.core.errors import DuplicateBooking
from api.core.validation import Booking, booking
from api.customers.customers import Address, find_for_booking, for_booking, same_place
from api.dispatch.skills import require_known
from api.persistence.store import Doc, Store

_NOT_FINISHED = [s.value for s in (*OPEN_STATUSES, *ACTIVE_STATUSES)]


@dataclass(frozen=True, slots=True)
class BookingChoices:
    """What the caller said beyond the booking itself."""

    customer_id: str | None = None
    confirm_duplicate: bool = False


async def prepare_booking(
    store: Store,
    request: Booking,
    choices: BookingChoices,
    *,
    region: str,
    now: datetime,
    actor: dict[str, str],
) -> Booking:
    """The booking to hand to the dispatch service, under the customer's record."""
    b = booking(request, now)
    await require_known(store, b.required_skills, "requiredSkills")
    found, phone = await find_for_booking(
        store, customer_id=choices.customer_id, phone=b.customer_phone, region=region
    )
    if found is not None and not choices.confirm_duplicate:
        await refuse_duplicate(store, found, b)
    customer = await for_booking(
        store,
        found,
        name=b.customer_name,
        phone=phone,
        place=Address(b.address, b.lat, b.lon),
        now=now,
        actor=actor,
    )
    # The service files the job under the customer with this phone: this record.
    return replace(b, customer_name=customer["name"], customer_phone=customer["phone"])


async def refuse_duplicate(store: Store, customer: Doc, b: Booking) -> None:
    """DUPLICATE_BOOKING if this customer has an unfinished job at this address."""
    open_jobs = store.jobs.find(
        {"customer_id": customer["_id"], "status": {"$in": _NOT_FINISHED}},
        {"address": 1, "location": 1, "status": 1, "problem": 1},
    )
    async for job in open_jobs:
        if same_place(job, b.address, b.lat, b.lon):
            raise DuplicateBooking(
                f"{customer['name']} already has an open job at this address: {job['_id']} "
                f"({job['status']}, {job.get('problem', '')[:60]!r}); "
                "book again with confirmDuplicate: true if this is a separate visit",
                job["_id"],
            )
