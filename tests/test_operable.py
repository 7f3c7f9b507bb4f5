"""Operable: metrics, JSON logs with request ids and no secrets, graceful shutdown, readiness."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import strawberry

from api.core.errors import NotFound
from api.persistence.store import Store
from api.transport.metrics import Metrics
from mobile_contract import operation
from schema.errors import ErrorCodes
from schema.metrics_extension import ErrorMetrics
from tests.conftest import BOOK, add_tech, booking_vars
from tests.faults import fail_point, fail_points_supported
from tests.gql import Client, Phone, token
from tests.servers import TEST_METRICS_TOKEN, ApiProcess, start_secantus
from tests.test_realtime_cross_process import eventually


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample in a Prometheus exposition (0 when absent)."""
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        m = re.match(r"^(\w+)(?:\{(.*)\})? (\S+)$", line)
        if m and m.group(1) == name:
            got = ",".join(sorted((m.group(2) or "").split(","))) if m.group(2) else ""
            if got == want:
                return float(m.group(3))
    return 0.0


async def scrape(api: ApiProcess) -> str:
    async with httpx.AsyncClient() as http:
        response = await http.get(
            api.base_url + "/metrics", headers={"Authorization": f"Bearer {TEST_METRICS_TOKEN}"}
        )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_metrics_count_requests_phones_and_assignments(
    mongo_uri: str, db_name: str, store: Store, redis_url: str
) -> None:
    """/metrics shows requests by status, connected phones, assignments and broker lag."""
    api = await asyncio.to_thread(ApiProcess, mongo_uri, db_name, redis_url=redis_url)
    try:
        await add_tech(store, "tech_m", status="available")
        phone = await Phone(api.ws_url, token("technician", "tech_m")).connect()
        assert await phone.next_job() is None
        csr = Client(api.base_url, token("csr", "csr_m"))
        await csr.execute(BOOK, booking_vars())
        assert (await phone.next_job() or {}).get("status") == "ASSIGNED"
        stranger = Client(api.base_url, "not-a-token")
        await stranger.raw("{ me { role } }")
        await stranger.close()
        text = await scrape(api)
        ok = metric(
            text, "nextjob_http_requests_total", path="/graphql", method="POST", status="200"
        )
        assert ok >= 1
        assert metric(
            text, "nextjob_http_requests_total", path="/graphql", method="POST", status="401"
        )
        assert metric(text, "nextjob_websocket_connections") == 1
        assert metric(text, "nextjob_live_subscriptions") >= 1
        assert metric(text, "nextjob_assignments_total", decided_by="routing") == 1
        assert metric(text, "nextjob_broker_delivery_seconds_count") >= 1
        await phone.close()
        await csr.close()
    finally:
        api.stop()


def test_error_metrics_extension_counts_codes() -> None:
    """The schema extension counts each error by its final extensions.code."""

    @strawberry.type
    class Query:
        @strawberry.field
        def missing(self) -> str:
            raise NotFound("no such thing")

    metrics = Metrics()
    schema = strawberry.Schema(query=Query, extensions=[ErrorMetrics, ErrorCodes])
    app = SimpleNamespace(state=SimpleNamespace(metrics=metrics))
    context = SimpleNamespace(request=SimpleNamespace(app=app))
    result = schema.execute_sync("{ missing }", context_value=context)
    assert result.errors and result.errors[0].extensions == {"code": "NOT_FOUND"}
    assert metric(metrics.exposition().decode(), "nextjob_graphql_errors_total", code="NOT_FOUND")


async def test_logs_are_json_with_request_ids_and_no_secrets(api: ApiProcess, store: Store) -> None:
    """Every log line is JSON; a request's lines carry its id; tokens never reach the log."""
    bearer = token("dispatcher", "disp_log")
    async with httpx.AsyncClient(base_url=api.base_url) as http:
        response = await http.post(
            "/graphql",
            json={"query": "{ me { role } }"},
            headers={"Authorization": f"Bearer {bearer}", "X-Request-Id": "req-op-42"},
        )
        assert response.headers["x-request-id"] == "req-op-42"
        other = await http.get(f"/map?token={bearer}")
        assert re.fullmatch(r"[0-9a-f]{32}", other.headers["x-request-id"])

    def lines() -> list[dict[str, Any]]:
        return [json.loads(line) for line in api.log().splitlines() if line.startswith("{")]

    async def logged() -> bool:
        return any(e.get("request_id") == "req-op-42" for e in lines())

    await eventually(logged)
    text = api.log()
    assert bearer not in text and bearer.split(".")[1] not in text
    assert all(line.startswith("{") for line in text.splitlines() if line.strip())


async def test_sigterm_drains_phones_and_finishes_writes(
    api: ApiProcess, store: Store, mongo_uri: str
) -> None:
    """SIGTERM: an in-flight mutation completes, phones are told 1012, the process exits 0."""
    if not fail_points_supported(mongo_uri):
        pytest.skip("needs failCommand's blockConnection to hold a write in flight")
    await add_tech(store, "tech_s")
    phone = await Phone(api.ws_url, token("technician", "tech_s")).connect()
    assert await phone.next_job() is None
    tech = Client(api.base_url, token("technician", "tech_s"))
    block = {"failCommands": ["insert"], "blockConnection": True, "blockTimeMS": 2500}
    try:
        with fail_point(mongo_uri, block, {"times": 1}):
            vent = asyncio.create_task(tech.raw(operation("Vent"), {"text": "long day"}))

            async def in_flight() -> bool:
                return metric(await scrape(api), "nextjob_http_requests_in_flight") >= 2

            await eventually(in_flight)
            api.process.terminate()
            response = await vent
        assert response.status_code == 200 and response.json()["data"]["vent"]["id"]
        assert phone.ws is not None
        await asyncio.wait_for(phone.ws.wait_closed(), 15)
        assert phone.ws.close_code in (1001, 1012)
        assert await asyncio.to_thread(api.process.wait, 30) == 0
    finally:
        await tech.close()
        await phone.close()


async def test_readiness_fails_without_the_database_while_liveness_holds() -> None:
    """With its database gone /readyz answers 503 and /healthz still 200."""
    db, storage = start_secantus()
    api = await asyncio.to_thread(ApiProcess, db.uri, "t_ready")
    try:
        async with httpx.AsyncClient(base_url=api.base_url, timeout=30) as http:
            assert (await http.get("/readyz")).status_code == 200
            db.stop()

            async def not_ready() -> bool:
                return (await http.get("/readyz")).status_code == 503

            await eventually(not_ready, within=45)
            assert (await http.get("/healthz")).status_code == 200
    finally:
        api.kill()
        api.stop()
        db.stop()
        shutil.rmtree(storage, ignore_errors=True)
