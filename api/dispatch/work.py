"""Working a job (the technician): drive there, arrive, complete."""

from __future__ import annotations

from datetime import datetime

from api.core.events import EventType
from api.core.principal import Principal
from api.core.validation import MAX_SOLD_AMOUNT, identifier, money, text
from api.dispatch import moves
from api.dispatch.assignment import dispatch_tech
from api.dispatch.deps import Dispatch, acting_tech, publish_job, publish_tech
from api.persistence import lookups
from api.persistence.steps import JobMove
from api.persistence.store import Doc
from api.persistence.transitions import move_job, move_job_and_tech


async def start_travel(d: Dispatch, actor: Principal, job_id: str) -> Doc:
    """The tech drives to their assigned job; the customer is told they are on the way."""
    tech_id = acting_tech(actor)
    identifier(job_id, "jobId")
    now = d.clock()
    job = await _step(
        d, actor, now, moves.start_travel(job_id, tech_id, now), EventType.JOB_EN_ROUTE
    )
    if d.customer_timing is not None:
        await d.positions.persist(tech_id)  # the ETA is computed from the stored position
        await d.customer_timing.on_the_way(job, d.clock())
        # on_the_way stored the eta it announced: answer with it, not the job before.
        job = await lookups.job(d.store, job_id)
    return job


async def arrive(d: Dispatch, actor: Principal, job_id: str) -> Doc:
    """The tech is at the customer's door."""
    tech_id = acting_tech(actor)
    identifier(job_id, "jobId")
    now = d.clock()
    return await _step(d, actor, now, moves.arrive(job_id, tech_id, now), EventType.JOB_ON_SITE)


async def _step(
    d: Dispatch, actor: Principal, now: datetime, move: JobMove, event_type: EventType
) -> Doc:
    job = await move_job(d.store, now=now, actor=actor.as_actor(), event_type=event_type, job=move)
    await publish_job(d, job)
    return job


async def complete_job(
    d: Dispatch, actor: Principal, job_id: str, sold_amount: float, note: str | None = None
) -> Doc:
    """Done: the job closes with what was sold (and the tech's note), the tech is free and
    routed again."""
    tech_id = acting_tech(actor)
    identifier(job_id, "jobId")
    sold = money(sold_amount, "soldAmount", maximum=MAX_SOLD_AMOUNT)
    said = text(note, "note", max_len=2000, min_len=0) if note is not None else None
    kind = (await lookups.job(d.store, job_id))["kind"]  # for the per-kind results
    now = d.clock()
    job, tech = await move_job_and_tech(
        d.store,
        now=now,
        actor=actor.as_actor(),
        event_type=EventType.JOB_COMPLETED,
        data={"sold_amount": sold},
        job=moves.complete(job_id, tech_id, now, sold, said),
        tech=moves.free(tech_id, inc=moves.completion_stats(kind, sold)),
    )
    # Route first, then announce: the phone's re-read then usually finds the next
    # job already there instead of flashing "no job" in between.
    await dispatch_tech(d, tech_id, slot_opened=True)
    await publish_job(d, job)
    await publish_tech(d, tech)
    return job
