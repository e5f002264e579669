"""A local Telegram Bot API test double for tests, manual trials and benchmarks."""

from __future__ import annotations

from .html_check import HtmlParseError, ParsedText, parse_html
from .limits import FloodLimiter, FloodLimits, TokenBucket
from .models import FAULT_KINDS, Fault, RequestRecord, SentMessage, SimChat, SimUser
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
    "parse_html",
]
