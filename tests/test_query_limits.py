"""Query limits hold against hostile documents, and checking them costs linear work.

Against a real API process: fragment bombs (each fragment spreading the next twice)
answer QUERY_TOO_COMPLEX without blocking the server, page sizes taken from variable
defaults are costed, aliased introspection is refused, and the document and its
variables are bounded before any work starts.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from graphql import get_introspection_query
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from tests.gql import token
from tests.servers import ApiProcess

GQL_JSON = "application/graphql-response+json"
PAGE = "edges { node { id requiredSkills technician { id } } }"


def doubling(levels: int, leaf: str = "me { role }", on: str = "Query") -> str:
    """A document whose fragments each spread the next one twice: 2^levels leaves."""
    parts = ["query Bomb { ...F0 }"]
    parts += [f"fragment F{i} on {on} {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    parts.append(f"fragment F{levels} on {on} {{ {leaf} }}")
    return "\n".join(parts)


def _headers(role: str = "technician", subject: str = "tech_limits") -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, subject)}", "Accept": GQL_JSON}


async def _post(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, **kw: Any
) -> httpx.Response:
    body: dict[str, Any] = {"query": query, "variables": variables or {}, **kw}
    return await http.post("/graphql", json=body, headers=_headers())


def _code(response: httpx.Response) -> str:
    errors = response.json()["errors"]
    code: str = errors[0]["extensions"]["code"]
    return code


async def test_fragment_bombs_are_refused_while_the_server_keeps_answering(
    api: ApiProcess,
) -> None:
    """2^25 and 2^150 expansions answer QUERY_TOO_COMPLEX; /healthz answers meanwhile."""
    bombs = [
        doubling(25),  # under the nesting cap: refused by its cost (2^25 fields)
        doubling(150),  # fits in 2,000 tokens: refused by its nesting
        doubling(25, leaf="a: me { role } b: me { role }"),  # aliases multiply too
        doubling(20, leaf="__typename"),
    ]
    async with httpx.AsyncClient(base_url=api.base_url, timeout=60) as http:
        answers = await asyncio.gather(
            *(_post(http, bomb) for bomb in bombs * 3),
            *(http.get("/healthz") for _ in range(12)),
        )
    refusals, health = answers[: len(bombs) * 3], answers[len(bombs) * 3 :]
    for response in refusals:
        assert response.status_code == 400, response.text
        assert "data" not in response.json()
        assert _code(response) == "QUERY_TOO_COMPLEX", response.text
    assert [r.status_code for r in health] == [200] * 12


async def test_shape_limits_hold_through_fragments(api: ApiProcess) -> None:
    """Depth, aliases, same-named field pairs and cycles are counted as expanded."""
    deep = "{ me { " + "technician { " * 10 + "id" + " }" * 10 + " } }"
    nested_frags = (
        "query { me { ...A } } fragment A on Me { technician { ...B } } "
        "fragment B on Technician { id " + "name " * 3 + "}"
    )
    aliased = "query { ...X ...Y } " + " ".join(
        f"fragment {f} on Query {{ " + " ".join(f"{f}{i}: me {{ role }}" for i in range(20)) + " }"
        for f in ("X", "Y")
    )
    side_by_side = "{ " + " ".join("me { role }" for _ in range(300)) + " }"
    spread_side_by_side = (
        "query { "
        + " ".join(f"...F{i}" for i in range(150))
        + " } "
        + " ".join(f"fragment F{i} on Query {{ me {{ role }} }}" for i in range(150))
    )
    technician = " ".join(
        f"fragment T{i} on Technician {{ id name status skills }}" for i in range(80)
    )
    nested_pairs = (
        "query { "
        + " ".join(
            'job(id: "x") { '
            + " ".join(f"technician {{ ...T{(j * 4 + m) % 80} }}" for m in range(4))
            + " }"
            for j in range(20)
        )
        + " } "
        + technician
    )
    cycle = "query { ...A } fragment A on Query { me { role } ...B } fragment B on Query { ...A }"
    async with httpx.AsyncClient(base_url=api.base_url, timeout=30) as http:
        assert _code(await _post(http, deep)) == "QUERY_TOO_COMPLEX"
        assert _code(await _post(http, aliased)) == "QUERY_TOO_COMPLEX"
        for merging in (side_by_side, spread_side_by_side, nested_pairs):
            assert _code(await _post(http, merging)) == "QUERY_TOO_COMPLEX"
        assert _code(await _post(http, cycle)) == "GRAPHQL_VALIDATION_FAILED"
        unknown = await _post(http, "{ ...Nope }")
        assert unknown.status_code == 400
        assert _code(unknown) == "GRAPHQL_VALIDATION_FAILED"
        ran = await _post(http, nested_frags)  # within the limits: it executes
        assert ran.status_code == 200 and "data" in ran.json(), ran.text


async def test_page_sizes_from_variables_and_defaults_are_costed(api: ApiProcess) -> None:
    """`first: $n` costs the variable's value, else its default, not the default page."""
    pages = " ".join(f"a{i}: jobsConnection(first: $n) {{ {PAGE} }}" for i in range(10))
    with_default = f"query Pages($n: Int = 500) {{ {pages} }}"
    without_default = f"query Pages($n: Int) {{ {pages} }}"
    headers = _headers("dispatcher", "d")
    async with httpx.AsyncClient(base_url=api.base_url, timeout=30, headers=headers) as http:
        refused = await http.post("/graphql", json={"query": with_default})
        assert _code(refused) == "QUERY_TOO_COMPLEX", refused.text
        assert refused.json()["errors"][0]["extensions"]["cost"] > 20_000
        small = await http.post("/graphql", json={"query": with_default, "variables": {"n": 5}})
        assert small.status_code == 200 and "errors" not in small.json(), small.text
        given = {"query": without_default, "variables": {"n": 500}}
        assert _code(await http.post("/graphql", json=given)) == "QUERY_TOO_COMPLEX"
        unset = await http.post("/graphql", json={"query": without_default})
        assert unset.status_code == 200 and "errors" not in unset.json(), unset.text


