"""The pages: the dispatcher's live map at /map, the console's /console/team (managers)
and /console/desk (CSRs), the technician's app at /tech and the customer's tracking page.

Each page is static files from `web/public` (Leaflet from `web/node_modules`) plus the
little configuration it needs; the pages talk only to the public GraphQL API.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from api.customers.tracking import public_view
from api.persistence.company import read_company
from api.persistence.store import Store
from mobile_contract import manifest

WEB = Path(__file__).resolve().parents[2] / "web"


def map_routes() -> list[BaseRoute]:
    """Routes for /map. Missing folders (no `npm ci` yet) give 404s, not a failed start."""
    leaflet = WEB / "node_modules" / "leaflet" / "dist"
    return [
        Route("/map", _with_slash, methods=["GET"]),
        Route("/map/config.json", map_config, methods=["GET"]),
        Mount("/map/leaflet", StaticFiles(directory=leaflet, check_dir=False)),
        Mount("/map", StaticFiles(directory=WEB / "public", html=True, check_dir=False)),
    ]


def console_routes() -> list[BaseRoute]:
    """The console pages: /console/team (managers; ES modules shared with /map) and
    /console/desk (CSRs)."""
    public = WEB / "public"
    return [
        Route("/console/team", _team_with_slash, methods=["GET"]),
        Mount("/console/js", StaticFiles(directory=public / "js", check_dir=False)),
        Mount("/console/team", StaticFiles(directory=public / "team", html=True, check_dir=False)),
        *desk_routes(),
    ]


async def _team_with_slash(request: Request) -> RedirectResponse:
    return RedirectResponse(request.url.replace(path="/console/team/"), status_code=307)


def desk_routes() -> list[BaseRoute]:
    """The CSR's booking desk at /console/desk: its own page and modules, the same
    Leaflet, and the same small configuration as the map."""
    leaflet = WEB / "node_modules" / "leaflet" / "dist"
    return [
        Route("/console/desk", _desk_with_slash, methods=["GET"]),
        Route("/console/desk/config.json", map_config, methods=["GET"]),
        Mount("/console/desk/leaflet", StaticFiles(directory=leaflet, check_dir=False)),
        Mount(
            "/console/desk",
            StaticFiles(directory=WEB / "public" / "desk", html=True, check_dir=False),
        ),
    ]


async def _desk_with_slash(request: Request) -> RedirectResponse:
    return RedirectResponse(request.url.replace(path="/console/desk/"), status_code=307)


async def _with_slash(request: Request) -> RedirectResponse:
    # Relative asset URLs need the slash; the query (a pasted ?token=) is kept.
    return RedirectResponse(request.url.replace(path=request.url.path + "/"), status_code=307)


def tech_routes() -> list[BaseRoute]:
    """Routes for /tech, the technician's installable web app (web/public/tech)."""
    tech = WEB / "public" / "tech"
    return [
        Route("/tech", _with_slash, methods=["GET"]),
        Route("/tech/config.json", map_config, methods=["GET"]),
        Route("/tech/contract.json", _contract, methods=["GET"]),
        Route(
            "/tech/sw.js",
            _file(tech / "sw.js", "text/javascript", {"Service-Worker-Allowed": "/tech/"}),
            methods=["GET"],
        ),
        Route(
            "/tech/manifest.webmanifest",
            _file(tech / "manifest.webmanifest", "application/manifest+json"),
            methods=["GET"],
        ),
        Mount("/tech", StaticFiles(directory=tech, html=True, check_dir=False)),
    ]


async def _contract(request: Request) -> JSONResponse:
    # The app sends operations by hash only (trusted documents): it needs just the names.
    return JSONResponse(manifest(), headers={"Cache-Control": "no-cache"})


def _file(
    path: Path, media_type: str, extra: dict[str, str] | None = None
) -> Callable[[Request], Awaitable[Response]]:
    """A file served revalidated on every load: browsers must see a new service worker."""
    headers = {"Cache-Control": "no-cache", **(extra or {})}
    present = path.is_file()  # shipped with the code: looked at once, at start-up

    async def serve(request: Request) -> Response:
        if not present:
            return Response("not found", 404)
        return FileResponse(path, media_type=media_type, headers=headers)

    return serve


async def map_config(request: Request) -> JSONResponse:
    """What the page cannot know by itself: the tile server and the company's time zone."""
    settings = request.app.state.settings
    company = await read_company(request.app.state.store, settings)
    return JSONResponse(
        {"tileUrl": settings.map_tile_url, "timezone": company.timezone, "graphql": "/graphql"},
        headers={"Cache-Control": "no-store"},
    )


async def tracking_page(request: Request) -> Response:
    store: Store = request.app.state.store
    token = request.path_params["token"]
    planned = request.app.state.planner.expected
    view = await public_view(store, token.removesuffix(".json"), request.app.state.clock(), planned)
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
