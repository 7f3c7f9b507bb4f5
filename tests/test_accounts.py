"""Managers' account operations over GraphQL, against real API processes and Redis."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis

from api.access.passwords import check_strength, common_passwords
from api.core.domain import Role
from api.core.errors import InvalidInput
from api.persistence.store import Store
from tests.conftest import add_tech
from tests.gql import Client, GraphQLError
from tests.servers import ROOT, ApiProcess
from tests.test_sessions import PASSWORD, app_sign_in, make_account, me

FIELDS = "id login displayName role active mustChangePassword version technicianId"
CREATE = f"""
mutation($input: CreateAccountInput!) {{
  createAccount(input: $input) {{ temporaryPassword account {{ {FIELDS} }} }}
}}"""
UPDATE = f"""
mutation($id: ID!, $v: Int!, $name: String, $role: Role) {{
  updateAccount(id: $id, version: $v, displayName: $name, role: $role) {{ {FIELDS} }}
}}"""
LIST = f"{{ accounts {{ {FIELDS} }} }}"


@pytest.fixture
async def manager(api: ApiProcess, store: Store) -> AsyncIterator[Client]:
    """A signed-in manager's GraphQL client (a real session, not a minted token)."""
    await make_account(store, "boss", Role.MANAGER)
    async with httpx.AsyncClient(base_url=api.base_url) as http:
        access = (await app_sign_in(http, "boss")).json()["accessToken"]
    client = Client(api.base_url, access)
    yield client
    await client.close()


def new_account(login: str, role: str = "DISPATCHER", **extra: Any) -> dict[str, Any]:
    return {"input": {"login": login, "displayName": login.title(), "role": role, **extra}}


async def test_manager_creates_an_account_with_a_temporary_password(
    manager: Client, api: ApiProcess, store: Store
) -> None:
    """The new person signs in with the temporary password and must change it; logged."""
    made = (await manager.execute(CREATE, new_account("dee@example.com")))["createAccount"]
    account = made["account"]
    assert account["mustChangePassword"] is True
    assert account["role"] == "DISPATCHER"
    assert len(made["temporaryPassword"]) >= 10
    async with httpx.AsyncClient(base_url=api.base_url) as http:
        tokens = (await app_sign_in(http, "DEE@example.com", made["temporaryPassword"])).json()
    assert tokens["mustChangePassword"] is True
    listed = (await manager.execute(LIST))["accounts"]
    assert [a["login"] for a in listed] == ["boss", "dee@example.com"]
    event = await store.events.find_one({"entity_id": account["id"]})
    assert event is not None
    assert event["type"] == "account.created"
    assert event["actor"]["role"] == "manager"
    stored = await store.db["accounts"].find_one({"_id": account["id"]})
    assert stored is not None
    assert stored["password_hash"].startswith("$argon2id$")


async def test_bad_accounts_are_refused_with_codes(manager: Client, store: Store) -> None:
    """Duplicate names (any case), weak passwords, bad roles and unknown techs: clear codes."""
    await manager.execute(CREATE, new_account("taken"))
    cases = [
        (new_account("TAKEN"), "CONFLICT"),
        (new_account("weak", temporaryPassword="password123"), "BAD_USER_INPUT"),
        (new_account("short", temporaryPassword="abc"), "BAD_USER_INPUT"),
        (new_account("x"), "BAD_USER_INPUT"),
        (new_account("bot", "INTEGRATION"), "BAD_USER_INPUT"),
        (new_account("ghost", "TECHNICIAN", technicianId="tech_nope"), "BAD_USER_INPUT"),
    ]
    for variables, code in cases:
        assert await manager.errors(CREATE, variables) == [code], variables
    await add_tech(store, "tech_77")
    tech = new_account("van77", "TECHNICIAN", technicianId="tech_77")
    made = (await manager.execute(CREATE, tech))["createAccount"]["account"]
    assert made["technicianId"] == "tech_77"
    again = new_account("van77b", "TECHNICIAN", technicianId="tech_77")
    assert await manager.errors(CREATE, again) == ["CONFLICT"]


async def test_updates_are_versioned_and_a_new_role_signs_out(
    manager: Client, api: ApiProcess, store: Store
) -> None:
    """A stale version is CONFLICT; a role change ends the person's sessions."""
    doc = await make_account(store, "csr-to-be", Role.CSR)
    async with httpx.AsyncClient(base_url=api.base_url) as http:
        tokens = (await app_sign_in(http, "csr-to-be")).json()
        renamed = await manager.execute(UPDATE, {"id": doc["_id"], "v": 1, "name": "Casey"})
        assert renamed["updateAccount"]["version"] == 2
        assert (await me(http, tokens["accessToken"])).status_code == 200
        stale = {"id": doc["_id"], "v": 1, "role": "DISPATCHER"}
        assert await manager.errors(UPDATE, stale) == ["CONFLICT"]
        promoted = await manager.execute(UPDATE, {**stale, "v": 2})
        assert promoted["updateAccount"]["role"] == "DISPATCHER"
        assert (await me(http, tokens["accessToken"])).status_code == 401
    types = [e["type"] async for e in store.events.find({"entity_id": doc["_id"]}).sort("at", 1)]
    assert types == ["account.created", "account.updated", "account.updated"]


