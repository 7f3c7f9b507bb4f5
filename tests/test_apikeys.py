"""API keys: a manager makes them, they are shown once, stored hashed, scoped, revocable."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Callable

import httpx

from api.persistence.store import Store
from tests.conftest import BOOK, booking_vars
from tests.gql import Client
from tests.servers import ROOT, ApiProcess

CREATE = """
mutation($n: String!, $s: [String!]!) {
  createApiKey(name: $n, scopes: $s) { key apiKey { id prefix scopes createdBy revokedAt } }
}
"""
REVOKE = "mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }"
JOBS = "{ jobsConnection(first: 5) { edges { node { id } } } }"


async def _post(url: str, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient() as http:
        return await http.post(url, json={"query": JOBS}, headers=headers)


async def test_key_is_shown_once_and_stored_hashed(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """The secret comes back once; the database keeps only its sha256 and the prefix."""
    manager = client_for("manager", "boss")
    made = (await manager.execute(CREATE, {"n": "call centre", "s": ["jobs:read"]}))["createApiKey"]
    key, record = made["key"], made["apiKey"]
    assert key.startswith(f"njk_{record['prefix']}_")
    assert record["createdBy"] == "boss" and record["scopes"] == ["jobs:read"]
    doc = await store.db["api_keys"].find_one({"_id": record["id"]})
    assert doc is not None and doc["hash"] == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(doc)
    listed = await manager.execute("{ apiKeys { id name scopes } }")
    assert listed["apiKeys"] == [
        {"id": record["id"], "name": "call centre", "scopes": ["jobs:read"]}
    ]
    assert key not in str(listed)


async def test_key_authenticates_with_bearer_or_header_within_its_scopes(
    api: ApiProcess, client_for: Callable[[str, str], Client]
) -> None:
    """A key works as `Bearer njk_...` or `X-API-Key`; outside its scopes it is FORBIDDEN."""
    manager = client_for("manager", "boss")
    key = (await manager.execute(CREATE, {"n": "reader", "s": ["jobs:read"]}))["createApiKey"][
        "key"
    ]
    reader = Client(api.base_url, key)
    try:
        me = await reader.execute("{ me { role subject } }")
        assert me["me"]["role"] == "INTEGRATION" and me["me"]["subject"].startswith("key_")
        await reader.execute(JOBS)
        assert await reader.errors(BOOK, booking_vars()) == ["FORBIDDEN"]
        assert await reader.errors("{ technicians { id } }") == ["FORBIDDEN"]
    finally:
        await reader.close()
    r = await _post(api.base_url + "/graphql", {"X-API-Key": key})
    assert r.status_code == 200 and "errors" not in r.json()


async def test_revoked_or_forged_key_is_401(
    api: ApiProcess, client_for: Callable[[str, str], Client]
) -> None:
    """After revocation (or with a guessed secret) the key gets HTTP 401."""
    manager = client_for("manager", "boss")
    made = (await manager.execute(CREATE, {"n": "temp", "s": ["jobs:read"]}))["createApiKey"]
    key, key_id = made["key"], made["apiKey"]["id"]
    url = api.base_url + "/graphql"
    assert (await _post(url, {"X-API-Key": key})).status_code == 200
    forged = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    assert (await _post(url, {"X-API-Key": forged})).status_code == 401
    revoked = await manager.execute(REVOKE, {"id": key_id})
    assert revoked["revokeApiKey"]["revokedAt"]
    r = await _post(url, {"Authorization": f"Bearer {key}"})
    assert r.status_code == 401
    assert r.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await manager.execute("{ apiKeys { id } }"))["apiKeys"] == []


async def test_only_managers_manage_keys_and_scopes_are_checked(
    api: ApiProcess, client_for: Callable[[str, str], Client]
) -> None:
    """Dispatchers cannot create keys; an unknown scope is BAD_USER_INPUT."""
    dispatcher = client_for("dispatcher", "d")
    assert await dispatcher.errors(CREATE, {"n": "x", "s": ["jobs:read"]}) == ["FORBIDDEN"]
    manager = client_for("manager", "boss")
    assert await manager.errors(CREATE, {"n": "x", "s": ["jobs:delete"]}) == ["BAD_USER_INPUT"]


def test_cli_creates_lists_and_revokes(mongo_uri: str, db_name: str, store: Store) -> None:
    """`nextjob apikey create/list/revoke` work against the configured database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEXTJOB_")}
    env.update(MONGODB_URI=mongo_uri, NEXTJOB_DB_NAME=db_name)

    def cli(*args: str) -> str:
        run = subprocess.run(
            [sys.executable, "-m", "api.ops.cli", "apikey", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return run.stdout

    out = cli("create", "--name", "erp", "--scopes", "jobs:read,kpis:read")
    key_id = out.split("id:")[1].split()[0]
    assert "njk_" in out and "jobs:read,kpis:read" in out
    assert key_id in cli("list")
    assert "revoked" in cli("revoke", key_id)
    assert key_id not in cli("list")
    assert "revoked" in cli("list", "--all")
