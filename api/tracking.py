"""Customer tracking links: an unguessable, expiring token per job, and the tiny page
it opens. The page shows the tech's first name, the status and ETA and, only while the
tech drives to this customer, the tech's position; nothing else is reachable from it."""

from __future__ import annotations

import html
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from pymongo import ReturnDocument
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from api.clock import utcnow
from api.store import Doc, Store

TOKEN_BYTES = 24
VALID_AFTER_WINDOW = timedelta(hours=12)


async def tracking_token(store: Store, job: Doc) -> str:
    """The job's token, created on first use."""
    if job.get("tracking", {}).get("token"):
        return str(job["tracking"]["token"])
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expires = job["window_end"] + VALID_AFTER_WINDOW
    doc: Doc | None = await store.jobs.find_one_and_update(
        {"_id": job["_id"], "tracking.token": {"$exists": False}},
        {"$set": {"tracking": {"token": token, "expires_at": expires}}},
        return_document=ReturnDocument.AFTER,
    )
    if doc is None:  # somebody else created it first
        doc = await store.jobs.find_one({"_id": job["_id"]}, {"tracking": 1})
    assert doc is not None
    return str(doc["tracking"]["token"])


Planned = Callable[[str], tuple[str, datetime] | None]  # job id -> (tech id, arrival)


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


async def tracking_page(request: Request) -> Response:
    store: Store = request.app.state.store
    token = request.path_params["token"]
    planned = request.app.state.planner.expected
    view = await public_view(store, token.removesuffix(".json"), utcnow(), planned)
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    if view is None:
        return HTMLResponse("<h1>This tracking link has expired.</h1>", 404, headers=headers)
    if token.endswith(".json"):
        return JSONResponse(view, headers=headers)
    who = html.escape(view["technician"] or "Your technician")
    eta = html.escape(view["eta"] or "within your arrival window")
    where = ""
    if view["position"]:
        p = view["position"]
        where = f"<p>Now at {p['lat']:.4f}, {p['lon']:.4f}</p>"
    body = (
        "<!doctype html><meta charset=utf-8><meta http-equiv=refresh content=30>"
        "<meta name=viewport content='width=device-width'><title>Your visit</title>"
        f"<h1>{who}</h1><p>Status: {html.escape(view['status'].replace('_', ' '))}</p>"
        f"<p>Arrival: {eta}</p><p>Window: {html.escape(view['window']['start'])} to "
        f"{html.escape(view['window']['end'])}</p>{where}"
    )
    return HTMLResponse(body, headers=headers)
