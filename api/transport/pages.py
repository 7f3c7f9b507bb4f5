"""The pages: the dispatcher's live map at /map, the console's /console/team (managers)
and /console/desk (CSRs), the technician's app at /tech and the customer's tracking page.

Each page is static files from `web/public` (Leaflet from `web/node_modules`) plus the
little configuration it needs; the pages talk only to the public GraphQL API.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

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
from api.customers.wording import phone_words
from api.persistence.company import read_company
from mobile_contract import manifest

WEB = Path(__file__).resolve().parents[2] / "web"
TRACK = WEB / "public" / "track"
PAGE = TRACK / "index.html"
EXPIRED = TRACK / "expired.html"


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


def tracking_routes(
    guard: Callable[
        [Callable[[Request], Awaitable[Response]]], Callable[[Request], Awaitable[Response]]
    ],
) -> list[BaseRoute]:
    """The customer's page: /track/<token> (HTML), /track/<token>.json (what it polls),
    its script and styles, and Leaflet for the small map. `guard` wraps the token lookup
    (the per-address rate limit)."""
    leaflet = WEB / "node_modules" / "leaflet" / "dist"
    return [
        Mount("/track/static", StaticFiles(directory=TRACK, check_dir=False)),
        Mount("/track/leaflet", StaticFiles(directory=leaflet, check_dir=False)),
        Route("/track/{token}", guard(tracking_page), methods=["GET"]),
    ]


def _tile_origin(template: str) -> str:
    """The CSP source for the tile server: `https://{s}.tile.x` becomes `https://*.tile.x`."""
    parts = urlsplit(template.replace("{s}", "*"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _headers(tile_url: str) -> dict[str, str]:
    csp = (
        "default-src 'none'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' data: {_tile_origin(tile_url)}; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    return {
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
    }


async def tracking_page(request: Request) -> Response:
    """The page (or, for `<token>.json`, the view it polls); 404 once the link expired."""
    settings = request.app.state.settings
    token: str = request.path_params["token"]
    want_json = token.endswith(".json")
    company = await request.app.state.timing.company()
    view = await public_view(
        request.app.state.store,
        token.removesuffix(".json"),
        request.app.state.clock(),
        company,
        request.app.state.planner.expected,
        request.app.state.reader.live,
    )
    headers = _headers(settings.map_tile_url)
    if view is None:
        if want_json:
            return JSONResponse({"expired": True}, 404, headers=headers)
        page = _fill(EXPIRED, company.name, company.phone, "", "")
        return HTMLResponse(page, 404, headers=headers)
    if want_json:
        return JSONResponse(view, headers=headers)
    poll_ms = str(int(settings.track_poll_seconds * 1000))
    page = _fill(PAGE, company.name, company.phone, settings.map_tile_url, poll_ms)
    return HTMLResponse(page, headers=headers)


def _fill(template: Path, name: str, phone: str, tiles: str, poll_ms: str) -> str:
    """The static page with the company's name, phone, tile server and refresh period
    filled in, escaped (attribute-safe)."""
    dial = "".join(c for c in phone if c.isdigit() or c == "+")
    shown = phone_words(phone)
    values = {"company": name, "phone": shown, "dial": dial, "tiles": tiles, "poll": poll_ms}
    text = template.read_text().replace("{{nocall}}", "" if dial else " hidden")
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", html.escape(value, quote=True))
    return text
