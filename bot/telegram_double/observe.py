"""Observing the bot: what tests read and wait on (sent messages, pins, keyboards, idleness)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from .models import JSON, SentMessage
from .state import ChatRef, DoubleState


class ObserveMixin(DoubleState):
    """Read-only views of the bot's output, and event-driven waits on it."""

    # ------------------------------------------------------------------ observing the bot

    def sent(self, chat_id: ChatRef | None = None) -> list[SentMessage]:
        if chat_id is None:
            return list(self._sent)
        cid = self._chat_id(chat_id)
        return [m for m in self._sent if m.chat_id == cid]

    def last(self, chat_id: ChatRef) -> SentMessage:
        messages = self.sent(chat_id)
        if not messages:
            raise LookupError(f"the bot sent nothing to chat {self._chat_id(chat_id)}")
        return messages[-1]

    def pinned(self, chat_id: ChatRef) -> list[int]:
        return list(self._pinned.get(self._chat_id(chat_id), []))

    def keyboard(self, chat_id: ChatRef) -> JSON | None:
        """The reply keyboard the user currently sees in that chat, if any."""
        return self.reply_keyboards.get(self._chat_id(chat_id))

    def commands_for(self, scope: str = "default", language_code: str = "") -> list[JSON]:
        return list(self.commands.get((scope, language_code), []))

    @property
    def pending_updates(self) -> int:
        return len(self._updates)

    async def wait_for(
        self,
        chat_id: ChatRef,
        predicate: Callable[[SentMessage], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the agreed test API
        after: int | None = None,
    ) -> SentMessage:
        """Wait for the next bot message (new or edited) in the chat that matches `predicate`.

        after=None: continue from the last message this method returned for the chat (so
        consecutive calls walk through the conversation, and a reply that arrived before the
        call is not missed). after=N: only messages at index >= N of sent(chat_id), or edits
        that happen after this call.
        """
        cid = self._chat_id(chat_id)
        start_seq = len(self._events)
        seen_seq = self._wait_cursor.get(cid, 0) if after is None else 0
        position = 0  # index into this chat's own event list
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            events = self._chat_events.get(cid, [])
            for event in events[position:]:
                if event.seq < seen_seq:
                    continue
                if after is not None:
                    fresh = event.index >= after if event.kind == "send" else event.seq >= start_seq
                    if not fresh:
                        continue
                if predicate is None or predicate(event.message):
                    self._wait_cursor[cid] = event.seq + 1
                    return event.message
            position = len(events)
            wakeup = self._chat_wakeups.setdefault(cid, asyncio.Event())
            remaining = deadline - asyncio.get_running_loop().time()
            woke = False
            if remaining > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wakeup.wait(), remaining)
                    woke = True
            if not woke:
                seen = [m.text[:60] for m in self.sent(cid)[-5:]]
                raise TimeoutError(f"no matching bot message in chat {cid} within {timeout}s; last sent: {seen}")

    async def wait_for_answer(self, callback_query_id: str, timeout: float = 5.0) -> JSON:  # noqa: ASYNC109
        """Wait until the bot has answered this callback query; return the answer.

        Reading `answered_callbacks` right after `press_button` races the bot: wait on this.
        """
        deadline = asyncio.get_running_loop().time() + timeout
        while callback_query_id not in self.answered_callbacks:
            if not await self._wait_change(deadline):
                raise TimeoutError(f"callback query {callback_query_id} not answered within {timeout}s")
        return self.answered_callbacks[callback_query_id]

    async def wait_idle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has confirmed every update and made no API call for `quiet` s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            idle_for = self._clock() - self._last_activity
            if not self._updates and idle_for >= quiet:
                return
            if loop.time() >= deadline:
                raise TimeoutError(f"bot not idle after {timeout}s: {len(self._updates)} unconfirmed updates")
            await asyncio.sleep(max(0.01, min(quiet - idle_for, 0.05)))
