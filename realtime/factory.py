"""Pick the broker backend from configuration."""

from __future__ import annotations

from realtime.broker import Broker
from realtime.memory import MemoryBroker
from realtime.redis import RedisBroker


def create_broker(redis_url: str | None) -> Broker:
    """Redis when a URL is configured (many processes), memory otherwise (one process)."""
    if redis_url:
        return RedisBroker(redis_url)
    return MemoryBroker()
