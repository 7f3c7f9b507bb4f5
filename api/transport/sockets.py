"""This process's open WebSockets, by credential: so a credential's end ends its sockets.

Close codes (also in the README):
- 4401: the token expired (a timer per socket fires at its expiry), or was never valid;
- 4403: the credential was revoked or deactivated (announced on the credentials channel);
- 4408: no `connection_init` within the init timeout;
- 4429: too many open sockets for this credential in this process.

Every process listens on `realtime.credentials_channel()`; an announced credential key
makes it re-check, through the front door (`Access.still_valid`), each socket that holds
that key, and close the dead ones. Operations on an open socket also check the expiry
before they run (`api.transport.ws_handlers`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import Final, Protocol

from api.access.front_door import Access
from api.core.errors import NextjobError
from api.core.principal import Principal
from realtime import Broker, Event, credentials_channel

log = logging.getLogger(__name__)

EXPIRED: Final = 4401
REVOKED: Final = 4403
INIT_TIMEOUT: Final = 4408
TOO_MANY: Final = 4429


class OpenSocket(Protocol):
    """What the registry needs of a protocol handler."""

    @property
    def principal(self) -> Principal | None: ...

    async def end(self, code: int, reason: str) -> None:
        """Stop every operation and close the socket with this code."""
        ...


class SocketRegistry:
    """Open sockets by credential key, with a cap per principal and an expiry timer each."""

    def __init__(self, access: Access, max_per_principal: int) -> None:
        self.access = access
        self.max_per_principal = max_per_principal
        self._by_key: dict[str, set[OpenSocket]] = {}
        self._count: dict[str, int] = {}
        self._timers: dict[OpenSocket, asyncio.TimerHandle] = {}
        self._closing: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._timers)

    def admit(self, socket: OpenSocket, principal: Principal) -> bool:
        """Register an authenticated socket; False (and nothing kept) past the cap."""
        who = _who(principal)
        if self._count.get(who, 0) >= self.max_per_principal:
            return False
        self._count[who] = self._count.get(who, 0) + 1
        for key in principal.credential_keys():
            self._by_key.setdefault(key, set()).add(socket)
        loop = asyncio.get_running_loop()
        delay = _seconds_left(principal)
        self._timers[socket] = loop.call_later(
            max(delay, 0.0), self._end_soon, socket, EXPIRED, "token expired"
        )
        return True

    def remove(self, socket: OpenSocket, principal: Principal) -> None:
        """Forget a socket that closed (idempotent)."""
        timer = self._timers.pop(socket, None)
        if timer is None:
            return
        timer.cancel()
        who = _who(principal)
        left = self._count.get(who, 1) - 1
        if left > 0:
            self._count[who] = left
        else:
            self._count.pop(who, None)
        for key in principal.credential_keys():
            sockets = self._by_key.get(key)
            if sockets is not None:
                sockets.discard(socket)
                if not sockets:
                    del self._by_key[key]

    async def recheck(self, credential_key: str) -> int:
        """Re-check the sockets holding this credential; close the dead ones (how many)."""
        self.access.forget(credential_key)
        return await self._recheck(list(self._by_key.get(credential_key, ())))

    async def recheck_all(self, forget: bool = True) -> int:
        """Re-check every socket: announcements may have been lost (the broker reconnected,
        or a revocation was made where no broker reaches, such as the CLI without Redis)."""
        if forget:
            for key in list(self._by_key):
                self.access.forget(key)
        return await self._recheck(list(self._timers))

    async def _recheck(self, sockets: list[OpenSocket]) -> int:
        closed = 0
        for socket in sockets:
            principal = socket.principal
            if principal is None:
                continue
            try:
                alive = await self.access.still_valid(principal)
            except NextjobError as exc:  # database down: keep the socket, say so
                log.warning("credential re-check failed: %s", exc.message)
                continue
            if not alive:
                closed += 1
                self._end_soon(socket, REVOKED, "credential revoked")
        return closed

    async def listen(
        self, broker: Broker, ready: asyncio.Event | None = None, sweep_every: float = 0.0
    ) -> None:
        """Run for the process: act on every credential announced on the channel, and
        re-check every socket each `sweep_every` seconds (0: never) as a backstop."""
        async with broker.subscribe(credentials_channel()) as events:
            if ready is not None:
                ready.set()
            loop = asyncio.get_running_loop()
            next_sweep = loop.time() + sweep_every
            while True:
                wait = max(next_sweep - loop.time(), 0.0) if sweep_every else None
                event = await events.next(within=wait)
                if sweep_every and loop.time() >= next_sweep:
                    next_sweep = loop.time() + sweep_every
                    await self.recheck_all(forget=False)
                if event is None:
                    continue
                if event["kind"] == "credential":
                    await self.recheck(event["id"])
                elif event["version"] < 0:  # reconnected: revocations may have been missed
                    await self.recheck_all()

    async def close_all(self) -> None:
        """Wait for sockets being closed (at shutdown)."""
        for timer in self._timers.values():
            timer.cancel()
        for task in list(self._closing):
            with contextlib.suppress(Exception):
                await task

    def _end_soon(self, socket: OpenSocket, code: int, reason: str) -> None:
        task = asyncio.get_running_loop().create_task(socket.end(code, reason))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)


def credential_event(credential_key: str) -> Event:
    """The announcement of a revoked credential (see `realtime.credentials_channel`)."""
    return Event(kind="credential", id=credential_key, version=0)


def expired(principal: Principal) -> bool:
    return principal.expires_at is not None and principal.expires_at <= datetime.now(UTC)


def _seconds_left(principal: Principal) -> float:
    if principal.expires_at is None:
        return 365 * 86_400.0  # API keys do not expire; revocation ends them
    return (principal.expires_at - datetime.now(UTC)).total_seconds()


def _who(principal: Principal) -> str:
    return f"{principal.role.value}:{principal.subject}"
