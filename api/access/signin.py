"""Signing in, refreshing and changing one's password: the logic behind `/auth/*`.

Every refusal of a sign-in is the same `Unauthenticated("wrong sign-in name or
password")`, after the same argon2 work, whether the name exists, the password is
wrong or the account is deactivated. Attempts are throttled with GCRA per sign-in name
and per client address, so guessing is slow for one account and for one machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from api.access.account_rules import login_key
from api.access.accounts import Accounts
from api.access.passwords import check_strength, hash_password, needs_rehash, verify_or_dummy
from api.access.ratelimit import Limit, RateLimiter
from api.access.sessions import Issued, Sessions
from api.access.tokens import issue_token
from api.core.domain import Role
from api.core.errors import InvalidInput, NextjobError, Unauthenticated
from api.core.principal import Principal
from api.core.settings import Settings
from api.persistence.driver_errors import translated
from api.persistence.store import Doc

# Five tries at once, then one every 30 s per sign-in name; a machine gets 30 then 20/min.
PER_LOGIN: Final = Limit(per_minute=2, burst=5)
PER_ADDRESS: Final = Limit(per_minute=20, burst=30)
REFUSED: Final = "wrong sign-in name or password"


class SignInThrottled(NextjobError):
    code = "RATE_LIMITED"
    retryable = True

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(1, int(retry_after + 0.999))
        super().__init__(f"too many sign-in attempts; try again in {self.retry_after} s")


@dataclass(frozen=True, slots=True)
class Grant:
    """What a sign-in or a refresh hands out."""

    access_token: str
    expires_in: int  # seconds
    refresh_token: str
    account: Doc
    session: Doc

    def body(self) -> dict[str, object]:
        """The JSON answer (without the refresh token: the caller decides where it goes)."""
        return {
            "accessToken": self.access_token,
            "tokenType": "Bearer",
            "expiresIn": self.expires_in,
            "role": self.account["role"].upper(),
            "subject": self.account["subject"],
            "displayName": self.account["display_name"],
            "login": self.account["login"],
            "mustChangePassword": bool(self.session["password_change_only"]),
        }


class SignIn:
    """Sign-in, refresh, sign-out and password change, over accounts and sessions."""

    def __init__(
        self, accounts: Accounts, sessions: Sessions, limiter: RateLimiter, settings: Settings
    ) -> None:
        self.accounts = accounts
        self.sessions = sessions
        self.limiter = limiter
        self.settings = settings

    @property
    def access_ttl(self) -> timedelta:
        return timedelta(minutes=self.settings.access_token_minutes)

    async def sign_in(
        self, login: str, password: str, *, address: str, client: str, agent: str
    ) -> Grant:
        """A new session for the right name and password; one refusal for every wrong."""
        if not isinstance(login, str) or not isinstance(password, str) or len(password) > 1024:
            raise Unauthenticated(REFUSED)
        keys = (
            (f"signin:login:{login_key(login)[:120]}", PER_LOGIN),
            (f"signin:addr:{address}", PER_ADDRESS),
        )
        for key, limit in keys:
            decision = await self.limiter.hit(key, limit)
            if not decision.allowed:
                raise SignInThrottled(decision.retry_after)
        account = await self.accounts.by_login(login) if login.strip() else None
        stored = account["password_hash"] if account is not None else None
        ok = await verify_or_dummy(stored, password)
        if account is None or not ok or not account["active"]:
            raise Unauthenticated(REFUSED)
        update: Doc = {"last_sign_in_at": datetime.now(UTC)}
        if needs_rehash(account["password_hash"]):
            update["password_hash"] = await hash_password(password)
        await translated(
            self.accounts.collection.update_one({"_id": account["_id"]}, {"$set": update})
        )
        issued = await self.sessions.start(account, client=client, agent=agent)
        return self._grant(account, issued)

    async def refresh(self, refresh_token: str) -> Grant:
        """A new access token and a rotated refresh token; an ended session is refused."""
        issued = await self.sessions.rotate(refresh_token)
        account = await self.accounts.by_id_or_none(issued.session["account_id"])
        if account is None or not account["active"]:
            await self.sessions.revoke([issued.session["_id"]], "account deactivated")
            raise Unauthenticated("the session has ended; sign in again")
        return self._grant(account, issued)

    async def sign_out(self, sid: str) -> None:
        await self.sessions.revoke([sid], "signed out")

    async def sign_out_everywhere(self, principal: Principal) -> int:
        session = await self._session_of(principal, allow_password_change=True)
        return await self.sessions.revoke_account(session["account_id"], "signed out everywhere")

    async def change_password(self, principal: Principal, current: str, new: str) -> Grant:
        """Change one's own password; the other sessions end, this one continues."""
        session = await self._session_of(principal, allow_password_change=True)
        account = await self.accounts.by_id_or_none(session["account_id"])
        if account is None or not account["active"]:
            raise Unauthenticated("the session has ended; sign in again")
        # Guessing the current password with a stolen access token is throttled too.
        decision = await self.limiter.hit(f"signin:login:{account['login_key']}", PER_LOGIN)
        if not decision.allowed:
            raise SignInThrottled(decision.retry_after)
        if not await verify_or_dummy(account["password_hash"], current):
            raise Unauthenticated("the current password is wrong")
        if current == new:
            raise InvalidInput("the new password must differ from the current one")
        check_strength(new, login=account["login_key"], field="newPassword")
        await self.accounts.set_password(principal, account["_id"], await hash_password(new))
        await self.sessions.revoke_account(account["_id"], "password changed", keep=session["_id"])
        await self.sessions.clear_password_change(session["_id"])
        fresh = await self.accounts.by_id_or_none(account["_id"])
        session = {**session, "password_change_only": False}
        return self._grant(fresh or account, Issued(session, ""))

    async def _session_of(self, principal: Principal, *, allow_password_change: bool) -> Doc:
        if principal.session_id is None:
            raise Unauthenticated("this needs a signed-in session's access token")
        await self.sessions.check(principal, allow_password_change=allow_password_change)
        session = await self.sessions.find(principal.session_id)
        if session is None:
            raise Unauthenticated("the session has ended; sign in again")
        return session

    def _grant(self, account: Doc, issued: Issued) -> Grant:
        token = issue_token(
            self.settings.signing_secret(),
            Role(account["role"]),
            account["subject"],
            self.access_ttl,
            session_id=issued.session["_id"],
        )
        return Grant(
            token,
            int(self.access_ttl.total_seconds()),
            issued.refresh_token,
            account,
            issued.session,
        )
