"""Bearer tokens: HS256 JWTs naming a role and a subject (a technician id, a CSR login...).

Every token carries its own id (`jti`, `Principal.token_id`), so one token can be revoked
by itself: `RevokedTokens` keeps the revoked ids until the tokens would have expired.

API keys (`njk_...`, see `api.access.apikeys`) also end up as a `Principal`: role integration,
the key's id as subject, and the key's scopes.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Final

import jwt
from pymongo.asynchronous.collection import AsyncCollection

from api.core.domain import Role
from api.core.errors import Unauthenticated
from api.core.principal import Principal
from api.persistence.store import Doc

_ALGORITHM = "HS256"
_ISSUER = "nextjob"


def issue_token(
    secret: str,
    role: Role,
    subject: str,
    ttl: timedelta,
    scopes: Iterable[str] = (),
    token_id: str | None = None,
) -> str:
    """A signed token; `token_id` (the `jti`) is random unless given."""
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "jti": token_id or uuid.uuid4().hex,
        "sub": subject,
        "role": role.value,
        "iss": _ISSUER,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    if scopes:
        claims["scopes"] = sorted(scopes)
    return jwt.encode(claims, secret, algorithm=_ALGORITHM)


def verify_token(secret: str, token: str) -> Principal:
    """Decode and check a token; any defect is `Unauthenticated` with a plain reason."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[_ALGORITHM],
            issuer=_ISSUER,
            options={"require": ["sub", "role", "exp", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated("token expired") from exc
    except jwt.InvalidTokenError as exc:
        raise Unauthenticated("invalid token") from exc
    try:
        role = Role(claims["role"])
    except ValueError as exc:
        raise Unauthenticated("invalid token: unknown role") from exc
    subject = claims["sub"]
    if not isinstance(subject, str) or not subject:
        raise Unauthenticated("invalid token: empty subject")
    scopes = claims.get("scopes", [])
    if not isinstance(scopes, list) or not all(isinstance(x, str) for x in scopes):
        raise Unauthenticated("invalid token: scopes must be a list of strings")
    jti = claims.get("jti")
    return Principal(
        role=role,
        subject=subject,
        expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        scopes=frozenset(scopes),
        token_id=jti if isinstance(jti, str) and jti else None,
    )


def bearer_from_header(value: str | None) -> str:
    """The token in an `Authorization: Bearer ...` header value."""
    if not value:
        raise Unauthenticated("missing bearer token")
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("authorization must be 'Bearer <token>'")
    return token.strip()


def unverified_token_id(secret: str, token: str) -> tuple[str, datetime | None]:
    """The `jti` and expiry of a token signed with `secret`, expired or not (to revoke it)."""
    try:
        claims = jwt.decode(token, secret, algorithms=[_ALGORITHM], options={"verify_exp": False})
    except jwt.InvalidTokenError as exc:
        raise Unauthenticated("invalid token") from exc
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        raise Unauthenticated("this token has no id (jti); rotate the signing secret instead")
    exp = claims.get("exp")
    return jti, datetime.fromtimestamp(exp, UTC) if isinstance(exp, int) else None


_CACHE_MAX: Final = 10_000


class RevokedTokens:
    """The `revoked_tokens` collection: token ids that no longer work, each kept until the
    token would have expired anyway (a TTL index). Lookups are cached for
    `cache_seconds`; a revocation announced on the credentials channel drops the cache
    entry at once (`forget`)."""

    def __init__(self, collection: AsyncCollection[Doc], cache_seconds: float) -> None:
        self.collection = collection
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, bool]] = {}

    async def ensure_indexes(self) -> None:
        await self.collection.create_index(
            "expires_at", expireAfterSeconds=0, name="revoked_tokens_ttl"
        )

    async def revoke(self, token_id: str, expires_at: datetime | None, by: str) -> None:
        """Record the revocation (idempotent); this process stops accepting it at once."""
        now = datetime.now(UTC)
        await self.collection.update_one(
            {"_id": token_id},
            {
                "$setOnInsert": {"revoked_at": now, "revoked_by": by},
                # No known expiry: kept for good (a token id is never reused).
                "$set": {"expires_at": expires_at},
            },
            upsert=True,
        )
        self._cache[token_id] = (time.monotonic() + self.cache_seconds, True)

    async def is_revoked(self, token_id: str, fresh: bool = False) -> bool:
        """Whether this token id was revoked (from the cache unless `fresh`)."""
        now = time.monotonic()
        hit = None if fresh else self._cache.get(token_id)
        if hit is not None and hit[0] > now:
            return hit[1]
        revoked = await self.collection.find_one({"_id": token_id}, {"_id": 1}) is not None
        if len(self._cache) >= _CACHE_MAX:
            self._cache.clear()
        self._cache[token_id] = (now + self.cache_seconds, revoked)
        return revoked

    def forget(self, token_id: str) -> None:
        self._cache.pop(token_id, None)
