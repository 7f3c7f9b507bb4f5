"""People's accounts from the shell: the first manager in production, the demo's people.

`nextjob create-manager --login NAME` reads the password from a prompt (twice) or,
when stdin is not a terminal, from its first line: never from argv, where other users
of the machine and the shell history would see it.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import timedelta
from typing import Any

from api.access.accounts import Accounts
from api.access.passwords import generate_password
from api.access.sessions import Sessions
from api.core.domain import Role
from api.core.principal import Principal
from api.core.settings import Settings
from api.ops.store_cli import with_store
from api.persistence.store import Store

CLI: Principal = Principal(role=Role.MANAGER, subject="system:cli")
DEMO_PEOPLE = (
    ("manager", "Morgan Reyes (manager)", Role.MANAGER),
    ("dispatcher", "Dana Brooks (dispatcher)", Role.DISPATCHER),
    ("csr", "Casey Lin (CSR)", Role.CSR),
)


def add_accounts_parser(sub: Any) -> None:
    create = sub.add_parser(
        "create-manager", help="create a manager account (password from a prompt or stdin)"
    )
    create.add_argument("--login", required=True, help="sign-in name: an email or a username")
    create.add_argument("--name", default=None, help="display name (default: the login)")


def _accounts(store: Store) -> Accounts:
    return Accounts(store, Sessions(store.db["sessions"], timedelta(days=1)))


def _read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password (at least 10 characters): ")
    if getpass.getpass("Again: ") != first:
        raise SystemExit("nextjob: the passwords differ")
    return first


async def run_create_manager(settings: Settings, uri: str, args: argparse.Namespace) -> int:
    password = _read_password()

    async def work(store: Store) -> None:
        accounts = _accounts(store)
        await accounts.ensure_indexes()
        await store.ensure_indexes()
        doc, _ = await accounts.create(
            CLI,
            login=args.login,
            display_name=args.name or args.login,
            role=Role.MANAGER,
            password=password,
            must_change_password=False,
        )
        print(f"manager account {doc['login']} created ({doc['_id']}); sign in at /signin")

    return await with_store(settings, uri, work)


async def seed_demo_accounts(store: Store) -> list[tuple[str, str, str]]:
    """One account per role and per demo technician, into the demo company's database
    when it has none: (login, role, password) to print once. No change is required."""
    accounts = _accounts(store)
    await accounts.ensure_indexes()
    demo = await store.jobs.count_documents({"_id": "job_demo001"}, limit=1)
    if not demo or await accounts.collection.count_documents({}, limit=1):
        return []
    people: list[tuple[str, str, Role, str | None]] = [
        (login, name, role, None) for login, name, role in DEMO_PEOPLE
    ]
    async for tech in store.technicians.find({}, {"name": 1}).sort("_id", 1):
        people.append((tech["_id"], tech["name"], Role.TECHNICIAN, tech["_id"]))
    made = []
    for login, name, role, tech_id in people:
        password = generate_password()
        await accounts.create(
            CLI,
            login=login,
            display_name=name,
            role=role,
            technician_id=tech_id,
            password=password,
            must_change_password=False,
        )
        made.append((login, role.value, password))
    return made
