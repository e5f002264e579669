"""A local Telegram Bot API test double for tests, manual trials and benchmarks.

    async with TelegramDouble() as double:
        app = builder_for(double).build()          # + handlers
        async with polling(app):
            budi = double.user(1001, "Budi Santoso")
            await double.send_message(budi, "/start")
            reply = await double.wait_for(budi.id)
            await double.press_button(budi, reply, reply.callback_for("Hadir"))
"""

from __future__ import annotations

from .html_check import HtmlParseError, ParsedText, parse_html
from .limits import FloodLimiter, FloodLimits, TokenBucket
from .models import FAULT_KINDS, Fault, RequestRecord, SentMessage, SimChat, SimUser
from .ptb import builder_for, polling
from .server import ApiError, TelegramDouble

__all__ = [
    "FAULT_KINDS",
    "ApiError",
    "Fault",
    "FloodLimiter",
    "FloodLimits",
    "HtmlParseError",
    "ParsedText",
    "RequestRecord",
    "SentMessage",
    "SimChat",
    "SimUser",
    "TelegramDouble",
    "TokenBucket",
    "builder_for",
    "parse_html",
    "polling",
]
