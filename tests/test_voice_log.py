"""The technician's voice leaves a trace: overtime and new arrival times are logged in
the events collection with their change, and announced on the broker."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from api.persistence.store import Store
from mobile_contract import operation
from tests.conftest import add_tech
from tests.gql import Client
from tests.servers import ApiProcess
from tests.test_board import next_update, open_board, until
from tests.test_voice import RESOLVE, assigned_job


async def test_accepted_overtime_is_logged_and_reaches_the_board(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """Accepting overtime bumps the tech's version, logs `technician.overtime` at that
    version, and a dispatcher's board sees the technician change."""
    await add_tech(store, "tech_ot", status="on_break")
    ws = await open_board(api)
    try:
        assert (await next_update(ws))["kind"] == "RESYNC"
        until_at = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
        tech = client_for("technician", "tech_ot")
        await tech.execute(operation("AcceptOvertime"), {"until": until_at.isoformat()})
        seen = await until(
            ws, lambda u: u["kind"] == "TECHNICIAN" and u["technician"]["id"] == "tech_ot"
        )
        assert seen["technician"]["status"] == "ON_BREAK"
    finally:
        await ws.close()
    doc = await store.technicians.find_one({"_id": "tech_ot"})
    assert doc is not None and doc["version"] == 2 and doc["overtime_until"] == until_at
    events = await store.events.find({"entity_id": "tech_ot"}).to_list(None)
    assert [(e["type"], e["version"]) for e in events] == [("technician.overtime", 2)]
    assert events[0]["actor"] == {"role": "technician", "sub": "tech_ot"}
    assert events[0]["data"]["until"] == until_at


async def test_overtime_granted_on_a_late_call_is_logged_and_announced(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """Keeping a late call with overtime logs `technician.overtime` by the dispatcher and
    the board hears the technician change."""
    await add_tech(store, "tech_lc", status="available")
    job_id = await assigned_job(store, client_for("csr", "c"), "tech_lc")
    tech = client_for("technician", "tech_lc")
    flag = await tech.execute(operation("FlagLateCall"), {"jobId": job_id, "reason": "17:30"})
    before = await store.technicians.find_one({"_id": "tech_lc"})
    assert before is not None
    ws = await open_board(api)
    try:
        assert (await next_update(ws))["kind"] == "RESYNC"
        await client_for("dispatcher", "d").execute(
            RESOLVE, {"a": flag["flagLateCall"]["id"], "o": "KEEP_WITH_OVERTIME"}
        )
        await until(ws, lambda u: u["kind"] == "TECHNICIAN" and u["technician"]["id"] == "tech_lc")
    finally:
        await ws.close()
    after = await store.technicians.find_one({"_id": "tech_lc"})
    assert after is not None and after["version"] == before["version"] + 1
    logged = await store.events.find_one({"entity_id": "tech_lc", "type": "technician.overtime"})
    assert logged is not None and logged["version"] == after["version"]
    assert logged["actor"] == {"role": "dispatcher", "sub": "d"}


async def test_a_new_arrival_time_is_logged_at_the_jobs_new_version(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """Running late writes the ETA and its `job.eta` entry together, at the same version."""
    await add_tech(store, "tech_eta", status="available")
    job_id = await assigned_job(store, client_for("csr", "c"), "tech_eta")
    late = operation("ReportRunningLate")
    await client_for("technician", "tech_eta").execute(
        late, {"jobId": job_id, "minutes": 15, "reason": "traffic"}
    )
    job = await store.jobs.find_one({"_id": job_id})
    assert job is not None
    logged = await store.events.find_one({"entity_id": job_id, "type": "job.eta"})
    assert logged is not None and logged["version"] == job["version"]
    assert logged["data"]["eta"] == job["eta"]
