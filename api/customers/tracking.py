"""Customer tracking links: an unguessable, expiring token per job, and the tiny page
it opens. The page shows the tech's first name, the status and ETA and, only while the
tech drives to this customer, the tech's position; nothing else is reachable from it."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from api.persistence.driver_errors import maps_driver_errors
from api.persistence.marks import tracking_token_of
from api.persistence.store import Doc, Store

TOKEN_BYTES = 24
VALID_AFTER_WINDOW = timedelta(hours=12)


async def tracking_token(store: Store, job: Doc) -> str:
    """The job's token, created on first use."""
    if job.get("tracking", {}).get("token"):
        return str(job["tracking"]["token"])
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return await tracking_token_of(store, job["_id"], token, job["window_end"] + VALID_AFTER_WINDOW)


Planned = Callable[[str], tuple[str, datetime] | None]  # job id -> (tech id, arrival)


@maps_driver_errors
async def public_view(
    store: Store, token: str, now: datetime, planned: Planned | None = None
) -> Doc | None:
    """What a customer holding `token` may see, or None (unknown or expired). A booked
    job with no eta yet shows the look-ahead plan's expected arrival, if `planned` has one."""
    if not (20 <= len(token) <= 64) or not token.replace("-", "").replace("_", "").isalnum():
        return None
    job: Doc | None = await store.jobs.find_one({"tracking.token": token})
    if job is None or job["tracking"]["expires_at"] <= now:
        return None
    view: Doc = {
        "status": job["status"],
        "window": {"start": job["window_start"].isoformat(), "end": job["window_end"].isoformat()},
        "eta": job["eta"].isoformat() if job.get("eta") else None,
        "technician": None,
        "position": None,
    }
    expected = planned(job["_id"]) if planned and job["status"] == "booked" else None
    if view["eta"] is None and expected is not None:
        view["eta"] = expected[1].isoformat()
    if job.get("tech_id"):
        tech = await store.technicians.find_one({"_id": job["tech_id"]})
        if tech is not None:
            view["technician"] = tech["name"].split()[0]
            if job["status"] == "en_route" and tech.get("location"):
                lon, lat = tech["location"]["coordinates"]
                view["position"] = {"lat": lat, "lon": lon}
    return view
