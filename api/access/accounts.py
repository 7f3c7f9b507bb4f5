"""People's accounts: who may sign in, as what, and the manager's changes to them.

An account has a sign-in name (an email or a username; unique without regard to case),
a display name, a role, an active flag and a `version`. A technician's account names
its technician record, whose id is the subject of its tokens; other people's subject is
the account id. Every change bumps the version and is logged in `events`, in one
transaction. Changes that alter what a token may do (role, deactivation, a new
password) end the person's sessions, announced so their sockets close too.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Final

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from api.access.account_rules import login_key, people_role, valid_login, valid_name
from api.access.passwords import check_strength, generate_password, hash_password
from api.access.sessions import Sessions
from api.core.domain import Role
from api.core.errors import Conflict, InvalidInput, NotFound
from api.core.principal import Principal
from api.persistence.driver_errors import translated
from api.persistence.store import Doc, Store

PUBLIC_FIELDS: Final = {"password_hash": 0}


class Accounts:
    """The `accounts` collection and the changes a manager makes to it."""

    def __init__(self, store: Store, sessions: Sessions) -> None:
        self.store = store
        self.collection = store.db["accounts"]
        self.sessions = sessions

    async def ensure_indexes(self) -> None:
        await self.collection.create_index("login_key", unique=True, name="accounts_login")
        await self.collection.create_index(
            "technician_id",
            unique=True,
            name="accounts_technician",
            partialFilterExpression={"technician_id": {"$type": "string"}},
        )

    async def list(self, include_inactive: bool = True) -> list[Doc]:
        query: Doc = {} if include_inactive else {"active": True}
        cursor = self.collection.find(query, PUBLIC_FIELDS).sort([("login_key", 1)])
        return await translated(cursor.to_list(None))

    async def get(self, account_id: str) -> Doc:
        doc: Doc | None = await translated(
            self.collection.find_one({"_id": account_id}, PUBLIC_FIELDS)
        )
        if doc is None:
            raise NotFound(f"account {account_id} not found")
        return doc

    async def by_id_or_none(self, account_id: str) -> Doc | None:
        found: Doc | None = await translated(self.collection.find_one({"_id": account_id}))
        return found

    async def by_login(self, login: str) -> Doc | None:
        found: Doc | None = await translated(
            self.collection.find_one({"login_key": login_key(login)})
        )
        return found

    async def create(
        self,
        actor: Principal,
        *,
        login: str,
        display_name: str,
        role: Role,
        technician_id: str | None = None,
        password: str | None = None,
        must_change_password: bool = True,
    ) -> tuple[Doc, str]:
        """A new account; returns it and its (temporary) password, shown this once."""
        key = valid_login(login)
        role = people_role(role)
        name = valid_name(display_name)
        password = password if password is not None else generate_password()
        check_strength(password, login=key)
        account_id = "acct_" + secrets.token_hex(6)
        await self._check_new(key, role, technician_id)
        now = datetime.now(UTC)
        doc: Doc = {
            "_id": account_id,
            "login": login.strip(),
            "login_key": key,
            "display_name": name,
            "role": role.value,
            "subject": technician_id if role is Role.TECHNICIAN else account_id,
            "technician_id": technician_id if role is Role.TECHNICIAN else None,
            "active": True,
            "must_change_password": must_change_password,
            "password_hash": await hash_password(password),
            "version": 1,
            "created_at": now,
            "created_by": actor.subject,
            "updated_at": now,
            "last_sign_in_at": None,
        }

        async def work(s: AsyncClientSession) -> None:
            await self.collection.insert_one(doc, session=s)
            await self._log(s, actor, doc, "account.created", {"role": role.value})

        await self.store.transaction(work)
        doc.pop("password_hash")
        return doc, password

    async def _check_new(self, key: str, role: Role, technician_id: str | None) -> None:
        """A free sign-in name; a technician's account names a technician without one."""
        if role is Role.TECHNICIAN:
            tech = {"_id": technician_id or ""}
            if not technician_id or not await translated(
                self.store.technicians.count_documents(tech, limit=1)
            ):
                raise InvalidInput(
                    "a technician's account names an existing technician", "technicianId"
                )
            linked = {"technician_id": technician_id}
            if await translated(self.collection.count_documents(linked, limit=1)):
                raise Conflict("that technician already has an account")
        elif technician_id:
            raise InvalidInput("only technician accounts name a technician", "technicianId")
        if await translated(self.collection.count_documents({"login_key": key}, limit=1)):
            raise Conflict("that sign-in name is taken")

    async def update(
        self,
        actor: Principal,
        account_id: str,
        version: int,
        *,
        display_name: str | None = None,
        role: Role | None = None,
    ) -> Doc:
        """Rename or change the role (a new role ends the person's sessions)."""
        changes: Doc = {}
        if display_name is not None:
            changes["display_name"] = valid_name(display_name)
        before = await self.get(account_id)
        if role is not None and role.value != before["role"]:
            if Role.TECHNICIAN in (people_role(role), Role(before["role"])):
                raise InvalidInput("technician accounts stay technician accounts", "role")
            self._not_self(actor, before, "change your own role")
            changes["role"] = role.value
        doc = await self._change(actor, account_id, version, changes, "account.updated")
        if "role" in changes:
            await self.sessions.revoke_account(account_id, "role changed")
        return doc

    async def set_active(self, actor: Principal, account_id: str, active: bool) -> Doc:
        """Deactivate (sessions end at once) or reactivate an account; idempotent."""
        before = await self.get(account_id)
        if not active:
            self._not_self(actor, before, "deactivate your own account")
        if before["active"] != active:
            kind = "account.reactivated" if active else "account.deactivated"
            before = await self._change(
                actor, account_id, before["version"], {"active": active}, kind
            )
        if not active:
            await self.sessions.revoke_account(account_id, "account deactivated")
            await self.sessions.announce([f"sub:{before['subject']}"])
        return before

    async def revoke_sessions(self, actor: Principal, account_id: str) -> Doc:
        """Sign a person out everywhere (logged as a change of the account)."""
        before = await self.get(account_id)
        doc = await self._change(actor, account_id, before["version"], {}, "account.signed_out")
        await self.sessions.revoke_account(account_id, "signed out by a manager")
        return doc

    async def reset_password(self, actor: Principal, account_id: str) -> tuple[Doc, str]:
        """A new temporary password, to be changed at the next sign-in."""
        before = await self.get(account_id)
        password = generate_password()
        changes = {"password_hash": await hash_password(password), "must_change_password": True}
        doc = await self._change(actor, account_id, before["version"], changes, "account.reset")
        await self.sessions.revoke_account(account_id, "password reset")
        return doc, password

    async def set_password(self, actor: Principal, account_id: str, password_hash: str) -> Doc:
        """Store a password the person chose (the temporary one, if any, is gone)."""
        before = await self.get(account_id)
        changes = {"password_hash": password_hash, "must_change_password": False}
        return await self._change(
            actor, account_id, before["version"], changes, "account.password_changed"
        )

    async def _change(
        self, actor: Principal, account_id: str, version: int, changes: Doc, kind: str
    ) -> Doc:
        now = datetime.now(UTC)

        async def work(s: AsyncClientSession) -> Doc:
            after: Doc | None = await self.collection.find_one_and_update(
                {"_id": account_id, "version": version},
                {"$set": {**changes, "updated_at": now}, "$inc": {"version": 1}},
                projection=PUBLIC_FIELDS,
                return_document=ReturnDocument.AFTER,
                session=s,
            )
            if after is None:
                if await self.collection.count_documents({"_id": account_id}, session=s):
                    raise Conflict("the account changed since it was read; reload and retry")
                raise NotFound(f"account {account_id} not found")
            data = {k: v for k, v in changes.items() if k != "password_hash"}
            await self._log(s, actor, after, kind, data)
            return after

        return await self.store.transaction(work)

    async def _log(
        self, s: AsyncClientSession, actor: Principal, doc: Doc, kind: str, data: Doc
    ) -> None:
        state = "active" if doc["active"] else "inactive"
        await self.store.append_event(
            s,
            at=datetime.now(UTC),
            actor=actor.as_actor(),
            entity="account",
            entity_id=doc["_id"],
            type_=kind,
            before=None,
            after=state,
            version=doc["version"],
            data=data,
        )

    @staticmethod
    def _not_self(actor: Principal, account: Doc, what: str) -> None:
        if actor.subject == account["subject"]:
            raise Conflict(f"you cannot {what}; ask another manager")
