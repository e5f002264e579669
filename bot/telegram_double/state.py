"""Everything the double remembers, in one place, and the wake-ups that tell waiters it changed.

`DoubleState` owns the state of the simulated Telegram (users, groups, messages, updates, files,
callbacks, settings) and the few helpers every concern needs (chat ids, message ids, events).
The concern modules (updates, chats, files, humans, observe, sending, messages, commands) are
mixins on top of it; server.py assembles them into `TelegramDouble`.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from aiohttp import web

from .limits import FloodLimiter, FloodLimits
from .models import JSON, Fault, RequestRecord, SentMessage, SimChat, SimUser

ChatRef = int | SimUser | SimChat
MessageRef = SentMessage | JSON | int


@dataclass
class _StoredFile:
    """A file the double keeps, uploaded by a user or the bot, served under its file_path."""

    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    file_name: str | None
    mime_type: str | None


@dataclass
class _Event:
    """One bot output in a chat (a send or an edit), for `wait_for`."""

    seq: int
    chat_id: int
    kind: str  # "send" | "edit"
    message: SentMessage
    index: int  # position of the message in sent(chat_id)


class DoubleState:
    """The simulated Telegram's state; the constructor's options configure the whole double."""

    # Bot API method names the HTTP layer routes to `_api_<name>` (set by the assembling class).
    API_METHODS: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        token: str = "123456:TEST",
        bot_username: str = "kades_test_bot",
        rtt: float = 0.0,
        enforce_limits: bool = True,
        *,
        bot_first_name: str = "Kades Test Bot",
        limits: FloodLimits | None = None,
        privacy_mode: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        callback_ttl: float = 15 * 60,
        strict_ampersand: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.rtt = rtt
        self.enforce_limits = enforce_limits
        self.privacy_mode = privacy_mode
        self.callback_ttl = callback_ttl
        self.strict_ampersand = strict_ampersand
        self.host = host
        self.port = port
        self._clock = clock
        prefix = token.split(":", 1)[0]
        self.bot_id = int(prefix) if prefix.isdigit() else 123456
        self.bot_user: JSON = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.limiter = FloodLimiter(limits)

        self._users: dict[int, SimUser] = {}
        self._groups: dict[int, SimChat] = {}
        self._blocked: set[int] = set()
        self._deactivated: set[int] = set()
        self._next_mid: dict[int, int] = {}
        self._messages: dict[tuple[int, int], JSON] = {}  # every message, user's and bot's
        self._sent: list[SentMessage] = []
        self._sent_index: dict[tuple[int, int], SentMessage] = {}
        self._events: list[_Event] = []
        self._chat_events: dict[int, list[_Event]] = {}  # the same events, per chat, for wait_for
        # Per-chat wake-ups: hundreds of waiters in a benchmark must not all wake on every event.
        self._chat_wakeups: dict[int, asyncio.Event] = {}
        self._index_in_chat: dict[tuple[int, int], int] = {}  # O(1) positions for big benchmarks
        self._sent_per_chat: dict[int, int] = {}
        self._deleted: set[tuple[int, int]] = set()
        self._wait_cursor: dict[int, int] = {}

        self._updates: list[JSON] = []
        self._update_ids = itertools.count(1)
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self._webhook_url = ""
        self._webhook_secret = ""
        self._pusher: asyncio.Task[None] | None = None
        # Answers the bot's webhook gave to the double's pushes (status codes), in order.
        self.webhook_responses: list[int] = []

        self._callback_ids = itertools.count(4_000_000_000_000_000_001)
        self._callbacks: dict[str, float] = {}
        self.answered_callbacks: dict[str, JSON] = {}

        self._files: dict[str, _StoredFile] = {}
        self._file_paths: dict[str, str] = {}
        self._file_counter = itertools.count(1)

        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.menu_buttons: dict[int | None, JSON] = {}
        self.reply_keyboards: dict[int, JSON | None] = {}
        self.chat_actions: list[tuple[int, str]] = []
        self._pinned: dict[int, list[int]] = {}
        self._faults: list[Fault] = []
        self.request_log: list[RequestRecord] = []
        self._last_activity = self._clock()

        # Waiters hold the current event; _notify() sets it and installs a fresh one, so sync
        # code (block(), set_admin()) can wake async waiters without taking a lock.
        self._wakeup = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None

        self._methods: dict[str, Callable[[JSON], Awaitable[Any]]] = {
            name.lower(): getattr(self, f"_api_{name}") for name in self.API_METHODS
        }

    # ------------------------------------------------------------------ wake-ups and ids

    def _notify(self) -> None:
        self._wakeup.set()
        self._wakeup = asyncio.Event()

    async def _wait_change(self, deadline: float) -> bool:
        """Sleep until something changes or the deadline passes; False on deadline."""
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            return False
        try:
            await asyncio.wait_for(self._wakeup.wait(), remaining)
        except TimeoutError:
            return False
        return True

    def _add_event(self, event: _Event) -> None:
        self._events.append(event)
        self._chat_events.setdefault(event.chat_id, []).append(event)
        wakeup = self._chat_wakeups.pop(event.chat_id, None)
        if wakeup is not None:
            wakeup.set()

    def _chat_id(self, ref: ChatRef) -> int:
        return ref if isinstance(ref, int) else ref.id

    def _group(self, ref: SimChat | int) -> SimChat:
        cid = self._chat_id(ref)
        if cid not in self._groups:
            raise KeyError(f"unknown group {cid}; create it with double.group(...)")
        return self._groups[cid]

    def _new_mid(self, chat_id: int) -> int:
        mid = self._next_mid.get(chat_id, 1)
        self._next_mid[chat_id] = mid + 1
        return mid
