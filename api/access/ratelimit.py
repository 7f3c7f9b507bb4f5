"""Per-key and per-user rate limits: GCRA, in Redis (many processes) or in-process (one).

GCRA keeps one number per caller, the theoretical arrival time (TAT) of the next
request. A request is allowed if it does not arrive earlier than `TAT - burst x
interval`; then TAT moves one interval on. Idle callers get `burst` requests at once,
busy ones exactly `rate` per minute, and a refusal says how long to wait.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Limit:
    per_minute: int
    burst: int

    @property
    def interval_ms(self) -> float:
        return 60_000 / self.per_minute


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    retry_after: float = 0.0  # seconds


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: Limit) -> Decision: ...

    async def close(self) -> None: ...


def gcra(now_ms: float, tat_ms: float | None, limit: Limit) -> tuple[Decision, float | None]:
    """The decision, and the new TAT to store (None: store nothing)."""
    tat = max(tat_ms if tat_ms is not None else now_ms, now_ms)
    new_tat = tat + limit.interval_ms
    allow_at = new_tat - limit.interval_ms * limit.burst
    if allow_at > now_ms:
        return Decision(False, (allow_at - now_ms) / 1000), None
    return Decision(True), new_tat


class MemoryRateLimiter:
    """One process's limiter (no `REDIS_URL`)."""

    def __init__(self) -> None:
        self._tat: dict[str, float] = {}

    async def hit(self, key: str, limit: Limit) -> Decision:
        now = time.monotonic() * 1000
        if len(self._tat) > 100_000:  # forget callers that are idle anyway
            self._tat = {k: v for k, v in self._tat.items() if v > now}
        decision, new_tat = gcra(now, self._tat.get(key), limit)
        if new_tat is not None:
            self._tat[key] = new_tat
        return decision

    async def close(self) -> None:
        self._tat.clear()


# The same arithmetic as `gcra`, atomically, on Redis's clock (shared by all processes).
_LUA = """
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - interval * burst
if allow_at > now then
  return {0, tostring(allow_at - now)}
end
redis.call('SET', KEYS[1], tostring(new_tat), 'PX', math.ceil(new_tat - now) + 1)
return {1, '0'}
"""


class RedisRateLimiter:
    """Shared by every API process. If Redis fails, requests pass (logged): the API stays up."""

    def __init__(self, url: str) -> None:
        self.redis: Redis = Redis.from_url(url)
        self._script = self.redis.register_script(_LUA)

    async def hit(self, key: str, limit: Limit) -> Decision:
        try:
            allowed, wait_ms = await self._script(
                keys=[f"nextjob:rl:{key}"], args=[limit.interval_ms, limit.burst]
            )
        except RedisError as exc:
            log.warning("rate limiter unavailable, letting the request through: %s", exc)
            return Decision(True)
        return Decision(bool(int(allowed)), float(wait_ms) / 1000)

    async def close(self) -> None:
        await self.redis.aclose()


def create_rate_limiter(redis_url: str | None) -> RateLimiter:
    return RedisRateLimiter(redis_url) if redis_url else MemoryRateLimiter()
