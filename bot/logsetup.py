"""Structured key=value log lines that never carry the bot token."""

from __future__ import annotations

import logging
import re

# Bot API URLs embed the token: /bot123456:ABC.../method
_TOKEN_IN_URL = re.compile(r"bot\d+:[A-Za-z0-9_-]+")


class RedactToken(logging.Filter):
    def __init__(self, token: str | None) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _TOKEN_IN_URL.sub("bot<token>", message)
        if self.token:
            cleaned = cleaned.replace(self.token, "<token>")
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def setup_logging(level: str, token: str | None) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("ts=%(asctime)s level=%(levelname)s logger=%(name)s %(message)s"))
    handler.addFilter(RedactToken(token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL (which contains the token) at INFO.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # At DEBUG these libraries log request parameters, updates and SQL arguments, which carry phone
    # numbers (shared contacts) and the token: keep them at INFO whatever the bot's own level.
    for name in ("telegram", "aiosqlite"):
        logging.getLogger(name).setLevel(max(logging.getLevelName(level) if isinstance(level, str) else level,
                                             logging.INFO))
