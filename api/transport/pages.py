"""The pages: the dispatcher's live map at /map and the customer's tracking page at
/track/<token> (static files in web/public/track, words from api.customers.wording,
a strict CSP: no inline script or style).

The map: the static page from `web/public`, Leaflet from
`web/node_modules`, and the little configuration the page needs.

The page itself talks only to the public GraphQL API, with the dispatcher's token.
"""

from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from api.customers.tracking import public_view
from api.customers.wording import phone_words

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


async def _with_slash(request: Request) -> RedirectResponse:
    # Relative asset URLs need the slash; the query (a pasted ?token=) is kept.
    return RedirectResponse(request.url.replace(path="/map/"), status_code=307)


async def map_config(request: Request) -> JSONResponse:
    """What the page cannot know by itself: the tile server and the company's time zone."""
    settings = request.app.state.settings
    return JSONResponse(
        {"tileUrl": settings.map_tile_url, "timezone": settings.timezone, "graphql": "/graphql"},
        headers={"Cache-Control": "no-store"},
    )


def tracking_routes() -> list[BaseRoute]:
    """The customer's page: /track/<token> (HTML), /track/<token>.json (what it polls),
    its script and styles, and Leaflet for the small map."""
    leaflet = WEB / "node_modules" / "leaflet" / "dist"
    return [
        Mount("/track/static", StaticFiles(directory=TRACK, check_dir=False)),
        Mount("/track/leaflet", StaticFiles(directory=leaflet, check_dir=False)),
        Route("/track/{token}", tracking_page, methods=["GET"]),
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
