"""The front door's services: who is calling, how often they may, and which documents.

Made in the app's lifespan (`open_access`) and kept on `app.state.access`; the GraphQL
view asks it at both doors (HTTP and WebSocket).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from pymongo.errors import PyMongoError

from api.access.apikeys import ApiKeys, looks_like_api_key
from api.access.persisted import PersistedDocuments, create_query_cache
from api.access.ratelimit import Limit, RateLimiter, create_rate_limiter
from api.access.sessions import Sessions
from api.access.tokens import bearer_from_header, verify_token
from api.core.domain import Role
from api.core.errors import NextjobError
from api.core.principal import Principal
from api.core.settings import Settings
from api.persistence.store import Store, translate


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
    sessions: Sessions | None = None  # people's signed-in sessions (api.access.sessions)

    async def close(self) -> None:
        await self.limiter.close()
        await self.documents.cache.close()

    async def authenticate(self, authorization: str | None, api_key: str | None) -> Principal:
        """A user's JWT or an integration's API key (`Bearer njk_...` or `X-API-Key`)."""
        if api_key is None:
            token = bearer_from_header(authorization)
            if not looks_like_api_key(token):
                principal = verify_token(self.settings.signing_secret(), token)
                if self.sessions is not None:  # a revoked session or deactivated account
                    await self.sessions.check(principal)
                return principal
            api_key = token
        try:
            return await self.keys.authenticate(api_key.strip())
        except PyMongoError as exc:
            raise translate(exc) from exc

    async def still_valid(self, principal: Principal) -> bool:
        """For open sockets: is the principal's signed-in session (if any) still live?"""
        return self.sessions is None or await self.sessions.still_valid(principal)

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
    sessions = Sessions(store.db["sessions"], timedelta(days=settings.session_days))
    await sessions.ensure_indexes()
    return Access(settings, keys, create_rate_limiter(settings.redis_url), documents, sessions)
