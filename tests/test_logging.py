"""Log lines: readable at a terminal, JSON for collectors, secrets scrubbed in both."""

from __future__ import annotations

import json
import logging

from api.ops.logging import ConsoleFormatter, JsonFormatter, log_config, wants_json


def _record(message: str, level: int = logging.INFO) -> logging.LogRecord:
    return logging.LogRecord("nextjob", level, __file__, 1, message, None, None)


def test_console_lines_are_short_and_redacted() -> None:
    """A terminal line is time, level and message, with a bearer token scrubbed."""
    line = ConsoleFormatter().format(_record("call with Bearer abc.def.ghi failed"))
    assert "abc.def.ghi" not in line and "[redacted]" in line
    assert line.split()[1] == "info" and not line.startswith("{")


def test_json_lines_parse_and_are_redacted() -> None:
    """A collector's line is one JSON object, secrets scrubbed."""
    entry = json.loads(JsonFormatter().format(_record("key njk_secret123 used")))
    assert entry["level"] == "info" and "njk_secret123" not in entry["message"]


def test_format_setting_chooses_the_formatter() -> None:
    """`json` and `text` are obeyed; the config names the formatter it was asked for."""
    assert wants_json("json") and not wants_json("text")
    assert log_config(json_lines=False)["handlers"]["default"]["formatter"] == "console"
    assert log_config(json_lines=True)["handlers"]["default"]["formatter"] == "json"
