"""The one-job-per-technician rule holds in MongoDB itself, under concurrent writers
in separate server processes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pymongo.errors import DuplicateKeyError

from api.persistence.documents import geo_point
from api.persistence.store import Store
from tests.conftest import AUSTIN, add_tech
from tests.gql import Client, GraphQLError, token
from tests.servers import ApiProcess

ASSIGN = """
mutation($j: ID!, $t: ID!) {
  assignJob(jobId: $j, technicianId: $t, overrideSkills: true) { id technicianId } }
"""
# No periodic routing pass during these tests: only the dispatchers' writes race.
QUIET = {"NEXTJOB_RESYNC_SECONDS": "3600"}


@pytest.fixture
def two_apis(mongo_uri: str, db_name: str, store: Store) -> Iterator[tuple[ApiProcess, ApiProcess]]:
    a = ApiProcess(mongo_uri, db_name, extra_env=QUIET)
    try:
        b = ApiProcess(mongo_uri, db_name, extra_env=QUIET)
    except BaseException:
        a.stop()
        raise
    try:
        yield a, b
    finally:
        a.stop()
        b.stop()


@pytest.fixture
async def dispatchers(two_apis: tuple[ApiProcess, ApiProcess]) -> AsyncIterator[list[Client]]:
    clients = [Client(api.base_url, token("dispatcher", f"d{i}")) for i, api in enumerate(two_apis)]
    yield clients
    for c in clients:
        await c.close()


async def insert_booked_jobs(store: Store, n: int, skill: str = "boilers") -> list[str]:
    """Booked jobs that routing will not hand out by itself (nobody has the skill)."""
    now = datetime.now(UTC)
    ids = [f"job_race_{i:03d}" for i in range(n)]
    await store.jobs.insert_many(
        [
            {
                "_id": job_id,
                "status": "booked",
                "version": 1,
                "customer": {"name": "C", "phone": "512-555-0000"},
                "address": "1 Main St",
                "location": geo_point(AUSTIN[0] + i * 1e-3, AUSTIN[1]),
                "problem": "boiler",
                "kind": "repair",
                "priority": "normal",
                "estimated_value": 300.0,
                "duration_min": 60.0,
                "required_skills": [skill],
                "window_start": now,
                "window_end": now + timedelta(hours=4),
                "urgency_list": False,
                "booked_at": now,
            }
            for i, job_id in enumerate(ids)
        ]
    )
    return ids


async def attempt(client: Client, job_id: str, tech_id: str) -> str:
    try:
        await client.execute(ASSIGN, {"j": job_id, "t": tech_id})
    except GraphQLError as exc:
        return str(exc.codes[0])
    return "OK"


async def test_fifty_jobs_to_one_tech_from_two_processes(
    store: Store, dispatchers: list[Client]
) -> None:
    """50 concurrent assignments of different jobs to one tech: exactly one succeeds."""
    await add_tech(store, "tech_x", status="available")
    jobs = await insert_booked_jobs(store, 50)
    results = await asyncio.gather(
        *(attempt(dispatchers[i % 2], job_id, "tech_x") for i, job_id in enumerate(jobs))
    )
    assert results.count("OK") == 1
    assert set(results) == {"OK", "CONFLICT"}
    winner = jobs[results.index("OK")]
    active = await store.jobs.find({"active_tech_id": "tech_x"}).to_list(None)
    assert [j["_id"] for j in active] == [winner]
    assert await store.jobs.count_documents({"status": "booked"}) == 49
    tech = await store.technicians.find_one({"_id": "tech_x"})
    assert tech is not None
    assert (tech["status"], tech["current_job_id"]) == ("busy", winner)
    logged = await store.events.find({"type": "job.assigned", "entity": "job"}).to_list(None)
    assert [e["entity_id"] for e in logged] == [winner]


async def test_one_job_to_ten_techs_from_two_processes(
    store: Store, dispatchers: list[Client]
) -> None:
    """One job assigned to 10 techs at once: exactly one tech wins; the others stay free."""
    techs = [f"tech_{i}" for i in range(10)]
    for t in techs:
        await add_tech(store, t, status="available")
    (job_id,) = await insert_booked_jobs(store, 1)
    results = await asyncio.gather(
        *(attempt(dispatchers[i % 2], job_id, t) for i, t in enumerate(techs))
    )
    assert results.count("OK") == 1
    assert set(results) == {"OK", "CONFLICT"}
    winner = techs[results.index("OK")]
    job = await store.jobs.find_one({"_id": job_id})
    assert job is not None
    assert (job["status"], job["tech_id"], job["version"]) == ("assigned", winner, 2)
    busy = await store.technicians.find({"status": "busy"}).to_list(None)
    assert [t["_id"] for t in busy] == [winner]
    logged = await store.events.find({"entity_id": job_id, "type": "job.assigned"}).to_list(None)
    assert len(logged) == 1
    assert logged[0]["data"]["tech_id"] == winner


async def test_database_refuses_a_second_active_job_even_behind_the_service(store: Store) -> None:
    """The unique partial index rejects a second active job written directly."""
    jobs = await insert_booked_jobs(store, 2)
    await store.jobs.update_one(
        {"_id": jobs[0]}, {"$set": {"status": "assigned", "active_tech_id": "tech_z"}}
    )
    with pytest.raises(DuplicateKeyError):
        await store.jobs.update_one(
            {"_id": jobs[1]}, {"$set": {"status": "assigned", "active_tech_id": "tech_z"}}
        )
    # Finished jobs drop out of the index, so history never blocks new work.
    await store.jobs.update_one(
        {"_id": jobs[0]}, {"$set": {"status": "completed"}, "$unset": {"active_tech_id": ""}}
    )
    await store.jobs.update_one(
        {"_id": jobs[1]}, {"$set": {"status": "assigned", "active_tech_id": "tech_z"}}
    )
    assert await store.jobs.count_documents({"active_tech_id": "tech_z"}) == 1