async def test_a_manager_cannot_lock_themselves_out(manager: Client, store: Store) -> None:
    """Deactivating or demoting one's own account is refused."""
    boss = await store.db["accounts"].find_one({"login_key": "boss"})
    assert boss is not None
    with pytest.raises(GraphQLError) as refused:
        await manager.execute(
            "mutation($id: ID!) { deactivateAccount(id: $id) { id } }", {"id": boss["_id"]}
        )
    assert refused.value.codes == ["CONFLICT"]
    demote = {"id": boss["_id"], "v": boss["version"], "role": "CSR"}
    assert await manager.errors(UPDATE, demote) == ["CONFLICT"]


async def test_revocation_is_announced_and_reaches_other_processes(
    mongo_uri: str, db_name: str, store: Store, redis_url: str
) -> None:
    """A manager on one process revokes a session used on another: the credential event is
    published, and the other process refuses the token within about a second."""
    a, b = await asyncio.gather(
        asyncio.to_thread(ApiProcess, mongo_uri, db_name, redis_url=redis_url),
        asyncio.to_thread(ApiProcess, mongo_uri, db_name, redis_url=redis_url),
    )
    listener = aioredis.Redis.from_url(redis_url)
    pubsub = listener.pubsub()
    try:
        await make_account(store, "boss", Role.MANAGER)
        person = await make_account(store, "roaming")
        await pubsub.subscribe("credentials")
        async with httpx.AsyncClient(base_url=a.base_url) as on_a:
            boss = (await app_sign_in(on_a, "boss")).json()["accessToken"]
            roaming = (await app_sign_in(on_a, "roaming")).json()
            assert (await me(on_a, roaming["accessToken"])).status_code == 200
            mgr = Client(b.base_url, boss)
            revoke = "mutation($id: ID!) { revokeAccountSessions(id: $id) { active } }"
            assert (await mgr.execute(revoke, {"id": person["_id"]}))["revokeAccountSessions"]
            await mgr.close()
            event = await _next_credential(pubsub)
            assert event["id"].startswith("session:ses_")
            assert event["kind"] == "credential"
            assert await _refused_within(on_a, roaming["accessToken"], 3.0)
            stay = await app_sign_in(on_a, "roaming", PASSWORD)  # still active: may sign in
            assert stay.status_code == 200
    finally:
        await pubsub.aclose()
        await listener.aclose()
        for proc in (a, b):
            proc.stop()


async def _next_credential(pubsub: Any) -> dict[str, Any]:
    async def read() -> dict[str, Any]:
        while True:
            msg = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if msg is not None:
                data: dict[str, Any] = json.loads(msg["data"])
                return data

    return await asyncio.wait_for(read(), 10)


async def _refused_within(http: httpx.AsyncClient, access: str, seconds: float) -> bool:
    """Ask until the token is refused (the other process caches session checks ~1 s)."""
    for _ in range(int(seconds * 10)):
        if (await me(http, access)).status_code == 401:
            return True
        await asyncio.sleep(0.1)
    return False


def test_weak_passwords_are_refused_offline() -> None:
    """Short, common (any case) and name-containing passwords are refused; others pass."""
    assert len(common_passwords()) > 3000
    for weak in ("short1!", "Password123!", "QWERTYUIOP1", "aaaaaaaaaaaa", "dana-dispatcher-77"):
        with pytest.raises(InvalidInput):
            check_strength(weak, login="dana")
    check_strength("a quiet walnut harbour", login="dana")


async def test_create_manager_reads_the_password_from_stdin(
    mongo_uri: str, db_name: str, store: Store
) -> None:
    """`nextjob create-manager` takes the password on stdin (never argv) and refuses a weak one."""
    env = {**os.environ, "MONGODB_URI": mongo_uri, "NEXTJOB_DB_NAME": db_name}
    command = [
        sys.executable,
        "-m",
        "api.ops.cli",
        "create-manager",
        "--login",
        "Owner@Shop.example",
    ]

    def run(password: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command, input=password + "\n", env=env, cwd=ROOT, capture_output=True, text=True
        )

    weak = await asyncio.to_thread(run, "password")
    assert weak.returncode == 1
    assert "at least 10" in weak.stderr
    made = await asyncio.to_thread(run, "owner runs the whole shop")
    assert made.returncode == 0, made.stderr
    doc = await store.db["accounts"].find_one({"login_key": "owner@shop.example"})
    assert doc is not None
    assert doc["role"] == "manager"
    assert doc["must_change_password"] is False
    assert doc["password_hash"].startswith("$argon2id$")
