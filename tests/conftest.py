"""Shared fixtures: real MongoDB (SecantusDB or MONGODB_URI), real Redis, real API processes."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from api.persistence.documents import geo_point
from api.persistence.store import Store
from tests.gql import Client, token
from tests.servers import ApiProcess, RedisServer, release_and_drop, start_secantus

AUSTIN = (30.2672, -97.7431)


class SessionDatabase:
    """The run's SecantusDB. If a test leaves it unable to drop a database, it is
    restarted empty on the same port, so one broken test fails alone instead of every
    later test timing out against a wedged server (what made CI run out of time)."""

    def __init__(self) -> None:
        self.db, self.storage = start_secantus()

    def restart(self) -> None:
        port = self.db.port
        self.stop()
        self.db, self.storage = start_secantus(port)

    def stop(self) -> None:
        self.db.stop(timeout=5)
        shutil.rmtree(self.storage, ignore_errors=True)


_SESSION_DB: SessionDatabase | None = None


@pytest.fixture(scope="session")
def mongo_uri() -> Iterator[str]:
    """MONGODB_URI when set, else a SecantusDB started for this test session."""
    global _SESSION_DB
    if os.environ.get("MONGODB_URI"):
        yield os.environ["MONGODB_URI"]
        return
    _SESSION_DB = SessionDatabase()
    try:
        yield _SESSION_DB.db.uri
    finally:
        _SESSION_DB.stop()
        _SESSION_DB = None


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """REDIS_URL when set, else a redis-server started for this test session."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    server = RedisServer().start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def db_name() -> str:
    return "t_" + uuid.uuid4().hex[:12]


@pytest.fixture
async def store(mongo_uri: str, db_name: str) -> AsyncIterator[Store]:
    s = Store(mongo_uri, db_name)
    await s.ensure_indexes()
    try:
        yield s
    finally:
        # The test's API processes are already stopped (`api` depends on `store`).
        try:
            # Only this worker's own server: with MONGODB_URI, other runs may share it.
            await release_and_drop(s.client, db_name, abort_sessions=_SESSION_DB is not None)
        except TimeoutError:
            if _SESSION_DB is not None:
                _SESSION_DB.restart()
            raise
        finally:
            await s.close()


@pytest.fixture
def api(mongo_uri: str, db_name: str, store: Store) -> Iterator[ApiProcess]:
    """One API process on this test's database (the store fixture made its indexes)."""
    proc = ApiProcess(mongo_uri, db_name)
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture
async def client_for(api: ApiProcess) -> AsyncIterator[Callable[[str, str], Client]]:
    clients: list[Client] = []

    def make(role: str, subject: str = "someone") -> Client:
        c = Client(api.base_url, token(role, subject))
        clients.append(c)
        return c

    yield make
    for c in clients:
        await c.close()


def shift_around_now(hours_before: float = 1, hours_after: float = 8) -> dict[str, str]:
    local = datetime.now(ZoneInfo("America/Chicago"))
    start = local - timedelta(hours=hours_before)
    end = local + timedelta(hours=hours_after)
    return {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")}


async def add_tech(
    store: Store,
    tech_id: str,
    *,
    skills: tuple[str, ...] = ("hvac", "plumbing", "electrical"),
    at: tuple[float, float] = AUSTIN,
    status: str = "off_duty",
    stats: dict[str, Any] | None = None,
) -> None:
    await store.technicians.insert_one(
        {
            "_id": tech_id,
            "name": f"Tech {tech_id}",
            "skills": list(skills),
            "home": geo_point(*at),
            "location": geo_point(*at),
            "status": status,
            "shift": shift_around_now(),
            "version": 1,
            "stats": stats or {"completed": 0, "sales": 0, "sold_total": 0.0},
        }
    )


async def add_skill(store: Store, name: str) -> None:
    """Put a skill in the catalogue (the API seeds only the demo's skills)."""
    await store.db["skills"].update_one(
        {"_id": name},
        {"$setOnInsert": {"label": name.title(), "active": True, "version": 1}},
        upsert=True,
    )


def booking_vars(
    *,
    value: float = 350.0,
    at: tuple[float, float] = AUSTIN,
    kind: str = "REPAIR",
    skills: tuple[str, ...] = ("hvac",),
    priority: str = "NORMAL",
    name: str = "Dana Customer",
    phone: str = "512-555-0100",
    confirm_duplicate: bool = True,
    **overrides: Any,
) -> dict[str, Any]:
    now = datetime.now(UTC)
    payload: dict[str, Any] = {
        "customer": {"name": name, "phone": phone},
        "address": "1100 Congress Ave, Austin, TX",
        "lat": at[0],
        "lon": at[1],
        "problem": "AC blowing warm air",
        "kind": kind,
        "priority": priority,
        "estimatedValue": value,
        "requiredSkills": list(skills),
        # Tests book many jobs for one customer at one address on purpose.
        "confirmDuplicate": confirm_duplicate,
        "arrivalWindow": {
            "start": now.isoformat(),
            "end": (now + timedelta(hours=4)).isoformat(),
        },
    }
    payload.update(overrides)
    return {"input": payload}


BOOK = """
mutation Book($input: BookJobInput!) {
  bookJob(input: $input) { id status version technicianId estimatedValue }
}
"""
