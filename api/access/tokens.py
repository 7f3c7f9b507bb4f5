"""Bearer tokens: HS256 JWTs naming a role and a subject (a technician id, a CSR login...).

API keys (`njk_...`, see `api.access.apikeys`) also end up as a `Principal`: role integration,
the key's id as subject, and the key's scopes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import jwt

from api.core.domain import Role
from api.core.errors import Unauthenticated
from api.core.principal import Principal

_ALGORITHM = "HS256"
_ISSUER = "nextjob"


def issue_token(
    secret: str,
    role: Role,
    subject: str,
    ttl: timedelta,
    scopes: Iterable[str] = (),
    session_id: str | None = None,
) -> str:
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": subject,
        "role": role.value,
        "iss": _ISSUER,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    if scopes:
        claims["scopes"] = sorted(scopes)
    if session_id:
        claims["sid"] = session_id  # a signed-in session's token: revocable with it
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
    sid = claims.get("sid")
    if sid is not None and (not isinstance(sid, str) or not sid):
        raise Unauthenticated("invalid token: bad session id")
    return Principal(
        role=role,
        subject=subject,
        expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        scopes=frozenset(scopes),
        session_id=sid,
    )


def bearer_from_header(value: str | None) -> str:
    """The token in an `Authorization: Bearer ...` header value."""
    if not value:
        raise Unauthenticated("missing bearer token")
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("authorization must be 'Bearer <token>'")
    return token.strip()
