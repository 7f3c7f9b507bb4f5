"""The team over the real API: managers add, edit, deactivate technicians; skills; company."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from api.persistence.store import Store
from tests.conftest import AUSTIN, BOOK, booking_vars
from tests.gql import Client, GraphQLError, token
from tests.servers import ApiProcess
from tests.test_board import next_update, open_board, until

TECH_FIELDS = """id version name phone skills status shiftStart shiftEnd shiftEndsAt
currentJobId weeklyShift { day start end } home { lat lon }"""
ADD = (
    f"""mutation($input: TechnicianInput!) {{ addTechnician(input: $input) {{ {TECH_FIELDS} }} }}"""
)
EDIT = f"""mutation($id: ID!, $input: TechnicianInput!, $version: Int) {{
  editTechnician(id: $id, input: $input, version: $version) {{ {TECH_FIELDS} }} }}"""
DEACTIVATE = "mutation($id: ID!) { deactivateTechnician(id: $id) { id status version } }"
REACTIVATE = "mutation($id: ID!) { reactivateTechnician(id: $id) { id status version } }"
ON_DUTY = "mutation { goOnDuty { id status shiftEndsAt currentJobId } }"
ADD_SKILL = "mutation($n: String!) { addSkill(name: $n) { name label active version } }"
RETIRE_SKILL = "mutation($n: String!) { retireSkill(name: $n) { name active version } }"
SKILLS = "query($all: Boolean!) { skills(includeRetired: $all) { name active } }"
COMPANY = "query { company { name timezone phone version } }"
UPDATE_COMPANY = """mutation($input: CompanyInput!, $version: Int) {
  updateCompany(input: $input, version: $version) { name timezone phone version } }"""
CHICAGO = ZoneInfo("America/Chicago")
DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


def every_day_around_now() -> tuple[list[dict[str, str]], str]:
    """A seven-day pattern whose shift is on now (started an hour ago); and its end."""
    local = datetime.now(CHICAGO)
    start = (local - timedelta(hours=1)).strftime("%H:%M")
    end = (local + timedelta(hours=6)).strftime("%H:%M")
    return [{"day": d, "start": start, "end": end} for d in DAYS], end


def new_tech(skills: list[str], **extra: Any) -> dict[str, Any]:
    pattern, _ = every_day_around_now()
    return {
        "input": {
            "name": "Rosa Diaz",
            "phone": "(512) 555-0142",
            "skills": skills,
            "weeklyShift": pattern,
            "home": {"lat": AUSTIN[0], "lon": AUSTIN[1]},
            **extra,
        }
    }


async def events_for(store: Store, entity_id: str) -> list[str]:
    cursor = store.events.find({"entity_id": entity_id}).sort([("at", 1), ("version", 1)])
    return [e["type"] async for e in cursor]


async def test_a_new_technician_goes_on_duty_and_routing_assigns_them(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """A manager adds a skill and a tech with it and a weekly shift; on duty, routing gives
    that tech the job needing the skill, and the shift ends when today's pattern says."""
    manager = client_for("manager", "mgr_1")
    await manager.execute(ADD_SKILL, {"n": "geothermal"})
    added = (await manager.execute(ADD, new_tech(["geothermal", "hvac"])))["addTechnician"]
    assert added["status"] == "OFF_DUTY" and added["version"] == 1
    assert added["phone"] == "+15125550142"
    assert added["skills"] == ["geothermal", "hvac"]
    assert len(added["weeklyShift"]) == 7

    job = await client_for("csr", "csr_1").execute(BOOK, booking_vars(skills=("geothermal",)))
    job_id = job["bookJob"]["id"]
    assert job["bookJob"]["status"] == "BOOKED"

    tech = client_for("technician", added["id"])
    on_duty = (await tech.execute(ON_DUTY))["goOnDuty"]
    assert on_duty["currentJobId"] == job_id
    _, end = every_day_around_now()
    ends_at = datetime.fromisoformat(on_duty["shiftEndsAt"]).astimezone(CHICAGO)
    assert ends_at.strftime("%H:%M") == end
    assert datetime.now(UTC) < ends_at < datetime.now(UTC) + timedelta(hours=7)
    assert await events_for(store, added["id"]) == [
        "technician.added",
        "technician.on_duty",
        "job.assigned",
    ]
    assert await events_for(store, "geothermal") == ["skill.added"]


