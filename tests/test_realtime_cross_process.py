"""Two API processes sharing one Redis and one database, as in production."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
import redis.asyncio as aioredis

from api.persistence.store import Store
from realtime import tech_channel
from tests.conftest import BOOK, add_tech, booking_vars
from tests.gql import Client, Phone, token
from tests.servers import ApiProcess

# The parked job needs a skill the tech lacks: the dispatcher overrides that explicitly.
ASSIGN = """mutation($j: ID!, $t: ID!) {
  assignJob(jobId: $j, technicianId: $t, overrideSkills: true) { id version } }"""


@pytest.fixture
async def pair(
    mongo_uri: str, db_name: str, redis_url: str, store: Store
) -> AsyncIterator[tuple[ApiProcess, ApiProcess]]:
    """Processes A and B on the same database and Redis (started side by side)."""
    a, b = await asyncio.gather(
        asyncio.to_thread(ApiProcess, mongo_uri, db_name, redis_url=redis_url),
        asyncio.to_thread(ApiProcess, mongo_uri, db_name, redis_url=redis_url),
    )
    try:
        yield a, b
    finally:
        a.stop()
        b.stop()


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_url)
    try:
        yield client
    finally:
        await client.aclose()


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 10.0) -> None:
    """Poll `check` until it holds; fail after `within` seconds."""
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within}s")
        await asyncio.sleep(0.05)


async def parked_job(store: Store, api: ApiProcess, tech_id: str) -> str:
    """A booked job routing cannot give to `tech_id` (skills differ), left in the bucket."""
    await add_tech(store, tech_id, skills=("electrical",), status="available")
    csr = Client(api.base_url, token("csr", "csr_1"))
    try:
        data = await csr.execute(BOOK, booking_vars(skills=("hvac",)))
    finally:
        await csr.close()
    job_id: str = data["bookJob"]["id"]
    return job_id


async def assign(api: ApiProcess, job_id: str, tech_id: str) -> int:
    dispatcher = Client(api.base_url, token("dispatcher", "disp"))
    try:
        data = await dispatcher.execute(ASSIGN, {"j": job_id, "t": tech_id})
    finally:
        await dispatcher.close()
    version: int = data["assignJob"]["version"]
    return version


async def test_job_assigned_on_b_reaches_phone_on_a_and_survives_a_crash(
    pair: tuple[ApiProcess, ApiProcess], store: Store
) -> None:
    """An assignment made through B is pushed to a phone on A; after A dies, B serves it at once."""
    a, b = pair
    job_id = await parked_job(store, b, "tech_x")
    phone = await Phone(a.ws_url, token("technician", "tech_x")).connect()
    try:
        assert await phone.next_job() is None
        version = await assign(b, job_id, "tech_x")
        pushed = await phone.next_job(within=5)
        assert pushed is not None and (pushed["id"], pushed["version"]) == (job_id, version)
    finally:
        await phone.close()
    a.kill()
    again = await Phone(b.ws_url, token("technician", "tech_x")).connect()
    try:
        started = time.monotonic()
        current = await again.next_job(within=5)
        assert current is not None and (current["id"], current["version"]) == (job_id, version)
        assert time.monotonic() - started < 1.0  # at once, not at the next resync
    finally:
        await again.close()


async def test_duplicate_and_stale_events_never_repeat_a_push(
    pair: tuple[ApiProcess, ApiProcess], store: Store, redis: aioredis.Redis
) -> None:
    """A flood of duplicated and out-of-order events on Redis yields one push per version."""
    a, b = pair
    job_id = await parked_job(store, b, "tech_y")
    version = await assign(b, job_id, "tech_y")
    phone = await Phone(a.ws_url, token("technician", "tech_y")).connect()
    channel = tech_channel("tech_y")

    async def flood(*versions: int) -> None:
        for v in versions:
            await redis.publish(channel, json.dumps({"kind": "job", "id": job_id, "version": v}))

    try:
        first = await phone.next_job()
        assert first is not None and first["version"] == version
        await flood(version, version, version - 1, 1, version, version)
        assert await phone.no_message(within=1.0)
        # The database moves without an event of its own; stale events make the phone look.
        await store.jobs.update_one({"_id": job_id}, {"$inc": {"version": 1}})
        await flood(version, version - 1, version, version, 1)
        moved = await phone.next_job(within=1.5)
        assert moved is not None and moved["version"] == version + 1
        await flood(version + 1, version, version + 1)
        assert await phone.no_message(within=1.0)
    finally:
        await phone.close()


async def test_hundred_disconnected_phones_leave_no_subscription_behind(
    pair: tuple[ApiProcess, ApiProcess], redis: aioredis.Redis
) -> None:
    """100 phones come and go (half closing cleanly, half just dropping): nothing is left."""
    a, _ = pair

    async def readyz() -> int:
        async with httpx.AsyncClient() as http:
            body = (await http.get(a.base_url + "/readyz")).json()
        count: int = body["subscriptions"]
        return count

    baseline = await readyz()  # the process's own listeners (its open-job index)
    techs = [f"leak_{a.port}_{i:03d}" for i in range(100)]
    phones = await asyncio.gather(
        *(Phone(a.ws_url, token("technician", t)).connect() for t in techs)
    )
    assert [await p.next_job() for p in phones] == [None] * 100

    async def redis_channels() -> list[bytes | str]:
        return list(await redis.pubsub_channels(f"tech:leak_{a.port}_*"))

    assert await readyz() == baseline + 100
    assert len(await redis_channels()) == 100
    for i, p in enumerate(phones):
        assert p.ws is not None
        if i % 2:
            await p.close()
        else:
            p.ws.transport.abort()  # a phone that vanishes without a close frame

    async def clean() -> bool:
        return await readyz() == baseline and await redis_channels() == []

    await eventually(clean, within=10)
