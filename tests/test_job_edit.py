"""Editing booked jobs, and bookings that repeat an open job, over the real API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.persistence.store import Store
from tests.conftest import BOOK, add_tech, booking_vars
from tests.gql import Client, GraphQLError
from tests.servers import ApiProcess
from tests.test_board import next_update, open_board, until

EDIT = """mutation($id: ID!, $version: Int!, $input: EditJobInput!) {
  editJob(id: $id, version: $version, input: $input) {
    id version status problem estimatedValue priority requiredSkills notes
    arrivalWindow { start end } } }"""
CANCEL = 'mutation($id: ID!) { cancelJob(jobId: $id, reason: "customer called") { id } }'


async def book(csr: Client, **kw: Any) -> dict[str, Any]:
    data = await csr.execute(BOOK, booking_vars(**kw))
    job: dict[str, Any] = data["bookJob"]
    return job


async def test_a_booked_job_is_edited_at_the_version_read(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """Window, value, problem, skills, priority and notes change in one logged, versioned
    write; the same edit at the old version is CONFLICT and changes nothing."""
    csr = client_for("csr", "csr_1")
    job = await book(csr)
    start = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    change = {
        "id": job["id"],
        "version": job["version"],
        "input": {
            "arrivalWindow": {
                "start": start.isoformat(),
                "end": (start + timedelta(hours=2)).isoformat(),
            },
            "estimatedValue": 1250.0,
            "problem": "AC dead, upstairs unit",
            "requiredSkills": ["hvac", "electrical"],
            "priority": "HIGH",
            "notes": "Call 20 minutes ahead",
        },
    }
    edited = (await csr.execute(EDIT, change))["editJob"]
    assert edited["version"] == job["version"] + 1 and edited["status"] == "BOOKED"
    assert edited["estimatedValue"] == 1250.0 and edited["priority"] == "HIGH"
    assert edited["requiredSkills"] == ["electrical", "hvac"]
    assert edited["notes"] == "Call 20 minutes ahead"
    assert datetime.fromisoformat(edited["arrivalWindow"]["start"]) == start

    stale = {**change, "input": {"estimatedValue": 1.0}}
    with pytest.raises(GraphQLError) as refused:
        await csr.execute(EDIT, stale)
    assert refused.value.codes == ["CONFLICT"]
    assert "reload" in refused.value.errors[0]["message"]
    doc = await store.jobs.find_one({"_id": job["id"]})
    assert doc is not None and doc["estimated_value"] == 1250.0
    logged = [e async for e in store.events.find({"entity_id": job["id"]}).sort("version", 1)]
    assert [e["type"] for e in logged] == ["job.booked", "job.edited"]
    assert logged[1]["version"] == edited["version"]
    assert "estimated_value" in logged[1]["data"]["changed"]

    bad = {"id": job["id"], "version": edited["version"], "input": {"requiredSkills": ["nope"]}}
    assert await csr.errors(EDIT, bad) == ["BAD_USER_INPUT"]
    empty = {"id": job["id"], "version": edited["version"], "input": {}}
    assert await csr.errors(EDIT, empty) == ["BAD_USER_INPUT"]


async def test_an_assigned_job_cannot_be_edited(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """Once routing gives the job to a tech, an edit is CONFLICT (unassign it first)."""
    await add_tech(store, "tech_e")
    csr = client_for("csr", "csr_1")
    job = await book(csr)
    on_duty = "mutation { goOnDuty { currentJobId } }"
    assert (await client_for("technician", "tech_e").execute(on_duty))["goOnDuty"][
        "currentJobId"
    ] == job["id"]
    doc = await store.jobs.find_one({"_id": job["id"]})
    assert doc is not None and doc["status"] == "assigned"
    change = {"id": job["id"], "version": doc["version"], "input": {"problem": "x"}}
    with pytest.raises(GraphQLError) as refused:
        await csr.execute(EDIT, change)
    assert refused.value.codes == ["CONFLICT"]
    assert "only a booked job" in refused.value.errors[0]["message"]


async def test_a_repeat_booking_is_flagged_then_booked_when_confirmed(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """Same customer, same address, an open job: DUPLICATE_BOOKING naming it; confirmed, it
    books; once the first job is cancelled, the same booking is not flagged."""
    csr = client_for("csr", "csr_1")
    first = await book(csr, phone="512-555-0301", confirm_duplicate=False)
    before = await store.jobs.count_documents({})
    # The same place typed differently, a few metres off, the phone in another format.
    repeat = booking_vars(
        phone="(512) 555-0301",
        address="1100 congress ave., Austin TX",
        lat=30.26722,
        confirm_duplicate=False,
    )
    with pytest.raises(GraphQLError) as flagged:
        await csr.execute(BOOK, repeat)
    error = flagged.value.errors[0]
    assert error["extensions"]["code"] == "DUPLICATE_BOOKING"
    assert error["extensions"]["duplicateOf"] == first["id"]
    assert first["id"] in error["message"]
    assert await store.jobs.count_documents({}) == before

    other_place = booking_vars(
        phone="512-555-0301", address="9 Elm St, Austin, TX", lat=30.4, confirm_duplicate=False
    )
    await csr.execute(BOOK, other_place)  # another address: not a repeat

    repeat["input"]["confirmDuplicate"] = True
    second = (await csr.execute(BOOK, repeat))["bookJob"]
    assert second["id"] != first["id"] and second["status"] == "BOOKED"

    await csr.execute(CANCEL, {"id": first["id"]})
    await csr.execute(CANCEL, {"id": second["id"]})
    repeat["input"]["confirmDuplicate"] = False
    third = (await csr.execute(BOOK, repeat))["bookJob"]
    assert third["status"] == "BOOKED"


async def test_an_edit_reaches_the_board(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """The board hears about an edited job at its new version."""
    csr = client_for("csr", "csr_1")
    job = await book(csr)
    ws = await open_board(api)
    try:
        assert (await next_update(ws))["kind"] == "RESYNC"
        change = {"id": job["id"], "version": job["version"], "input": {"priority": "EMERGENCY"}}
        edited = (await csr.execute(EDIT, change))["editJob"]
        seen = await until(ws, lambda u: u["kind"] == "JOB" and u["job"]["id"] == job["id"])
        assert seen["job"]["version"] == edited["version"]
    finally:
        await ws.close()
