"""Persisted documents: APQ for integrators, trusted documents for the phone (HTTP and WS)."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from api.persistence.store import Store
from mobile_contract import manifest, operation
from tests.conftest import add_tech
from tests.gql import token
from tests.servers import ApiProcess

ME = "query Me2 { me { role subject } }"


def _post(api: ApiProcess, body: dict[str, Any], role: str = "dispatcher", sub: str = "d") -> Any:
    headers = {"Authorization": f"Bearer {token(role, sub)}"}
    return httpx.post(api.base_url + "/graphql", json=body, headers=headers).json()


def _apq(query: str) -> dict[str, Any]:
    digest = hashlib.sha256(query.encode()).hexdigest()
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


def test_apq_hash_miss_then_register_then_hit(api: ApiProcess) -> None:
    """Unknown hash: PERSISTED_QUERY_NOT_FOUND; resent with the query it runs and sticks."""
    ext = _apq(ME)
    miss = _post(api, {"extensions": ext})
    assert miss["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert _post(api, {"query": ME, "extensions": ext})["data"]["me"]["role"] == "DISPATCHER"
    assert _post(api, {"extensions": ext})["data"]["me"]["subject"] == "d"
    get = httpx.get(
        api.base_url + "/graphql",
        params={"extensions": json.dumps(ext)},
        headers={"Authorization": f"Bearer {token('csr', 'c')}"},
    )
    assert get.json()["data"]["me"]["role"] == "CSR"


def test_apq_hash_must_match_the_query(api: ApiProcess) -> None:
    """A query registered under someone else's hash is refused."""
    body = {"query": "{ me { role } }", "extensions": _apq(ME)}
    assert _post(api, body)["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_apq_is_shared_between_processes_through_redis(
    mongo_uri: str, db_name: str, store: Store, redis_url: str
) -> None:
    """Registered on one API process, a hash runs on another (Redis-backed cache)."""
    procs = [ApiProcess(mongo_uri, db_name, redis_url=redis_url) for _ in range(2)]
    try:
        query = "query Shared { me { subject } }"
        _post(procs[0], {"query": query, "extensions": _apq(query)})
        assert _post(procs[1], {"extensions": _apq(query)})["data"]["me"]["subject"] == "d"
    finally:
        for p in procs:
            p.stop()


async def test_phone_sends_only_the_hash_over_http(api: ApiProcess, store: Store) -> None:
    """A trusted documentId from the manifest runs the phone's operation."""
    await add_tech(store, "tech_pq")
    body = {"documentId": f"sha256:{manifest()['Me']}"}
    data = _post(api, body, "technician", "tech_pq")["data"]
    assert data["me"]["subject"] == "tech_pq"
    unknown = _post(api, {"documentId": "sha256:" + "0" * 64})
    assert unknown["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_phone_subscribes_with_only_the_hash_over_websocket(
    api: ApiProcess, store: Store
) -> None:
    """graphql-transport-ws subscribe with documentId (no query) streams myJob."""
    await add_tech(store, "tech_ws")
    async with connect(api.ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        init = {"Authorization": f"Bearer {token('technician', 'tech_ws')}"}
        await ws.send(json.dumps({"type": "connection_init", "payload": init}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        payload = {"documentId": f"sha256:{manifest()['MyJob']}"}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert msg["type"] == "next", msg
        assert msg["payload"]["data"] == {"myJob": None}
        apq = {"extensions": _apq("subscription Nope { myJob { id } }")}
        await ws.send(json.dumps({"id": "2", "type": "subscribe", "payload": apq}))
        err = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert err["type"] == "error" and err["id"] == "2"
        assert err["payload"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


@pytest.fixture
def strict_api(mongo_uri: str, db_name: str, store: Store) -> Iterator[ApiProcess]:
    env = {"NEXTJOB_TECH_TRUSTED_DOCUMENTS_ONLY": "true"}
    proc = ApiProcess(mongo_uri, db_name, extra_env=env)
    try:
        yield proc
    finally:
        proc.stop()


async def test_technicians_can_be_held_to_the_manifest(
    strict_api: ApiProcess, store: Store
) -> None:
    """With trusted-only on, a tech's ad-hoc query is refused; manifest documents run."""
    await add_tech(store, "tech_strict")
    adhoc = _post(strict_api, {"query": ME}, "technician", "tech_strict")
    assert adhoc["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_REQUIRED"
    by_id = {"documentId": f"sha256:{manifest()['Me']}"}
    assert _post(strict_api, by_id, "technician", "tech_strict")["data"]["me"]
    same_text = {"query": operation("Me")}
    assert _post(strict_api, same_text, "technician", "tech_strict")["data"]["me"]
    assert _post(strict_api, {"query": ME})["data"]["me"]["role"] == "DISPATCHER"
