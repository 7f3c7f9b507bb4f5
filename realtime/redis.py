"""Redis pub/sub broker: events cross API processes.

One Redis pub/sub connection per process fans out to local listeners, so a
thousand phones on one process cost one Redis subscription per tech channel,
not one connection each. When Redis drops, the reader reconnects by itself and
then tells every local listener to look again, since events may have been lost.

The pub/sub connection has no retries of its own: a silent reconnect inside
redis-py would re-subscribe without anyone learning that events were missed, so
every loss surfaces in the reader, which reconnects and wakes the listeners.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress

import redis.asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.exceptions import RedisError

from realtime.broker import Event, Subscription, decode, resync_event

log = logging.getLogger(__name__)

_CONTROL = "nextjob:control"
_LOST = (RedisError, OSError)


class RedisBroker:
    def __init__(
        self,
        url: str,
        reconnect_delay: float = 0.5,
        delivery_lag: Callable[[float], None] | None = None,
    ) -> None:
        self._url = url
        # Told, per event received from Redis, the seconds since it was published.
        self._delivery_lag = delivery_lag
        self._reconnect_delay = reconnect_delay
        self._client: aioredis.Redis | None = None
        self._listen_client: aioredis.Redis | None = None
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._listeners: defaultdict[str, set[Subscription]] = defaultdict(set)
        self._lock = asyncio.Lock()
        self.reconnects = 0

    async def connect(self) -> None:
        # A publish may retry briefly; past that it falls back to local delivery.
        self._client = aioredis.Redis.from_url(
            self._url,
            retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), 2),
            socket_connect_timeout=2,
        )
        self._listen_client = aioredis.Redis.from_url(
            self._url, retry=Retry(NoBackoff(), 0), health_check_interval=10
        )
        self._pubsub = self._listen_client.pubsub(ignore_subscribe_messages=True)
        await self._pubsub.subscribe(_CONTROL)
        self._reader = asyncio.create_task(self._read_loop(), name="redis-broker-reader")

    async def disconnect(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with suppress(asyncio.CancelledError):
                await self._reader
        if self._pubsub is not None:
            await _close(self._pubsub)
        for client in (self._client, self._listen_client):
            if client is not None:
                with suppress(*_LOST):
                    await client.aclose()
        self._listeners.clear()

    async def publish(self, channel: str, event: Event) -> None:
        if self._client is None:
            raise RuntimeError("RedisBroker.publish before connect()")
        try:
            await self._client.publish(channel, _stamped(event))
        except _LOST as exc:
            # Truth is in MongoDB: listeners here still hear it, others heal on resync.
            log.warning("redis publish failed, delivering locally only: %s", exc)
            self._deliver(channel, event)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscription]:
        sub = Subscription(channel)
        async with self._lock:
            first = not self._listeners[channel]
            self._listeners[channel].add(sub)
            if first:
                await self._redis_subscribe(channel)
        try:
            yield sub
        finally:
            async with self._lock:
                listeners = self._listeners.get(channel)
                if listeners is not None:
                    listeners.discard(sub)
                    if not listeners:
                        del self._listeners[channel]
                        await self._redis_unsubscribe(channel)

    def listener_count(self) -> int:
        return sum(len(s) for s in self._listeners.values())

    async def redis_channels(self) -> list[str]:
        """Channels the Redis server has confirmed for this process (for leak checks)."""
        if self._pubsub is None:
            return []
        return sorted(c.decode() if isinstance(c, bytes) else str(c) for c in self._pubsub.channels)

    async def _redis_subscribe(self, channel: str) -> None:
        if self._pubsub is None:
            raise RuntimeError("RedisBroker.subscribe before connect()")
        try:
            await self._pubsub.subscribe(channel)
        except _LOST as exc:
            # The reader re-subscribes every known channel when it reconnects.
            log.warning("redis subscribe %s deferred: %s", channel, exc)

    async def _redis_unsubscribe(self, channel: str) -> None:
        if self._pubsub is None:
            return
        with suppress(*_LOST):
            await self._pubsub.unsubscribe(channel)

    def _deliver(self, channel: str, event: Event) -> None:
        for sub in tuple(self._listeners.get(channel, ())):
            sub.deliver(event)

    def _wake_everyone(self) -> None:
        for channel, subs in tuple(self._listeners.items()):
            for sub in tuple(subs):
                sub.deliver(resync_event(channel))

    async def _read_loop(self) -> None:
        pubsub = self._pubsub
        if pubsub is None:
            raise RuntimeError("RedisBroker reader started before connect()")
        while True:
            try:
                message = await pubsub.get_message(timeout=1.0)
            except _LOST as exc:
                log.warning("redis broker connection lost: %s", exc)
                await self._reconnect(pubsub)
                continue
            if message is None or message.get("type") != "message":
                continue
            channel = message["channel"]
            if isinstance(channel, bytes):
                channel = channel.decode(errors="replace")
            event = decode(message["data"])
            if event is not None:
                self._deliver(channel, event)
                if self._delivery_lag is not None:
                    self._observe_lag(message["data"])

    def _observe_lag(self, raw: str | bytes) -> None:
        if self._delivery_lag is None:
            return
        with suppress(ValueError, TypeError, AttributeError):
            sent = json.loads(raw).get("sent")
            if isinstance(sent, float):
                self._delivery_lag(max(0.0, time.time() - sent))

    async def _reconnect(self, pubsub: PubSub) -> None:
        while True:
            await asyncio.sleep(self._reconnect_delay)
            await _close(pubsub)
            try:
                async with self._lock:
                    await pubsub.subscribe(_CONTROL, *self._listeners.keys())
            except _LOST:
                continue
            self.reconnects += 1
            log.info("redis broker reconnected (%d channels)", len(self._listeners))
            self._wake_everyone()
            return


def _stamped(event: Event) -> str:
    """The wire event plus its publish time (readers that do not know `sent` ignore it)."""
    return json.dumps({**event, "sent": time.time()}, separators=(",", ":"))


async def _close(pubsub: PubSub) -> None:
    close: Callable[[], Awaitable[object]] = pubsub.aclose  # redis-py leaves it unannotated
    with suppress(*_LOST):
        await close()
