"""The per-process open-job index: follows writes, events and resyncs; stale is harmless."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.core.domain import JobKind, Priority, Role
from api.core.principal import Principal
from api.core.settings import Settings
from api.core.validation import Booking
from api.dispatch.assignment import dispatch_tech
from api.dispatch.booking import book_job
from api.dispatch.deps import Dispatch
from api.dispatch.overrides import cancel_job
from api.persistence.documents import geo_point
from api.persistence.store import Doc, Store
from realtime import Broker, MemoryBroker, RedisBroker
from tests.conftest import AUSTIN, add_tech

CSR = Principal(role=Role.CSR, subject="csr_1")
DISPATCHER = Principal(role=Role.DISPATCHER, subject="disp_1")


def booking(value: float = 400.0, north: float = 0.0) -> Booking:
    now = datetime.now(UTC)
    return Booking(
        customer_name="Dana Customer",
        customer_phone="512-555-" + str(secrets.randbelow(9000) + 1000),
        address="1100 Congress Ave, Austin, TX",
        lat=AUSTIN[0] + north,
        lon=AUSTIN[1],
        problem="AC blowing warm air",
        kind=JobKind.REPAIR,
        priority=Priority.NORMAL,
        estimated_value=value,
        required_skills=("hvac",),
        window_start=now,
        window_end=now + timedelta(hours=4),
    )


def job_doc(value: float, **extra: Any) -> Doc:
    """A booked job as `book_job` stores it, for writes that bypass the actions."""
    now = datetime.now(UTC).replace(microsecond=0)
    return {
        "_id": "job_" + secrets.token_hex(8),
        "status": "booked",
        "version": 1,
        "location": geo_point(*AUSTIN),
        "kind": "repair",
        "priority": "normal",
        "estimated_value": value,
        "duration_min": 60.0,
        "required_skills": ["hvac"],
        "window_start": now,
        "window_end": now + timedelta(hours=4),
        "booked_at": now,
        **extra,
    }


async def until(check: Callable[[], bool], within: float = 5.0) -> bool:
    """Poll `check` until true or `within` seconds pass."""
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


@pytest.fixture
async def service(store: Store) -> AsyncIterator[Dispatch]:
    broker = MemoryBroker()
    await broker.connect()
    svc = Dispatch.build(store, broker, Settings(resync_seconds=0.3))
    await svc.open_jobs.start()
    try:
        yield svc
    finally:
        await svc.open_jobs.stop()
        await broker.disconnect()


async def test_index_follows_own_bookings_assignments_and_cancellations(
    store: Store, service: Dispatch
) -> None:
    """Jobs booked here appear at once; assigned or cancelled ones leave at once."""
    index = service.open_jobs
    kept = await book_job(service, CSR, booking())
    dropped = await book_job(service, CSR, booking())
    assert kept["_id"] in index and dropped["_id"] in index
    await cancel_job(service, DISPATCHER, dropped["_id"], "customer fixed it")
    assert dropped["_id"] not in index
    await add_tech(store, "tech_a", status="available")
    assigned = await dispatch_tech(service, "tech_a")
    assert assigned is not None and assigned["_id"] == kept["_id"]
    assert len(index) == 0


@pytest.mark.parametrize("backend", ["memory", "redis"])
async def test_second_process_sees_a_job_booked_by_the_first(
    store: Store, mongo_uri: str, db_name: str, redis_url: str, backend: str
) -> None:
    """A job booked through one service reaches another service's index via the broker."""

    def broker() -> Broker:
        return RedisBroker(redis_url) if backend == "redis" else shared

    shared = MemoryBroker()
    other_store = Store(mongo_uri, db_name)
    first = Dispatch.build(store, broker(), Settings(resync_seconds=60))
    second = Dispatch.build(other_store, broker(), Settings(resync_seconds=60))
    for svc in (first, second):
        await svc.broker.connect()
        await svc.open_jobs.start()
    try:
        job = await book_job(first, CSR, booking())
        assert await until(lambda: job["_id"] in second.open_jobs)
        await cancel_job(first, DISPATCHER, job["_id"], "duplicate")
        assert await until(lambda: job["_id"] not in second.open_jobs)
    finally:
        for svc in (first, second):
            await svc.open_jobs.stop()
            await svc.broker.disconnect()
        await other_store.close()


async def test_stale_entry_gives_the_runner_up_not_an_error(
    store: Store, service: Dispatch
) -> None:
    """A job taken behind the index's back makes dispatch assign the runner-up."""
    best = await book_job(service, CSR, booking(value=2000.0))
    runner_up = await book_job(service, CSR, booking(value=300.0))
    # Another writer takes the best job without telling anyone (no broker event).
    await store.jobs.update_one(
        {"_id": best["_id"]},
        {
            "$set": {"status": "assigned", "tech_id": "elsewhere", "active_tech_id": "elsewhere"},
            "$inc": {"version": 1},
        },
    )
    assert best["_id"] in service.open_jobs  # stale on purpose
    await add_tech(store, "tech_b", status="available")
    assigned = await dispatch_tech(service, "tech_b")
    assert assigned is not None and assigned["_id"] == runner_up["_id"]
    assert best["_id"] not in service.open_jobs  # the stale entry was corrected


async def test_periodic_resync_heals_missed_events(store: Store, service: Dispatch) -> None:
    """Writes that published no event (insert, change, removal) reach the index by resync."""
    index = service.open_jobs
    gone = await book_job(service, CSR, booking())
    changed = await book_job(service, CSR, booking(value=100.0))
    new = job_doc(900.0)
    await store.jobs.insert_one(new)
    await store.jobs.delete_one({"_id": gone["_id"]})
    await store.jobs.update_one(
        {"_id": changed["_id"]}, {"$set": {"estimated_value": 5000.0}, "$inc": {"version": 1}}
    )

    def healed() -> bool:
        job = index.pool.get(changed["_id"])
        return (
            new["_id"] in index
            and gone["_id"] not in index
            and job is not None
            and (job.value == 5000.0)
        )

    assert await until(healed)


async def test_unstarted_service_resyncs_by_its_own_clock(store: Store) -> None:
    """Without start() (the simulator), the index reloads once a period passes on its clock."""
    now = [datetime.now(UTC)]
    svc = Dispatch.build(store, MemoryBroker(), Settings(resync_seconds=30), clock=lambda: now[0])
    await add_tech(store, "tech_c", status="available", stats=None)
    await svc.open_jobs.ensure_fresh()  # first use loads (empty)
    await store.jobs.insert_one(job_doc(500.0))
    assert await dispatch_tech(svc, "tech_c") is None  # not yet seen: no event, no resync
    now[0] += timedelta(seconds=31)
    assert await dispatch_tech(svc, "tech_c") is not None
