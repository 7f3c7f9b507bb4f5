"""Who may do what: tokens at both doors, roles on every field, techs see only their own job."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from api.persistence.store import Store
from mobile_contract import operation
from tests.conftest import BOOK, add_tech, booking_vars
from tests.gql import Client, token
from tests.servers import TEST_SECRET, ApiProcess

ME = "{ me { role subject } }"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-jwt"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {
            "Authorization": "Bearer "
            + jwt.encode(
                {"sub": "x", "role": "dispatcher", "iss": "nextjob", "exp": 4102444800}, "w" * 40
            )
        },
    ],
    ids=["missing", "garbage", "basic", "forged"],
)
def test_http_without_a_valid_token_is_401(api: ApiProcess, headers: dict[str, str]) -> None:
    """Missing, malformed or forged tokens get HTTP 401 with code UNAUTHENTICATED."""
    r = httpx.post(api.base_url + "/graphql", json={"query": ME}, headers=headers)
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert r.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_expired_token_is_401(api: ApiProcess) -> None:
    """An expired token is refused and says so."""
    past = datetime.now(UTC) - timedelta(hours=1)
    expired = jwt.encode(
        {"sub": "d", "role": "dispatcher", "iss": "nextjob", "exp": int(past.timestamp())},
        TEST_SECRET,
        algorithm="HS256",
    )
    r = httpx.post(
        api.base_url + "/graphql",
        json={"query": ME},
        headers={"Authorization": f"Bearer {expired}"},
    )
    assert r.status_code == 401
    assert r.json()["errors"][0]["message"] == "token expired"


def test_graphiql_page_needs_no_token(api: ApiProcess) -> None:
    """A browser gets the GraphiQL page without a token (queries still need one)."""
    r = httpx.get(api.base_url + "/graphql", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert "graphiql" in r.text.lower()


@pytest.mark.parametrize(
    "payload", [{}, {"Authorization": "Bearer nope"}, {"token": ""}], ids=["none", "bad", "empty"]
)
async def test_websocket_without_a_valid_token_is_closed_4401(
    api: ApiProcess, payload: dict[str, str]
) -> None:
    """A socket whose connection_init lacks a valid token is closed with 4401 and a reason."""
    async with connect(api.ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4401
    assert "token" in closed.value.rcvd.reason


async def test_legacy_socket_without_token_gets_connection_error(api: ApiProcess) -> None:
    """The legacy graphql-ws protocol answers a bad token with connection_error."""
    async with connect(api.ws_url, subprotocols=["graphql-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert msg["type"] == "connection_error"
    assert msg["payload"]["extensions"]["code"] == "UNAUTHENTICATED"


# (role, operation, variables) -> allowed?  Read the policy off this table.
MATRIX: list[tuple[str, str, bool]] = [
    ("technician", "jobs", False),
    ("technician", "technicians", False),
    ("technician", "book", False),
    ("technician", "assign", False),
    ("technician", "cancel", False),
    ("csr", "jobs", True),
    ("csr", "book", True),
    ("csr", "onDuty", False),
    ("csr", "assign", False),
    ("csr", "cancel", True),
    ("dispatcher", "assign", True),
    ("dispatcher", "onDuty", False),
    ("integration", "jobs", True),
    ("integration", "book", True),
    ("integration", "cancel", False),
    ("integration", "assign", False),
    ("manager", "assign", True),
]


async def test_role_matrix(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """Each role can call exactly the operations the table allows (FORBIDDEN otherwise)."""
    await add_tech(store, "tech_m", skills=("plumbing",), status="available")
    seed = client_for("csr", "seed")
    ops = {
        "jobs": ("{ jobs { id } }", {}),
        "technicians": ("{ technicians { id } }", {}),
        "book": (BOOK, booking_vars(skills=("hvac",))),
        "onDuty": (operation("GoOnDuty"), {}),
        "assign": (
            'mutation($j: ID!) { assignJob(jobId: $j, technicianId: "tech_m") { id } }',
            None,
        ),
        "cancel": ('mutation($j: ID!) { cancelJob(jobId: $j, reason: "dup") { id } }', None),
    }
    for role, op, allowed in MATRIX:
        query, variables = ops[op]
        if variables is None:  # needs a fresh booked job
            booked = await seed.execute(BOOK, booking_vars(skills=("hvac",)))
            variables = {"j": booked["bookJob"]["id"]}
            await store.technicians.update_one({"_id": "tech_m"}, {"$set": {"status": "available"}})
            await store.jobs.update_many(
                {"active_tech_id": "tech_m"},
                {"$set": {"status": "completed"}, "$unset": {"active_tech_id": ""}},
            )
        if role == "integration":  # an integration's token names its scopes
            client = Client(api.base_url, token(role, "acct", scopes=("jobs:read", "jobs:write")))
        else:
            client = client_for(role, "tech_m" if role == "technician" else role)
        body = (await client.raw(query, variables)).json()
        if role == "integration":
            await client.close()
        codes = [e["extensions"]["code"] for e in body.get("errors", [])]
        if allowed:
            assert "FORBIDDEN" not in codes, (role, op, body)
        else:
            assert codes == ["FORBIDDEN"], (role, op, body)


async def test_technician_sees_only_their_own_job(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """Another tech's job is NOT_FOUND to a technician; acting on it changes nothing."""
    await add_tech(store, "tech_1", status="available")
    await add_tech(store, "tech_2", status="off_duty")
    job_id = (await client_for("csr", "c").execute(BOOK, booking_vars()))["bookJob"]["id"]
    job = await store.jobs.find_one({"_id": job_id})
    assert job is not None and job["tech_id"] == "tech_1"
    other = client_for("technician", "tech_2")
    assert await other.errors("query($id: ID!) { job(id: $id) { id } }", {"id": job_id}) == [
        "NOT_FOUND"
    ]
    assert await other.errors(operation("StartTravel"), {"jobId": job_id}) == ["NOT_FOUND"]
    own = client_for("technician", "tech_1")
    data = await own.execute("query($id: ID!) { job(id: $id) { id status } }", {"id": job_id})
    assert data["job"]["status"] == "ASSIGNED"
    after = await store.jobs.find_one({"_id": job_id})
    assert after is not None and after["version"] == job["version"]


async def test_token_subject_must_be_a_known_technician(
    api: ApiProcess, client_for: Callable[[str, str], Client]
) -> None:
    """A well-signed technician token for an unknown tech gets NOT_FOUND, not a crash."""
    ghost = client_for("technician", "tech_ghost")
    assert await ghost.errors(operation("GoOnDuty")) == ["NOT_FOUND"]
    assert await ghost.errors("{ me { technician { id } } }") == ["NOT_FOUND"]


def test_subscribing_needs_the_technician_role(api: ApiProcess) -> None:
    """A dispatcher's socket cannot subscribe to myJob (FORBIDDEN, socket stays usable)."""

    async def go() -> dict[str, object]:
        async with connect(api.ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            init = {"Authorization": f"Bearer {token('dispatcher', 'd')}"}
            await ws.send(json.dumps({"type": "connection_init", "payload": init}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            sub = {"query": operation("MyJob")}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": sub}))
            while True:
                msg: dict[str, object] = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if msg["type"] != "ping":
                    return msg

    msg = asyncio.run(go())
    assert msg["type"] in ("next", "error")
    payload = msg["payload"]
    errors = payload["errors"] if isinstance(payload, dict) else payload
    assert isinstance(errors, list)
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
