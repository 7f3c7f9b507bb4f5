"""Pick the broker backend from configuration."""

from __future__ import annotations

from collections.abc import Callable

from realtime.broker import Broker
from realtime.memory import MemoryBroker
from realtime.redis import RedisBroker


def create_broker(
    redis_url: str | None, delivery_lag: Callable[[float], None] | None = None
) -> Broker:
    """Redis when a URL is configured (many processes), memory otherwise (one process).

    `delivery_lag` hears, per event received over Redis, the seconds since its publish."""
    if redis_url:
        return RedisBroker(redis_url, delivery_lag=delivery_lag)
    return MemoryBroker()
