"""A small GraphQL client for tests: HTTP via httpx, subscriptions over a real WebSocket."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from api.access.tokens import issue_token
from api.core.domain import Role
from mobile_contract import operation
from tests.servers import TEST_SECRET


def token(role: str, subject: str, hours: float = 1.0, scopes: tuple[str, ...] = ()) -> str:
    return issue_token(TEST_SECRET, Role(role), subject, timedelta(hours=hours), scopes)


class GraphQLError(AssertionError):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(json.dumps(errors))
        self.errors = errors
        self.codes = [e.get("extensions", {}).get("code") for e in errors]


class Client:
    def __init__(self, base_url: str, bearer: str | None, timeout: float = 30) -> None:
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        self.http = httpx.AsyncClient(base_url=base_url, headers=headers, timeout=timeout)

    async def raw(self, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
        return await self.http.post("/graphql", json={"query": query, "variables": variables or {}})

    async def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The `data` of a successful response; raises GraphQLError otherwise."""
        response = await self.raw(query, variables)
        body = response.json()
        if body.get("errors"):
            raise GraphQLError(body["errors"])
        assert response.status_code == 200, response.text
        data: dict[str, Any] = body["data"]
        return data

    async def errors(self, query: str, variables: dict[str, Any] | None = None) -> list[str]:
        """The error codes of a response that must fail."""
        body = (await self.raw(query, variables)).json()
        assert body.get("errors"), f"expected errors, got {body}"
        return [e.get("extensions", {}).get("code") for e in body["errors"]]

    async def close(self) -> None:
        await self.http.aclose()


class Phone:
    """A technician's phone: one graphql-transport-ws connection running `MyJob`."""

    def __init__(self, ws_url: str, bearer: str) -> None:
        self.ws_url = ws_url
        self.bearer = bearer
        self.ws: ClientConnection | None = None
        self.sub_id = str(uuid.uuid4())

    async def connect(self, subprotocol: str = "graphql-transport-ws") -> Phone:
        self.ws = await connect(self.ws_url, subprotocols=[subprotocol])  # type: ignore[list-item]
        await self.ws.send(
            json.dumps(
                {"type": "connection_init", "payload": {"Authorization": f"Bearer {self.bearer}"}}
            )
        )
        ack = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
        assert ack["type"] == "connection_ack", ack
        await self.ws.send(
            json.dumps(
                {"id": self.sub_id, "type": "subscribe", "payload": {"query": operation("MyJob")}}
            )
        )
        return self

    async def next_job(self, within: float = 10.0) -> dict[str, Any] | None:
        """The next `myJob` payload (a job dict or None); fails on error or timeout."""
        assert self.ws is not None
        while True:
            msg = json.loads(await asyncio.wait_for(self.ws.recv(), within))
            if msg["type"] in ("ping", "pong", "ka"):
                continue
            assert msg["type"] == "next", msg
            assert not msg["payload"].get("errors"), msg
            job: dict[str, Any] | None = msg["payload"]["data"]["myJob"]
            return job

    async def no_message(self, within: float) -> bool:
        """True if nothing but keep-alives arrives within `within` seconds."""
        assert self.ws is not None
        try:
            while True:
                msg = json.loads(await asyncio.wait_for(self.ws.recv(), within))
                if msg["type"] not in ("ping", "pong", "ka"):
                    return False
        except TimeoutError:
            return True

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
