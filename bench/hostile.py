"""How long hostile documents hold the server, and how /healthz fares meanwhile.

Against a real API process (SecantusDB, no Redis), with a technician's token:

- `refusal_ms`: round trip of one document that must be refused (fragment bombs whose
  fragments each spread the next twice, 19 / 25 / 150 levels; 300 same-named fields
  side by side; a 100 KB document), median of `REPEATS`;
- `healthz_ms_under_load`: /healthz round trips while 8 clients send the 19-level bomb
  back to back (before the fix one such bomb held the event loop for ~3.4 s).

In-process, `measure_ms`: the shape pass alone on the 150-level bomb.
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from graphql import parse

from api.persistence.store import Store
from schema import build_schema
from schema.measure import measure
from schema.shape import ShapeRefused
from tests.gql import token
from tests.servers import ApiProcess, start_secantus
from tests.test_query_limits import doubling

REPEATS = 15


def _cases() -> dict[str, str]:
    return {
        "bomb_19": doubling(19),
        "bomb_25": doubling(25),
        "bomb_150": doubling(150),
        "same_field_300": "{ " + " ".join("me { role }" for _ in range(300)) + " }",
        "document_100kb": "# " + "x" * 100_000 + "\n{ me { role } }",
    }


async def _refusal_ms(http: httpx.AsyncClient, query: str) -> float:
    started = time.perf_counter()
    response = await http.post("/graphql", json={"query": query})
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code >= 500 or "QUERY_TOO_COMPLEX" not in response.text:
        raise RuntimeError(f"expected a refusal, got {response.status_code}: {response.text}")
    return elapsed


async def _healthz_ms(http: httpx.AsyncClient) -> float:
    started = time.perf_counter()
    (await http.get("/healthz")).raise_for_status()
    return (time.perf_counter() - started) * 1000


async def run(results_dir: Path) -> dict[str, Any]:
    db, storage = start_secantus()
    db_name = "bench_" + uuid.uuid4().hex[:8]
    store = Store(db.uri, db_name)
    await store.ensure_indexes()
    api = ApiProcess(db.uri, db_name, extra_env={"NEXTJOB_RATE_LIMIT_PER_MINUTE": "0"})
    figures: dict[str, Any] = {}
    try:
        headers = {"Authorization": f"Bearer {token('technician', 'tech_bench')}"}
        async with httpx.AsyncClient(base_url=api.base_url, headers=headers, timeout=60) as http:
            refusal = {}
            for name, query in _cases().items():
                times = [await _refusal_ms(http, query) for _ in range(REPEATS)]
                refusal[name] = round(statistics.median(times), 2)
            figures["refusal_ms"] = refusal
            stop = asyncio.Event()

            async def bomber() -> None:
                while not stop.is_set():
                    await http.post("/graphql", json={"query": doubling(19)})

            bombers = [asyncio.create_task(bomber()) for _ in range(8)]
            health = [await _healthz_ms(http) for _ in range(50)]
            stop.set()
            await asyncio.gather(*bombers)
            figures["healthz_ms_under_load"] = {
                "median": round(statistics.median(health), 2),
                "max": round(max(health), 2),
            }
        schema = build_schema()._schema
        document = parse(doubling(150), max_tokens=2000)
        started = time.perf_counter()
        try:
            measure(schema, document, None, None)
        except ShapeRefused as exc:  # the expected outcome: nested too deep
            figures["measure_outcome"] = str(exc)
        figures["measure_ms"] = round((time.perf_counter() - started) * 1000, 3)
    finally:
        api.stop()
        await store.client.drop_database(db_name)
        await store.close()
        db.stop()
        shutil.rmtree(storage, ignore_errors=True)
    return figures
