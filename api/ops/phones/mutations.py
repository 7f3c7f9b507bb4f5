"""A phone's mutations: POST /graphql with an `Idempotency-Key`, retried with the same key.

A phone on a flaky network cannot tell a lost request from a lost answer, so every
mutation carries a fresh key and every retry repeats it: the server runs it once and
answers the retries with the first result (`api.transport.middleware.idempotency`).
"""

from __future__ import annotations

import asyncio
import random
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from api.ops.phones.wire import OperationFailed
from mobile_contract import operation

_RETRYABLE = {"SERVICE_UNAVAILABLE", "IN_PROGRESS", "RATE_LIMITED"}


@dataclass(frozen=True, slots=True)
class Flakiness:
    """Simulated bad network: answers lost (the request is sent again) and dropped sockets."""

    lost_answer_rate: float = 0.0
    drop_rate: float = 0.0


@lru_cache(maxsize=64)
def document(name: str) -> str:
    """The mobile contract's document for `name`, read once."""
    return operation(name)


def is_mutation(name: str) -> bool:
    return document(name).lstrip().startswith("mutation")


def http_url(ws_url: str) -> str:
    """`ws://host:port/graphql` -> `http://host:port/graphql`."""
    parts = urlsplit(ws_url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    return urlunsplit((scheme, parts.netloc, parts.path, "", ""))


class Mutations:
    """Runs the mobile contract's mutations over HTTP for one phone."""

    def __init__(
        self,
        ws_url: str,
        token: str,
        rng: random.Random | None = None,
        flakiness: Flakiness | None = None,
        attempts: int = 6,
    ) -> None:
        self.url = http_url(ws_url)
        self.http = httpx.AsyncClient(
            headers={"Authorization": f"Bearer {token}"}, timeout=httpx.Timeout(15.0)
        )
        self.rng = rng or random.Random()
        self.flakiness = flakiness or Flakiness()
        self.attempts = attempts
        self.retries = 0

    async def close(self) -> None:
        await self.http.aclose()

    async def execute(self, name: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The mutation's `data`; OperationFailed on a final GraphQL error."""
        body = {"query": document(name), "variables": variables or {}}
        headers = {"Idempotency-Key": uuid.uuid4().hex}
        delay = 0.2
        for attempt in range(1, self.attempts + 1):
            try:
                response = await self.http.post(self.url, json=body, headers=headers)
                if self.rng.random() < self.flakiness.lost_answer_rate:
                    self.retries += 1
                    continue  # the answer never reached us: send it again, same key
                result: dict[str, Any] = response.json()
            except (httpx.TransportError, ValueError) as exc:
                if attempt == self.attempts:
                    raise ConnectionError(f"{name}: {exc!r}") from exc
            else:
                errors = result.get("errors") or []
                codes = {(e.get("extensions") or {}).get("code") for e in errors}
                if not errors:
                    data: dict[str, Any] = result["data"]
                    return data
                if not codes & _RETRYABLE or attempt == self.attempts:
                    raise OperationFailed(name, errors)
            self.retries += 1
            await asyncio.sleep(delay * self.rng.uniform(0.5, 1.5))
            delay = min(delay * 2, 3.0)
        raise ConnectionError(f"{name}: no answer after {self.attempts} attempts")
