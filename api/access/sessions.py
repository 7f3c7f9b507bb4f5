"""Signed-in sessions: one per sign-in, holding the hash of its current refresh token.

A refresh token reads `<session id>.<secret>`; only its SHA-256 is stored. Each use
rotates it (the old hash moves to `previous_hashes`); presenting an old one again means
it was copied, so the whole session (the token family) is revoked (RFC 9700 §4.14).
Every access token names its session (`sid`); `check` refuses a revoked session, cached
in the process for at most `CHECK_SECONDS` so a revocation reaches every process within
about a second. Revocations are announced (`announce`) so open sockets close at once.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, TypeVar

from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection

from api.access.refresh_tokens import KEEP_PREVIOUS, hashed, just_used, new_refresh
from api.core.errors import Forbidden, Unauthenticated
from api.core.principal import Principal
from api.persistence.driver_errors import translated
from api.persistence.store import Doc

CHECK_SECONDS: Final = 1.0
_CACHE_MAX: Final = 20_000

T = TypeVar("T")

Announce = Callable[[Sequence[str]], Awaitable[None]]


async def _silent(keys: Sequence[str]) -> None:
    return None


def _now() -> datetime:
    return datetime.now(UTC)


class PasswordChangeRequired(Forbidden):
    code = "PASSWORD_CHANGE_REQUIRED"


@dataclass(frozen=True, slots=True)
class Issued:
    session: Doc
    refresh_token: str


class Sessions:
    """The `sessions` collection, the refresh-token rotation and the revocation check."""

    def __init__(self, collection: AsyncCollection[Doc], lifetime: timedelta) -> None:
        self.collection = collection
        self.lifetime = lifetime
        self.announce: Announce = _silent
        self._cache: dict[str, tuple[float, Doc | None]] = {}

    async def ensure_indexes(self) -> None:
        await self.collection.create_index("account_id", name="sessions_account")
        # Expired sessions are deleted by the server a while after they end.
        await self.collection.create_index(
            "expires_at", name="sessions_ttl", expireAfterSeconds=7 * 24 * 3600
        )

    async def start(self, account: Doc, *, client: str, agent: str) -> Issued:
        """A new session for a signed-in account."""
        sid = "ses_" + secrets.token_urlsafe(12)
        refresh = new_refresh(sid)
        now = datetime.now(UTC)
        doc: Doc = {
            "_id": sid,
            "account_id": account["_id"],
            "subject": account["subject"],
            "role": account["role"],
            "refresh_hash": hashed(refresh),
            "previous_hashes": [],
            "password_change_only": bool(account.get("must_change_password")),
            "created_at": now,
            "last_used_at": now,
            "expires_at": now + self.lifetime,
            "revoked_at": None,
            "revoked_reason": None,
            "client": client[:64],
            "agent": agent[:200],
        }
        await self._write(self.collection.insert_one(doc))
        return Issued(doc, refresh)

    async def rotate(self, refresh_token: str) -> Issued:
        """Swap a refresh token for a new one; an old token revokes its whole session."""
        sid, sep, _ = refresh_token.partition(".")
        if not sep or not sid.startswith("ses_") or len(refresh_token) > 200:
            raise Unauthenticated("invalid refresh token")
        digest = hashed(refresh_token)
        new = new_refresh(sid)
        now = datetime.now(UTC)
        doc: Doc | None = await self._write(
            self.collection.find_one_and_update(
                {
                    "_id": sid,
                    "refresh_hash": digest,
                    "revoked_at": None,
                    "expires_at": {"$gt": now},
                },
                {
                    "$set": {"refresh_hash": hashed(new), "last_used_at": now},
                    "$push": {"previous_hashes": {"$each": [digest], "$slice": -KEEP_PREVIOUS}},
                },
                return_document=ReturnDocument.AFTER,
            )
        )
        if doc is not None:
            return Issued(doc, new)
        old: Doc | None = await self._write(self.collection.find_one({"_id": sid}))
        if old is not None and old["revoked_at"] is None:
            stored = old.get("previous_hashes", [])
            if stored and hmac.compare_digest(stored[-1], digest) and just_used(old, now):
                # The token rotated out moments ago: a page left (or a tab raced) before the
                # new cookie landed. A short grace, as RFC 9700 allows, instead of signing
                # the person out everywhere; older tokens still revoke the family.
                raced = await self._rotate_from(old, new, now)
                if raced is not None:
                    return Issued(raced, new)
            if any(hmac.compare_digest(h, digest) for h in stored):
                await self.revoke([sid], "refresh token reused")
                raise Unauthenticated("refresh token reused; the session has been signed out")
        raise Unauthenticated("the session has ended; sign in again")

    async def _rotate_from(self, current: Doc, new: str, now: datetime) -> Doc | None:
        """Rotate from the session's current token (compare-and-swap on its hash)."""
        doc: Doc | None = await self._write(
            self.collection.find_one_and_update(
                {
                    "_id": current["_id"],
                    "refresh_hash": current["refresh_hash"],
                    "revoked_at": None,
                },
                {
                    "$set": {"refresh_hash": hashed(new), "last_used_at": now},
                    "$push": {
                        "previous_hashes": {
                            "$each": [current["refresh_hash"]],
                            "$slice": -KEEP_PREVIOUS,
                        }
                    },
                },
                return_document=ReturnDocument.AFTER,
            )
        )
        return doc

    async def end_by_refresh(self, refresh_token: str) -> bool:
        """Sign out the session this (current) refresh token belongs to; False if none."""
        sid = refresh_token.partition(".")[0]
        doc = await self.find(sid) if sid.startswith("ses_") else None
        if doc is None or not hmac.compare_digest(doc["refresh_hash"], hashed(refresh_token)):
            return False
        await self.revoke([sid], "signed out")
        return True

    async def find(self, sid: str) -> Doc | None:
        doc: Doc | None = await self._write(self.collection.find_one({"_id": sid}))
        return doc

    async def revoke(self, sids: Sequence[str], reason: str) -> None:
        """End sessions (idempotent) and announce it."""
        if not sids:
            return
        await self._write(
            self.collection.update_many(
                {"_id": {"$in": list(sids)}, "revoked_at": None},
                {"$set": {"revoked_at": datetime.now(UTC), "revoked_reason": reason}},
            )
        )
        for sid in sids:
            self._cache.pop(sid, None)
        await self.announce([f"session:{sid}" for sid in sids])

    async def revoke_account(self, account_id: str, reason: str, keep: str | None = None) -> int:
        """End every live session of an account (but `keep`); how many ended."""
        query: Doc = {"account_id": account_id, "revoked_at": None}
        if keep is not None:
            query["_id"] = {"$ne": keep}
        found = await self._write(self.collection.find(query, {"_id": 1}).to_list(None))
        sids = [d["_id"] for d in found]
        await self.revoke(sids, reason)
        return len(sids)

    async def clear_password_change(self, sid: str) -> None:
        await self._write(
            self.collection.update_one({"_id": sid}, {"$set": {"password_change_only": False}})
        )
        self._cache.pop(sid, None)

    async def live_count(self, account_id: str) -> int:
        now = datetime.now(UTC)
        query = {"account_id": account_id, "revoked_at": None, "expires_at": {"$gt": now}}
        return await self._write(self.collection.count_documents(query))

    async def check(self, principal: Principal, *, allow_password_change: bool = False) -> None:
        """Refuse an access token whose session has ended (revoked, expired, deactivated)
        or that may only change its password."""
        sid = principal.session_id
        if sid is None:
            return
        doc = await self._cached(sid)
        ended = doc is None or doc["revoked_at"] is not None or doc["expires_at"] <= _now()
        if ended or doc is None or doc["subject"] != principal.subject:
            raise Unauthenticated("the session has ended; sign in again")
        if doc["password_change_only"] and not allow_password_change:
            raise PasswordChangeRequired("change the temporary password first (/auth/password)")

    async def still_valid(self, principal: Principal) -> bool:
        """For long-lived sockets, after a revocation was announced: is this principal's
        session (if any) still live? Read fresh, so no process trusts a stale cache."""
        if principal.session_id is not None:
            self._cache.pop(principal.session_id, None)
        try:
            await self.check(principal, allow_password_change=True)
        except Unauthenticated:
            return False
        return True

    async def _cached(self, sid: str) -> Doc | None:
        now = time.monotonic()
        hit = self._cache.get(sid)
        if hit is not None and hit[0] > now:
            return hit[1]
        doc = await self.find(sid)
        if len(self._cache) >= _CACHE_MAX:
            self._cache.clear()
        self._cache[sid] = (now + CHECK_SECONDS, doc)
        return doc

    async def _write(self, operation: Awaitable[T]) -> T:
        return await translated(operation)
