"""Sustained location updates per second into one API process, with 5 dispatcher boards
watching (issue 4's target: >= 2,000 updates/s per process).

Reporters post `reportLocation` over HTTP as fast as their connection allows (each update
is a MongoDB write and a board event); 5 `board` subscriptions consume the coalesced
stream. Rate limits are off for the run: this measures the server, not the limiter.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from api.persistence.store import Store
from tests.conftest import add_tech
from tests.gql import token
from tests.servers import ApiProcess, start_secantus

TECHS = 50
REPORTERS = 16
SECONDS = 10.0
BOARDS = 5
LOCATION = "mutation($a: Float!, $o: Float!) { reportLocation(lat: $a, lon: $o) { id } }"
BOARD = "subscription { board { kind technician { id } } }"


async def _board(url: str, received: list[int], stop: asyncio.Event) -> None:
    async with connect(url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
        init = {"Authorization": f"Bearer {token('dispatcher', 'bench')}"}
        await ws.send(json.dumps({"type": "connection_init", "payload": init}))
        await ws.recv()
        await ws.send(json.dumps({"id": "b", "type": "subscribe", "payload": {"query": BOARD}}))
        while not stop.is_set():
            try:
                await asyncio.wait_for(ws.recv(), 0.5)
                received[0] += 1
            except TimeoutError:
                continue


async def _reporter(base: str, tech: str, until: float, done: list[int]) -> None:
    headers = {"Authorization": f"Bearer {token('technician', tech)}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
        i = 0
        while time.monotonic() < until:
            i += 1
            body = {"query": LOCATION, "variables": {"a": 30.2 + (i % 100) / 1e3, "o": -97.7}}
            r = await http.post("/graphql", json=body)
            if r.status_code == 200 and "errors" not in r.json():
                done[0] += 1


async def run(results_dir: Path) -> dict[str, Any]:
    db, storage = start_secantus()
    db_name = "bench_" + uuid.uuid4().hex[:8]
    store = Store(db.uri, db_name)
    await store.ensure_indexes()
    for i in range(TECHS):
        await add_tech(store, f"tech_{i:03d}", status="available")
    env = {"NEXTJOB_RATE_LIMIT_PER_MINUTE": "0", "NEXTJOB_INTEGRATION_RATE_LIMIT_PER_MINUTE": "0"}
    api = ApiProcess(db.uri, db_name, extra_env=env)
    stop = asyncio.Event()
    received = [0]
    done = [0]
    try:
        boards = [asyncio.create_task(_board(api.ws_url, received, stop)) for _ in range(BOARDS)]
        await asyncio.sleep(0.5)  # let the boards subscribe before the load starts
        started = time.monotonic()
        until = started + SECONDS
        await asyncio.gather(
            *(
                _reporter(api.base_url, f"tech_{i % TECHS:03d}", until, done)
                for i in range(REPORTERS)
            )
        )
        elapsed = time.monotonic() - started
        stop.set()
        await asyncio.gather(*boards, return_exceptions=True)
    finally:
        api.stop()
        await store.client.drop_database(db_name)
        await store.close()
        db.stop()
        shutil.rmtree(storage, ignore_errors=True)
    return {
        "techs": TECHS,
        "reporters": REPORTERS,
        "boards": BOARDS,
        "seconds": round(elapsed, 1),
        "updates": done[0],
        "updates_per_second": round(done[0] / elapsed, 1),
        "board_messages_per_board_per_second": round(received[0] / BOARDS / elapsed, 1),
        "target_updates_per_second": 2000,
        "note": "the load generator shares the 2 cores with the server and the database",
    }
