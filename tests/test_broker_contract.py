"""One contract, two brokers: the in-process one and Redis pub/sub (a real redis-server)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import redis.asyncio as aioredis

from realtime import Broker, Event, MemoryBroker, RedisBroker, Subscription
from tests.servers import RedisServer

QUEUE_SIZE = 64  # realtime.broker.Subscription's default bound


@pytest.fixture(params=["memory", "redis"])
async def broker(request: pytest.FixtureRequest, redis_url: str) -> AsyncIterator[Broker]:
    b: Broker = MemoryBroker() if request.param == "memory" else RedisBroker(redis_url)
    await b.connect()
    try:
        yield b
    finally:
        await b.disconnect()


@pytest.fixture
async def raw_redis(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_url)
    try:
        yield client
    finally:
        await client.aclose()


def channel() -> str:
    return "tech:t_" + uuid.uuid4().hex[:10]


def event(version: int, id_: str = "job_1") -> Event:
    return Event(kind="job", id=id_, version=version)


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 5.0) -> None:
    """Poll `check` until it holds; fail after `within` seconds."""
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within}s")
        await asyncio.sleep(0.02)


async def test_publish_reaches_only_that_channels_subscribers(broker: Broker) -> None:
    """An event published on one channel reaches its subscriber and not another channel's."""
    mine, other = channel(), channel()
    async with broker.subscribe(mine) as sub, broker.subscribe(other) as bystander:
        await broker.publish(mine, event(7))
        assert await sub.next(within=5) == event(7)
        assert await bystander.next(within=0.3) is None


async def test_every_listener_of_a_channel_gets_the_event(broker: Broker) -> None:
    """Several listeners on one channel each receive their own copy of an event."""
    ch = channel()
    async with broker.subscribe(ch) as a, broker.subscribe(ch) as b, broker.subscribe(ch) as c:
        assert broker.listener_count() == 3
        await broker.publish(ch, event(2))
        for sub in (a, b, c):
            assert await sub.next(within=5) == event(2)


async def test_unsubscribe_leaves_nothing_behind(broker: Broker, raw_redis: aioredis.Redis) -> None:
    """Leaving the context removes the listener and, for Redis, the server-side subscription."""
    ch = channel()
    async with broker.subscribe(ch), broker.subscribe(ch):
        assert broker.listener_count() == 2
        if isinstance(broker, RedisBroker):
            assert ch in await broker.redis_channels()
    assert broker.listener_count() == 0
    if isinstance(broker, RedisBroker):
        redis_broker = broker

        async def gone() -> bool:
            counts = dict(await raw_redis.pubsub_numsub(ch))
            return ch not in await redis_broker.redis_channels() and counts[ch.encode()] == 0

        await eventually(gone)
    await broker.publish(ch, event(1))  # nobody listens: harmless


async def test_full_queue_drops_events_without_blocking_the_publisher(broker: Broker) -> None:
    """A listener that never reads keeps a bounded queue; publishing stays fast for others."""
    slow_ch, marker_ch = channel(), channel()
    async with broker.subscribe(slow_ch) as slow, broker.subscribe(marker_ch) as marker:
        started = time.monotonic()
        for v in range(10 * QUEUE_SIZE):
            await broker.publish(slow_ch, event(v))
        await broker.publish(marker_ch, event(1))
        assert time.monotonic() - started < 5
        # Events are delivered in order, so the marker arriving means the rest were handled.
        assert await marker.next(within=5) == event(1)
        assert slow.drain() == QUEUE_SIZE
        await broker.publish(slow_ch, event(999))
        assert await slow.next(within=5) == event(999)


async def test_malformed_wire_messages_are_ignored(
    redis_url: str, raw_redis: aioredis.Redis
) -> None:
    """Garbage on a Redis channel is skipped; the reader survives and delivers the next event."""
    broker = RedisBroker(redis_url)
    await broker.connect()
    ch = channel()
    try:
        async with broker.subscribe(ch) as sub:
            for junk in (
                b"not json",
                b"\xff\xfe\x00",
                b"[" * 100_000,
                b"[]",
                b'{"kind": "job", "id": "j"}',
                b'{"kind": "nope", "id": "j", "version": 1}',
                b'{"kind": "job", "id": 5, "version": 1}',
                b'{"kind": "job", "id": "j", "version": true}',
            ):
                await raw_redis.publish(ch, junk)
            await raw_redis.publish(ch, b'{"kind":"job","id":"j","version":3}')
            assert await sub.next(within=5) == event(3, "j")
            assert await sub.next(within=0.3) is None
    finally:
        await broker.disconnect()


async def test_events_cross_between_broker_instances(redis_url: str) -> None:
    """What one process publishes reaches a listener of another process through Redis."""
    a, b = RedisBroker(redis_url), RedisBroker(redis_url)
    await a.connect()
    await b.connect()
    ch = channel()
    try:
        async with b.subscribe(ch) as sub:
            await a.publish(ch, event(4))
            assert await sub.next(within=5) == event(4)
    finally:
        await a.disconnect()
        await b.disconnect()


async def test_broker_reconnects_after_redis_restarts_and_wakes_listeners() -> None:
    """Redis killed and restarted: listeners are told to look again and events flow again."""
    server = RedisServer().start()
    broker = RedisBroker(server.url, reconnect_delay=0.1)
    publisher = aioredis.Redis.from_url(server.url)
    ch, joined_late = channel(), channel()
    try:
        await broker.connect()
        async with broker.subscribe(ch) as sub:
            server.stop()
            # While Redis is down, a publish still reaches this process's own listeners.
            await asyncio.wait_for(broker.publish(ch, event(5)), 5)
            assert await sub.next(within=1) == event(5)
            async with broker.subscribe(joined_late) as late:
                server.start()
                woken = await sub.next(within=10)
                assert woken is not None, "listener was not woken after the reconnect"
                assert broker.reconnects >= 1
                assert await late.next(within=5) is not None  # woken as well

                async def arrives(target: str, version: int, listener: Subscription) -> bool:
                    await publisher.publish(
                        target, f'{{"kind":"job","id":"j","version":{version}}}'
                    )
                    return await listener.next(within=0.2) == event(version, "j")

                await eventually(lambda: arrives(ch, 8, sub), within=5)
                await eventually(lambda: arrives(joined_late, 9, late), within=5)
    finally:
        await broker.disconnect()
        await publisher.aclose()
        server.stop()


async def test_a_subscription_wakes_its_waiter_times_out_and_survives_cancellation() -> None:
    """The listener's backlog: a waiting `next` is woken by a delivery, a quiet one gives
    None after `within`, and a cancelled wait leaves the subscription usable."""
    sub = Subscription("tech:t1")
    assert await sub.next(within=0.01) is None
    waiting = asyncio.create_task(sub.next(within=10))
    await asyncio.sleep(0)
    sub.deliver(Event(kind="job", id="j1", version=2))
    assert await asyncio.wait_for(waiting, 5) == Event(kind="job", id="j1", version=2)
    cancelled = asyncio.create_task(sub.next())
    await asyncio.sleep(0)
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    sub.deliver(Event(kind="job", id="j1", version=3))
    assert await sub.next(within=1) == Event(kind="job", id="j1", version=3)
    assert sub.drain() == 0
