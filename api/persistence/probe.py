"""Is a MongoDB server answering yet? A blocking probe for code that starts one."""

from __future__ import annotations

from pymongo import MongoClient
from pymongo.errors import PyMongoError


def answers_ping(uri: str, timeout_ms: int = 500) -> bool:
    """True once the server at `uri` answers a ping within `timeout_ms`. A refusal is
    the answer here, not an error to translate (nor to log: callers poll)."""
    try:
        client: MongoClient[dict[str, object]]
        with MongoClient(uri, serverSelectionTimeoutMS=timeout_ms) as client:
            client.admin.command("ping")
    except PyMongoError:
        return False
    return True
