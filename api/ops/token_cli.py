"""`nextjob token-revoke`: revoke one signed token (by its `jti`, or the token itself).

The revocation is stored in the database and announced on the credentials channel
(Redis, when `REDIS_URL` is set), so every API process closes the token's open sockets
at once; without Redis, processes stop accepting it within the revocation cache time.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from api.access.tokens import RevokedTokens, unverified_token_id
from api.core.settings import Settings
from api.ops.store_cli import with_store

if TYPE_CHECKING:
    from api.persistence.store import Store


def add_token_revoke_parser(sub: Any) -> None:
    revoke = sub.add_parser("token-revoke", help="revoke one token by its id (jti) or itself")
    revoke.add_argument("token", help="the token's jti, or the whole token")
    revoke.add_argument("--by", default="cli", help="recorded as who revoked it")


async def run_token_revoke(settings: Settings, uri: str, args: argparse.Namespace) -> int:
    async def work(store: Store) -> None:
        if args.token.count(".") == 2:
            jti, expires_at = unverified_token_id(settings.signing_secret(), args.token)
        else:
            jti, expires_at = args.token.strip(), None
        tokens = RevokedTokens(store.db["revoked_tokens"], settings.token_revocation_cache_seconds)
        await tokens.ensure_indexes()
        await tokens.revoke(jti, expires_at, args.by)
        await announce_revoked(settings, f"jti:{jti}")
        print(f"token {jti} revoked")

    return await with_store(settings, uri, work)


async def announce_revoked(settings: Settings, credential_key: str) -> None:
    """Tell every API process (through Redis) to re-check sockets holding this credential.
    Without Redis there is no one to tell: a lone server's caches expire on their own."""
    if not settings.redis_url:
        return
    from realtime import Event, create_broker, credentials_channel

    broker = create_broker(settings.redis_url)
    await broker.connect()
    try:
        event = Event(kind="credential", id=credential_key, version=0)
        await broker.publish(credentials_channel(), event)
    finally:
        await broker.disconnect()
