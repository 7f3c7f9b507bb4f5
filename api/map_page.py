"""The dispatcher's live map at /map: the static page from `web/public`, Leaflet from
`web/node_modules`, and the little configuration the page needs.

The page itself talks only to the public GraphQL API, with the dispatcher's token.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

WEB = Path(__file__).resolve().parent.parent / "web"


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
