"""The front door's services: who is calling, how often they may, and which documents.

Made in the app's lifespan (`open_access`) and kept on `app.state.access`; the GraphQL
view asks it at both doors (HTTP and WebSocket).

Revocation: `revoke_key` / `revoke_token` record it, then `announce` it on the
credentials channel (wired to the broker by the app), where every process's socket
registry (`api.transport.sockets`) calls `forget` and re-checks the sockets holding that
credential with `still_valid`. `still_valid` runs `validity_checks` in turn; another kind
of credential (people's sessions, `Principal.session_id`) adds its check there.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from api.access.apikeys import ApiKeys, looks_like_api_key
from api.access.persisted import PersistedDocuments, create_query_cache
from api.access.ratelimit import Limit, RateLimiter, create_rate_limiter
from api.access.tokens import RevokedTokens, bearer_from_header, verify_token
from api.core.domain import Role
from api.core.errors import NextjobError, Unauthenticated
from api.core.principal import Principal
from api.core.settings import Settings
from api.persistence.driver_errors import mapped_driver_errors, maps_driver_errors
from api.persistence.store import Doc, Store

ValidityCheck = Callable[[Principal], Awaitable[bool]]
"""One rule a live credential must still pass (False: revoked or deactivated)."""
Announce = Callable[[str], Awaitable[None]]
"""Publishes a credential key (`Principal.credential_keys`) on the credentials channel."""


class RateLimited(NextjobError):
    code = "RATE_LIMITED"
    retryable = True

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(f"rate limit exceeded; retry after {self.retry_after} s")


@dataclass
class Access:
    settings: Settings
    keys: ApiKeys
    limiter: RateLimiter
    documents: PersistedDocuments
    tokens: RevokedTokens
    announce: Announce | None = None
    validity_checks: list[ValidityCheck] = field(default_factory=list)
    _lookups_blocked: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.validity_checks.extend([self._key_live, self._token_live])

    async def close(self) -> None:
        await self.limiter.close()
        await self.documents.cache.close()

    @maps_driver_errors
    async def authenticate(
        self, authorization: str | None, api_key: str | None, client: str | None = None
    ) -> Principal:
        """A user's JWT or an integration's API key (`Bearer njk_...` or `X-API-Key`).
        `client` (the caller's address) throttles lookups of keys not in the cache."""
        if api_key is None:
            token = bearer_from_header(authorization)
            if not looks_like_api_key(token):
                principal = verify_token(self.settings.signing_secret(), token)
                if principal.token_id and await self.tokens.is_revoked(principal.token_id):
                    raise Unauthenticated("token revoked")
                return principal
            api_key = token

        client_key = client or "-"
        try:
            return await self.keys.authenticate(
                api_key.strip(), lambda: self._check_lookup_budget(client_key)
            )
        except Unauthenticated:
            await self._spend_lookup_budget(client_key)
            raise

    def _check_lookup_budget(self, client: str) -> None:
        """An address that sent too many unknown keys is refused before any lookup."""
        until = self._lookups_blocked.get(client)
        if until is not None:
            left = until - time.monotonic()
            if left > 0:
                raise RateLimited(left)
            del self._lookups_blocked[client]

    async def _spend_lookup_budget(self, client: str) -> None:
        """Each unknown key costs its address one lookup of a budget shared by processes."""
        per_minute = self.settings.api_key_lookup_per_minute
        if per_minute == 0:
            return
        limit = Limit(per_minute, max(1, per_minute // 4))
        decision = await self.limiter.hit(f"keylookup:{client}", limit)
        if not decision.allowed:
            if len(self._lookups_blocked) >= 10_000:
                self._lookups_blocked.clear()
            self._lookups_blocked[client] = time.monotonic() + decision.retry_after

    async def still_valid(self, principal: Principal) -> bool:
        """Whether this principal's credential still works, read fresh (not from caches):
        unexpired and passing every validity check."""
        if principal.expires_at is not None and principal.expires_at <= datetime.now(UTC):
            return False
        with mapped_driver_errors():
            for check in self.validity_checks:
                if not await check(principal):
                    return False
        return True

    async def _key_live(self, principal: Principal) -> bool:
        if principal.role is not Role.INTEGRATION or principal.token_id is not None:
            return True
        return await self.keys.is_live(principal.subject)

    async def _token_live(self, principal: Principal) -> bool:
        if principal.token_id is None:
            return True
        return not await self.tokens.is_revoked(principal.token_id, fresh=True)

    async def revoke_key(self, key_id: str) -> Doc:
        """Revoke an API key, and end its open sockets in every process."""
        doc = await self.keys.revoke(key_id)
        await self._announce(f"sub:{key_id}")
        return doc

    async def revoke_token(self, token_id: str, expires_at: datetime | None, by: str) -> None:
        """Revoke one token by its id (`jti`), and end its open sockets in every process."""
        await self.tokens.revoke(token_id, expires_at, by)
        await self._announce(f"jti:{token_id}")

    def forget(self, credential_key: str) -> None:
        """Drop what the caches remember of a credential announced as revoked."""
        kind, _, ident = credential_key.partition(":")
        if kind == "jti":
            self.tokens.forget(ident)
        else:
            self.keys.forget()

    async def _announce(self, credential_key: str) -> None:
        if self.announce is not None:
            await self.announce(credential_key)

    async def check_rate(self, principal: Principal) -> None:
        """Spend one request of this caller's budget, or raise `RateLimited`."""
        s = self.settings
        if principal.role is Role.INTEGRATION:
            per_minute, burst = s.integration_rate_limit_per_minute, s.integration_rate_limit_burst
        else:
            per_minute, burst = s.rate_limit_per_minute, s.rate_limit_burst
        if per_minute == 0:
            return
        key = f"{principal.role.value}:{principal.subject}"
        decision = await self.limiter.hit(key, Limit(per_minute, burst))
        if not decision.allowed:
            raise RateLimited(decision.retry_after)


async def open_access(settings: Settings, store: Store) -> Access:
    keys = ApiKeys(store.db["api_keys"])
    await keys.ensure_indexes()
    documents = PersistedDocuments(
        create_query_cache(settings.redis_url, settings.apq_ttl_seconds),
        tech_trusted_only=settings.tech_trusted_documents_only,
    )
    tokens = RevokedTokens(store.db["revoked_tokens"], settings.token_revocation_cache_seconds)
    await tokens.ensure_indexes()
    return Access(settings, keys, create_rate_limiter(settings.redis_url), documents, tokens)
