"""Named ephemeral lanes: sends that are worth nothing a moment later, so not in the outbox.

A broadcast's progress bar is the example: an edit that fails or is lost in a restart is simply
replaced by the next pass's edit, so writing it to the outbox (durable, retried, idempotent)
would only queue stale bars behind real messages. Such sends still must not bypass Telegram's
limits the outbox observes, nor PTB's retrying rate limiter of the application's bot, so a lane:

- sends on the delivery engine's own Bot (the lean transport, not `app.bot`),
- books every send in the dispatcher's Limiter, like an outbox row, and waits its turn,
- on a 429 records the pause in the Limiter (the outbox then waits too) and raises it,
- logs under its name (`lane=...`), so it is explicit in code and logs which sends skip the outbox.

Get one with `services.delivery.lane("broadcast_progress")`.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Protocol

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, Message
from telegram.constants import ParseMode
from telegram.error import RetryAfter

from scheduler.limits import Limiter

log = logging.getLogger(__name__)

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class MessageLane(Protocol):
    """What a planner needs to keep one status message current."""

    async def send_message(self, chat_id: int, text: str, *,
                           reply_markup: InlineKeyboardMarkup | None = None, **kwargs: Any) -> Message: ...

    async def edit_message_text(self, text: str, *, chat_id: int, message_id: int,
                                reply_markup: InlineKeyboardMarkup | None = None, **kwargs: Any) -> Any: ...


class EphemeralLane:
    def __init__(self, name: str, *, bot: Bot, limiter: Limiter,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self._bot = bot
        self._limiter = limiter
        self._monotonic = monotonic
        self.sent = 0

    async def send_message(self, chat_id: int, text: str, *,
                           reply_markup: InlineKeyboardMarkup | None = None, **kwargs: Any) -> Message:
        """An HTML message with previews off, in its turn under the limits."""
        await self._turn(chat_id)
        kwargs.setdefault("parse_mode", ParseMode.HTML)
        kwargs.setdefault("link_preview_options", _NO_PREVIEW)
        try:
            message = await self._bot.send_message(chat_id, text, reply_markup=reply_markup, **kwargs)
        except RetryAfter as exc:
            self._paused(chat_id, exc)
            raise
        self.sent += 1
        return message

    async def edit_message_text(self, text: str, *, chat_id: int, message_id: int,
                                reply_markup: InlineKeyboardMarkup | None = None, **kwargs: Any) -> Any:
        await self._turn(chat_id)
        kwargs.setdefault("parse_mode", ParseMode.HTML)
        kwargs.setdefault("link_preview_options", _NO_PREVIEW)
        try:
            result = await self._bot.edit_message_text(text, chat_id=chat_id, message_id=message_id,
                                                       reply_markup=reply_markup, **kwargs)
        except RetryAfter as exc:
            self._paused(chat_id, exc)
            raise
        self.sent += 1
        return result

    async def _turn(self, chat_id: int) -> None:
        """Book a send time as the outbox does, and wait for it (and any 429 pause after it)."""
        at = self._limiter.reserve(chat_id, self._monotonic())
        for _ in range(100):  # pauses are finite; the bound only guards against a clock gone wrong
            now = self._monotonic()
            delay = max(at - now, self._limiter.pause_left(chat_id, now))
            if delay <= 0:
                return
            await asyncio.sleep(delay)

    def _paused(self, chat_id: int, exc: RetryAfter) -> None:
        with warnings.catch_warnings():  # PTB 22.2+ warns that the type becomes timedelta later
            warnings.simplefilter("ignore")
            value = exc.retry_after
        seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
        self._limiter.retry_after(chat_id, seconds, self._monotonic())
        log.warning("event=lane_429 lane=%s chat=%d retry_after=%.1f", self.name, chat_id, seconds)
