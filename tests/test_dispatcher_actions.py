"""Dispatcher actions over the real API: reassign, unassign, reschedule, bump maintenance;
and phones that never acknowledge their job."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from api.persistence.store import Store
from mobile_contract import operation
from tests.booking import booked_for
from tests.conftest import AUSTIN, BOOK, add_tech, booking_vars
from tests.gql import Client, Phone, token
from tests.servers import ApiProcess

REASSIGN = """mutation($j: ID!, $t: ID!, $f: Boolean) {
  reassignJob(jobId: $j, technicianId: $t, force: $f) { id status technicianId } }"""
UNASSIGN = 'mutation($j: ID!) { unassignJob(jobId: $j, reason: "customer asked") { id status } }'
RESCHEDULE = """mutation($j: ID!, $s: DateTime!, $e: DateTime!) {
  rescheduleJob(jobId: $j, window: {start: $s, end: $e}, reason: "customer away") {
    id status arrivalWindow { start end } } }"""


async def test_reassign_moves_the_job_between_phones(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """Reassign: the new tech's phone gets the job, the old one's drops it, atomically."""
    await add_tech(store, "tech_a", status="available")
    job_id = await booked_for(store, client_for("csr", "c"), "tech_a")
    await add_tech(store, "tech_b", status="available")
    old = await Phone(api.ws_url, token("technician", "tech_a")).connect()
    new = await Phone(api.ws_url, token("technician", "tech_b")).connect()
    try:
        assert (await old.next_job() or {}).get("id") == job_id
        assert await new.next_job() is None
        d = client_for("dispatcher", "d")
        moved = (await d.execute(REASSIGN, {"j": job_id, "t": "tech_b"}))["reassignJob"]
        assert moved["technicianId"] == "tech_b"
        assert (await new.next_job() or {}).get("id") == job_id
        assert await old.next_job() is None
    finally:
        await old.close()
        await new.close()
    techs = {t["_id"]: t["status"] async for t in store.technicians.find({})}
    assert techs == {"tech_a": "available", "tech_b": "busy"}
    assert await store.jobs.count_documents({"active_tech_id": {"$type": "string"}}) == 1


async def test_reassign_respects_state(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """A busy target is a conflict; a job being driven to needs force."""
    await add_tech(store, "tech_a", status="available")
    csr = client_for("csr", "c")
    first = await booked_for(store, csr, "tech_a")
    await add_tech(store, "tech_b", status="available")
    await booked_for(store, csr, "tech_b", phone="512-555-0101")
    d = client_for("dispatcher", "d")
    assert await d.errors(REASSIGN, {"j": first, "t": "tech_b"}) == ["CONFLICT"]
    await add_tech(store, "tech_c", status="available")
    await client_for("technician", "tech_a").execute(operation("StartTravel"), {"jobId": first})
    assert await d.errors(REASSIGN, {"j": first, "t": "tech_c"}) == ["CONFLICT"]
    forced = await d.execute(REASSIGN, {"j": first, "t": "tech_c", "f": True})
    assert forced["reassignJob"]["status"] == "ASSIGNED"
    events = await store.events.count_documents({"entity_id": first, "type": "job.reassigned"})
    assert events == 1


async def test_unassign_returns_the_job_to_the_bucket(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """Unassigned: back to booked, not offered again to the same tech today."""
    await add_tech(store, "tech_a", status="available")
    job_id = await booked_for(store, client_for("csr", "c"), "tech_a")
    out = await client_for("dispatcher", "d").execute(UNASSIGN, {"j": job_id})
    assert out["unassignJob"]["status"] == "BOOKED"
    job = await store.jobs.find_one({"_id": job_id})
    assert job is not None and job["status"] == "booked" and "tech_id" not in job


async def test_reschedule_keeps_the_visit_and_tells_the_customer(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """Rescheduled: the old job is closed as RESCHEDULED, a new one carries the visit."""
    await add_tech(store, "tech_a", status="available")
    job_id = await booked_for(store, client_for("csr", "c"), "tech_a")
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    end = start + timedelta(hours=4)
    new = (
        await client_for("dispatcher", "d").execute(
            RESCHEDULE, {"j": job_id, "s": start.isoformat(), "e": end.isoformat()}
        )
    )["rescheduleJob"]
    assert new["id"] != job_id
    assert datetime.fromisoformat(new["arrivalWindow"]["start"]) == start
    old = await store.jobs.find_one({"_id": job_id})
    assert old is not None and old["status"] == "rescheduled" and old["rescheduled_to"] == new["id"]
    tech = await store.technicians.find_one({"_id": "tech_a"})
    assert tech is not None and tech.get("current_job_id") in (None, new["id"])
    (note,) = await store.db["notifications"].find({"job_id": new["id"]}).to_list(None)
    assert note["kind"] == "rescheduled"


async def test_bump_maintenance_frees_a_tech_for_broken_equipment(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """The suggested maintenance visit moves to tomorrow and its tech takes the emergency."""
    await add_tech(store, "tech_h", skills=("hvac",), status="available")
    csr = client_for("csr", "c")
    visit = await booked_for(store, csr, "tech_h", kind="MAINTENANCE")
    broken = (
        await csr.execute(
            BOOK,
            booking_vars(
                kind="BROKEN_EQUIPMENT",
                priority="EMERGENCY",
                phone="512-555-0199",
                at=(AUSTIN[0] + 0.02, AUSTIN[1]),
            ),
        )
    )["bookJob"]["id"]
    d = client_for("dispatcher", "d")
    suggestion = (
        await d.execute(
            "query($j: ID!) { maintenanceBumpSuggestion(jobId: $j) { maintenanceJob { id } "
            "technician { id } travelMinutes } }",
            {"j": broken},
        )
    )["maintenanceBumpSuggestion"]
    assert suggestion["maintenanceJob"]["id"] == visit
    assert suggestion["technician"]["id"] == "tech_h"
    result = (
        await d.execute(
            "mutation($j: ID!) { bumpMaintenance(jobId: $j) { job { id technicianId status } "
            "rescheduled { id status } } }",
            {"j": broken},
        )
    )["bumpMaintenance"]
    assert result["job"]["technicianId"] == "tech_h" and result["job"]["status"] == "ASSIGNED"
    assert result["rescheduled"]["status"] == "BOOKED"
    old = await store.jobs.find_one({"_id": visit})
    assert old is not None and old["status"] == "rescheduled"
    moved = await store.jobs.find_one({"_id": result["rescheduled"]["id"]})
    assert moved is not None and moved["window_start"] - old["window_start"] == timedelta(days=1)


@pytest.fixture
def impatient_api(mongo_uri: str, db_name: str, store: Store) -> Iterator[ApiProcess]:
    env = {
        "NEXTJOB_ACK_TIMEOUT_SECONDS": "1",
        "NEXTJOB_RESYNC_SECONDS": "0.3",
        "NEXTJOB_REASSIGN_UNACKNOWLEDGED": "true",
    }
    proc = ApiProcess(mongo_uri, db_name, extra_env=env)
    try:
        yield proc
    finally:
        proc.stop()


async def test_acknowledged_jobs_stay_and_silent_phones_are_flagged(
    impatient_api: ApiProcess, store: Store
) -> None:
    """An acknowledged assignment stays put; an unacknowledged one raises an alert and,
    as configured, goes back to the bucket with the silent tech put on break."""
    api = impatient_api
    await add_tech(store, "tech_ok", status="available")
    csr = Client(api.base_url, token("csr", "c"))
    ok_job = await booked_for(store, csr, "tech_ok")
    version = (await store.jobs.find_one({"_id": ok_job}) or {})["version"]
    tech = Client(api.base_url, token("technician", "tech_ok"))
    acked = await tech.execute(
        "mutation($j: ID!, $v: Int!) { acknowledgeJob(jobId: $j, version: $v) { id version } }",
        {"j": ok_job, "v": version},
    )
    assert acked["acknowledgeJob"]["version"] == version  # no bump: no push loop
    await add_tech(store, "tech_mute", status="available")
    mute_job = await booked_for(store, csr, "tech_mute", phone="512-555-0123")
    deadline = asyncio.get_running_loop().time() + 20
    while asyncio.get_running_loop().time() < deadline:
        if await store.db["alerts"].count_documents({"kind": "unacknowledged"}):
            break
        await asyncio.sleep(0.1)
    (alert,) = await store.db["alerts"].find({"kind": "unacknowledged"}).to_list(None)
    assert (alert["tech_id"], alert["job_id"]) == ("tech_mute", mute_job)
    mute = await store.technicians.find_one({"_id": "tech_mute"})
    assert mute is not None and mute["status"] == "on_break"
    kept = await store.jobs.find_one({"_id": ok_job})
    assert kept is not None and kept["active_tech_id"] == "tech_ok"
    await csr.close()
    await tech.close()
