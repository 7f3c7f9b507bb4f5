"""The people pages: sign-in at /signin and the managers' accounts page at
/console/accounts. Static files from `web/public` (under /static); each page talks only
to /auth/* and the public GraphQL API.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Final

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

PUBLIC = Path(__file__).resolve().parents[2] / "web" / "public"
# Scripts and styles only from here; no frames, no inline script, no plugins.
SECURITY_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def _page(name: str) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return FileResponse(PUBLIC / name, headers=SECURITY_HEADERS, media_type="text/html")

    return endpoint


def people_page_routes() -> list[BaseRoute]:
    return [
        Route("/signin", _page("signin.html"), methods=["GET"]),
        Route("/console/accounts", _page("accounts.html"), methods=["GET"]),
        Mount("/static", StaticFiles(directory=PUBLIC, check_dir=False)),
    ]
