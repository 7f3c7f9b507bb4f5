"""Hostile input: hypothesis-generated variables for every role, query bombs, operator-looking
strings, forged tokens and misbehaving WebSockets. No 5xx, no trace, nothing written."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pymongo
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from api.access.tokens import issue_token
from api.core.domain import Role
from api.persistence.store import Store
from tests.conftest import BOOK, add_tech, booking_vars
from tests.gql import Client, token
from tests.servers import ApiProcess

pytestmark = pytest.mark.slow

ROLES = ["technician", "csr", "dispatcher", "manager", "integration", "anonymous"]
OPERATIONS = {
    "bookJob": BOOK,
    "completeJob": "mutation($j: ID!, $s: Float!) { completeJob(jobId: $j, soldAmount: $s) {id} }",
    "reportLocation": "mutation($a: Float!, $o: Float!) { reportLocation(lat: $a, lon: $o) {id} }",
    "vent": "mutation($t: String!) { vent(text: $t) { id } }",
    "startTravel": "mutation($j: ID!) { startTravel(jobId: $j) { id } }",
    "declineJob": "mutation($j: ID!, $r: String!) { declineJob(jobId: $j, reason: $r) { id } }",
    "assignJob": "mutation($j: ID!, $t: ID!) { assignJob(jobId: $j, technicianId: $t) { id } }",
    "cancelJob": "mutation($j: ID!, $r: String!) { cancelJob(jobId: $j, reason: $r) { id } }",
    "job": "query($j: ID!) { job(id: $j) { id status customer { name } } }",
}
COUNTED = ("jobs", "events", "customers", "alerts", "messages")

operator_text = st.sampled_from(['{"$gt": ""}', "$where", "'; sleep(5000)", "$ne", "a.b$c"])
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=300),
    operator_text,
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=8), st.just("$gt")), inner, max_size=4),
    ),
    max_leaves=12,
)


def variables_for(name: str) -> st.SearchStrategy[dict[str, Any]]:
    """Shaped like the operation's variables, filled with anything."""
    if name == "bookJob":
        base = booking_vars()["input"]
        return st.fixed_dictionaries(
            {
                "input": st.fixed_dictionaries(
                    {k: st.one_of(st.just(v), json_values) for k, v in base.items()}
                )
            }
        )
    keys = {"completeJob": "js", "reportLocation": "ao", "vent": "t", "startTravel": "j"}
    keys |= {"declineJob": "jr", "assignJob": "jt", "cancelJob": "jr", "job": "j"}
    return st.fixed_dictionaries({k: json_values for k in keys[name]})


def counts(db: Any) -> tuple[int, ...]:
    return tuple(db[c].count_documents({}) for c in COUNTED)


def check(response: httpx.Response) -> dict[str, Any]:
    """The server answered sanely: no 5xx, no trace, a code on every error."""
    assert response.status_code < 500, response.text
    assert "Traceback" not in response.text and 'File "' not in response.text
    body: dict[str, Any] = response.json()
    for error in body.get("errors") or []:
        assert (error.get("extensions") or {}).get("code"), error
    return body


@pytest.fixture
def fuzz_api(mongo_uri: str, db_name: str, store: Store) -> Iterator[ApiProcess]:
    proc = ApiProcess(mongo_uri, db_name, extra_env={"NEXTJOB_RATE_LIMIT_PER_MINUTE": "0"})
    try:
        yield proc
    finally:
        proc.stop()


async def test_generated_inputs_never_break_the_server(
    fuzz_api: ApiProcess, store: Store, mongo_uri: str, db_name: str
) -> None:
    """Every operation and role, generated variables: no 5xx, coded errors, rejected input
    writes nothing."""
    await add_tech(store, "tech_fz")
    bearers = {r: token(r, "tech_fz" if r == "technician" else "fz") for r in ROLES[:-1]}
    await asyncio.to_thread(_fuzz_all, fuzz_api.base_url, bearers, mongo_uri, db_name)


def _fuzz_all(base_url: str, bearers: dict[str, str], mongo_uri: str, db_name: str) -> None:
    with (
        httpx.Client(base_url=base_url, timeout=30) as http,
        pymongo.MongoClient(mongo_uri) as mongo,
    ):
        for name in sorted(OPERATIONS):
            _property(name, http, mongo[db_name], bearers)()