async def test_a_deactivated_technician_is_never_on_duty_nor_assigned(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """Deactivation takes an available tech out; they cannot go on duty or be given a job."""
    manager = client_for("manager", "mgr_1")
    tech_id = (await manager.execute(ADD, new_tech(["hvac"])))["addTechnician"]["id"]
    tech = client_for("technician", tech_id)
    assert (await tech.execute(ON_DUTY))["goOnDuty"]["status"] == "AVAILABLE"
    gone = (await manager.execute(DEACTIVATE, {"id": tech_id}))["deactivateTechnician"]
    assert gone["status"] == "INACTIVE"

    assert await tech.errors(ON_DUTY) == ["CONFLICT"]
    job_id = (await client_for("csr", "csr_1").execute(BOOK, booking_vars()))["bookJob"]["id"]
    dispatcher = client_for("dispatcher", "d_1")
    assign = "mutation($j: ID!, $t: ID!) { assignJob(jobId: $j, technicianId: $t) { id } }"
    assert await dispatcher.errors(assign, {"j": job_id, "t": tech_id}) == ["CONFLICT"]
    job = await store.jobs.find_one({"_id": job_id})
    assert job is not None and job["status"] == "booked"
    assert await manager.errors(DEACTIVATE, {"id": tech_id}) == ["CONFLICT"]

    back = (await manager.execute(REACTIVATE, {"id": tech_id}))["reactivateTechnician"]
    assert back["status"] == "OFF_DUTY" and back["version"] == gone["version"] + 1
    assert (await tech.execute(ON_DUTY))["goOnDuty"]["currentJobId"] == job_id
    assert await events_for(store, tech_id) == [
        "technician.added",
        "technician.on_duty",
        "technician.deactivated",
        "technician.reactivated",
        "technician.on_duty",
        "job.assigned",
    ]


async def test_an_edit_is_versioned_and_a_stale_one_is_refused(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """Each edit bumps the version and is logged; an edit at an old version is CONFLICT."""
    manager = client_for("manager", "mgr_1")
    tech = (await manager.execute(ADD, new_tech(["hvac"])))["addTechnician"]
    edit = {
        "id": tech["id"],
        "version": tech["version"],
        "input": {
            "name": "Rosa Diaz-Peralta",
            "skills": ["hvac", "plumbing"],
            "weeklyShift": [{"day": "MON", "start": "22:00", "end": "06:00"}],
        },
    }
    edited = (await manager.execute(EDIT, edit))["editTechnician"]
    assert edited["version"] == tech["version"] + 1
    assert edited["name"] == "Rosa Diaz-Peralta" and edited["skills"] == ["hvac", "plumbing"]
    assert edited["weeklyShift"] == [{"day": "MON", "start": "22:00", "end": "06:00"}]
    assert (edited["shiftStart"], edited["shiftEnd"]) == ("22:00", "06:00")

    stale = {**edit, "input": {"name": "Somebody Else"}}
    with_codes = await manager.errors(EDIT, stale)
    assert with_codes == ["CONFLICT"]
    doc = await store.technicians.find_one({"_id": tech["id"]})
    assert doc is not None and doc["name"] == "Rosa Diaz-Peralta"
    assert await events_for(store, tech["id"]) == ["technician.added", "technician.edited"]
    bad_shift = {
        "id": tech["id"],
        "input": {"weeklyShift": [{"day": "TUE", "start": "25:00", "end": "06:00"}]},
    }
    assert await manager.errors(EDIT, bad_shift) == ["BAD_USER_INPUT"]


async def test_unknown_and_retired_skills_are_refused(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """Bookings and technicians may name only active catalogue skills: BAD_USER_INPUT."""
    manager = client_for("manager", "mgr_1")
    csr = client_for("csr", "csr_1")
    names = {s["name"] for s in (await csr.execute(SKILLS, {"all": False}))["skills"]}
    assert {"hvac", "plumbing", "electrical", "refrigeration", "water_heater"} <= names

    before = await store.jobs.count_documents({})
    with pytest.raises(GraphQLError) as refused:
        await csr.execute(BOOK, booking_vars(skills=("underwater_welding",)))
    assert refused.value.codes == ["BAD_USER_INPUT"]
    assert "underwater_welding" in refused.value.errors[0]["message"]
    assert refused.value.errors[0]["extensions"]["field"] == "requiredSkills"
    assert await store.jobs.count_documents({}) == before
    assert await manager.errors(ADD, new_tech(["underwater_welding"])) == ["BAD_USER_INPUT"]

    await manager.execute(RETIRE_SKILL, {"n": "drains"})
    assert await csr.errors(BOOK, booking_vars(skills=("drains",))) == ["BAD_USER_INPUT"]
    every = (await csr.execute(SKILLS, {"all": True}))["skills"]
    assert {"name": "drains", "active": False} in every
    assert await manager.errors(RETIRE_SKILL, {"n": "drains"}) == ["CONFLICT"]
    restored = (await manager.execute(ADD_SKILL, {"n": "drains"}))["addSkill"]
    assert restored["active"] is True
    await csr.execute(BOOK, booking_vars(skills=("drains",)))
    assert await events_for(store, "drains") == ["skill.retired", "skill.restored"]


async def test_company_settings_default_then_saved_by_a_manager(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """Company settings start from NEXTJOB_* defaults; a manager's save is versioned and
    logged; other roles read but cannot write; a bad time zone is BAD_USER_INPUT."""
    csr = client_for("csr", "csr_1")
    first = (await csr.execute(COMPANY))["company"]
    assert first["timezone"] == "America/Chicago" and first["version"] == 0

    manager = client_for("manager", "mgr_1")
    change = {"name": "Lone Star Comfort", "timezone": "America/Denver", "phone": "512 555 0199"}
    saved = await manager.execute(UPDATE_COMPANY, {"input": change, "version": 0})
    assert saved["updateCompany"] == {
        "name": "Lone Star Comfort",
        "timezone": "America/Denver",
        "phone": "+15125550199",
        "version": 1,
    }
    assert (await csr.execute(COMPANY))["company"]["name"] == "Lone Star Comfort"
    stale = {"input": {"name": "Other"}, "version": 0}
    assert await manager.errors(UPDATE_COMPANY, stale) == ["CONFLICT"]
    bad_zone = {"input": {"timezone": "Mars/Olympus"}}
    assert await manager.errors(UPDATE_COMPANY, bad_zone) == ["BAD_USER_INPUT"]
    assert await csr.errors(UPDATE_COMPANY, {"input": {"name": "x"}}) == ["FORBIDDEN"]
    keyed = Client(api.base_url, token("integration", "key_1", scopes=("team:write",)))
    try:
        again = await keyed.execute(UPDATE_COMPANY, {"input": {"name": "LSC"}, "version": 1})
        assert again["updateCompany"]["version"] == 2
    finally:
        await keyed.close()
    assert await events_for(store, "company") == ["company.updated", "company.updated"]


async def test_team_changes_reach_the_board(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """A new technician and their deactivation stream to a dispatcher's open board."""
    ws = await open_board(api)
    try:
        assert (await next_update(ws))["kind"] == "RESYNC"
        manager = client_for("manager", "mgr_1")
        tech_id = (await manager.execute(ADD, new_tech(["hvac"])))["addTechnician"]["id"]
        added = await until(
            ws, lambda u: u["kind"] == "TECHNICIAN" and u["technician"]["id"] == tech_id
        )
        assert added["technician"]["status"] == "OFF_DUTY"
        await manager.execute(DEACTIVATE, {"id": tech_id})
        gone = await until(
            ws, lambda u: u["kind"] == "TECHNICIAN" and u["technician"]["status"] == "INACTIVE"
        )
        assert gone["technician"]["id"] == tech_id
    finally:
        await ws.close()
