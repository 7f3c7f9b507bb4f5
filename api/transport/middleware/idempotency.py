"""Safe retries: a POST /graphql with an `Idempotency-Key` runs once per caller and key.

The first request's response (status, headers, body) is stored in the `idempotency`
collection next to a hash of its body; a retry with the same key and the same body
gets that response back without executing anything. The key may also come as
`extensions.clientMutationId` in the JSON body.

- same key, different body: 422, code `IDEMPOTENCY_KEY_REUSED`;
- a retry while the first is still running waits for it (bounded), then 409 `IN_PROGRESS`;
- responses that ask to be retried (5xx, 401, 429, `retryable: true`) are not kept, so
  a retry with the same key executes again;
- keys are scoped to the verified caller (role and subject: a refreshed token keeps
  them) and expire after 24 hours (a TTL index); a claim left by a crashed process
  is taken over after `stale`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.access.front_door import Access, RateLimited
from api.access.idempotency import IdempotencyKeys
from api.core.errors import NextjobError
from api.core.principal import Principal
from api.persistence.store import Doc

HEADER = "idempotency-key"
REPLAYED = b"idempotent-replayed"
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
_MAX_BODY = 1 << 20  # larger requests are passed through unprotected
_MAX_STORED = 1 << 20


class IdempotencyMiddleware:
    """ASGI middleware; finds the store through `app.state.store` at request time."""

    def __init__(
        self,
        app: ASGIApp,
        path: str = "/graphql",
        wait: float = 10.0,
        stale: timedelta = timedelta(seconds=60),
    ) -> None:
        self.app = app
        self.path = path
        self.wait = wait
        self.stale = stale

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        body, more = await _read_body(receive)
        replay = _replayer(body, more, receive)
        headers = Headers(scope=scope)
        key = headers.get(HEADER) or _client_mutation_id(body)
        if key is None or more:
            await self.app(scope, replay, send)
            return
        if not _KEY.match(key):
            await _send_error(send, 400, "BAD_USER_INPUT", "Idempotency-Key: 1-255 visible ASCII")
            return
        state = scope["app"].state
        client = scope.get("client")
        principal = await _principal(state.access, headers, client[0] if client else None)
        if principal is None:  # no valid credentials: the app answers 401
            await self.app(scope, replay, send)
            return
        caller = f"{principal.role.value}:{principal.subject}"
        keys = IdempotencyKeys(state.store, self.wait, self.stale)
        doc_id = hashlib.sha256(caller.encode()).hexdigest() + ":" + key
        body_hash = hashlib.sha256(body).hexdigest()
        try:
            stored = await keys.claim(doc_id, body_hash)
        except NextjobError:
            await _send_error(send, 503, "SERVICE_UNAVAILABLE", "the database is unavailable")
            return
        if stored is not None:
            # A replay costs the caller a request like any other: retries cannot flood.
            try:
                await state.access.check_rate(principal)
            except RateLimited as exc:
                await _send_error(
                    send, 429, exc.code, exc.message, [(b"retry-after", str(exc.retry_after))]
                )
                return
            await _answer_from(stored, body_hash, send)
            return
        await self._run_and_keep(keys, doc_id, scope, replay, send)

    async def _run_and_keep(
        self, keys: IdempotencyKeys, doc_id: str, scope: Scope, receive: Receive, send: Send
    ) -> None:
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        kept = False
        try:
            await self.app(scope, receive, capture)
            body = b"".join(chunks)
            if start is not None and _keepable(start["status"], body):
                headers = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in start["headers"]]
                await keys.keep(doc_id, start["status"], headers, body)
                kept = True
        finally:
            if not kept:
                # Shielded: a client that hangs up must not leave the key claimed.
                await asyncio.shield(keys.release(doc_id))


async def _answer_from(doc: Doc, body_hash: str, send: Send) -> None:
    if doc["body_hash"] != body_hash:
        await _send_error(
            send, 422, "IDEMPOTENCY_KEY_REUSED", "this Idempotency-Key was used for another request"
        )
    elif doc["state"] != "done":
        await _send_error(send, 409, "IN_PROGRESS", "the first request with this key is running")
    else:
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in doc["headers"]]
        headers.append((REPLAYED, b"true"))
        await send({"type": "http.response.start", "status": doc["status"], "headers": headers})
        await send({"type": "http.response.body", "body": bytes(doc["body"])})


def _keepable(status: int, body: bytes) -> bool:
    """Whether a retry should get this answer again (not: the caller was told to retry)."""
    if status >= 500 or status in (401, 408, 429) or len(body) > _MAX_STORED:
        return False
    try:
        errors = json.loads(body).get("errors") or []
    except (ValueError, AttributeError):
        return True
    return not any(
        isinstance(e, dict) and (e.get("extensions") or {}).get("retryable") for e in errors
    )


async def _principal(access: Access, headers: Headers, client: str | None) -> Principal | None:
    """Who is asking (verified): keys are theirs (role and subject), across token refreshes."""
    try:
        return await access.authenticate(
            headers.get("authorization"), headers.get("x-api-key"), client
        )
    except NextjobError:
        return None


def _client_mutation_id(body: bytes) -> str | None:
    try:
        data: Any = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, or nested too deep: the view says 400
        return None
    extensions = data.get("extensions") if isinstance(data, dict) else None
    value = extensions.get("clientMutationId") if isinstance(extensions, dict) else None
    return value if isinstance(value, str) else None


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    """The request body up to _MAX_BODY; `more` is True when it is longer."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), False
        if size > _MAX_BODY:
            return b"".join(chunks), True


def _replayer(body: bytes, more: bool, receive: Receive) -> Receive:
    """A `receive` that hands the app the body already read, then the rest."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    return replay


async def _send_error(
    send: Send,
    status: int,
    code: str,
    message: str,
    extra: Sequence[tuple[bytes, str]] = (),
) -> None:
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(name, value.encode()) for name, value in extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
