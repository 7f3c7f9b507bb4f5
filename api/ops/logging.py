"""Logs: readable lines in a terminal, one JSON object per line elsewhere (or when
`NEXTJOB_LOG_FORMAT=json`), with the request id and secrets scrubbed either way.

Every line carries the request id that `RequestIdMiddleware` set. Bearer tokens,
JWTs and `token=`-style query parameters become `[redacted]` in every message.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

from api.transport.middleware.request_id import request_id

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


class ConsoleFormatter(logging.Formatter):
    """One short line per record for a person at a terminal: local time, level, message."""

    def format(self, record: logging.LogRecord) -> str:
        at = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        line = f"{at} {record.levelname.lower():<7} {redact(record.getMessage())}"
        rid = request_id.get()
        if rid is not None and record.levelno >= logging.WARNING:
            line += f"  [request {rid}]"
        if record.exc_info:
            line += "\n" + redact(self.formatException(record.exc_info))
        return line


def wants_json(setting: str) -> bool:
    """`json` or `text` as set; `auto` means JSON unless stderr is a terminal."""
    if setting in ("json", "text"):
        return setting == "json"
    return not sys.stderr.isatty()


def log_config(level: str = "INFO", *, json_lines: bool = True) -> dict[str, Any]:
    """A `logging.config.dictConfig` (also uvicorn's `log_config`) writing to stderr."""
    kind = "json" if json_lines else "console"
    handler = {"class": "logging.StreamHandler", "formatter": kind, "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {"()": "api.ops.logging.JsonFormatter"},
            "console": {"()": "api.ops.logging.ConsoleFormatter"},
        },
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            name: {"handlers": [], "level": level, "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }
