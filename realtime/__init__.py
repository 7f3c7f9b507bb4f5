"""Pub/sub that tells subscribers to look again: Redis across processes, memory in one."""

from realtime.broker import (
    Broker,
    Event,
    Subscription,
    board_channel,
    credentials_channel,
    tech_channel,
)
from realtime.factory import create_broker
from realtime.memory import MemoryBroker
from realtime.redis import RedisBroker

__all__ = [
    "Broker",
    "Event",
    "MemoryBroker",
    "RedisBroker",
    "Subscription",
    "board_channel",
    "create_broker",
    "credentials_channel",
    "tech_channel",
]
