"""Open sockets end with their credentials: expiry (4401), revocation (4403) across two
API processes sharing Redis, and the per-credential socket cap (4429)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from api.access.tokens import issue_token
from api.core.domain import Role
from api.persistence.store import Store
from tests.conftest import add_tech
from tests.gql import Client, token
from tests.servers import ROOT, TEST_SECRET, ApiProcess
from tests.ws_client import (
    LEGACY,
    MODERN,
    acked,
    close_code,
    next_message,
    open_socket,
    subscribe,
)

CREATE = (
    "mutation($n: String!, $s: [String!]!) "
    "{ createApiKey(name: $n, scopes: $s) { key apiKey { id } } }"
)
REVOKE_KEY = "mutation($id: ID!) { revokeApiKey(id: $id) { id } }"
REVOKE_TOKEN = "mutation($t: ID!) { revokeToken(tokenId: $t) }"
JOBS = "query { jobs { id customer { name } } }"


@pytest.fixture
async def pair(
    mongo_uri: str, db_name: str, redis_url: str, store: Store
) -> AsyncIterator[tuple[ApiProcess, ApiProcess]]:
    """Processes A and B on the same database and Redis."""
    a, b = await asyncio.gather(
        asyncio.to_thread(ApiProcess, mongo_uri, db_name, redis_url=redis_url),
        asyncio.to_thread(ApiProcess, mongo_uri, db_name, redis_url=redis_url),
    )
    try:
        yield a, b
    finally:
        a.stop()
        b.stop()


async def new_key(api: ApiProcess, scopes: list[str]) -> tuple[str, str]:
    manager = Client(api.base_url, token("manager", "mgr"))
    try:
        made = (await manager.execute(CREATE, {"n": "probe", "s": scopes}))["createApiKey"]
    finally:
        await manager.close()
    return made["key"], made["apiKey"]["id"]


async def as_manager(api: ApiProcess, query: str, variables: dict[str, str]) -> None:
    manager = Client(api.base_url, token("manager", "mgr"))
    try:
        await manager.execute(query, variables)
    finally:
        await manager.close()


@pytest.mark.parametrize("protocol", [MODERN, LEGACY])
async def test_expired_token_closes_its_socket_with_4401(
    api: ApiProcess, store: Store, protocol: str
) -> None:
    """A socket whose token expires is closed with 4401 at expiry, its stream with it."""
    await add_tech(store, "tech_exp", status="available")
    short = token("technician", "tech_exp", hours=2 / 3600)
    ws = await acked(api.ws_url, {"token": short}, protocol)
    await subscribe(ws, "job", "subscription { myJob { id } }", protocol)
    assert (await next_message(ws))["id"] == "job"
    assert await close_code(ws, within=10) == 4401


async def test_revoked_api_key_closes_socket_on_other_process(
    pair: tuple[ApiProcess, ApiProcess],
) -> None:
    """Revoking a key on A closes its open socket on B with 4403, and B refuses it at once."""
    a, b = pair
    key, key_id = await new_key(a, ["jobs:read"])
    ws = await acked(b.ws_url, {"apiKey": key})
    await subscribe(ws, "q", JOBS)
    assert (await next_message(ws))["type"] == "next"  # the key works on B (and is cached)
    revoked_at = time.monotonic()
    await as_manager(a, REVOKE_KEY, {"id": key_id})
    assert await close_code(ws, within=3) == 4403
    print(f"API key revoked on A -> socket on B closed: {time.monotonic() - revoked_at:.3f} s")
    integration = Client(b.base_url, key)
    try:
        assert (await integration.raw(JOBS)).status_code == 401
    finally:
        await integration.close()


@pytest.mark.parametrize("protocol", [MODERN, LEGACY])
async def test_revoked_token_ends_stream_on_other_process(
    pair: tuple[ApiProcess, ApiProcess], store: Store, protocol: str
) -> None:
    """revokeToken on A ends a phone's myJob stream on B (4403); the token is then 401."""
    a, b = pair
    await add_tech(store, "tech_rev", status="available")
    jti = uuid.uuid4().hex
    bearer = issue_token(TEST_SECRET, Role.TECHNICIAN, "tech_rev", timedelta(hours=1), token_id=jti)
    ws = await acked(b.ws_url, {"token": bearer}, protocol)
    await subscribe(ws, "job", "subscription { myJob { id } }", protocol)
    assert (await next_message(ws))["id"] == "job"
    revoked_at = time.monotonic()
    await as_manager(a, REVOKE_TOKEN, {"t": jti})
    assert await close_code(ws, within=3) == 4403
    print(f"token revoked on A -> {protocol} on B closed: {time.monotonic() - revoked_at:.3f} s")
    phone = Client(b.base_url, bearer)
    try:
        assert (await phone.raw("query { me { subject } }")).status_code == 401
    finally:
        await phone.close()


