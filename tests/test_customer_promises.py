"""Promises to customers: urgency-list customers move up when a slot opens, and a call
nobody reached in its window is told it waits for tomorrow."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from api.persistence.documents import geo_point
from api.persistence.store import Store
from mobile_contract import operation
from tests.conftest import AUSTIN, BOOK, add_tech, booking_vars
from tests.gql import Client
from tests.servers import ApiProcess


async def test_finishing_early_promotes_a_nearby_urgency_list_customer(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """When a slot opens, the urgency-list job nearby goes first (over a richer one) and
    its customer is told they are moved up."""
    await add_tech(store, "tech_u", status="available")
    csr = client_for("csr", "c")
    first = (await csr.execute(BOOK, booking_vars()))["bookJob"]["id"]
    near = (AUSTIN[0] + 0.01, AUSTIN[1])
    rich = await csr.execute(BOOK, booking_vars(value=2500, at=near, phone="512-555-0102"))
    urgent = await csr.execute(
        BOOK, booking_vars(value=120, at=near, phone="512-555-0103", urgencyList=True)
    )
    tech = client_for("technician", "tech_u")
    for op, variables in [
        ("StartTravel", {"jobId": first}),
        ("Arrive", {"jobId": first}),
        ("CompleteJob", {"jobId": first, "soldAmount": 0}),
    ]:
        await tech.execute(operation(op), variables)
    urgent_id = urgent["bookJob"]["id"]
    job = await store.jobs.find_one({"_id": urgent_id})
    assert job is not None and job.get("tech_id") == "tech_u"
    assert job["assignment"]["promoted_from_urgency_list"] is True
    rich_job = await store.jobs.find_one({"_id": rich["bookJob"]["id"]})
    assert rich_job is not None and rich_job["status"] == "booked"
    (note,) = await store.db["notifications"].find({"job_id": urgent_id}).to_list(None)
    assert note["kind"] == "moved_up" and "you are next" in note["text"]
    # The promise is the plan's: the job's ETA is the time the customer was told.
    promised = await store.jobs.find_one({"_id": urgent_id})
    assert promised is not None and promised["eta"] == note["eta"]
    assert promised["customer_eta"]["eta"] == note["eta"]


@pytest.fixture
def quick_api(mongo_uri: str, db_name: str, store: Store) -> Iterator[ApiProcess]:
    proc = ApiProcess(mongo_uri, db_name, extra_env={"NEXTJOB_RESYNC_SECONDS": "0.3"})
    try:
        yield proc
    finally:
        proc.stop()


async def test_a_missed_window_tells_the_customer_once(quick_api: ApiProcess, store: Store) -> None:
    """A booked call whose window passed unserved gets one 'first on tomorrow's board' notice."""
    now = datetime.now(UTC)
    await store.jobs.insert_one(
        {
            "_id": "job_late",
            "status": "booked",
            "version": 1,
            "customer": {"name": "Late Caller", "phone": "512-555-0177"},
            "address": "1 Late St",
            "location": geo_point(*AUSTIN),
            "problem": "water heater",
            "kind": "repair",
            "priority": "normal",
            "estimated_value": 300.0,
            "duration_min": 60.0,
            "required_skills": ["plumbing"],
            "window_start": now - timedelta(hours=5),
            "window_end": now - timedelta(hours=1),
            "urgency_list": False,
            "booked_at": now - timedelta(hours=6),
        }
    )
    deadline = asyncio.get_running_loop().time() + 20
    while asyncio.get_running_loop().time() < deadline:
        if await store.db["notifications"].count_documents({"job_id": "job_late"}):
            break
        await asyncio.sleep(0.1)
    # Several more housekeeping passes happen meanwhile; still exactly one notice.
    await asyncio.sleep(1.0)
    notes = await store.db["notifications"].find({"job_id": "job_late"}).to_list(None)
    assert [n["kind"] for n in notes] == ["missed_window"]
    assert "tomorrow" in notes[0]["text"]
