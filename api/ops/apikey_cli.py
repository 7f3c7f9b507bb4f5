"""`nextjob apikey create|list|revoke`: API keys for integrations, from the shell."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from api.access.apikeys import ApiKeys, parse_scopes
from api.core.settings import Settings
from api.ops.store_cli import with_store
from api.ops.token_cli import announce_revoked

if TYPE_CHECKING:
    from api.persistence.store import Store


def add_apikey_parser(sub: Any) -> None:
    apikey = sub.add_parser("apikey", help="create, list or revoke integration API keys")
    actions = apikey.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create a key; it is printed once")
    create.add_argument("--name", required=True, help="what the key is for")
    create.add_argument(
        "--scopes", required=True, help="comma-separated: jobs:read,jobs:write,technicians:read,..."
    )
    create.add_argument("--created-by", default="cli", help="recorded as the creator")
    listing = actions.add_parser("list", help="list keys (never their secrets)")
    listing.add_argument("--all", action="store_true", help="include revoked keys")
    revoke = actions.add_parser("revoke", help="revoke a key by id")
    revoke.add_argument("id", help="key id (key_...)")


async def run_apikey(settings: Settings, uri: str, args: argparse.Namespace) -> int:
    async def work(store: Store) -> None:
        keys = ApiKeys(store.db["api_keys"])
        await keys.ensure_indexes()
        if args.action == "create":
            doc, key = await keys.create(args.name, parse_scopes(args.scopes), args.created_by)
            print(f"id:     {doc['_id']}\nscopes: {','.join(doc['scopes'])}")
            print(f"key:    {key}\n(shown once: store it now; only its hash is kept)")
        elif args.action == "list":
            for d in await keys.list(include_revoked=args.all):
                state = f"revoked {d['revoked_at']:%Y-%m-%d}" if d.get("revoked_at") else "active"
                print(f"{d['_id']}  {d['name']!r}  {','.join(d['scopes'])}  {state}")
        else:
            doc = await keys.revoke(args.id)
            await announce_revoked(settings, f"sub:{doc['_id']}")
            print(f"{doc['_id']} revoked at {doc['revoked_at']:%Y-%m-%d %H:%M:%S}Z")

    return await with_store(settings, uri, work)