def run_cli(mongo_uri: str, db_name: str, redis_url: str | None, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEXTJOB_")}
    env.pop("REDIS_URL", None)
    env.update(MONGODB_URI=mongo_uri, NEXTJOB_DB_NAME=db_name, NEXTJOB_JWT_SECRET=TEST_SECRET)
    if redis_url:
        env["REDIS_URL"] = redis_url
    done = subprocess.run(
        [sys.executable, "-m", "api.ops.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


async def test_cli_revocations_close_sockets(
    pair: tuple[ApiProcess, ApiProcess], mongo_uri: str, db_name: str, redis_url: str
) -> None:
    """`nextjob token-revoke <token>` and `nextjob apikey revoke <id>` close sockets (4403)."""
    a, b = pair
    bearer = token("integration", "crm", scopes=("jobs:read",))
    key, key_id = await new_key(a, ["jobs:read"])
    by_token = await acked(a.ws_url, {"token": bearer})
    by_key = await acked(b.ws_url, {"apiKey": key})
    await asyncio.to_thread(run_cli, mongo_uri, db_name, redis_url, "token-revoke", bearer)
    assert await close_code(by_token, within=3) == 4403
    await asyncio.to_thread(run_cli, mongo_uri, db_name, redis_url, "apikey", "revoke", key_id)
    assert await close_code(by_key, within=3) == 4403


async def test_revocation_no_broker_reaches_ends_sockets_at_the_sweep(
    mongo_uri: str, db_name: str, store: Store
) -> None:
    """Without Redis the CLI cannot announce; the periodic re-check still closes (4403)."""
    api = await asyncio.to_thread(
        ApiProcess, mongo_uri, db_name, extra_env={"NEXTJOB_TOKEN_REVOCATION_CACHE_SECONDS": "1"}
    )
    try:
        bearer = token("integration", "crm_lone", scopes=("jobs:read",))
        ws = await acked(api.ws_url, {"token": bearer})
        await asyncio.to_thread(run_cli, mongo_uri, db_name, None, "token-revoke", bearer)
        assert await close_code(ws, within=10) == 4403
    finally:
        api.stop()


async def test_sockets_per_credential_are_capped(
    mongo_uri: str, db_name: str, store: Store
) -> None:
    """Past `max_sockets_per_principal` a credential's next socket is closed with 4429."""
    api = await asyncio.to_thread(
        ApiProcess, mongo_uri, db_name, extra_env={"NEXTJOB_MAX_SOCKETS_PER_PRINCIPAL": "3"}
    )
    try:
        bearer = token("dispatcher", "disp_cap")
        held = [await acked(api.ws_url, {"token": bearer}) for _ in range(3)]
        over = await open_socket(api.ws_url, {"token": bearer})
        assert await close_code(over, within=5) == 4429
        other = await acked(api.ws_url, {"token": token("dispatcher", "disp_other")})
        await held[0].close()
        again = await admitted_soon(api.ws_url, bearer)  # a closed socket frees its place
        for ws in [*held[1:], other, again]:
            await ws.close()
    finally:
        api.stop()


async def admitted_soon(url: str, bearer: str, attempts: int = 50) -> Any:
    """A socket acknowledged once the server has let go of a closed one (bounded retries)."""
    for _ in range(attempts):
        ws = await open_socket(url, {"token": bearer})
        try:
            assert (await next_message(ws, within=5))["type"] == "connection_ack"
            return ws
        except (AssertionError, ConnectionClosed):
            await asyncio.sleep(0.1)
    raise AssertionError("the closed socket's place was never freed")
