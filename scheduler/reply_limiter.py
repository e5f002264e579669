"""Rate limiting for the bot's direct replies: a 429 pauses only the chat it was about.

PTB's AIORateLimiter, on any 429, holds back *every* request until retry_after has passed: a
user who floods the bot makes Telegram refuse replies to their own chat (1/s per chat), and
everybody else's replies then wait a second too (measured: another user's /bantuan went from
25 ms to 1.1 s). Here a 429 pauses the chat it was for; a 429 with no chat (or two chats
refused within a second: the global limit) pauses everyone. The request is retried a few
times, as AIORateLimiter did. Pushes do not come here: the outbox dispatcher paces itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import warnings
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]


class PerChatRateLimiter(BaseRateLimiter[int]):
    def __init__(self, max_retries: int = 3) -> None:
        self.max_retries = max_retries
        self._paused: dict[int, float] = {}  # chat -> monotonic end of its pause
        self._global_until = 0.0
        self._last_429: tuple[float, int | None] = (-1e9, None)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(self, callback: Callable[..., Coroutine[Any, Any, JSONResult]], args: Any,
                              kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
                              rate_limit_args: int | None) -> JSONResult:
        chat_id: int | None = None
        with contextlib.suppress(TypeError, ValueError):
            chat_id = int(data["chat_id"]) if data.get("chat_id") is not None else None
        retries = rate_limit_args if rate_limit_args is not None else self.max_retries
        for attempt in range(retries + 1):
            await self._wait(chat_id)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == retries:
                    raise
                self._pause(chat_id, _seconds(exc) + 0.1)
        raise AssertionError("unreachable")

    async def _wait(self, chat_id: int | None) -> None:
        for _ in range(100):
            until = max(self._global_until, self._paused.get(chat_id, 0.0) if chat_id is not None else 0.0)
            delay = until - time.monotonic()
            if delay <= 0:
                if chat_id is not None:
                    self._paused.pop(chat_id, None)
                return
            await asyncio.sleep(delay)

    def _pause(self, chat_id: int | None, seconds: float) -> None:
        now = time.monotonic()
        last_at, last_chat = self._last_429
        self._last_429 = (now, chat_id)
        if chat_id is None or (now - last_at < 1.0 and last_chat != chat_id):
            self._global_until = max(self._global_until, now + seconds)
            log.info("event=reply_429 scope=global retry_after=%.1f", seconds)
        else:
            self._paused[chat_id] = max(self._paused.get(chat_id, 0.0), now + seconds)
            log.info("event=reply_429 scope=chat chat=%d retry_after=%.1f", chat_id, seconds)


def _seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that the type becomes timedelta later
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
