"""People's accounts: managers list, create, change, deactivate and sign people out.

Sign-in itself is plain HTTP under /auth/ (`api.transport.auth_routes`); here is what a
manager does to other people's accounts. Temporary passwords are returned once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from api.access.accounts import Accounts
from api.core.errors import Unavailable
from api.persistence.store import Doc
from schema.context import Info
from schema.enums import Role
from schema.permissions import Manager, allow


def _accounts(info: Info) -> Accounts:
    request = info.context.request
    if request is None:
        raise Unavailable("accounts need the running app")
    accounts: Accounts = request.app.state.accounts
    return accounts


@strawberry.type(description="A person who signs in: manager, dispatcher, CSR or technician.")
class Account:
    id: strawberry.ID = strawberry.field(description="Account id.")
    login: str = strawberry.field(description="Sign-in name (email or username).")
    display_name: str = strawberry.field(description="The name shown to others.")
    role: Role = strawberry.field(description="What the person may do.")
    technician_id: strawberry.ID | None = strawberry.field(
        description="A technician's record, for technician accounts."
    )
    active: bool = strawberry.field(description="False once deactivated: no sign-in.")
    must_change_password: bool = strawberry.field(
        description="A temporary password is set: it must be changed at the next sign-in."
    )
    version: int = strawberry.field(description="Bumped by every change; pass it back.")
    created_at: datetime = strawberry.field(description="When the account was made.")
    last_sign_in_at: datetime | None = strawberry.field(description="The latest sign-in.")

    @classmethod
    def from_doc(cls, d: Doc) -> Account:
        return cls(
            id=strawberry.ID(d["_id"]),
            login=d["login"],
            display_name=d["display_name"],
            role=Role(d["role"]),
            technician_id=strawberry.ID(d["technician_id"]) if d.get("technician_id") else None,
            active=d["active"],
            must_change_password=d["must_change_password"],
            version=d["version"],
            created_at=d["created_at"],
            last_sign_in_at=d.get("last_sign_in_at"),
        )


@strawberry.type(description="An account and its temporary password, shown this once.")
class AccountWithPassword:
    account: Account = strawberry.field(description="The account.")
    temporary_password: str = strawberry.field(
        description="Give it to the person; they must change it when they first sign in."
    )


@strawberry.input(description="A new person's account.")
class CreateAccountInput:
    login: str = strawberry.field(description="Sign-in name: an email or a username.")
    display_name: str = strawberry.field(description="The name shown to others.")
    role: Role = strawberry.field(description="MANAGER, DISPATCHER, CSR or TECHNICIAN.")
    technician_id: strawberry.ID | None = strawberry.field(
        default=None, description="For TECHNICIAN: the technician record this person is."
    )
    temporary_password: str | None = strawberry.field(
        default=None, description="At least 10 characters; omitted means one is generated."
    )


_ID = Annotated[strawberry.ID, strawberry.argument(description="Account id.")]


@strawberry.type
class AccountQuery:
    @strawberry.field(description="People's accounts, by sign-in name.", extensions=allow(Manager))
    async def accounts(
        self,
        info: Info,
        include_inactive: Annotated[
            bool, strawberry.argument(description="Also list deactivated accounts.")
        ] = True,
    ) -> list[Account]:
        return [Account.from_doc(d) for d in await _accounts(info).list(include_inactive)]


@strawberry.type
class AccountMutation:
    @strawberry.mutation(
        description="Create an account with a temporary password (returned once).",
        extensions=allow(Manager),
    )
    async def create_account(self, info: Info, input: CreateAccountInput) -> AccountWithPassword:
        doc, password = await _accounts(info).create(
            info.context.viewer(),
            login=input.login,
            display_name=input.display_name,
            role=input.role,
            technician_id=str(input.technician_id) if input.technician_id else None,
            password=input.temporary_password,
        )
        return AccountWithPassword(account=Account.from_doc(doc), temporary_password=password)

    @strawberry.mutation(
        description="Change a display name or role (a new role signs the person out).",
        extensions=allow(Manager),
    )
    async def update_account(
        self,
        info: Info,
        id: _ID,
        version: Annotated[int, strawberry.argument(description="The version you read.")],
        display_name: str | None = None,
        role: Role | None = None,
    ) -> Account:
        doc = await _accounts(info).update(
            info.context.viewer(), str(id), version, display_name=display_name, role=role
        )
        return Account.from_doc(doc)

    @strawberry.mutation(
        description="Deactivate an account: its sessions and sockets end within a second.",
        extensions=allow(Manager),
    )
    async def deactivate_account(self, info: Info, id: _ID) -> Account:
        doc = await _accounts(info).set_active(info.context.viewer(), str(id), False)
        return Account.from_doc(doc)

    @strawberry.mutation(
        description="Let a deactivated person sign in again.", extensions=allow(Manager)
    )
    async def reactivate_account(self, info: Info, id: _ID) -> Account:
        doc = await _accounts(info).set_active(info.context.viewer(), str(id), True)
        return Account.from_doc(doc)

    @strawberry.mutation(
        description="Sign a person out everywhere (their account stays active).",
        extensions=allow(Manager),
    )
    async def revoke_account_sessions(self, info: Info, id: _ID) -> Account:
        doc = await _accounts(info).revoke_sessions(info.context.viewer(), str(id))
        return Account.from_doc(doc)

    @strawberry.mutation(
        description="Set a new temporary password (returned once); sessions end.",
        extensions=allow(Manager),
    )
    async def reset_account_password(self, info: Info, id: _ID) -> AccountWithPassword:
        doc, password = await _accounts(info).reset_password(info.context.viewer(), str(id))
        return AccountWithPassword(account=Account.from_doc(doc), temporary_password=password)
