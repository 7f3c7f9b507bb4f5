"""The README's first loop, run as written: a demo technician goes on duty in GraphiQL
and their `myJob` subscription shows the job routing assigned."""

from __future__ import annotations

import asyncio
import json
import random
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from api.ops.seed import demo_bookings, demo_technicians, seed_demo
from api.persistence.store import Store
from tests.gql import Client, token
from tests.servers import ROOT, ApiProcess

README = (ROOT / "README.md").read_text()


def first_loop() -> tuple[str, str, str]:
    """The technician named in the loop's text, and its mutation and subscription."""
    block = re.search(r"A first loop in GraphiQL.*?```graphql\n(.*?)```", README, re.S)
    assert block is not None, "the README lost its first loop"
    lines = [line.split("#")[0].strip() for line in block.group(1).splitlines()]
    mutation = next(line for line in lines if line.startswith("mutation"))
    subscription = next(line for line in lines if line.startswith("subscription"))
    tech = re.search(r"nextjob token technician (tech_\d+)", block.group(0))
    assert tech is not None
    return tech.group(1), mutation, subscription


@pytest.fixture
async def demo(mongo_uri: str, db_name: str, store: Store) -> AsyncIterator[ApiProcess]:
    await seed_demo(store, "America/Chicago")
    proc = ApiProcess(mongo_uri, db_name)
    try:
        yield proc
    finally:
        proc.stop()


async def test_the_readmes_first_loop_works_as_written(demo: ApiProcess) -> None:
    """goOnDuty as the README's technician, then its subscription streams that job."""
    tech, mutation, subscription = first_loop()
    bearer = token("technician", tech)
    client = Client(demo.base_url, bearer)
    try:
        on_duty = await client.execute(mutation)
    finally:
        await client.close()
    assert on_duty["goOnDuty"]["status"] in ("AVAILABLE", "BUSY")
    protocol = Subprotocol("graphql-transport-ws")
    async with connect(demo.ws_url, subprotocols=[protocol]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"token": bearer}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        await ws.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": subscription}})
        )
        while True:
            msg = json.loads(await asyncio.wait_for(ws.recv(), 15))
            if msg.get("type") == "next":
                break
    job = msg["payload"]["data"]["myJob"]
    assert job is not None and job["status"] == "ASSIGNED" and job["address"]


@pytest.mark.parametrize("hour", range(24))
def test_the_demo_has_work_for_the_readmes_technician_at_any_hour(hour: int) -> None:
    """Whatever the time the reader runs the loop, the demo books a call whose window
    opens within the hour and needs a skill the README's technician has (evenings and
    nights included, when the board is otherwise tomorrow's)."""
    tech_id, _, _ = first_loop()
    rng = random.Random(7)
    tech = next(t for t in demo_technicians(rng) if t["_id"] == tech_id)
    zone = ZoneInfo("America/Chicago")
    now = datetime(2026, 12, 3, hour, 20, tzinfo=zone).astimezone(UTC)
    open_now = [
        b
        for b in demo_bookings(rng, now, "America/Chicago")
        if b.window_start <= now + timedelta(hours=1)
        and now < b.window_end
        and set(b.required_skills) <= set(tech["skills"])
    ]
    assert open_now, f"nothing for {tech_id} at {hour}:20"
