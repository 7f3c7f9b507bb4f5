"""The whole loop over the real API: book, on duty, one job pushed, work it, next job."""

from __future__ import annotations

from collections.abc import Callable

from api.persistence.store import Store
from mobile_contract import operation
from tests.conftest import AUSTIN, BOOK, add_tech, booking_vars
from tests.gql import Client, Phone, token
from tests.servers import ApiProcess


async def test_phone_receives_one_job_at_a_time_through_the_day(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """Three bookings, one tech: the phone sees exactly one job, then the next on completion."""
    await add_tech(store, "tech_a")
    csr = client_for("csr", "csr_1")
    booked = []
    for i in range(3):
        lat, lon = AUSTIN[0] + 0.01 * i, AUSTIN[1]
        data = await csr.execute(BOOK, booking_vars(value=300 + 100 * i, at=(lat, lon)))
        booked.append(data["bookJob"]["id"])
        assert data["bookJob"]["status"] == "BOOKED"

    phone = await Phone(api.ws_url, token("technician", "tech_a")).connect()
    try:
        assert await phone.next_job() is None  # off duty: nothing to do yet
        tech = client_for("technician", "tech_a")
        await tech.execute(operation("GoOnDuty"))

        seen: list[str] = []
        for _ in range(3):
            job = await phone.next_job()
            if job is None and seen:
                job = await phone.next_job()  # at most one "nothing right now" between jobs
            assert job is not None and job["status"] == "ASSIGNED"
            assert job["id"] in booked and job["id"] not in seen
            seen.append(job["id"])
            active = await store.jobs.count_documents({"active_tech_id": "tech_a"})
            assert active == 1
            await tech.execute(operation("StartTravel"), {"jobId": job["id"]})
            en_route = await phone.next_job()
            assert en_route is not None and en_route["status"] == "EN_ROUTE"
            assert en_route["version"] > job["version"]
            await tech.execute(operation("Arrive"), {"jobId": job["id"]})
            assert (await phone.next_job() or {}).get("status") == "ON_SITE"
            await tech.execute(operation("CompleteJob"), {"jobId": job["id"], "soldAmount": 800.0})
        assert await phone.next_job() is None  # the bucket is empty
        assert sorted(seen) == sorted(booked)
        assert await store.jobs.count_documents({"status": "completed", "tech_id": "tech_a"}) == 3
        tech_doc = await store.technicians.find_one({"_id": "tech_a"})
        assert tech_doc is not None and tech_doc["status"] == "available"
        assert tech_doc["stats"] == {"completed": 3, "sales": 3, "sold_total": 2400.0}
    finally:
        await phone.close()


async def test_reconnecting_phone_gets_its_current_job_at_once(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """A phone that drops and reconnects is sent its current job immediately."""
    await add_tech(store, "tech_b")
    csr = client_for("csr", "csr_1")
    job_id = (await csr.execute(BOOK, booking_vars()))["bookJob"]["id"]
    await client_for("technician", "tech_b").execute(operation("GoOnDuty"))
    first = await Phone(api.ws_url, token("technician", "tech_b")).connect()
    job = await first.next_job()
    assert job is not None and job["id"] == job_id
    await first.close()
    again = await Phone(api.ws_url, token("technician", "tech_b")).connect()
    try:
        job2 = await again.next_job()
        assert job2 is not None and job2["id"] == job_id and job2["version"] == job["version"]
        assert await again.no_message(within=1.0)  # no duplicate push of the same version
    finally:
        await again.close()


async def test_legacy_graphql_ws_protocol_delivers_the_job(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """Old phones on the `graphql-ws` protocol get the same stream."""
    import asyncio
    import json

    from websockets.asyncio.client import connect

    await add_tech(store, "tech_c", status="available")
    await client_for("csr", "c").execute(BOOK, booking_vars())
    async with connect(api.ws_url, subprotocols=["graphql-ws"]) as ws:  # type: ignore[list-item]
        init = {"Authorization": f"Bearer {token('technician', 'tech_c')}"}
        await ws.send(json.dumps({"type": "connection_init", "payload": init}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        await ws.send(
            json.dumps({"id": "1", "type": "start", "payload": {"query": operation("MyJob")}})
        )
        while True:
            msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if msg["type"] == "ka":
                continue
            assert msg["type"] == "data", msg
            if msg["payload"]["data"]["myJob"] is not None:
                break
        assert msg["payload"]["data"]["myJob"]["status"] == "ASSIGNED"


async def test_dispatcher_assignment_reaches_the_phone(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """A dispatcher's assignJob override is pushed to that tech's phone."""
    await add_tech(store, "tech_d", skills=("electrical",), status="available")
    csr = client_for("csr", "c")
    # Needs hvac: routing cannot give it to tech_d, so it stays in the bucket.
    job_id = (await csr.execute(BOOK, booking_vars(skills=("hvac",))))["bookJob"]["id"]
    phone = await Phone(api.ws_url, token("technician", "tech_d")).connect()
    try:
        assert await phone.next_job() is None
        dispatcher = client_for("dispatcher", "disp")
        data = await dispatcher.execute(
            # tech_d lacks hvac: the dispatcher overrides that explicitly.
            "mutation($j: ID!, $t: ID!) { assignJob(jobId: $j, technicianId: $t, "
            "overrideSkills: true) { id status technicianId assignment { decidedBy } } }",
            {"j": job_id, "t": "tech_d"},
        )
        assert data["assignJob"]["assignment"]["decidedBy"] == "dispatcher"
        pushed = await phone.next_job()
        assert pushed is not None and pushed["id"] == job_id
    finally:
        await phone.close()


async def test_routing_explains_its_choice_and_logs_every_transition(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """An automatic assignment carries its reasons; the events log has each transition."""
    await add_tech(store, "tech_e", status="available")
    csr = client_for("csr", "c")
    low = (await csr.execute(BOOK, booking_vars(value=150)))["bookJob"]["id"]
    assert low  # taken at once: the only job
    high = (await csr.execute(BOOK, booking_vars(value=2000, phone="512-555-0101")))["bookJob"]
    assert high["status"] == "BOOKED"  # the tech is busy with the first
    dispatcher = client_for("dispatcher", "d")
    data = await dispatcher.execute(
        "query($id: ID!) { job(id: $id) { technicianId assignment { decidedBy score "
        "revenuePerHour travelMinutes closeRate adjustments { name value } } } }",
        {"id": low},
    )
    reasons = data["job"]["assignment"]
    assert data["job"]["technicianId"] == "tech_e"
    assert reasons["decidedBy"] == "routing" and reasons["score"] > 0
    assert reasons["revenuePerHour"] > 0 and reasons["travelMinutes"] >= 0
    events = await store.events.find({"entity_id": low}).sort("version", 1).to_list(None)
    assert [(e["type"], e["before"], e["after"], e["version"]) for e in events] == [
        ("job.booked", None, "booked", 1),
        ("job.assigned", "booked", "assigned", 2),
    ]
    assert events[1]["actor"] == {"role": "manager", "sub": "system:routing"}
