"""Customer tracking links: an unguessable, expiring token per job, and the tiny page
it opens. The page shows the tech's first name, the status and ETA and, only while the
tech drives to this customer, the tech's position; nothing else is reachable from it."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from api.customers import wording
from api.customers.wording import Company
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
LIVE = ("booked", "assigned", "en_route")  # the page keeps polling while one of these


def _arrival(job: Doc, planned: Planned | None) -> datetime | None:
    """What the customer was told, else the job's ETA, else the plan's expectation."""
    said: datetime | None = (job.get("customer_eta") or {}).get("eta") or job.get("eta")
    if said is None and planned is not None and job["status"] == "booked":
        expected = planned(job["_id"])
        said = expected[1] if expected else None
    return said


@maps_driver_errors
async def public_view(
    store: Store,
    token: str,
    now: datetime,
    company: Company,
    planned: Planned | None = None,
    live: Callable[[list[Doc]], Awaitable[None]] | None = None,
) -> Doc | None:
    """What a customer holding `token` may see, or None (unknown or expired): words in
    the company's time zone, the tech's first name, and the tech's position only while
    driving to this customer. A booked job with no ETA yet shows the look-ahead plan's
    expected arrival, if `planned` has one; `live` lays the newest position over the
    stored one."""
    if not (20 <= len(token) <= 64) or not token.replace("-", "").replace("_", "").isalnum():
        return None
    job: Doc | None = await store.jobs.find_one({"tracking.token": token})
    if job is None or job["tracking"]["expires_at"] <= now:
        return None
    zone, status = company.zone, job["status"]
    arrival = _arrival(job, planned) if status in LIVE else None
    view: Doc = {
        "company": {"name": company.name, "phone": company.phone},
        "status": status,
        "statusText": wording.status_words(status),
        "window": wording.window(job["window_start"], job["window_end"], now, zone),
        "eta": wording.around(arrival, now, zone) if arrival else None,
        "technician": None,
        "position": None,
        "live": status in (*LIVE, "on_site"),  # the page keeps polling until done
    }
    if job.get("arrived_at") and status in ("on_site", "completed"):
        view["arrived"] = wording.clock_time(job["arrived_at"], zone)
    if job.get("tech_id"):
        tech = await store.technicians.find_one({"_id": job["tech_id"]})
        if tech is not None and live is not None:
            await live([tech])
        if tech is not None:
            view["technician"] = tech["name"].split()[0]
            if status == "en_route" and tech.get("location"):
                lon, lat = tech["location"]["coordinates"]
                view["position"] = {"lat": round(lat, 4), "lon": round(lon, 4)}
    return view
