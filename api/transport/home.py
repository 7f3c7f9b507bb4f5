"""The start page at `/`: where each kind of user goes (no script, no framework)."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

HOME = Path(__file__).resolve().parents[2] / "web" / "home"


async def _page(request: Request) -> Response:
    return FileResponse(HOME / "index.html", headers={"Cache-Control": "no-cache"})


async def _style(request: Request) -> Response:
    return FileResponse(HOME / "home.css", headers={"Cache-Control": "no-cache"})


def home_routes() -> list[BaseRoute]:
    return [
        Route("/", _page, methods=["GET", "HEAD"]),
        Route("/home.css", _style, methods=["GET", "HEAD"]),
    ]
