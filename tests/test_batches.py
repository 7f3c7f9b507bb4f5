"""Background batches: coalesced, never holding the lock while they write, and the
per-process technician cache that feeds them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from api.core.settings import Settings
from api.dispatch.booking import book_job
from api.dispatch.coalesce import Coalescer
from api.dispatch.deps import Dispatch
from api.persistence.store import Store
from realtime import Event, MemoryBroker, board_channel
from tests.conftest import add_tech
from tests.test_candidates import CSR, booking, until


async def test_asks_during_a_run_make_exactly_one_more_run() -> None:
    """Ten asks while a run is in flight collapse into one re-run, not ten."""
    batches = Coalescer()
    batches.start()
    release = asyncio.Event()
    started: list[int] = []

    async def work() -> None:
        started.append(len(started))
        await release.wait()

    batches.ask(work)
    await asyncio.sleep(0)  # the first run starts and waits
    for _ in range(10):
        batches.ask(work)
    release.set()
    await batches.idle()
    assert started == [0, 1]
    assert batches.runs == 2
    await batches.stop()


@pytest.fixture
async def live(store: Store) -> AsyncIterator[tuple[Dispatch, list[bool]]]:
    """A started service (as in the app) recording whether the lock was held at each
    assignment's write."""
    broker = MemoryBroker()
    await broker.connect()
    held: list[bool] = []
    box: list[Dispatch] = []
    svc = Dispatch.build(
        store,
        broker,
        Settings(resync_seconds=30),
        on_assignment=lambda who: held.append(box[0].lock.locked()),
    )
    box.append(svc)
    await svc.start()
    try:
        yield svc, held
    finally:
        await svc.stop()
        await broker.disconnect()


async def test_booking_routes_its_own_job_and_the_batch_fills_the_fleet(
    store: Store, live: tuple[Dispatch, list[bool]]
) -> None:
    """A booking returns with its own job assigned; the background batch gives the other
    free techs the rest; one job per tech; no write ran under the dispatch lock."""
    svc, held = live
    # Jobs booked while nobody is free wait in the pool.
    waiting = [await book_job(svc, CSR, booking(value=300.0 + i)) for i in range(4)]
    assert all(job["status"] == "booked" for job in waiting)
    for i in range(5):
        await add_tech(store, f"tech_{i}", status="available")
    job = await book_job(svc, CSR, booking(value=5000.0))
    assert job["status"] == "assigned"
    await svc.batches.idle()
    busy = await store.technicians.find({"status": "busy"}).to_list(None)
    assert len(busy) == 5
    active = await store.jobs.find({"active_tech_id": {"$exists": True}}).to_list(None)
    assert len({j["active_tech_id"] for j in active}) == len(active) == 5
    assert held and not any(held)


async def test_cache_follows_a_technician_changed_elsewhere(
    store: Store, live: tuple[Dispatch, list[bool]]
) -> None:
    """A technician event from another process makes the cache re-read that tech."""
    svc, _ = live
    await add_tech(store, "tech_z", status="off_duty")
    await store.technicians.update_one(
        {"_id": "tech_z"}, {"$set": {"status": "available"}, "$inc": {"version": 1}}
    )
    await svc.broker.publish(board_channel(), Event(kind="technician", id="tech_z", version=2))

    assert await until(lambda: (svc.techs.get("tech_z") or {}).get("status") == "available")
    assert svc.techs.following
