"""GraphiQL without the internet: the IDE's scripts and styles from this server.

strawberry's GraphiQL page loads React, GraphiQL and its explorer plugin from unpkg. The
Makefile fetches those exact packages (`npm pack`, same versions) into `web/graphiql/`,
and the page is rewritten to load them from `/graphiql/`. The page keeps its
subresource-integrity hashes, so the browser still checks every file it runs.
"""

from __future__ import annotations

import re
from pathlib import Path

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

GRAPHIQL_DIR = Path(__file__).resolve().parents[2] / "web" / "graphiql"
# https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/style.css
#   -> /graphiql/graphiql-plugin-explorer-1.0.2/dist/style.css (npm pack's folder name)
_UNPKG = re.compile(r"https://unpkg\.com/(?:@([\w.-]+)/)?([\w.-]+)@([\w.-]+)/")


def _local(match: re.Match[str]) -> str:
    scope, name, version = match.groups()
    folder = f"{scope}-{name}" if scope else name
    return f"/graphiql/{folder}-{version}/"


def offline_ide(html: str) -> str:
    """The IDE page with every unpkg URL pointing at this server's copy."""
    return _UNPKG.sub(_local, html)


def graphiql_routes() -> list[BaseRoute]:
    """The IDE's assets (a missing folder gives 404s, not a failed start)."""
    return [Mount("/graphiql", StaticFiles(directory=GRAPHIQL_DIR, check_dir=False))]
