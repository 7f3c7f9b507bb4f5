"""The dispatcher's day made right (issue 18), over the real API: late-call answers that
keep what the tech accepted, declines counted on the company's day, the ETA returned by
startTravel, and who has accepted overtime."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from api.persistence.store import Store
from mobile_contract import operation
from tests.booking import booked_for
from tests.conftest import AUSTIN, BOOK, add_skill, add_tech, booking_vars
from tests.gql import Client, token
from tests.servers import ApiProcess
from tests.test_realtime_cross_process import eventually

RESOLVE = """mutation($a: ID!, $o: LateCallOutcome!) {
  resolveLateCall(alertId: $a, outcome: $o) { id status resolution } }"""
TECH = "query($id: ID!) { technician(id: $id) { declinesToday } }"
OVERTIME = "query($id: ID!) { technician(id: $id) { overtimeUntil } }"


async def _late_call(store: Store, client_for: Callable[[str, str], Client], tech: str) -> str:
    """A job assigned to `tech`, flagged as a late call; the alert's id."""
    job_id = await booked_for(store, client_for("csr", "c"), tech)
    flag = await client_for("technician", tech).execute(
        operation("FlagLateCall"), {"jobId": job_id, "reason": "runs past 17:00"}
    )
    alert_id: str = flag["flagLateCall"]["id"]
    return alert_id


