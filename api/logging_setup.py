"""Structured logs: one JSON object per line, with the request id, secrets scrubbed.

`RequestIdMiddleware` takes a sane `X-Request-Id` from the caller or makes one,
puts it in a context variable every log line of that request (or WebSocket) picks
up, and returns it as a response header. Bearer tokens, JWTs and `token=`-style
query parameters are replaced by `[redacted]` in every message, whoever logs it.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_SECRETS = (
    re.compile(r"(?i)\b(bearer|basic)\s+[^\s\"',]+"),
    re.compile(r"eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*"),
    re.compile(r"(?i)\b(token|access_token|secret|password|api[_-]?key|authorization)=[^&\s\"']+"),
    re.compile(r"\bnjk_[A-Za-z0-9_-]+"),
)
_REDACTED = "[redacted]"


def redact(text: str) -> str:
    """The text with anything that looks like a credential replaced."""
    text = _SECRETS[0].sub(lambda m: f"{m.group(1)} {_REDACTED}", text)
    text = _SECRETS[1].sub(_REDACTED, text)
    text = _SECRETS[2].sub(lambda m: f"{m.group(1)}={_REDACTED}", text)
    return _SECRETS[3].sub(_REDACTED, text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        rid = request_id.get()
        if rid is not None:
            entry["request_id"] = rid
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_config(level: str = "INFO") -> dict[str, Any]:
    """A `logging.config.dictConfig` (also uvicorn's `log_config`): JSON lines on stderr."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "api.logging_setup.JsonFormatter"}},
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            name: {"handlers": [], "level": level, "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }


class RequestIdMiddleware:
    """Sets the request id for the request's logs and answers it as `X-Request-Id`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get("x-request-id", "")
        rid = given if _ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)

        async def stamp(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"
                ]
                headers.append((b"x-request-id", rid.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, stamp)
        finally:
            request_id.reset(token)
