"""Persisted documents: Automatic Persisted Queries and the phone's trusted documents.

- APQ (integrators): `extensions.persistedQuery = {version: 1, sha256Hash}`. Sent with
  the query, the hash is checked and the pair remembered; sent alone, a known hash
  runs its query and an unknown one answers `PERSISTED_QUERY_NOT_FOUND`, upon which
  the client resends with the query.
- Trusted documents (the phone): `documentId: "sha256:<hex>"` names one of the
  documents in `mobile_contract/manifest.json`; nothing else is looked up.

With `tech_trusted_documents_only`, technicians may run only the manifest's documents.

APQ keeps only documents worth keeping: at most `MAX_DOCUMENT_BYTES`, and accepted by
the caller's `vet` (the HTTP view checks that they parse and validate; without one,
that they parse). In memory the store is an LRU bounded by bytes; in Redis each entry
expires after the TTL (bound Redis itself with `maxmemory`).
"""

from __future__ import annotations

import hashlib
import re
import sys
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Final, Protocol

from graphql import GraphQLError, parse
from redis.asyncio import Redis
from redis.exceptions import RedisError

from api.core.domain import Role
from api.core.errors import InvalidInput, NextjobError, Unavailable
from api.core.principal import Principal
from mobile_contract import manifest, operations

_SHA256 = re.compile(r"[0-9a-f]{64}")
MAX_DOCUMENT_BYTES: Final = 64 * 1024  # larger documents still run, but are not kept
MEMORY_BYTES: Final = 8 * 1024 * 1024
_ENTRY_OVERHEAD: Final = 256  # digest, tuple, dict slot

Vet = Callable[[str], bool]


def parses(document: str) -> bool:
    """The default vet: GraphQL syntax within 2,000 tokens."""
    try:
        parse(document, max_tokens=2000, no_location=True)
    except GraphQLError:
        return False
    return True


class PersistedQueryNotFound(NextjobError):
    code = "PERSISTED_QUERY_NOT_FOUND"


class PersistedQueryRequired(NextjobError):
    code = "PERSISTED_QUERY_REQUIRED"


def sha256(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


class QueryCache(Protocol):
    async def get(self, digest: str) -> str | None: ...

    async def put(self, digest: str, document: str) -> None: ...

    async def close(self) -> None: ...


class MemoryQueryCache:
    """An LRU of documents, bounded by their total size and by count, entries expiring."""

    def __init__(self, ttl: float, max_bytes: int = MEMORY_BYTES, maxsize: int = 5_000) -> None:
        self.ttl, self.max_bytes, self.maxsize = ttl, max_bytes, maxsize
        self.bytes = 0
        self._docs: OrderedDict[str, tuple[float, str]] = OrderedDict()

    async def get(self, digest: str) -> str | None:
        hit = self._docs.get(digest)
        if hit is None or hit[0] <= time.monotonic():
            return None
        self._docs.move_to_end(digest)
        return hit[1]

    async def put(self, digest: str, document: str) -> None:
        self._drop(digest)
        self._docs[digest] = (time.monotonic() + self.ttl, document)
        self.bytes += _weight(document)
        while self._docs and (self.bytes > self.max_bytes or len(self._docs) > self.maxsize):
            self._drop(next(iter(self._docs)))

    def _drop(self, digest: str) -> None:
        old = self._docs.pop(digest, None)
        if old is not None:
            self.bytes -= _weight(old[1])

    async def close(self) -> None:
        self._docs.clear()
        self.bytes = 0


def _weight(document: str) -> int:
    return sys.getsizeof(document) + _ENTRY_OVERHEAD


class RedisQueryCache:
    def __init__(self, url: str, ttl: int) -> None:
        self.redis: Redis = Redis.from_url(url)
        self.ttl = ttl

    async def get(self, digest: str) -> str | None:
        try:
            raw = await self.redis.get(f"nextjob:apq:{digest}")
        except RedisError as exc:
            raise Unavailable("persisted query store unavailable") from exc
        return raw.decode() if isinstance(raw, bytes) else None

    async def put(self, digest: str, document: str) -> None:
        try:
            await self.redis.set(f"nextjob:apq:{digest}", document, ex=self.ttl)
        except RedisError as exc:
            raise Unavailable("persisted query store unavailable") from exc

    async def close(self) -> None:
        await self.redis.aclose()


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _keepable(document: str) -> bool:
    return len(document.encode("utf-8", "surrogatepass")) <= MAX_DOCUMENT_BYTES


def create_query_cache(redis_url: str | None, ttl: int) -> QueryCache:
    return RedisQueryCache(redis_url, ttl) if redis_url else MemoryQueryCache(ttl)


class PersistedDocuments:
    """Turns what a client sent (query, extensions, documentId) into the document to run."""

    def __init__(self, cache: QueryCache, *, tech_trusted_only: bool) -> None:
        self.cache = cache
        self.trusted = {digest: operations()[name] for name, digest in manifest().items()}
        self.tech_trusted_only = tech_trusted_only

    async def resolve(
        self,
        principal: Principal | None,
        query: Any,
        extensions: Any,
        document_id: Any,
        vet: Vet = parses,
    ) -> str | None:
        """The document to run; an APQ registration is kept only if `vet` accepts it."""
        document = await self._document(query, extensions, document_id, vet)
        if (
            self.tech_trusted_only
            and principal is not None
            and principal.role is Role.TECHNICIAN
            and (document is None or sha256(document) not in self.trusted)
        ):
            raise PersistedQueryRequired(
                "technicians may send only the app's trusted documents (documentId)"
            )
        return document

    async def _document(
        self, query: Any, extensions: Any, document_id: Any, vet: Vet
    ) -> str | None:
        if query is not None and not isinstance(query, str):
            raise InvalidInput("query must be a string", "query")
        if query is not None and not _is_unicode(query):
            raise InvalidInput("query is not valid Unicode (lone surrogate)", "query")
        if document_id is not None:
            return self._trusted(document_id, query)
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        if persisted is None:
            return query
        digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
            raise InvalidInput("persistedQuery.sha256Hash must be 64 lowercase hex digits")
        if persisted.get("version", 1) != 1:
            raise InvalidInput("unsupported persistedQuery version")
        if query is not None:
            if sha256(query) != digest:
                raise InvalidInput("provided sha256Hash does not match the query")
            if digest not in self.trusted and _keepable(query) and vet(query):
                await self.cache.put(digest, query)
            return query
        found = self.trusted.get(digest) or await self.cache.get(digest)
        if found is None:
            raise PersistedQueryNotFound("PersistedQueryNotFound")
        return found

    def _trusted(self, document_id: Any, query: str | None) -> str:
        if not isinstance(document_id, str):
            raise InvalidInput("documentId must be a string", "documentId")
        digest = document_id.removeprefix("sha256:")
        document = self.trusted.get(digest)
        if document is None:
            raise PersistedQueryNotFound(f"no trusted document {document_id}")
        if query is not None and query != document:
            raise InvalidInput("send either documentId or query, not both", "documentId")
        return document
