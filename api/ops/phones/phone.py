"""One simulated technician: on duty, then each pushed job driven to, worked and closed."""

from __future__ import annotations

import asyncio
import logging
import math
import random
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from websockets.exceptions import WebSocketException

from api.access.tokens import issue_token
from api.core.domain import Role
from api.ops.phones.mutations import Flakiness, Mutations, is_mutation
from api.ops.phones.wire import GraphQLSocket, OperationFailed

log = logging.getLogger("nextjob.phones")

Point = tuple[float, float]
_OFF = ("OFF_DUTY", "ON_BREAK")


@dataclass(frozen=True, slots=True)
class Drive:
    """How the van moves and how fast simulated time runs."""

    speed_kmh: float = 40.0
    time_scale: float = 60.0
    report_every: float = 1.0  # real seconds between location reports

    def real_seconds(self, simulated_minutes: float) -> float:
        return simulated_minutes * 60.0 / self.time_scale


@dataclass
class Tally:
    completed: int = 0
    sold_total: float = 0.0
    connects: int = 0
    retries: int = 0
    done: set[str] = field(default_factory=set)


class SimulatedPhone:
    def __init__(
        self,
        tech_id: str,
        url: str,
        secret: str,
        drive: Drive,
        rng: random.Random,
        flakiness: Flakiness | None = None,
    ) -> None:
        self.tech_id = tech_id
        self.flakiness = flakiness or Flakiness()
        self._mutations: Mutations | None = None
        self.url = url
        self.secret = secret
        self.drive = drive
        self.rng = rng
        self.position: Point | None = None
        self.tally = Tally()

    async def run(self) -> None:
        """Work until cancelled, reconnecting with capped, jittered backoff."""
        backoff = 0.5
        while True:
            token = issue_token(self.secret, Role.TECHNICIAN, self.tech_id, timedelta(hours=12))
            self._mutations = Mutations(self.url, token, self.rng, self.flakiness)
            try:
                async with GraphQLSocket(self.url, token) as ws:
                    self.tally.connects += 1
                    backoff = 0.5
                    await self._work(ws)
            except (OSError, TimeoutError, ConnectionError, WebSocketException) as exc:
                log.warning("%s: connection lost (%s); retrying", self.tech_id, exc)
            except OperationFailed as exc:
                log.warning("%s: %s; retrying", self.tech_id, exc)
            finally:
                await self._mutations.close()
                self.tally.retries += self._mutations.retries
            await asyncio.sleep(backoff * self.rng.uniform(0.5, 1.5))
            backoff = min(backoff * 2, 30.0)

    async def _call(
        self, ws: GraphQLSocket, name: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Mutations over HTTP with an idempotency key; queries over the socket."""
        if self._mutations is None or not is_mutation(name):
            return await ws.execute(name, variables)
        data = await self._mutations.execute(name, variables)
        if self.rng.random() < self.flakiness.drop_rate:
            raise ConnectionError("simulated network drop")
        return data

    async def _work(self, ws: GraphQLSocket) -> None:
        me = (await self._call(ws, "Me"))["me"]["technician"]
        if me is None:
            raise OperationFailed("Me", [{"message": f"no technician {self.tech_id}"}])
        if me["status"] in _OFF:
            await self._call(ws, "GoOnDuty")
            log.info("%s: on duty", self.tech_id)
        async with aclosing(ws.stream("MyJob")) as pushes:
            async for data in pushes:
                job = data["myJob"]
                if job is None or job["id"] in self.tally.done:
                    continue
                try:
                    await self._do(ws, job)
                except OperationFailed as exc:  # cancelled or reassigned under us
                    log.info("%s: %s dropped: %s", self.tech_id, job["id"], exc)
                self.tally.done.add(job["id"])

    async def _do(self, ws: GraphQLSocket, job: dict[str, Any]) -> None:
        ids = {"jobId": job["id"]}
        status = job["status"]
        log.info("%s: %s %s at %s", self.tech_id, job["id"], status.lower(), job["address"])
        if status == "ASSIGNED":
            await self._call(ws, "StartTravel", ids)
            status = "EN_ROUTE"
        if status == "EN_ROUTE":
            await self._drive_to(ws, (job["location"]["lat"], job["location"]["lon"]))
            await self._call(ws, "Arrive", ids)
            status = "ON_SITE"
        if status == "ON_SITE":
            minutes = job["durationMinutes"] * self.rng.uniform(0.7, 1.3)
            await asyncio.sleep(self.drive.real_seconds(minutes))
            sold = self._sale()
            await self._call(ws, "CompleteJob", {**ids, "soldAmount": sold})
            self.tally.completed += 1
            self.tally.sold_total += sold
            log.info("%s: completed %s, sold $%.2f", self.tech_id, job["id"], sold)

    async def _drive_to(self, ws: GraphQLSocket, target: Point) -> None:
        start = self.position or _nearby(target, self.rng)
        minutes = _km(start, target) / self.drive.speed_kmh * 60.0
        seconds = self.drive.real_seconds(minutes)
        steps = max(1, math.ceil(seconds / self.drive.report_every))
        for k in range(1, steps + 1):
            await asyncio.sleep(seconds / steps)
            f = k / steps
            self.position = (
                start[0] + (target[0] - start[0]) * f,
                start[1] + (target[1] - start[1]) * f,
            )
            lat, lon = self.position
            await self._call(ws, "ReportLocation", {"lat": lat, "lon": lon})

    def _sale(self) -> float:
        # About two calls in three sell something; tickets are skewed like real ones.
        if self.rng.random() < 0.35:
            return 0.0
        return round(min(self.rng.lognormvariate(6.2, 0.7), 25_000.0), 2)


def _nearby(p: Point, rng: random.Random) -> Point:
    """A starting point a few kilometres away (the phone does not know where the van is)."""
    return (p[0] + rng.uniform(-0.05, 0.05), p[1] + rng.uniform(-0.05, 0.05))


def _km(a: Point, b: Point) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))