async def test_keep_with_overtime_never_shortens_accepted_overtime(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """KEEP_WITH_OVERTIME keeps the later of the tech's accepted overtime and its own."""
    await add_tech(store, "tech_k", status="available")
    alert_id = await _late_call(store, client_for, "tech_k")
    accepted = (datetime.now(UTC) + timedelta(hours=7)).replace(microsecond=0)
    await client_for("technician", "tech_k").execute(
        operation("AcceptOvertime"), {"until": accepted.isoformat()}
    )
    await client_for("dispatcher", "d").execute(RESOLVE, {"a": alert_id, "o": "KEEP_WITH_OVERTIME"})
    tech = await store.technicians.find_one({"_id": "tech_k"})
    assert tech is not None and tech["overtime_until"] == accepted


async def test_reassigned_late_call_is_no_decline_and_not_offered_back(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """REASSIGN frees the tech without counting a decline, and routing keeps the job away."""
    await add_tech(store, "tech_r", status="available")
    alert_id = await _late_call(store, client_for, "tech_r")
    job_id = (await store.db["alerts"].find_one({"_id": alert_id}) or {})["job_id"]
    d = client_for("dispatcher", "d")
    await d.execute(RESOLVE, {"a": alert_id, "o": "REASSIGN"})
    seen = (await d.execute(TECH, {"id": "tech_r"}))["technician"]
    assert seen["declinesToday"] == 0
    tech = await store.technicians.find_one({"_id": "tech_r"})
    assert tech is not None and tech.get("declines_total", 0) == 0
    job = await store.jobs.find_one({"_id": job_id})
    assert job is not None and job["status"] == "booked" and job.get("tech_id") is None


def _zone_on_another_day(than: str = "UTC") -> str:
    """A time zone whose date differs from the date in `than` right now (UTC+14 and
    UTC-11 between them are always on another day than any zone in the Americas)."""
    today = datetime.now(ZoneInfo(than)).date()
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        if datetime.now(ZoneInfo(zone)).date() != today:
            return zone
    raise RuntimeError("no zone on another day")  # pragma: no cover


@pytest.fixture
def far_api(mongo_uri: str, db_name: str, store: Store) -> Iterator[ApiProcess]:
    """An API whose company lives on a different calendar day from UTC."""
    proc = ApiProcess(mongo_uri, db_name, extra_env={"NEXTJOB_TIMEZONE": _zone_on_another_day()})
    try:
        yield proc
    finally:
        proc.stop()


async def test_declines_today_is_the_companys_day(far_api: ApiProcess, store: Store) -> None:
    """A decline is recorded on, and counted for, the company's day in its time zone."""
    zone = ZoneInfo(_zone_on_another_day())
    company_today = datetime.now(zone).date().isoformat()
    await add_tech(store, "tech_z", status="available")
    csr = Client(far_api.base_url, token("csr", "c"))
    tech = Client(far_api.base_url, token("technician", "tech_z"))
    d = Client(far_api.base_url, token("dispatcher", "d"))
    try:
        job_id = await booked_for(store, csr, "tech_z")
        await tech.execute(operation("DeclineJob"), {"jobId": job_id, "reason": "no ladder"})
        doc = await store.technicians.find_one({"_id": "tech_z"})
        assert doc is not None and doc["declined_day"] == company_today
        assert (await d.execute(TECH, {"id": "tech_z"}))["technician"]["declinesToday"] == 1
    finally:
        for c in (csr, tech, d):
            await c.close()


UPDATE_COMPANY = """mutation($input: CompanyInput!) {
  updateCompany(input: $input) { timezone } }"""


async def test_the_day_follows_the_zone_a_manager_saves(api: ApiProcess, store: Store) -> None:
    """A manager moves the company to another zone on the Team page: declines are kept
    and counted on that zone's day, not the process's default (America/Chicago)."""
    zone = _zone_on_another_day(than="America/Chicago")
    await add_tech(store, "tech_tz", status="available")
    manager = Client(api.base_url, token("manager", "m"))
    csr = Client(api.base_url, token("csr", "c"))
    tech = Client(api.base_url, token("technician", "tech_tz"))
    try:
        saved = await manager.execute(UPDATE_COMPANY, {"input": {"timezone": zone}})
        assert saved["updateCompany"]["timezone"] == zone
        job_id = await booked_for(store, csr, "tech_tz")
        await tech.execute(operation("DeclineJob"), {"jobId": job_id, "reason": "no ladder"})
        doc = await store.technicians.find_one({"_id": "tech_tz"})
        assert doc is not None
        assert doc["declined_day"] == datetime.now(ZoneInfo(zone)).date().isoformat()
        assert (await manager.execute(TECH, {"id": "tech_tz"}))["technician"]["declinesToday"] == 1
    finally:
        for c in (manager, csr, tech):
            await c.close()


async def test_start_travel_returns_its_eta(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """startTravel answers with the ETA it announced to the customer, not null."""
    await add_tech(store, "tech_t", status="available")
    job_id = await booked_for(store, client_for("csr", "c"), "tech_t")
    out = await client_for("technician", "tech_t").execute(
        "mutation($j: ID!) { startTravel(jobId: $j) { id status eta } }", {"j": job_id}
    )
    stored = await store.jobs.find_one({"_id": job_id})
    assert stored is not None and stored["eta"] is not None
    assert datetime.fromisoformat(out["startTravel"]["eta"]) == stored["eta"]


async def test_dispatchers_see_accepted_overtime(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """Technician.overtimeUntil shows a tech's accepted overtime to dispatch."""
    await add_tech(store, "tech_o", status="available")
    d = client_for("dispatcher", "d")
    assert (await d.execute(OVERTIME, {"id": "tech_o"}))["technician"]["overtimeUntil"] is None
    until = (datetime.now(UTC) + timedelta(hours=3)).replace(microsecond=0)
    await client_for("technician", "tech_o").execute(
        operation("AcceptOvertime"), {"until": until.isoformat()}
    )
    seen = (await d.execute(OVERTIME, {"id": "tech_o"}))["technician"]["overtimeUntil"]
    assert datetime.fromisoformat(seen) == until


async def test_jobs_booked_counts_calls_not_reschedule_copies(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """A call booked then rescheduled is one call booked in the KPIs, not two."""
    await add_tech(store, "tech_a", status="available")
    job_id = await booked_for(store, client_for("csr", "c"), "tech_a")
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    d = client_for("dispatcher", "d")
    await d.execute(
        """mutation($j: ID!, $s: DateTime!, $e: DateTime!) {
          rescheduleJob(jobId: $j, window: {start: $s, end: $e}, reason: "away") { id } }""",
        {"j": job_id, "s": start.isoformat(), "e": (start + timedelta(hours=2)).isoformat()},
    )
    assert await store.jobs.count_documents({}) == 2
    now = datetime.now(UTC)
    kpis = (
        await d.execute(
            "query($f: DateTime!, $t: DateTime!) { kpis(from: $f, to: $t) { jobsBooked } }",
            {
                "f": (now - timedelta(hours=1)).isoformat(),
                "t": (now + timedelta(hours=1)).isoformat(),
            },
        )
    )["kpis"]
    assert kpis["jobsBooked"] == 1


ASSIGN = """mutation($j: ID!, $t: ID!, $o: Boolean) {
  assignJob(jobId: $j, technicianId: $t, overrideSkills: $o) {
    id technicianId assignment { decidedBy overriddenSkills notes } } }"""


async def test_assigning_a_tech_without_the_skill_needs_an_explicit_override(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """assignJob to an unqualified tech fails with BAD_USER_INPUT unless overridden; the
    override is recorded in the reasons."""
    await add_tech(store, "tech_p", skills=("plumbing",), status="available")
    job_id = (await client_for("csr", "c").execute(BOOK, booking_vars(skills=("hvac",))))[
        "bookJob"
    ]["id"]
    d = client_for("dispatcher", "d")
    response = (await d.raw(ASSIGN, {"j": job_id, "t": "tech_p"})).json()
    (error,) = response["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "overrideSkills"}
    assert (await store.jobs.find_one({"_id": job_id}) or {})["status"] == "booked"
    done = (await d.execute(ASSIGN, {"j": job_id, "t": "tech_p", "o": True}))["assignJob"]
    assert done["technicianId"] == "tech_p"
    assert done["assignment"]["overriddenSkills"] == ["hvac"]
    assert "override" in done["assignment"]["notes"][0]


def assigned_to(store: Store, job_id: str, tech_id: str) -> Callable[[], Any]:
    async def check() -> bool:
        job = await store.jobs.find_one({"_id": job_id}) or {}
        return job.get("active_tech_id") == tech_id

    return check


REASSIGN = """mutation($j: ID!, $t: ID!, $o: Boolean) {
  reassignJob(jobId: $j, technicianId: $t, overrideSkills: $o) {
    id technicianId assignment { decidedBy overriddenSkills notes } } }"""


async def test_reassigning_to_a_tech_without_the_skill_needs_the_override_too(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """Moving an assigned hvac job to a plumber is refused and changes nothing, unless
    overridden; then the override is recorded as for an assignment."""
    await add_tech(store, "tech_h", skills=("hvac",), status="available")
    job_id = (await client_for("csr", "c").execute(BOOK, booking_vars(skills=("hvac",))))[
        "bookJob"
    ]["id"]
    await eventually(assigned_to(store, job_id, "tech_h"))
    await add_tech(store, "tech_p", skills=("plumbing",), status="available")
    d = client_for("dispatcher", "d")
    (error,) = (await d.raw(REASSIGN, {"j": job_id, "t": "tech_p"})).json()["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "overrideSkills"}
    job = await store.jobs.find_one({"_id": job_id}) or {}
    assert (job["status"], job["active_tech_id"]) == ("assigned", "tech_h")
    done = (await d.execute(REASSIGN, {"j": job_id, "t": "tech_p", "o": True}))["reassignJob"]
    assert done["technicianId"] == "tech_p"
    assert done["assignment"]["overriddenSkills"] == ["hvac"]
    assert "reassigned without" in done["assignment"]["notes"][0]


async def test_an_urgency_promotion_is_explained_with_the_runner_ups_score(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """A promoted $150 job's reasons say so in words and show the $900 job's higher score."""
    await add_tech(store, "tech_u", status="available")
    csr = client_for("csr", "c")
    first = (await csr.execute(BOOK, booking_vars()))["bookJob"]["id"]
    near = (AUSTIN[0] + 0.01, AUSTIN[1])
    rich = (await csr.execute(BOOK, booking_vars(value=900, at=near, phone="512-555-0102")))[
        "bookJob"
    ]["id"]
    urgent = (
        await csr.execute(
            BOOK, booking_vars(value=150, at=near, phone="512-555-0103", urgencyList=True)
        )
    )["bookJob"]["id"]
    tech = client_for("technician", "tech_u")
    for op, variables in [
        ("StartTravel", {"jobId": first}),
        ("Arrive", {"jobId": first}),
        ("CompleteJob", {"jobId": first, "soldAmount": 0}),
    ]:
        await tech.execute(operation(op), variables)
    why = (
        await client_for("dispatcher", "d").execute(
            "query($id: ID!) { job(id: $id) { technicianId assignment { score runnerUpJobId "
            "runnerUpScore promotedFromUrgencyList notes } } }",
            {"id": urgent},
        )
    )["job"]
    assert why["technicianId"] == "tech_u"
    reasons = why["assignment"]
    assert reasons["promotedFromUrgencyList"] is True
    assert reasons["runnerUpJobId"] == rich
    assert reasons["runnerUpScore"] > reasons["score"]
    assert "urgency list" in reasons["notes"][0] and rich in reasons["notes"][0]


BUMP = """mutation($j: ID!) { bumpMaintenance(jobId: $j) {
  job { id technicianId status } rescheduled { id status } } }"""


async def test_bump_gives_the_freed_tech_the_broken_equipment_job_not_a_richer_one(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """bumpMaintenance is one outcome: with a richer job waiting, the freed tech still gets
    the broken-equipment job, and the visit moves with its customer told once."""
    await add_tech(store, "tech_h", skills=("hvac",), status="available")
    csr = client_for("csr", "c")
    visit = await booked_for(store, csr, "tech_h", kind="MAINTENANCE")
    rich = (await csr.execute(BOOK, booking_vars(value=90_000, phone="512-555-0150")))["bookJob"][
        "id"
    ]
    broken = (
        await csr.execute(
            BOOK,
            booking_vars(
                kind="BROKEN_EQUIPMENT", priority="EMERGENCY", value=150, phone="512-555-0199"
            ),
        )
    )["bookJob"]["id"]
    out = (await client_for("dispatcher", "d").execute(BUMP, {"j": broken}))["bumpMaintenance"]
    assert out["job"] == {"id": broken, "technicianId": "tech_h", "status": "ASSIGNED"}
    assert out["rescheduled"]["status"] == "BOOKED"
    assert (await store.jobs.find_one({"_id": rich}) or {})["status"] == "booked"
    assert (await store.jobs.find_one({"_id": visit}) or {})["status"] == "rescheduled"
    tech = await store.technicians.find_one({"_id": "tech_h"})
    assert tech is not None and (tech["status"], tech["current_job_id"]) == ("busy", broken)
    told = await store.db["notifications"].find({"kind": "rescheduled"}).to_list(None)
    assert [n["job_id"] for n in told] == [out["rescheduled"]["id"]]


async def test_a_bump_that_cannot_happen_moves_nothing_and_tells_nobody(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """When the freed tech cannot take the job (it was assigned meanwhile), the visit
    stays put and its customer hears nothing."""
    await add_tech(store, "tech_h", skills=("hvac",), status="available")
    csr = client_for("csr", "c")
    visit = await booked_for(store, csr, "tech_h", kind="MAINTENANCE")
    broken = (
        await csr.execute(
            BOOK,
            booking_vars(kind="BROKEN_EQUIPMENT", priority="EMERGENCY", phone="512-555-0199"),
        )
    )["bookJob"]["id"]
    # Another process took the emergency between the suggestion and the bump's write.
    await store.jobs.update_one({"_id": broken}, {"$set": {"status": "assigned"}})
    codes = await client_for("dispatcher", "d").errors(BUMP, {"j": broken})
    assert codes == ["CONFLICT"]
    assert (await store.jobs.find_one({"_id": visit}) or {})["status"] == "assigned"
    assert await store.jobs.count_documents({}) == 2
    assert await store.db["notifications"].count_documents({"kind": "rescheduled"}) == 0


ALERTS = """{ alerts { id kind status technicianId jobId text resolvedBy closedReason } }"""


async def _alerts_about(d: Client, job_id: str) -> list[dict[str, Any]]:
    return [a for a in (await d.execute(ALERTS))["alerts"] if a["jobId"] == job_id]


async def test_a_job_needing_a_skill_nobody_has_is_an_alert_at_booking(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """Booking a job that needs a skill no technician has raises an UNASSIGNABLE alert
    with the reason; cancelling the job closes it, recorded as closed by the system."""
    await add_tech(store, "tech_h", skills=("hvac",), status="available")
    await add_skill(store, "solar")  # in the catalogue, but no technician has it
    job_id = (await client_for("csr", "c").execute(BOOK, booking_vars(skills=("solar",))))[
        "bookJob"
    ]["id"]
    d = client_for("dispatcher", "d")
    (alert,) = await _alerts_about(d, job_id)
    assert (alert["kind"], alert["status"], alert["technicianId"]) == (
        "UNASSIGNABLE",
        "OPEN",
        "system",
    )
    assert "solar" in alert["text"]
    await d.execute('mutation($j: ID!) { cancelJob(jobId: $j, reason: "x") { id } }', {"j": job_id})
    (closed,) = await _alerts_about(d, job_id)
    assert closed["status"] == "RESOLVED" and closed["resolvedBy"] == "system:routing"
    assert "cancelled" in closed["closedReason"]


async def test_work_becomes_unassignable_when_the_only_skilled_tech_goes_off_duty(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """No alert while the one solar tech is on break; one when they go off duty."""
    await add_tech(store, "tech_s", skills=("solar",), status="on_break")
    await add_skill(store, "solar")
    await store.technicians.update_one(
        {"_id": "tech_s"},
        {"$set": {"shift_ends_at": datetime.now(UTC) + timedelta(hours=6)}},
    )
    job_id = (await client_for("csr", "c").execute(BOOK, booking_vars(skills=("solar",))))[
        "bookJob"
    ]["id"]
    d = client_for("dispatcher", "d")
    assert await _alerts_about(d, job_id) == []
    await client_for("technician", "tech_s").execute(operation("GoOffDuty"))
    (alert,) = await _alerts_about(d, job_id)
    assert alert["kind"] == "UNASSIGNABLE" and "working" in alert["text"]


async def test_a_job_no_shift_is_long_enough_for_is_an_alert(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """A 3-hour install when every qualified shift ends in 30 minutes: an alert saying so."""
    await add_tech(store, "tech_o", status="available")
    soon = datetime.now(UTC) + timedelta(minutes=30)
    await store.technicians.update_one({"_id": "tech_o"}, {"$set": {"shift_ends_at": soon}})
    job_id = (
        await client_for("csr", "c").execute(
            BOOK, booking_vars(kind="INSTALL", durationMinutes=180)
        )
    )["bookJob"]["id"]
    (alert,) = await _alerts_about(client_for("dispatcher", "d"), job_id)
    assert alert["kind"] == "UNASSIGNABLE" and "long enough" in alert["text"]
    assert (await store.jobs.find_one({"_id": job_id}) or {})["status"] == "booked"


@pytest.fixture
def impatient_api(mongo_uri: str, db_name: str, store: Store) -> Iterator[ApiProcess]:
    """Phones must acknowledge within a second; silent ones are flagged, not reassigned."""
    env = {"NEXTJOB_ACK_TIMEOUT_SECONDS": "1", "NEXTJOB_RESYNC_SECONDS": "0.3"}
    proc = ApiProcess(mongo_uri, db_name, extra_env=env)
    try:
        yield proc
    finally:
        proc.stop()


async def test_not_acknowledged_alerts_close_when_the_job_is_completed(
    impatient_api: ApiProcess, store: Store
) -> None:
    """A "not acknowledged" alert closes itself, as the system, once its job is completed."""
    api = impatient_api
    await add_tech(store, "tech_m", status="available")
    csr = Client(api.base_url, token("csr", "c"))
    tech = Client(api.base_url, token("technician", "tech_m"))
    try:
        job_id = await booked_for(store, csr, "tech_m")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while loop.time() < deadline:
            if await store.db["alerts"].count_documents({"kind": "unacknowledged"}):
                break
            await asyncio.sleep(0.1)
        for op, variables in [
            ("StartTravel", {"jobId": job_id}),
            ("Arrive", {"jobId": job_id}),
            ("CompleteJob", {"jobId": job_id, "soldAmount": 0}),
        ]:
            await tech.execute(operation(op), variables)
        (alert,) = await store.db["alerts"].find({"job_id": job_id}).to_list(None)
        assert alert["kind"] == "unacknowledged" and alert["status"] == "resolved"
        assert alert["resolved_by"]["sub"] == "system:routing"
        assert job_id in alert["closed_reason"]
    finally:
        await csr.close()
        await tech.close()
