"""Booking a job (CSR, dispatcher, integrations): into the pool, then routed at once
(its own decision now; the rest of the fleet's batch in the background)."""

from __future__ import annotations

import secrets

from api.core.domain import TechStatus
from api.core.principal import Principal
from api.core.validation import Booking, booking
from api.dispatch.assignment import assign_claimed, claim_batch, dispatch_idle, request_batch
from api.dispatch.candidates import decision_reasons
from api.dispatch.deps import Dispatch, Policy, publish_job
from api.dispatch.profiles import CompanyPrior, open_job
from api.dispatch.stuck import flag_job
from api.persistence import lookups, updates
from api.persistence.documents import booked_job
from api.persistence.store import Doc
from api.persistence.transitions import book
from routing import Decision


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
    await route_booked(d, job)
    return await lookups.job(d.store, job["_id"])


async def route_booked(d: Dispatch, job: Doc) -> None:
    """Route a job just booked: its own decision (the best free tech for this one job)
    now, or its "unassignable" alert; then a background batch for the rest of the fleet.
    A full-fleet batch per booking queued bookings behind each other's batches."""
    if not d.batches.started or d.policy is not Policy.REVENUE:
        await dispatch_idle(d)  # the simulator's baselines and scripts, as before
        return
    day = await d.zone.today(d.clock)
    async with d.lock:
        techs = await d.techs.current()
        free = [t for t in techs if t["status"] == TechStatus.AVAILABLE.value]
        picks: list[Decision] = []
        if free and job["_id"] in d.open_jobs:
            prior = CompanyPrior.from_techs(techs)
            picks = await claim_batch(d, free, prior, [open_job(job)], day)
    assigned = False
    for dec in picks:
        reasons = decision_reasons(dec)
        assigned |= await assign_claimed(d, dec.job_id, dec.tech_id, reasons) is not None
    if not assigned:
        # Said at booking, not a batch later: the dispatcher sees it while on the call.
        await flag_job(d, open_job(job), techs)
    await request_batch(d)