async def test_introspection_is_capped_per_document(api: ApiProcess) -> None:
    """20 aliased __schema fields and nested introspection lists are refused; GraphiQL's
    introspection query still runs."""
    aliased = "{ " + " ".join(f"s{i}: __schema {{ types {{ name }} }}" for i in range(20)) + " }"
    via_fragments = (
        "query { ...I ...J ...K } fragment I on Query { __schema { queryType { name } } } "
        'fragment J on Query { __type(name: "Job") { name } } '
        'fragment K on Query { t: __type(name: "Query") { name } }'
    )
    async with httpx.AsyncClient(base_url=api.base_url, timeout=30) as http:
        assert _code(await _post(http, aliased)) == "QUERY_TOO_COMPLEX"
        assert _code(await _post(http, via_fragments)) == "QUERY_TOO_COMPLEX"
        nested = (
            "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"
        )
        assert _code(await _post(http, nested)) == "QUERY_TOO_COMPLEX"
        full = await _post(http, get_introspection_query(descriptions=True))
        assert full.status_code == 200, full.text[:500]
        assert full.json()["data"]["__schema"]["queryType"]["name"] == "Query"
        assert (await _post(http, "{ __typename }")).json()["data"] == {"__typename": "Query"}


async def test_documents_and_variables_are_bounded_before_work(api: ApiProcess) -> None:
    """Oversized documents, deep or invalid-Unicode variables get 4xx codes, not 500s."""
    huge_comment = "# " + "x" * 100_000 + "\n{ me { role } }"
    deep: Any = "leaf"
    for _ in range(40):
        deep = {"k": deep}
    async with httpx.AsyncClient(base_url=api.base_url, timeout=30) as http:
        big = await _post(http, huge_comment)
        assert big.status_code == 400 and _code(big) == "QUERY_TOO_COMPLEX", big.text
        nested = await _post(http, "query($x: String) { me { role } }", {"x": deep})
        assert nested.status_code == 400 and _code(nested) == "BAD_USER_INPUT", nested.text
        raw = b'{"query": "query($j: ID!) { job(id: $j) { id } }", "variables": {"j": "\\ud800"}}'
        surrogate = await http.post(
            "/graphql",
            content=raw,
            headers={**_headers(), "Content-Type": "application/json"},
        )
        assert surrogate.status_code == 400 and _code(surrogate) == "BAD_USER_INPUT"


async def test_bombs_over_websocket_are_refused(api: ApiProcess) -> None:
    """On graphql-transport-ws, bombs get an error message with the code; the socket lives."""
    bombs = [doubling(25), doubling(150), "{ " + " ".join("me { role }" for _ in range(300)) + " }"]
    async with connect(api.ws_url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
        init = {"type": "connection_init", "payload": {"token": token("dispatcher", "d")}}
        await ws.send(json.dumps(init))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        for i, bomb in enumerate(bombs):
            subscribe = {"id": str(i), "type": "subscribe", "payload": {"query": bomb}}
            await ws.send(json.dumps(subscribe))
            reply = json.loads(await asyncio.wait_for(ws.recv(), 20))
            assert reply["type"] == "error", reply
            assert reply["payload"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
        alive = {"id": "ok", "type": "subscribe", "payload": {"query": "{ me { role } }"}}
        await ws.send(json.dumps(alive))
        reply = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert reply["type"] == "next" and reply["payload"]["data"]["me"]["role"] == "DISPATCHER"
