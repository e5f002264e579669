"""The broadcast monitor: a planner that keeps each coordinator's progress message current.

Every `progress_every_seconds` (>= 3 s, so one status message is edited at most every 3 s)
it looks at broadcasts that are sending or due to start, edits their progress message
(text bar, counts, expected finish, Hentikan), and when nothing is waiting any more turns it
into the final summary and queues the delivery report through the outbox. Everything it
needs is in the database, so a restart mid-broadcast carries on.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.broadcasts.rules import render_final, render_progress, render_report
from bot.callbacks import encode
from bot.config import DeliverySettings
from bot.texts import t
from scheduler.quiet import zone
from storage.broadcasts import Broadcast, BroadcastRepo
from storage.database import Database
from storage.forums import ForumRepo
from storage.members import MemberRepo
from storage.outbox import Priority, enqueue, inline_keyboard

log = logging.getLogger(__name__)

FEATURE = "b"  # the callback prefix of handlers.broadcasts


def stop_markup(broadcast_id: int, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t("bc.stop", lang),
                                                       callback_data=encode(FEATURE, "stop", broadcast_id))]])


def report_key(broadcast_id: int) -> str:
    return f"broadcast:{broadcast_id}:report"


class BroadcastMonitor:
    """`await monitor(now)`: register with `engine.add_planner(monitor, every=3)`."""

    def __init__(self, *, bot: Bot, db: Database, settings: DeliverySettings) -> None:
        self.bot = bot
        self.db = db
        self.settings = settings
        self.repo = BroadcastRepo(db)
        self.forums = ForumRepo(db)
        self.members = MemberRepo(db)

    async def __call__(self, now: datetime) -> None:
        for broadcast in await self.repo.needing_attention(now):
            try:
                await self._attend(broadcast, now)
            except TelegramError as exc:  # a failed edit must not block the others
                log.warning("event=broadcast_progress_failed id=%d error=%s", broadcast.id, exc)

    async def _attend(self, broadcast: Broadcast, now: datetime) -> None:
        lang = await self._language(broadcast.created_by)
        forum = await self.forums.get(broadcast.forum_id)
        tz = zone(forum.timezone if forum else None)
        if broadcast.status == "scheduled":
            if not await self.repo.start_sending(broadcast.id):
                return
            progress = await self.repo.progress(broadcast.id)
            message = await self.bot.send_message(
                broadcast.created_by, render_progress(broadcast.id, progress, now=now, per_second=self._rate(),
                                                      tz=tz, lang=lang),
                parse_mode=ParseMode.HTML, reply_markup=stop_markup(broadcast.id, lang))
            await self.repo.set_status_message(broadcast.id, message.chat_id, message.message_id)
            await self.repo.touch_progress(broadcast.id, now)
            return
        progress = await self.repo.progress(broadcast.id)
        if broadcast.status == "sending" and not progress.finished:
            due = broadcast.progress_at is None or now - broadcast.progress_at >= timedelta(
                seconds=self.settings.progress_every_seconds)
            if due:
                await self._edit(broadcast, render_progress(broadcast.id, progress, now=now,
                                                            per_second=self._rate(), tz=tz, lang=lang),
                                 stop_markup(broadcast.id, lang))
                await self.repo.touch_progress(broadcast.id, now)
            return
        if progress.waiting:
            return  # stopped, but sends in flight still to be answered
        if broadcast.status == "sending":
            await self.repo.finish(broadcast.id, now)
        stopped = broadcast.status == "stopped"
        await self._edit(broadcast, render_final(broadcast.id, progress, stopped=stopped, lang=lang), None)
        await self._queue_report(broadcast, lang, tz, now)

    async def _queue_report(self, broadcast: Broadcast, lang: str, tz: Any, now: datetime) -> None:
        progress = await self.repo.progress(broadcast.id)
        failures = await self.repo.not_delivered(broadcast.id)
        text = render_report(broadcast.id, progress, failures, started=broadcast.scheduled_at, tz=tz, lang=lang)
        rows = []
        if progress.failed and any(f.user_id is not None for f in failures if f.reason not in
                                   ("cancelled", "expired")):
            rows.append([(str(t("bc.resend", lang)), encode(FEATURE, "resend", broadcast.id))])
        async with self.db.transaction() as conn:
            if await self.repo.report_queued(conn, broadcast.id, now):
                await enqueue(conn, key=report_key(broadcast.id), chat_id=broadcast.created_by, text=text,
                              due_at=now, now=now, priority=Priority.INTERACTIVE,
                              reply_markup=inline_keyboard(rows) if rows else None,
                              forum_id=broadcast.forum_id, member_user_id=broadcast.created_by)
        log.info("event=broadcast_finished id=%d sent=%d failed=%d not_sent=%d", broadcast.id, progress.sent,
                 progress.failed, progress.cancelled + progress.expired)

    async def _edit(self, broadcast: Broadcast, text: str, markup: InlineKeyboardMarkup | None) -> None:
        if broadcast.status_chat_id is None or broadcast.status_message_id is None:
            return
        try:
            await self.bot.edit_message_text(text, chat_id=broadcast.status_chat_id,
                                             message_id=broadcast.status_message_id, parse_mode=ParseMode.HTML,
                                             reply_markup=markup)
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                log.info("event=broadcast_edit_failed id=%d error=%s", broadcast.id, exc)

    async def _language(self, user_id: int) -> str:
        member = await self.members.get(user_id)
        return member.language if member else "id"

    def _rate(self) -> float:
        return self.settings.global_per_second * self.settings.rate_margin
