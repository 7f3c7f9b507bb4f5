"""The outbox worker: sends committed customer notifications to the webhook, at least once.

Each API process runs one. A message is claimed with a lease (one conditional write), so
two processes never send it at the same time; if the process dies after claiming, the
lease runs out and another worker sends it again with the same `webhook-id`, which the
receiver uses to drop the duplicate. Failures are retried with exponential backoff;
after the last attempt the message is marked `failed` (the job's notifications show it)
and `on_failure` tells the dispatcher.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import httpx

from api.core.clock import Clock
from api.core.errors import NextjobError
from api.customers import webhooks
from api.persistence.outbox import (
    Delivery,
    claim_due,
    ensure_outbox_indexes,
    retry_at,
    settle,
)
from api.persistence.store import Doc, Store

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(minutes=10)
OnFailure = Callable[[Doc], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class DeliveryRules:
    url: str | None
    secret: str | None = None
    max_attempts: int = 8
    backoff: timedelta = timedelta(seconds=2)
    lease: timedelta = timedelta(seconds=30)
    timeout_s: float = 10.0
    idle_poll_s: float = 1.0


def backoff_after(attempt: int, first: timedelta) -> timedelta:
    """2 s, 4 s, 8 s... after attempts 1, 2, 3..., capped at ten minutes."""
    factor: int = 2 ** max(0, attempt - 1)
    return min(first * factor, MAX_BACKOFF)


def payload(message: Doc) -> bytes:
    """What the provider receives: the text and the number, nothing machine-dated."""
    body = {
        "type": "customer.notification",
        "data": {
            "id": message["_id"],
            "job_id": message["job_id"],
            "kind": message["kind"],
            "to": message["to"],
            "text": message["text"],
        },
    }
    return json.dumps(body, separators=(",", ":")).encode()


class OutboxWorker:
    def __init__(
        self,
        store: Store,
        rules: DeliveryRules,
        clock: Clock,
        on_failure: OnFailure | None = None,
    ) -> None:
        self.store = store
        self.rules = rules
        self.clock = clock
        self.on_failure = on_failure
        self.owner = "wrk_" + secrets.token_hex(6)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None

    def wake(self) -> None:
        """A message was just committed in this process: look now, not at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        await ensure_outbox_indexes(self.store)
        self._client = httpx.AsyncClient(timeout=self.rules.timeout_s)
        self._task = asyncio.create_task(self._run_forever(), name="outbox-worker")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._client is not None:
            await self._client.aclose()

    async def _run_forever(self) -> None:
        while True:
            try:
                busy = await self.run_once()
            except NextjobError as exc:
                log.warning("outbox pass skipped: %s", exc.message)
                busy = False
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.rules.idle_poll_s)
                self._wake.clear()

    async def run_once(self) -> bool:
        """Claim and deliver one due message; False when none was due."""
        now = self.clock()
        message = await claim_due(self.store, now, self.rules.lease, self.owner)
        if message is None:
            return False
        if not self.rules.url:
            await settle(self.store, message["_id"], self.owner, Delivery.RECORDED, now, None)
            return True
        error = await self._post(message)
        now = self.clock()
        if error is None:
            await settle(self.store, message["_id"], self.owner, Delivery.SENT, now, None)
        elif message["attempts"] >= self.rules.max_attempts:
            await settle(self.store, message["_id"], self.owner, Delivery.FAILED, now, error)
            log.warning("notification %s failed for good: %s", message["_id"], error)
            if self.on_failure is not None:
                await self.on_failure({**message, "last_error": error})
        else:
            wait = backoff_after(message["attempts"], self.rules.backoff)
            await retry_at(self.store, message["_id"], self.owner, now + wait, error)
        return True

    async def _post(self, message: Doc) -> str | None:
        """Send once; the error in words, or None when the webhook took it."""
        if self._client is None or self.rules.url is None:
            return "worker not started"
        body = payload(message)
        stamp = int(self.clock().timestamp())
        sent_headers = webhooks.headers(self.rules.secret, message["_id"], stamp, body)
        try:
            response = await self._client.post(self.rules.url, content=body, headers=sent_headers)
        except httpx.HTTPError as exc:
            return type(exc).__name__
        if response.status_code >= 300:
            return f"HTTP {response.status_code}"
        return None
