"""Standard Webhooks signing (https://www.standardwebhooks.com): what the SMS/call
provider's endpoint checks before it texts a customer.

Headers `webhook-id` (the message id, the same on every retry so the receiver can
de-duplicate), `webhook-timestamp` (Unix seconds) and `webhook-signature`
(`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, keyed with the base64 secret
after its `whsec_` prefix). Pure functions; the worker and the tests share them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

PREFIX = "whsec_"
TOLERANCE_S = 300


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC>` over `{id}.{timestamp}.{body}`."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    mac = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def headers(secret: str | None, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The request headers; unsigned (id and timestamp only) when no secret is set."""
    out = {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
    }
    if secret:
        out["webhook-signature"] = signature(secret, msg_id, timestamp, body)
    return out


def verify(secret: str, got: dict[str, str], body: bytes, now: int) -> bool:
    """True when one of the `v1` signatures matches and the timestamp is recent."""
    try:
        msg_id, timestamp = got["webhook-id"], int(got["webhook-timestamp"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > TOLERANCE_S:
        return False
    expected = signature(secret, msg_id, timestamp, body)
    offered = got.get("webhook-signature", "").split()
    return any(hmac.compare_digest(expected, sig) for sig in offered)
