"""When the customer hears from us: the tech is on the way (with an ETA and a tracking
link), about an hour before arrival for a job assigned earlier, and when a new ETA
breaks the window. Each notice is claimed atomically on the job first, so two API
processes never send the same one twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from api.customers.notifications import Notifier
from api.customers.places import point
from api.customers.tracking import tracking_token
from api.persistence.driver_errors import maps_driver_errors
from api.persistence.marks import claim_notice
from api.persistence.store import Doc, Store
from routing import GeodesicTravel, TravelModel


class CustomerTiming:
    def __init__(
        self,
        store: Store,
        notifier: Notifier,
        public_url: str,
        heads_up: timedelta = timedelta(hours=1),
        travel: TravelModel | None = None,
    ) -> None:
        self.store = store
        self.notifier = notifier
        self.public_url = public_url.rstrip("/")
        self.heads_up = heads_up
        self.travel = travel or GeodesicTravel()

    async def tracking_url(self, job: Doc) -> str:
        return f"{self.public_url}/track/{await tracking_token(self.store, job)}"

    @maps_driver_errors
    async def on_the_way(self, job: Doc, now: datetime) -> Doc | None:
        """The tech started driving: tell the customer the ETA, once."""
        tech = await self.store.technicians.find_one({"_id": job["tech_id"]})
        if tech is None or not tech.get("location"):
            return None
        minutes = self.travel.minutes(point(tech["location"]), point(job["location"]))
        eta = now + timedelta(minutes=minutes)
        claimed = await self._claim(job["_id"], "on_the_way_at", now, {"eta": eta})
        if claimed is None:
            return None
        first = tech["name"].split()[0]
        text = (
            f"{first} is on the way, arriving around {eta:%H:%M} UTC. "
            f"Track your visit: {await self.tracking_url(claimed)}"
        )
        return await self.notifier.notify(claimed, "on_the_way", text, eta=eta)

    @maps_driver_errors
    async def moved_up(self, job: Doc, now: datetime) -> Doc | None:
        """An urgency-list customer got an earlier visit: tell them, once."""
        claimed = await self._claim(job["_id"], "moved_up_at", now, {})
        if claimed is None:
            return None
        eta = now + timedelta(minutes=float(claimed.get("assignment", {}).get("travel_min", 30)))
        text = (
            f"Good news: a technician can come sooner, around {eta:%H:%M} UTC. "
            f"Track your visit: {await self.tracking_url(claimed)}"
        )
        return await self.notifier.notify(claimed, "moved_up", text, eta=eta)

    @maps_driver_errors
    async def send_missed_windows(self, now: datetime) -> int:
        """Calls nobody could reach within their window (a late call, a full board) wait
        for the next day's board, and the customer is told so, once."""
        due = self.store.jobs.find(
            {"status": "booked", "window_end": {"$lt": now}, "missed_window_at": {"$exists": False}}
        )
        told = 0
        async for job in due:
            claimed = await self._claim(job["_id"], "missed_window_at", now, {})
            if claimed is None:
                continue
            text = (
                "We could not reach you within your arrival window today. You are first on "
                "tomorrow's board; we will call to confirm the time."
            )
            await self.notifier.notify(claimed, "missed_window", text)
            told += 1
        return told

    @maps_driver_errors
    async def send_heads_up(self, now: datetime) -> int:
        """About an hour out, for assigned jobs whose window is near: one call each."""
        due = self.store.jobs.find(
            {
                "status": "assigned",
                "heads_up_at": {"$exists": False},
                "window_start": {"$lte": now + self.heads_up},
            }
        )
        sent = 0
        async for job in due:
            eta = max(job["window_start"], now + timedelta(minutes=15))
            claimed = await self._claim(job["_id"], "heads_up_at", now, {})
            if claimed is None:
                continue
            text = (
                f"Your technician is expected around {eta:%H:%M} UTC. "
                f"Track your visit: {await self.tracking_url(claimed)}"
            )
            await self.notifier.notify(claimed, "heads_up", text, eta=eta)
            sent += 1
        return sent

    async def _claim(self, job_id: str, field: str, now: datetime, extra: Doc) -> Doc | None:
        """Mark the notice as sent, so it is sent once."""
        return await claim_notice(self.store, job_id, field, now, extra)
