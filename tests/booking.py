"""Booking through the API in tests: a call booked as a CSR, handed by routing to a
known technician."""

from __future__ import annotations

from typing import Any

from api.persistence.store import Store
from tests.conftest import BOOK, booking_vars
from tests.gql import Client


async def booked_for(store: Store, csr: Client, tech: str, **booking: Any) -> str:
    """Book a call with `csr` (`booking` overrides `booking_vars`) and check that routing
    gave it to `tech`; the job's id."""
    job_id: str = (await csr.execute(BOOK, booking_vars(**booking)))["bookJob"]["id"]
    doc = await store.jobs.find_one({"_id": job_id})
    assert doc is not None and doc.get("tech_id") == tech, doc
    return job_id
