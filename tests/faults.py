"""Helpers for tests that break real servers on purpose, and the consistency audit."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import pymongo
from pymongo.errors import OperationFailure

from api.core.domain import ACTIVE_STATUSES
from api.persistence.store import Store
from tests.gql import Client, GraphQLError, Phone


@contextmanager
def fail_point(mongo_uri: str, data: dict[str, Any], mode: Any) -> Iterator[None]:
    """SecantusDB/mongod `failCommand` for the API's own connections (appName nextjob)."""
    with pymongo.MongoClient(mongo_uri, appname="nextjob-tests") as admin:
        admin.admin.command(
            {
                "configureFailPoint": "failCommand",
                "mode": mode,
                "data": {"appName": "nextjob", **data},
            }
        )
        try:
            yield
        finally:
            admin.admin.command({"configureFailPoint": "failCommand", "mode": "off"})


def fail_points_supported(mongo_uri: str) -> bool:
    with pymongo.MongoClient(mongo_uri, serverSelectionTimeoutMS=5000) as admin:
        try:
            admin.admin.command({"configureFailPoint": "failCommand", "mode": "off"})
        except OperationFailure:
            return False
    return True


class Pushes:
    """Every `myJob` payload a phone receives, collected in the background."""

    def __init__(self, phone: Phone) -> None:
        self.phone = phone
        self.seen: list[dict[str, Any] | None] = []
        self._task = asyncio.create_task(self._collect())

    async def _collect(self) -> None:
        assert self.phone.ws is not None
        async for raw in self.phone.ws:
            msg = json.loads(raw)
            if msg.get("type") == "next":
                self.seen.append(msg["payload"]["data"]["myJob"])

    async def until(self, job_id: str, status: str | None = None, within: float = 15.0) -> None:
        """Wait (bounded) until a push shows this job (in this status)."""
        deadline = asyncio.get_running_loop().time() + within
        while not any(
            p is not None and p["id"] == job_id and status in (None, p["status"]) for p in self.seen
        ):
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"no push of {job_id} {status or ''} within {within}s")
            await asyncio.sleep(0.05)

    def assert_no_repeats(self) -> None:
        """Each push is new: no (job, version) twice, versions only move forward."""
        last: dict[str, int] = {}
        for p in self.seen:
            if p is None:
                continue
            assert p["version"] > last.get(p["id"], 0), f"repeated or stale push {p}"
            last[p["id"]] = p["version"]

    async def close(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        await self.phone.close()


@asynccontextmanager
async def collecting(ws_url: str, bearer: str) -> AsyncIterator[Pushes]:
    pushes = Pushes(await Phone(ws_url, bearer).connect())
    try:
        yield pushes
    finally:
        await pushes.close()


async def audit_consistency(store: Store) -> dict[str, int]:
    """Every job in one consistent state, one active job per busy tech, a contiguous log."""
    active = [s.value for s in ACTIVE_STATUSES]
    jobs = await store.jobs.find().to_list(None)
    techs = {t["_id"]: t async for t in store.technicians.find()}
    per_tech: defaultdict[str, list[str]] = defaultdict(list)
    for job in jobs:
        if job["status"] in active:
            assert job.get("active_tech_id") == job["tech_id"], job
            per_tech[job["tech_id"]].append(job["_id"])
        else:
            assert "active_tech_id" not in job, job
    for tech_id, tech in techs.items():
        held = per_tech.get(tech_id, [])
        assert len(held) <= 1, f"{tech_id} holds {held}"
        if held:
            assert tech["status"] == "busy" and tech.get("current_job_id") == held[0], tech
        else:
            assert tech["status"] != "busy" and not tech.get("current_job_id"), tech
    for doc in jobs:
        trail = await store.events.find({"entity_id": doc["_id"]}).sort("version").to_list(None)
        assert_trail(doc, trail)
    return {"jobs": len(jobs), "active": sum(len(v) for v in per_tech.values())}


def assert_trail(job: dict[str, Any], trail: list[dict[str, Any]]) -> None:
    """The job's log: booked at version 1, versions contiguous (every change is logged),
    each step starting where the last ended, the last step naming today's state and version."""
    assert trail and trail[0]["type"] == "job.booked" and trail[0]["version"] == 1, trail
    assert [e["version"] for e in trail] == list(range(1, len(trail) + 1)), (job["_id"], trail)
    for prev, nxt in itertools.pairwise(trail):
        assert nxt["before"] == prev["after"], (job["_id"], prev, nxt)
    assert trail[-1]["after"] == job["status"], (job["_id"], trail[-1])
    assert trail[-1]["version"] == job["version"], (job["_id"], trail[-1])


def tolerant(client: Client) -> Callable[[str, dict[str, Any]], Any]:
    """Run a request; a refused one (CONFLICT) or a dead server is part of the test."""

    async def run(query: str, variables: dict[str, Any]) -> None:
        try:
            await client.execute(query, variables)
        except (GraphQLError, OSError, ValueError):
            pass
        except Exception as exc:  # httpx transport errors when the server dies
            if "httpx" not in type(exc).__module__:
                raise

    return run


def count_at_least(store: Store, n: int) -> Callable[[], Any]:
    async def check() -> bool:
        return await store.events.count_documents({"type": "job.assigned", "entity": "job"}) >= n

    return check


def idle_techs_served(store: Store) -> Callable[[], Any]:
    """No tech is available while a job it could take waits in the bucket."""

    async def check() -> bool:
        booked = await store.jobs.count_documents({"status": "booked", "required_skills": "hvac"})
        idle = await store.technicians.count_documents(
            {"status": "available", "skills": "hvac", "_id": {"$regex": "^tech_k"}}
        )
        return booked == 0 or idle == 0

    return check
