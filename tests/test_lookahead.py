"""The look-ahead plan over the real API: expected arrivals for jobs not yet assigned."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from api.customers import wording
from api.persistence.store import Store
from mobile_contract import operation
from tests.conftest import BOOK, add_tech, booking_vars
from tests.gql import Client
from tests.servers import ApiProcess

EXPECTED = "query($id: ID!) { job(id: $id) { status expectedArrival plannedTechnicianId } }"


async def busy_tech_and_waiting_job(
    store: Store, client_for: Callable[[str, str], Client]
) -> tuple[str, str]:
    """One tech busy on a first job, and a second booked job nobody free can take."""
    await add_tech(store, "tech_la")
    csr = client_for("csr", "csr_la")
    first = (await csr.execute(BOOK, booking_vars()))["bookJob"]["id"]
    await client_for("technician", "tech_la").execute(operation("GoOnDuty"))
    assigned = await store.jobs.find_one({"_id": first})
    assert assigned is not None and assigned["status"] == "assigned"
    second = (await csr.execute(BOOK, booking_vars(value=500.0)))["bookJob"]["id"]
    return first, second


async def planned(client: Client, job_id: str) -> dict[str, str]:
    """The job's plan fields once the planner has caught up (bounded: 15 s)."""
    async with asyncio.timeout(15):
        while True:
            job = (await client.execute(EXPECTED, {"id": job_id}))["job"]
            if job["expectedArrival"] is not None:
                return dict(job)
            await asyncio.sleep(0.1)


async def test_booked_job_expects_the_busy_tech_after_the_current_job(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """A booked job no free tech can take gets the busy tech, arriving after their job."""
    first, second = await busy_tech_and_waiting_job(store, client_for)
    dispatcher = client_for("dispatcher", "d_la")
    job = await planned(dispatcher, second)
    assert job["status"] == "BOOKED" and job["plannedTechnicianId"] == "tech_la"
    current = await store.jobs.find_one({"_id": first})
    assert current is not None
    ends = current["assigned_at"] + timedelta(minutes=current["duration_min"])
    arrival = datetime.fromisoformat(job["expectedArrival"])
    assert arrival >= ends.replace(tzinfo=arrival.tzinfo) - timedelta(seconds=1)
    active = await planned(dispatcher, first)
    assert active["plannedTechnicianId"] == "tech_la"
    assert datetime.fromisoformat(active["expectedArrival"]) < arrival
    plan = await dispatcher.execute(
        "{ plan { technicianId freeAt visits { jobId expectedArrival expectedFinish } } }"
    )
    (tech_plan,) = plan["plan"]
    assert tech_plan["technicianId"] == "tech_la"
    assert [v["jobId"] for v in tech_plan["visits"]] == [second]


async def test_tracking_page_shows_the_planned_arrival(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """A booked job's customer page shows the plan's expected arrival while there is no eta."""
    _, second = await busy_tech_and_waiting_job(store, client_for)
    csr = client_for("csr", "csr_la")
    job = await planned(csr, second)
    url = await csr.execute("query($id: ID!) { job(id: $id) { trackingUrl } }", {"id": second})
    path = "/" + url["job"]["trackingUrl"].split("/", 3)[3]
    async with httpx.AsyncClient(base_url=api.base_url) as public:
        view = (await public.get(path + ".json")).json()
    assert view["status"] == "booked"
    expected = datetime.fromisoformat(job["expectedArrival"])
    zone = ZoneInfo("America/Chicago")  # the company's zone: the page speaks local time
    assert view["eta"] == wording.around(expected, datetime.now(UTC), zone)


async def test_technicians_cannot_see_the_plan(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """Technicians get FORBIDDEN on `plan` and on the plan fields, even of their own job."""
    first, _ = await busy_tech_and_waiting_job(store, client_for)
    tech = client_for("technician", "tech_la")
    assert await tech.errors("{ plan { technicianId } }") == ["FORBIDDEN"]
    for field in ("expectedArrival", "plannedTechnicianId"):
        query = f"query($id: ID!) {{ job(id: $id) {{ id {field} }} }}"
        assert await tech.errors(query, {"id": first}) == ["FORBIDDEN"]
