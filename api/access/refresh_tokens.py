"""Bearer secrets as stored: only a SHA-256 is kept (refresh tokens, API keys), and a
refresh token's rotation rules (its shape, the grace for a token just rotated out)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Final

from api.persistence.store import Doc

# A page that navigates away while its refresh is in flight never stores the new cookie;
# the next page presents the token just rotated out. Within this long that is a race,
# not a theft (and the thief would hold a token the owner is also using within seconds).
REUSE_GRACE: Final = timedelta(seconds=10)
KEEP_PREVIOUS: Final = 50  # old refresh hashes remembered per session, to spot reuse


def hashed(secret: str) -> str:
    """What is stored of a bearer secret: a leaked collection grants nothing."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_refresh(sid: str) -> str:
    """`<session id>.<secret>`: the session is found by id, the secret checked by hash."""
    return f"{sid}.{secrets.token_urlsafe(32)}"


def just_used(session: Doc, now: datetime) -> bool:
    """Rotated within the grace period (naive datetimes from the driver are UTC)."""
    used: datetime | None = session.get("last_used_at")
    if used is None:
        return False
    if used.tzinfo is None:
        used = used.replace(tzinfo=UTC)
    return now - used <= REUSE_GRACE
