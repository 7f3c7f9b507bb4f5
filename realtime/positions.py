"""The latest position of each technician: process memory, shared through Redis.

Positions arrive every few seconds from every phone that is driving. They are not
decisions, so they do not go through MongoDB one by one: the latest per tech is kept
here (and in one Redis hash, when there is Redis, so every API process's board sees
it), and the dispatch layer persists them to MongoDB at a bounded rate.
"""

from __future__ import annotations

import logging
from datetime import datetime

import redis.asyncio as aioredis
from redis.exceptions import RedisError
from redis.typing import EncodableT, FieldT

log = logging.getLogger(__name__)

# Redis down or slow: positions stay in this process's memory (a board on another
# process shows the stored one) rather than failing a request that reads them.
_LOST = (RedisError, OSError)

# lat, lon, when reported
Position = tuple[float, float, datetime]

# Positions older than this are dropped from Redis with the hash (a day's fleet).
_TTL_SECONDS = 24 * 3600


class Positions:
    """The latest position per tech; `redis_url` shares them across processes,
    `namespace` (the database's name) keeps deployments sharing a Redis apart."""

    def __init__(self, redis_url: str | None = None, namespace: str = "nextjob") -> None:
        self._latest: dict[str, Position] = {}
        self._dirty: set[str] = set()
        self._key = f"positions:{namespace}"
        self._client: aioredis.Redis | None = (
            aioredis.from_url(
                redis_url, decode_responses=True, socket_connect_timeout=0.5, socket_timeout=1.0
            )
            if redis_url
            else None
        )

    def put(self, tech_id: str, lat: float, lon: float, at: datetime) -> None:
        """Take a reported position (memory only: `share` sends it on)."""
        self._latest[tech_id] = (lat, lon, at)
        self._dirty.add(tech_id)

    def latest_here(self, tech_id: str) -> Position | None:
        """The newest position reported to this process (no Redis round trip)."""
        return self._latest.get(tech_id)

    def take_moved(self) -> dict[str, Position]:
        """The positions reported since the last call, one per tech."""
        moved, self._dirty = self._dirty, set()
        return {tech_id: self._latest[tech_id] for tech_id in moved}

    async def share(self, moved: dict[str, Position]) -> None:
        """Write positions where the other processes read them (Redis; else nothing)."""
        if self._client is None or not moved:
            return
        mapping: dict[FieldT, EncodableT] = {
            t: f"{lat},{lon},{at.isoformat()}" for t, (lat, lon, at) in moved.items()
        }
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                pipe.hset(self._key, mapping=mapping)
                pipe.expire(self._key, _TTL_SECONDS)
                await pipe.execute()
        except _LOST as exc:
            log.warning("positions not shared through Redis: %s", exc)

    async def latest(self, tech_ids: list[str]) -> dict[str, Position]:
        """The newest known position of each of these techs (missing if none)."""
        found = {t: self._latest[t] for t in tech_ids if t in self._latest}
        if self._client is None or not tech_ids:
            return found
        try:
            raws = await self._client.hmget(self._key, tech_ids)
        except _LOST:
            return found
        for tech_id, raw in zip(tech_ids, raws, strict=True):
            if raw is None:
                continue
            text = raw.decode() if isinstance(raw, bytes) else str(raw)
            lat, lon, at = text.split(",", 2)
            shared = (float(lat), float(lon), datetime.fromisoformat(at))
            mine = found.get(tech_id)
            if mine is None or shared[2] > mine[2]:
                found[tech_id] = shared
        return found

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