def _property(name: str, http: httpx.Client, db: Any, bearers: dict[str, str]) -> Any:
    @settings(
        max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
    )
    @given(role=st.sampled_from(ROLES), variables=variables_for(name))
    def property_(role: str, variables: dict[str, Any]) -> None:
        headers = {"Content-Type": "application/json"}
        if role in bearers:
            headers["Authorization"] = f"Bearer {bearers[role]}"
        before = counts(db)
        payload = json.dumps({"query": OPERATIONS[name], "variables": variables})
        body = check(http.post("/graphql", content=payload, headers=headers))
        if body.get("errors") and not (body.get("data") or {}).get(name):
            assert counts(db) == before, (name, role, variables, body)

    return property_


BOMBS = {
    "deep": "{ me { " + "technician { " * 40 + "id" + " }" * 40 + " } }",
    "wide": "{ me { " + "role " * 3000 + "} }",
    "aliased": "{ " + " ".join(f"a{i}: me {{ role }}" for i in range(500)) + " }",
    "cyclic": "query { ...A } fragment A on Query { me { role } ...B } "
    "fragment B on Query { ...A }",
}


async def test_query_bombs_are_rejected_cheaply(fuzz_api: ApiProcess) -> None:
    """Deep, wide, aliased, cyclic-fragment and batched documents are refused, not run."""
    csr = Client(fuzz_api.base_url, token("csr", "bomber"))
    try:
        for kind, document in BOMBS.items():
            started = time.monotonic()
            body = check(await csr.raw(document))
            assert body.get("errors") and not body.get("data"), kind
            assert time.monotonic() - started < 5, kind  # generous: refusals cost milliseconds
        batch = [{"query": "{ me { role } }"}] * 200
        response = await csr.http.post("/graphql", json=batch)
        assert 400 <= response.status_code < 500 and "Traceback" not in response.text
    finally:
        await csr.close()


async def test_operator_looking_strings_are_data(fuzz_api: ApiProcess, store: Store) -> None:
    """{"$gt": ""} and $where as names, problems and ids are stored or looked up verbatim."""
    csr = Client(fuzz_api.base_url, token("csr", "csr_op"))
    try:
        vars_ = booking_vars(name='{"$gt": ""}', problem="$where: function() { sleep(1000) }")
        job_id = (await csr.execute(BOOK, vars_))["bookJob"]["id"]
        doc = await store.jobs.find_one({"_id": job_id})
        assert doc is not None and doc["customer"]["name"] == '{"$gt": ""}'
        assert doc["problem"] == "$where: function() { sleep(1000) }"
        assert await csr.errors(OPERATIONS["job"], {"j": '{"$gt": ""}'}) == ["NOT_FOUND"]
        assert await csr.errors(OPERATIONS["job"], {"j": {"$gt": ""}}) == ["BAD_USER_INPUT"]
    finally:
        await csr.close()


async def test_forged_and_expired_tokens_are_401(fuzz_api: ApiProcess) -> None:
    """A token signed with another secret, an expired one and alg=none all get 401."""
    forged = issue_token("another-secret-" + "y" * 40, Role.MANAGER, "mallory", timedelta(hours=1))
    expired = token("manager", "late", hours=-1)
    none_alg = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJtIiwicm9sZSI6Im1hbmFnZXIifQ."
    for bearer in (forged, expired, none_alg):
        client = Client(fuzz_api.base_url, bearer)
        response = await client.raw("{ me { role } }")
        await client.close()
        assert response.status_code == 401
        assert check(response)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_misbehaving_websockets_are_closed_with_the_right_code(
    fuzz_api: ApiProcess, store: Store
) -> None:
    """No connection_init: 4408 after the init timeout; an oversized message: 1009."""
    await add_tech(store, "tech_ws")

    async def close_code(*messages: str, within: float) -> int | None:
        async with connect(
            fuzz_api.ws_url, subprotocols=[Subprotocol("graphql-transport-ws")]
        ) as ws:
            try:
                # The server may close while an oversized message is still being sent.
                for m in messages:
                    await ws.send(m)
                while True:
                    await asyncio.wait_for(ws.recv(), within)
            except ConnectionClosed:
                pass
            return ws.close_code

    silent, oversized = await asyncio.gather(
        close_code(within=30),
        close_code("x" * (2 * 1024 * 1024), within=30),
    )
    assert silent == 4408
    assert oversized == 1009
