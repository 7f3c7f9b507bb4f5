"""The dispatcher's board: live updates for jobs, alerts and (coalesced) positions; KPIs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from api.persistence.store import Store
from mobile_contract import operation
from tests.conftest import BOOK, add_tech, booking_vars
from tests.gql import Client, token
from tests.servers import ApiProcess

BOARD = """subscription { board { kind
  technician { id status location { lat lon } }
  job { id status version technicianId }
  alert { id kind text } } }"""


async def open_board(api: ApiProcess, role: str = "dispatcher") -> ClientConnection:
    ws = await connect(api.ws_url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    init = {"Authorization": f"Bearer {token(role, 'board')}"}
    await ws.send(json.dumps({"type": "connection_init", "payload": init}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    await ws.send(json.dumps({"id": "b", "type": "subscribe", "payload": {"query": BOARD}}))
    return ws


async def next_update(ws: ClientConnection, within: float = 10) -> dict[str, Any]:
    while True:
        msg = json.loads(await asyncio.wait_for(ws.recv(), within))
        if msg["type"] == "ping":
            continue
        assert msg["type"] == "next", msg
        assert not msg["payload"].get("errors"), msg
        update: dict[str, Any] = msg["payload"]["data"]["board"]
        return update


async def until(ws: ClientConnection, match: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    while True:
        update = await next_update(ws)
        if match(update):
            return update


async def test_board_streams_jobs_and_alerts(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """A booking, its assignment and a vent appear on a dispatcher's board as they happen."""
    await add_tech(store, "tech_1", status="available")
    ws = await open_board(api)
    try:
        assert (await next_update(ws))["kind"] == "RESYNC"
        job_id = (await client_for("csr", "c").execute(BOOK, booking_vars()))["bookJob"]["id"]
        assigned = await until(
            ws, lambda u: u["kind"] == "JOB" and u["job"]["status"] == "ASSIGNED"
        )
        assert assigned["job"]["id"] == job_id
        assert assigned["job"]["technicianId"] == "tech_1"
        await client_for("technician", "tech_1").execute(operation("Vent"), {"text": "hot attic"})
        alert = await until(ws, lambda u: u["kind"] == "ALERT")
        assert alert["alert"]["text"] == "hot attic"
    finally:
        await ws.close()


async def test_position_bursts_are_coalesced_per_tech(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """Ten quick position reports reach the board as fewer updates, ending at the last one."""
    await add_tech(store, "tech_2", status="available")
    ws = await open_board(api)
    try:
        assert (await next_update(ws))["kind"] == "RESYNC"
        tech = client_for("technician", "tech_2")
        for i in range(10):
            await tech.execute(operation("ReportLocation"), {"lat": 30.20 + i / 100, "lon": -97.7})
        seen = []
        while not seen or seen[-1]["location"]["lat"] != 30.29:
            update = await until(ws, lambda u: u["kind"] == "TECHNICIAN")
            seen.append(update["technician"])
        assert len(seen) < 10
    finally:
        await ws.close()


async def test_board_is_for_dispatch_staff(api: ApiProcess) -> None:
    """A technician cannot watch the board."""
    ws = await open_board(api, role="technician")
    try:
        msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
        errors = msg["payload"]["errors"] if msg["type"] == "next" else msg["payload"]
        assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    finally:
        await ws.close()


async def test_kpis_count_a_completed_job(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """A job worked end to end shows in revenue, per-CSR bookings and the tech's hours."""
    await add_tech(store, "tech_3")
    tech = client_for("technician", "tech_3")
    await tech.execute(operation("GoOnDuty"))
    job_id = (await client_for("csr", "csr_ann").execute(BOOK, booking_vars()))["bookJob"]["id"]
    for op, variables in [
        ("StartTravel", {"jobId": job_id}),
        ("Arrive", {"jobId": job_id}),
        ("CompleteJob", {"jobId": job_id, "soldAmount": 1250.0}),
    ]:
        await tech.execute(operation(op), variables)
    now = datetime.now(UTC)
    query = """query($f: DateTime!, $t: DateTime!) { kpis(from: $f, to: $t) {
        revenue jobsCompleted jobsBooked avgRevenuePerCall utilizationTarget onTimeRate
        callsBookedPerCsr { csr calls }
        technicians { technicianId jobsCompleted onDutyHours onSiteHours } } }"""
    variables = {
        "f": (now - timedelta(hours=1)).isoformat(),
        "t": (now + timedelta(minutes=1)).isoformat(),
    }
    k = (await client_for("dispatcher", "d").execute(query, variables))["kpis"]
    assert k["revenue"] == 1250.0 and k["jobsCompleted"] == 1 and k["jobsBooked"] == 1
    assert k["avgRevenuePerCall"] == 1250.0 and k["utilizationTarget"] == 0.75
    assert k["callsBookedPerCsr"] == [{"csr": "csr_ann", "calls": 1}]
    (t,) = k["technicians"]
    assert t["technicianId"] == "tech_3" and t["jobsCompleted"] == 1
    assert t["onDutyHours"] >= t["onSiteHours"] > 0  # billable time is part of time on duty
    bad = {"f": now.isoformat(), "t": (now - timedelta(hours=1)).isoformat()}
    assert await client_for("dispatcher", "d").errors(query, bad) == ["BAD_USER_INPUT"]
