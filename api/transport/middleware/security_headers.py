"""Security headers on every HTTP response: CSP, no framing, no sniffing, no referrer.

One policy for the app (the map's scripts and styles are its own files; its tiles come
from `NEXTJOB_MAP_TILE_URL`'s origin), a looser one only for the GraphiQL page (its
inline boot script and styles). GraphiQL's bundle is served from this server
(`api/transport/graphiql.py`), so no third-party origin is allowed anywhere. Headers a
route set itself are kept.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def tile_source(tile_url: str) -> str:
    """The CSP source for a tile URL template (`{s}` subdomains become a wildcard)."""
    parts = urlsplit(tile_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    host = parts.netloc.replace("{s}", "*")
    if "{" in host or "}" in host:
        return f"{parts.scheme}:"
    return f"{parts.scheme}://{host}"


def app_policy(tile_url: str) -> str:
    tiles = tile_source(tile_url)
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' data: {tiles}".rstrip(),
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


GRAPHIQL_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    """ASGI middleware adding the headers to every HTTP response (WebSockets untouched)."""

    def __init__(self, app: ASGIApp, tile_url: str = "", graphql_path: str = "/graphql") -> None:
        self.app = app
        self.policy = app_policy(tile_url)
        self.graphql_path = graphql_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                html = headers.get("content-type", "").startswith("text/html")
                graphiql = html and scope["path"] == self.graphql_path
                headers.setdefault(
                    "Content-Security-Policy", GRAPHIQL_POLICY if graphiql else self.policy
                )
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
            await send(message)

        await self.app(scope, receive, with_headers)
