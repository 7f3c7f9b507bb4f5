"""Every protocol path answers with its documented code: init timeouts (4408), bad tokens
(4401) on both WebSocket protocols, queries and mutations over legacy `graphql-ws` (what
the `gql` client sends by default), keep-alive pings, and subscriptions over HTTP (405)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from api.persistence.store import Store
from tests.conftest import add_tech
from tests.gql import token
from tests.servers import ApiProcess
from tests.ws_client import LEGACY, MODERN, acked, close_code, next_message, open_socket, subscribe


@pytest.fixture
def quick(mongo_uri: str, db_name: str, store: Store) -> Iterator[ApiProcess]:
    """An API whose sockets must init within 1 s and are pinged every 0.3 s."""
    proc = ApiProcess(
        mongo_uri,
        db_name,
        extra_env={"NEXTJOB_WS_INIT_TIMEOUT_SECONDS": "1", "NEXTJOB_WS_PING_SECONDS": "0.3"},
    )
    try:
        yield proc
    finally:
        proc.stop()


@pytest.mark.parametrize("protocol", [MODERN, LEGACY])
async def test_socket_without_connection_init_is_closed_4408(
    quick: ApiProcess, protocol: str
) -> None:
    """A socket that never sends connection_init is closed with 4408 after the timeout."""
    ws = await connect(quick.ws_url, subprotocols=[Subprotocol(protocol)])
    assert await close_code(ws, within=10) == 4408


@pytest.mark.parametrize("protocol", [MODERN, LEGACY])
@pytest.mark.parametrize("payload", [{"token": "not-a-jwt"}, {}, {"apiKey": "njk_abc_def"}])
async def test_bad_credentials_close_4401(
    quick: ApiProcess, protocol: str, payload: dict[str, str]
) -> None:
    """A bad or missing token (or unknown key) closes either protocol with 4401, not 1011."""
    ws = await open_socket(quick.ws_url, payload, protocol)
    assert await close_code(ws, within=10) == 4401


async def test_legacy_protocol_runs_queries_and_mutations(quick: ApiProcess, store: Store) -> None:
    """Over legacy graphql-ws (gql's default) a query and a mutation answer data, then complete."""
    await add_tech(store, "tech_gql", status="available")
    ws = await acked(quick.ws_url, {"token": token("technician", "tech_gql")}, LEGACY)
    await subscribe(ws, "q", "query { me { subject } }", LEGACY)
    data = await next_message(ws)
    assert data == {"type": "data", "id": "q", "payload": {"data": {"me": {"subject": "tech_gql"}}}}
    assert await next_message(ws) == {"type": "complete", "id": "q"}
    await subscribe(ws, "m", "mutation { reportLocation(lat: 30.3, lon: -97.7) { id } }", LEGACY)
    data = await next_message(ws)
    assert data["payload"] == {"data": {"reportLocation": {"id": "tech_gql"}}}, data
    assert await next_message(ws) == {"type": "complete", "id": "m"}
    await ws.close()


async def test_graphql_transport_ws_sends_keepalive_pings(quick: ApiProcess) -> None:
    """An idle graphql-transport-ws socket is pinged (the README's keep-alive)."""
    ws = await acked(quick.ws_url, {"token": token("dispatcher", "disp_ping")})
    msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert msg == {"type": "ping"}
    await ws.close()


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_subscription_over_http_is_refused(quick: ApiProcess, method: str) -> None:
    """A subscription sent over HTTP is a 405 that names the WebSocket, never data: null."""
    query = "subscription { myJob { id } }"
    headers = {"Authorization": f"Bearer {token('technician', 'tech_http')}"}
    async with httpx.AsyncClient(base_url=quick.base_url, headers=headers) as http:
        if method == "POST":
            response = await http.post("/graphql", json={"query": query})
        else:
            response = await http.get(
                "/graphql", params={"query": query}, headers={"Accept": "application/json"}
            )
    assert response.status_code == 405, response.text
    body = response.json()
    assert "data" not in body or body["data"] is None
    assert "WebSocket" in json.dumps(body)


MALFORMED = [
    "[]",
    '"text"',
    '{"type": 5}',
    '{"type": "stop"}',
    '{"type": "start"}',
    '{"type": "subscribe", "id": "1", "payload": 5}',
    '{"type": "start", "id": "1", "payload": "query"}',
]


@pytest.mark.parametrize("protocol", [MODERN, LEGACY])
async def test_malformed_messages_close_4400(api: ApiProcess, protocol: str) -> None:
    """Messages of the wrong shape close the socket with 4400, never an abnormal 1006/1011."""
    bearer = token("dispatcher", "disp_bad")
    for raw in MALFORMED:
        if protocol == LEGACY and '"subscribe"' in raw:
            continue  # legacy graphql-ws ignores message types it does not know
        ws = await acked(api.ws_url, {"token": bearer}, protocol)
        await ws.send(raw)
        assert await close_code(ws, within=10) == 4400, raw
