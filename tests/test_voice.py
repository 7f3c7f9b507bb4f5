"""The technician's voice end to end: vent, late call, running late, decline, breaks,
overtime; who may read what; the phone hears dispatch's answers live."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from websockets.asyncio.client import connect

from api.customers.wording import clock_time
from api.persistence.store import Store
from mobile_contract import operation
from tests.booking import booked_for as assigned_job
from tests.conftest import BOOK, add_tech, booking_vars
from tests.gql import Client, Phone, token
from tests.servers import ApiProcess

ALERTS = "{ alerts { id kind status technicianId jobId text minutes resolution } }"
REPLY = """mutation($t: ID!, $x: String!, $a: ID) {
  replyToTechnician(technicianId: $t, text: $x, alertId: $a) { id seq toTechnician } }"""
RESOLVE = """mutation($a: ID!, $o: LateCallOutcome!) {
  resolveLateCall(alertId: $a, outcome: $o) { id status resolution } }"""


class Thread:
    """A phone's `MyMessages` subscription."""

    def __init__(self, ws_url: str, tech_id: str) -> None:
        self.ws_url, self.tech_id = ws_url, tech_id

    async def __aenter__(self) -> Thread:
        self.ws = await connect(self.ws_url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
        init = {"Authorization": f"Bearer {token('technician', self.tech_id)}"}
        await self.ws.send(json.dumps({"type": "connection_init", "payload": init}))
        assert json.loads(await self.ws.recv())["type"] == "connection_ack"
        sub = {"query": operation("MyMessages")}
        await self.ws.send(
            json.dumps({"id": str(uuid.uuid4()), "type": "subscribe", "payload": sub})
        )
        return self

    async def next(self) -> list[dict[str, Any]]:
        while True:
            msg = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
            if msg["type"] == "ping":
                continue
            assert msg["type"] == "next", msg
            assert not msg["payload"].get("errors"), msg
            thread: list[dict[str, Any]] = msg["payload"]["data"]["myMessages"]
            return thread

    async def __aexit__(self, *exc: object) -> None:
        await self.ws.close()


async def test_vent_reaches_dispatch_only_and_the_reply_reaches_the_phone(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """A vent is an alert for dispatchers and managers only; the reply arrives on the phone."""
    await add_tech(store, "tech_v", status="available")
    await add_tech(store, "tech_w", status="available")
    tech = client_for("technician", "tech_v")
    async with Thread(api.ws_url, "tech_v") as thread:
        assert await thread.next() == []
        vent = (await tech.execute(operation("Vent"), {"text": "Third no-show today."}))["vent"]
        assert vent["kind"] == "VENT"
        mine = await thread.next()
        assert [m["text"] for m in mine] == ["Third no-show today."]
        assert mine[0]["toTechnician"] is False

        for role, subject in [
            ("technician", "tech_w"),
            ("technician", "tech_v"),
            ("integration", "acct"),
            ("csr", "c"),
        ]:
            assert await client_for(role, subject).errors(ALERTS) == ["FORBIDDEN"], role
        for role in ("dispatcher", "manager"):
            alerts = (await client_for(role, role).execute(ALERTS))["alerts"]
            assert [a["text"] for a in alerts] == ["Third no-show today."]
        other = client_for("technician", "tech_w")
        assert (await other.execute("{ myMessages { text } }"))["myMessages"] == []

        dispatcher = client_for("dispatcher", "d")
        await dispatcher.execute(
            REPLY, {"t": "tech_v", "x": "Heard you. Coffee's on me.", "a": vent["id"]}
        )
        thread_now = await thread.next()
        assert thread_now[-1]["text"] == "Heard you. Coffee's on me."
        assert thread_now[-1]["toTechnician"] is True
    (alert,) = (await dispatcher.execute(ALERTS))["alerts"]
    assert alert["status"] == "ACKNOWLEDGED"


async def test_late_call_kept_with_overtime_and_the_tech_hears_it(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """Flag a late call, dispatch keeps it with overtime: the phone gets the outcome."""
    await add_tech(store, "tech_l", status="available")
    job_id = await assigned_job(store, client_for("csr", "c"), "tech_l")
    tech = client_for("technician", "tech_l")
    async with Thread(api.ws_url, "tech_l") as thread:
        assert await thread.next() == []
        flag = await tech.execute(
            operation("FlagLateCall"), {"jobId": job_id, "reason": "17:30 call"}
        )
        alert_id = flag["flagLateCall"]["id"]
        assert await tech.errors(
            operation("FlagLateCall"), {"jobId": job_id, "reason": "again"}
        ) == ["CONFLICT"]
        dispatcher = client_for("dispatcher", "d")
        resolved = await dispatcher.execute(RESOLVE, {"a": alert_id, "o": "KEEP_WITH_OVERTIME"})
        assert resolved["resolveLateCall"]["resolution"] == "KEEP_WITH_OVERTIME"
        outcome = await thread.next()
    tech_doc = await store.technicians.find_one({"_id": "tech_l"})
    assert tech_doc is not None and tech_doc["overtime_until"] > datetime.now(UTC)
    # Told on the company's clock (America/Chicago by default), as the app shows times.
    until = clock_time(tech_doc["overtime_until"].replace(tzinfo=UTC), ZoneInfo("America/Chicago"))
    assert outcome[-1]["text"] == f"Keep it: overtime approved until {until}."
    job = await store.jobs.find_one({"_id": job_id})
    assert job is not None and job["active_tech_id"] == "tech_l"


async def test_late_call_reassigned_frees_the_phone(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """Dispatch reassigns a flagged late call: the phone's job goes away, the job goes on."""
    await add_tech(store, "tech_p", status="available")
    job_id = await assigned_job(store, client_for("csr", "c"), "tech_p")
    phone = await Phone(api.ws_url, token("technician", "tech_p")).connect()
    try:
        assert (await phone.next_job() or {}).get("id") == job_id
        tech = client_for("technician", "tech_p")
        flag = await tech.execute(operation("FlagLateCall"), {"jobId": job_id, "reason": "late"})
        await add_tech(store, "tech_q", status="available")
        await client_for("dispatcher", "d").execute(
            RESOLVE, {"a": flag["flagLateCall"]["id"], "o": "REASSIGN"}
        )
        assert await phone.next_job() is None
    finally:
        await phone.close()
    job = await store.jobs.find_one({"_id": job_id})
    assert job is not None and job.get("tech_id") == "tech_q"  # not offered back to tech_p


async def test_running_late_past_the_window_alerts_and_tells_the_customer(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """A new ETA inside the window is quiet; one past it alerts dispatch and notifies."""
    await add_tech(store, "tech_r", status="available")
    job_id = await assigned_job(store, client_for("csr", "c"), "tech_r")
    tech = client_for("technician", "tech_r")
    late = operation("ReportRunningLate")
    await tech.execute(late, {"jobId": job_id, "minutes": 20, "reason": "traffic"})
    assert await store.db["notifications"].count_documents({"job_id": job_id}) == 0
    await tech.execute(late, {"jobId": job_id, "minutes": 300, "reason": "parts run"})
    (note,) = await store.db["notifications"].find({"job_id": job_id}).to_list(None)
    assert note["kind"] == "running_late" and note["status"] == "recorded"
    alerts = (await client_for("dispatcher", "d").execute(ALERTS))["alerts"]
    assert [(a["kind"], a["minutes"]) for a in alerts] == [("RUNNING_LATE", 300)]
    staff = await client_for("csr", "c").execute(
        "query($id: ID!) { job(id: $id) { eta notifications { kind status text } } }",
        {"id": job_id},
    )
    assert staff["job"]["notifications"][0]["kind"] == "running_late"
    assert staff["job"]["eta"] is not None


async def test_declined_job_goes_back_and_is_not_offered_again(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """A declined job returns to the pool, never to the same tech today; declines count."""
    await add_tech(store, "tech_d", status="available")
    job_id = await assigned_job(store, client_for("csr", "c"), "tech_d")
    tech = client_for("technician", "tech_d")
    declined = await tech.execute(operation("DeclineJob"), {"jobId": job_id, "reason": "no ladder"})
    assert declined["declineJob"]["status"] == "BOOKED"
    job = await store.jobs.find_one({"_id": job_id})
    assert job is not None and job["status"] == "booked"  # the only tech declined it
    board = await client_for("dispatcher", "d").execute(
        "{ technicians { id declinesToday } alerts { kind text } }"
    )
    assert board["technicians"] == [{"id": "tech_d", "declinesToday": 1}]
    assert board["alerts"] == [{"kind": "DECLINED", "text": "no ladder"}]
    # Started work cannot be declined.
    second = await assigned_job(store, client_for("csr", "c"), "tech_d", phone="512-555-0199")
    await tech.execute(operation("StartTravel"), {"jobId": second})
    assert await tech.errors(operation("DeclineJob"), {"jobId": second, "reason": "x"}) == [
        "CONFLICT"
    ]


async def test_break_pauses_routing_and_overtime_lets_a_late_job_through(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """On break no job is assigned; back from break one is. Overtime admits a long job."""
    await add_tech(store, "tech_b", status="available")
    tech = client_for("technician", "tech_b")
    await tech.execute(operation("StartBreak"))
    csr = client_for("csr", "c")
    job_id = (await csr.execute(BOOK, booking_vars()))["bookJob"]["id"]
    assert (await store.jobs.find_one({"_id": job_id}) or {})["status"] == "booked"
    back = await tech.execute(operation("EndBreak"))
    assert back["endBreak"]["status"] == "BUSY"
    job = await store.jobs.find_one({"_id": job_id})
    assert job is not None and job["tech_id"] == "tech_b"

    # A shift ending in 30 minutes cannot take a 3-hour install, until overtime is accepted.
    await add_tech(store, "tech_o", status="available")
    soon = datetime.now(UTC) + timedelta(minutes=30)
    await store.technicians.update_one({"_id": "tech_o"}, {"$set": {"shift_ends_at": soon}})
    long_job = (
        await csr.execute(
            BOOK, booking_vars(kind="INSTALL", phone="512-555-0111", durationMinutes=180)
        )
    )["bookJob"]["id"]
    assert (await store.jobs.find_one({"_id": long_job}) or {})["status"] == "booked"
    until = (datetime.now(UTC) + timedelta(hours=5)).isoformat()
    await client_for("technician", "tech_o").execute(operation("AcceptOvertime"), {"until": until})
    job = await store.jobs.find_one({"_id": long_job})
    assert job is not None and job.get("tech_id") == "tech_o"


async def test_travel_notifies_the_customer_with_a_tracking_link(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """Starting travel records an ETA notification whose link shows the tech, and
    the tech's position only while driving to this customer."""
    await add_tech(store, "tech_t", status="available")
    job_id = await assigned_job(store, client_for("csr", "c"), "tech_t")
    tech = client_for("technician", "tech_t")
    await tech.execute(operation("StartTravel"), {"jobId": job_id})
    (note,) = await store.db["notifications"].find({"job_id": job_id}).to_list(None)
    assert note["kind"] == "on_the_way" and note["eta"] is not None
    url = (
        await client_for("csr", "c").execute(
            "query($id: ID!) { job(id: $id) { trackingUrl } }", {"id": job_id}
        )
    )["job"]["trackingUrl"]
    assert url in note["text"]
    path = "/" + url.split("/", 3)[3]
    public = httpx.AsyncClient(base_url=api.base_url)  # no token: what a customer has
    view = (await public.get(path + ".json")).json()
    assert view["technician"] == "Tech" and view["status"] == "en_route"
    assert view["position"] is not None
    assert set(view) == {
        *("company", "status", "statusText", "window", "eta", "technician", "position", "live")
    }
    await tech.execute(operation("Arrive"), {"jobId": job_id})
    assert (await public.get(path + ".json")).json()["position"] is None
    assert (await public.get("/track/" + "x" * 32)).status_code == 404
    await public.aclose()
