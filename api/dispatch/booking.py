"""Booking a job (CSR, dispatcher, integrations): into the pool, then routed at once."""

from __future__ import annotations

import secrets

from api.core.principal import Principal
from api.core.validation import Booking, booking
from api.dispatch.assignment import dispatch_idle
from api.dispatch.deps import Dispatch, publish_job
from api.persistence import lookups, updates
from api.persistence.documents import booked_job
from api.persistence.store import Doc
from api.persistence.transitions import book


async def book_job(d: Dispatch, actor: Principal, request: Booking) -> Doc:
    """Check the booking, store the job and its customer, log it, then try to route it."""
    now = d.clock()
    b = booking(request, now)
    customer_id = await updates.customer_id(d.store, b.customer_name, b.customer_phone, now)
    job = booked_job(
        "job_" + secrets.token_hex(8),
        b,
        booked_at=now,
        booked_by=actor.as_actor(),
        customer_id=customer_id,
    )
    await book(d.store, job, now=now, actor=actor.as_actor())
    await publish_job(d, job)
    await dispatch_idle(d)
    return await lookups.job(d.store, job["_id"])
