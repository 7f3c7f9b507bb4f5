"""API keys for integrations: made by a manager, shown once, stored hashed, revocable.

A key reads `njk_<prefix>_<secret>`. The `prefix` finds the stored record; the sha256 of
the whole key must match its `hash`. A valid key becomes a `Principal` with role
integration, the key's id as subject and the key's scopes. Lookups are cached in the
process for `CACHE_SECONDS`; a revocation is announced on the credentials channel
(`api.access.front_door.Access.revoke_key`), which drops every process's cache at once
and closes the key's open sockets. `CACHE_SECONDS` only bounds a lost announcement.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Final

from pymongo.asynchronous.collection import AsyncCollection

from api.access.refresh_tokens import hashed
from api.core.domain import Role
from api.core.errors import InvalidInput, NotFound, Unauthenticated
from api.core.principal import Principal
from api.persistence.driver_errors import maps_driver_errors
from api.persistence.store import Doc

SCOPES: Final = frozenset(
    {
        "jobs:read",
        "jobs:write",
        "technicians:read",
        "kpis:read",
        "team:write",
        "customers:read",
    }
)
KEY_PREFIX: Final = "njk_"
CACHE_SECONDS: Final = 30.0
_CACHE_MAX: Final = 10_000


def looks_like_api_key(value: str) -> bool:
    return value.startswith(KEY_PREFIX)


def parse_scopes(raw: str | list[str] | tuple[str, ...]) -> list[str]:
    """Known scopes, sorted; an unknown one is `InvalidInput`."""
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    scopes = sorted({s.strip() for s in items if s.strip()})
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise InvalidInput(
            f"unknown scope(s) {', '.join(unknown)}; known: {', '.join(sorted(SCOPES))}",
            "scopes",
        )
    return scopes


class ApiKeys:
    """The `api_keys` collection and the in-process lookup cache."""

    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self.collection = collection
        self._cache: dict[str, tuple[float, Principal | None]] = {}

    async def ensure_indexes(self) -> None:
        await self.collection.create_index("prefix", unique=True, name="api_keys_prefix")

    @maps_driver_errors
    async def create(self, name: str, scopes: list[str], created_by: str) -> tuple[Doc, str]:
        """Store a new key; returns its record and the key itself (shown only this once)."""
        name = name.strip()
        if not 1 <= len(name) <= 100 or not name.isprintable():
            raise InvalidInput("name must be 1-100 printable characters", "name")
        prefix = secrets.token_hex(6)
        key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
        doc: Doc = {
            "_id": f"key_{prefix}",
            "name": name,
            "prefix": prefix,
            "hash": hashed(key),
            "scopes": parse_scopes(scopes),
            "created_by": created_by,
            "created_at": datetime.now(UTC),
            "revoked_at": None,
        }
        await self.collection.insert_one(doc)
        return doc, key

    @maps_driver_errors
    async def revoke(self, key_id: str) -> Doc:
        """Revoke a key (idempotent); it stops working in this process at once."""
        await self.collection.update_one(
            {"_id": key_id, "revoked_at": None}, {"$set": {"revoked_at": datetime.now(UTC)}}
        )
        doc: Doc | None = await self.collection.find_one({"_id": key_id})
        if doc is None:
            raise NotFound(f"API key {key_id} not found")
        self._cache.clear()
        return doc

    @maps_driver_errors
    async def list(self, include_revoked: bool = False) -> list[Doc]:
        query: Doc = {} if include_revoked else {"revoked_at": None}
        return await self.collection.find(query).sort([("created_at", 1), ("_id", 1)]).to_list(None)

    def forget(self) -> None:
        """Drop the lookup cache (a key was revoked somewhere)."""
        self._cache.clear()

    async def is_live(self, key_id: str) -> bool:
        """Whether the key exists and is not revoked, read from the database now."""
        doc = await self.collection.find_one({"_id": key_id, "revoked_at": None}, {"_id": 1})
        return doc is not None

    async def authenticate(
        self, key: str, before_lookup: Callable[[], None] | None = None
    ) -> Principal:
        """The principal for a presented key, or `Unauthenticated`. `before_lookup` runs
        before a database lookup (not for cached keys): the caller's throttle."""
        digest = hashed(key)
        now = time.monotonic()
        hit = self._cache.get(digest)
        if hit is None or hit[0] <= now:
            if before_lookup is not None:
                before_lookup()
            principal = await self._lookup(key, digest)
            if len(self._cache) >= _CACHE_MAX:
                self._cache.clear()
            self._cache[digest] = (now + CACHE_SECONDS, principal)
        else:
            principal = hit[1]
        if principal is None:
            raise Unauthenticated("invalid or revoked API key")
        return principal

    async def _lookup(self, key: str, digest: str) -> Principal | None:
        prefix, sep, _ = key.removeprefix(KEY_PREFIX).partition("_")
        if not sep or not prefix.isalnum():
            return None
        doc: Doc | None = await self.collection.find_one({"prefix": prefix, "revoked_at": None})
        if doc is None or not hmac.compare_digest(doc["hash"], digest):
            return None
        return Principal(role=Role.INTEGRATION, subject=doc["_id"], scopes=frozenset(doc["scopes"]))
