"""Size limits at the door and malformed requests, against a real API process.

Bodies over NEXTJOB_MAX_BODY_BYTES answer 413 (declared or streamed), headers over
NEXTJOB_MAX_HEADER_BYTES 431, WebSocket messages over NEXTJOB_MAX_WS_MESSAGE_BYTES
close with 1009; bodies that are not a JSON object, not UTF-8 or nested too deep get
a 400 with a code, never a 500; APQ keeps only documents that parse and validate.
"""

from __future__ import annotations

import hashlib
import json
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from api.persistence.store import Store
from tests.gql import token
from tests.servers import ApiProcess

LIMIT = 64 * 1024
GQL_JSON = "application/graphql-response+json"
LIMITS_ENV = {
    "NEXTJOB_MAX_BODY_BYTES": str(LIMIT),
    "NEXTJOB_MAX_HEADER_BYTES": str(8 * 1024),
    "NEXTJOB_MAX_WS_MESSAGE_BYTES": str(LIMIT),
}


@pytest.fixture
def limited_api(mongo_uri: str, db_name: str, store: Store) -> Iterator[ApiProcess]:
    proc = ApiProcess(mongo_uri, db_name, extra_env=LIMITS_ENV)
    try:
        yield proc
    finally:
        proc.stop()


def _auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {token('dispatcher', 'd')}", "Accept": GQL_JSON}


def _code(response: httpx.Response) -> str:
    code: str = response.json()["errors"][0]["extensions"]["code"]
    return code


def raw_exchange(port: int, head: bytes, chunks: Iterator[bytes]) -> bytes:
    """Sends a request by hand (the server may hang up midway) and reads the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        try:
            sock.sendall(head)
            for chunk in chunks:
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before we finished: the answer is already waiting
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
    return answer


def test_bodies_over_the_limit_are_413(limited_api: ApiProcess) -> None:
    """Declared and chunked bodies over the limit answer 413 REQUEST_TOO_LARGE; under it runs."""
    url = limited_api.base_url + "/graphql"
    padding = {"query": "{ me { role } }", "variables": {"pad": "x" * (LIMIT + 10)}}
    declared = httpx.post(url, json=padding, headers=_auth())
    assert declared.status_code == 413, declared.text
    assert _code(declared) == "REQUEST_TOO_LARGE"
    assert declared.json()["errors"][0]["extensions"]["maxBytes"] == LIMIT

    def stream() -> Iterator[bytes]:
        yield b'{"query": "{ me { role } }", "variables": {"pad": "'
        for _ in range(64):  # 4 MiB, sent chunked: no Content-Length to judge up front
            yield b"y" * 65536
        yield b'"}}'

    chunked = raw_exchange(
        limited_api.port,
        b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Authorization: Bearer {token('dispatcher', 'd')}\r\n".encode()
        + b"Transfer-Encoding: chunked\r\n\r\n",
        (b"%x\r\n%s\r\n" % (len(c), c) for c in stream()),
    )
    assert chunked.startswith(b"HTTP/1.1 413"), chunked[:200]
    assert b"REQUEST_TOO_LARGE" in chunked
    under = {"query": "{ me { role } }", "variables": {"pad": "z" * (LIMIT // 2)}}
    ok = httpx.post(url, json=under, headers=_auth())
    assert ok.status_code == 200 and ok.json()["data"]["me"]["role"] == "DISPATCHER"


def test_headers_over_the_limit_are_431(limited_api: ApiProcess) -> None:
    """A 16 KiB header and a 20 MB one both answer 431 HEADERS_TOO_LARGE, early."""
    small = httpx.get(limited_api.base_url + "/healthz", headers={"X-Pad": "a" * 16_384})
    assert small.status_code == 431
    assert small.json()["errors"][0]["extensions"]["code"] == "HEADERS_TOO_LARGE"
    huge = raw_exchange(
        limited_api.port,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: ",
        (b"b" * 65536 for _ in range(320)),  # 20 MB of one header, never finished
    )
    assert huge.startswith(b"HTTP/1.1 431"), huge[:200]
    assert httpx.get(limited_api.base_url + "/healthz").status_code == 200


async def test_websocket_messages_over_the_limit_close_1009(limited_api: ApiProcess) -> None:
    """A message over the limit closes the socket with 1009; one under it is answered."""

    async def close_code(size: int) -> int | None:
        async with connect(
            limited_api.ws_url, subprotocols=[Subprotocol("graphql-transport-ws")]
        ) as ws:
            init = {"type": "connection_init", "payload": {"token": token("dispatcher", "d")}}
            await ws.send(json.dumps(init))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            payload = {"query": "{ me { role } }", "variables": {"pad": "p" * size}}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
            try:
                reply = json.loads(await ws.recv())
            except ConnectionClosed:
                return ws.close_code
            assert reply["id"] == "1"
            return None

    assert await close_code(LIMIT + 1024) == 1009
    assert await close_code(1024) is None


def test_malformed_bodies_are_400_not_500(limited_api: ApiProcess) -> None:
    """JSON strings, numbers, bad UTF-8, deep nesting, lone surrogates: 400 with a code."""
    url = limited_api.base_url + "/graphql"
    headers = {**_auth(), "Content-Type": "application/json"}
    deep = b'{"query": "{ me { role } }", "variables": {"a": ' + b"[" * 20_000
    deep += b"]" * 20_000 + b"}}"
    for body in (b'"hello"', b"42", b"true", b'{"query": "{ me { role \xff\xfe } }"}', deep):
        response = httpx.post(url, content=body, headers=headers)
        assert response.status_code == 400, (body[:40], response.text)
        assert _code(response) == "BAD_REQUEST", response.text
    nested_get = httpx.get(
        url,
        params={"query": "{ me { role } }", "variables": "[" * 1_100 + "]" * 1_100},
        headers=_auth(),
    )
    assert nested_get.status_code == 400 and _code(nested_get) == "BAD_REQUEST"
    apq_surrogate = (
        b'{"query": "{ me { role } } # \\ud800", "extensions": {"persistedQuery": '
        b'{"version": 1, "sha256Hash": "' + b"0" * 64 + b'"}}}'
    )
    lone = httpx.post(url, content=apq_surrogate, headers=headers)
    assert lone.status_code == 400 and _code(lone) == "BAD_USER_INPUT", lone.text
    assert "Traceback" not in limited_api.log()


def _apq(query: str | None, digest: str) -> dict[str, Any]:
    body: dict[str, Any] = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}
    if query is not None:
        body["query"] = query
    return body


def test_apq_keeps_only_documents_that_parse_and_validate(api: ApiProcess) -> None:
    """Unparsable, invalid, over-limit and oversized documents are run (or refused) but
    not remembered; a valid one is."""
    url = api.base_url + "/graphql"
    cases = {
        "{ me { role ": False,  # does not parse
        "{ me { nope } }": False,  # does not validate
        "{ " + " ".join("me { role }" for _ in range(300)) + " }": False,  # over a limit
        "# " + "c" * 70_000 + "\n{ me { role } }": False,  # over the document size
        "query Kept { me { role } }": True,
    }
    for query, kept in cases.items():
        digest = hashlib.sha256(query.encode()).hexdigest()
        httpx.post(url, json=_apq(query, digest), headers=_auth())
        again = httpx.post(url, json=_apq(None, digest), headers=_auth()).json()
        if kept:
            assert again["data"]["me"]["role"] == "DISPATCHER", again
        else:
            assert again["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
