"""Broadcast (siaran) use cases: create, stop, cancel, resend, and the progress monitor.

Handlers and the planner call these with plain values. Every write runs in one unit of work
(`services.write()`), and everything the bot says on its own here — the progress message of a
scheduled broadcast, its edits, the final summary and the delivery report — is an outbox push
written in that unit, so the dispatcher's limits and durability cover it too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.broadcasts.rules import render_final, render_message, render_progress, render_report
from bot.callbacks import encode
from bot.errors import NotFound
from bot.permissions import Action
from bot.services import Services
from bot.texts import t
from bot.view import Button, View
from scheduler.quiet import zone
from storage.broadcasts import Audience, Broadcast, BroadcastRepo, MediaKind, Progress
from storage.models import Forum
from storage.outbox import OutboxRepo, Priority, enqueue

log = logging.getLogger(__name__)

FEATURE = "b"  # the callback prefix of handlers.broadcasts
TOPIC = "broadcasts"  # the forum group's topic for broadcasts


def report_key(broadcast_id: int) -> str:
    return f"broadcast:{broadcast_id}:report"


def progress_key(broadcast_id: int) -> str:
    """The progress message the monitor posts for a scheduled broadcast."""
    return f"broadcast:{broadcast_id}:progress"


def repo(services: Services) -> BroadcastRepo:
    """Reads outside a unit (the last committed state)."""
    return BroadcastRepo(services.db)


def per_second(services: Services) -> float:
    settings = services.settings.delivery
    return settings.global_per_second * settings.rate_margin


# -- views (pure) -----------------------------------------------------------------------------
def progress_view(broadcast_id: int, progress: Progress, *, now: datetime, rate: float, forum: Forum | None,
                  lang: str) -> View:
    """The progress message: bar, counts, expected finish, and Hentikan."""
    text = render_progress(broadcast_id, progress, now=now, per_second=rate,
                           tz=zone(forum.timezone if forum else None), lang=lang)
    return View(str(text), ((Button(str(t("bc.stop", lang)), data=encode(FEATURE, "stop", broadcast_id)),),))


# -- use cases --------------------------------------------------------------------------------
async def require_forum(services: Services, forum_id: int, user_id: int) -> Forum:
    forum, _ = await services.access.require(int(forum_id), user_id, Action.BROADCAST)
    return forum


async def broadcast_for(services: Services, broadcast_id: int, user_id: int) -> tuple[Broadcast, Forum]:
    """The broadcast, if the asker may broadcast in its forum (a coordinator of forum A never
    touches forum B's broadcasts)."""
    broadcast = await repo(services).get(broadcast_id)
    if broadcast is None:
        raise NotFound()
    return broadcast, await require_forum(services, broadcast.forum_id, user_id)


@dataclass(frozen=True)
class Draft:
    """What the coordinator composed (the form's data)."""

    text: str
    media_kind: MediaKind | None = None
    file_id: str | None = None
    pin: bool = False


async def create(services: Services, *, forum_id: int, coordinator: int, draft: Draft, audience: Audience,
                 when: datetime, resend_of: int | None = None, announce: bool = False,
                 from_form: bool = False) -> Broadcast:
    """Store the broadcast and one push per recipient (and the group), in one unit. `announce`:
    also queue the progress message there (an immediate send from the form); `from_form`: drop
    the coordinator's form draft in the same unit."""
    forum = await require_forum(services, forum_id, coordinator)
    member = await services.members.get(coordinator)
    name = member.full_name if member else str(coordinator)
    render = {lang: str(render_message(draft.text, forum=forum.name, coordinator=name, lang=lang))
              for lang in ("id", "en")}
    topic = await services.forums.topic(forum.id, TOPIC)
    async with services.write() as tx:
        broadcast = await tx.broadcasts.create(
            forum_id=forum.id, created_by=coordinator, text=draft.text, audience=audience, scheduled_at=when,
            now=services.clock.now(), render=render, group_chat_id=forum.group_chat_id, group_thread_id=topic,
            group_language=forum.language, media_kind=draft.media_kind, media_file_id=draft.file_id,
            pin=draft.pin, resend_of=resend_of,
        )
        if announce:
            now = services.clock.now()
            member_lang = member.language if member else "id"
            view = progress_view(broadcast.id, await tx.broadcasts.progress(broadcast.id), now=now,
                                 rate=per_second(services), forum=forum, lang=member_lang)
            await enqueue(tx.conn, key=progress_key(broadcast.id), chat_id=coordinator, text=view.text,
                          reply_markup=view.bot_api_markup(), due_at=now, now=now, priority=Priority.INTERACTIVE,
                          forum_id=forum.id, member_user_id=coordinator)
        if from_form:
            await tx.drafts.clear(coordinator)
    services.delivery.wake()
    return broadcast


async def set_status_message(services: Services, broadcast_id: int, chat_id: int, message_id: int) -> None:
    """The progress message a reply posted (send now): the monitor edits it from here on."""
    await repo(services).set_status_message(broadcast_id, chat_id, message_id)


async def stop(services: Services, broadcast_id: int, user_id: int) -> tuple[Broadcast, int]:
    """Hentikan: cancel what has not gone out; returns how many pushes were cancelled."""
    broadcast, _ = await broadcast_for(services, broadcast_id, user_id)
    async with services.write() as tx:
        cancelled = await tx.broadcasts.stop(broadcast.id, services.clock.now())
    services.delivery.wake()
    return broadcast, cancelled


async def cancel_scheduled(services: Services, broadcast_id: int, user_id: int) -> tuple[Broadcast, bool]:
    broadcast, _ = await broadcast_for(services, broadcast_id, user_id)
    async with services.write() as tx:
        done = await tx.broadcasts.cancel_scheduled(broadcast.id, services.clock.now())
    return broadcast, done


async def resend_failed(services: Services, broadcast_id: int, user_id: int) -> tuple[Broadcast, Forum] | None:
    """Kirim ulang ke yang gagal: a new broadcast to the failed members still active; None if nobody."""
    broadcast, forum = await broadcast_for(services, broadcast_id, user_id)
    failed = await repo(services).failed_members(broadcast.id)
    audience = Audience(user_ids=tuple(failed))
    if not failed or not await repo(services).recipients(forum.id, audience, sender=user_id):
        return None
    draft = Draft(text=broadcast.text, media_kind=broadcast.media_kind, file_id=broadcast.media_file_id)
    again = await create(services, forum_id=forum.id, coordinator=user_id, draft=draft, audience=audience,
                         when=services.clock.now(), resend_of=broadcast.id)
    return again, forum


# -- the progress monitor (a planner) ----------------------------------------------------------
async def plan_progress(services: Services, now: datetime) -> None:
    """The broadcast progress planner (every `progress_every_seconds`, >= 3 s, so one status
    message is edited at most every 3 s): for broadcasts sending or due to start, queue an edit of
    their progress message, and when nothing is waiting any more the final summary and the
    delivery report. Everything it needs is in the database, so a restart mid-broadcast carries on."""
    for broadcast in await repo(services).needing_attention(now):
        await _attend(services, broadcast, now)


async def _attend(services: Services, broadcast: Broadcast, now: datetime) -> None:
    creator = await services.members.get(broadcast.created_by)
    lang = creator.language if creator else "id"
    forum = await services.forums.get(broadcast.forum_id)
    rate = per_second(services)
    if broadcast.status == "scheduled":
        async with services.write() as tx:
            if not await tx.broadcasts.start_sending(broadcast.id):
                return
            view = progress_view(broadcast.id, await tx.broadcasts.progress(broadcast.id), now=now, rate=rate,
                                 forum=forum, lang=lang)
            await enqueue(tx.conn, key=progress_key(broadcast.id), chat_id=broadcast.created_by, text=view.text,
                          reply_markup=view.bot_api_markup(), due_at=now, now=now, priority=Priority.INTERACTIVE,
                          forum_id=broadcast.forum_id, member_user_id=broadcast.created_by)
            await tx.broadcasts.touch_progress(broadcast.id, now)
        services.delivery.wake()
        return
    status_message = await _status_message(services, broadcast)
    if status_message == "waiting":
        return  # the progress message is still on its way; edit it once it has an id
    progress = await repo(services).progress(broadcast.id)
    if broadcast.status == "sending" and not progress.finished:
        due = broadcast.progress_at is None or now - broadcast.progress_at >= timedelta(
            seconds=services.settings.delivery.progress_every_seconds)
        if due:
            async with services.write() as tx:
                view = progress_view(broadcast.id, progress, now=now, rate=rate, forum=forum, lang=lang)
                await _edit(tx.conn, broadcast, status_message, view, now, final=False)
                await tx.broadcasts.touch_progress(broadcast.id, now)
            services.delivery.wake()
        return
    if progress.waiting:
        return  # stopped, but sends in flight still to be answered
    failures = await repo(services).not_delivered(broadcast.id)
    tz = zone(forum.timezone if forum else None)
    async with services.write() as tx:
        if broadcast.status == "sending":
            await tx.broadcasts.finish(broadcast.id, now)
        if not await tx.broadcasts.report_queued(broadcast.id, now):
            return
        stopped = broadcast.status == "stopped"
        final = View(str(render_final(broadcast.id, progress, stopped=stopped, lang=lang)))
        await _edit(tx.conn, broadcast, status_message, final, now, final=True)
        text = render_report(broadcast.id, progress, failures, started=broadcast.scheduled_at, tz=tz, lang=lang)
        buttons: tuple[tuple[Button, ...], ...] = ()
        if progress.failed and any(f.user_id is not None for f in failures if f.reason not in ("cancelled", "expired")):
            buttons = ((Button(str(t("bc.resend", lang)), data=encode(FEATURE, "resend", broadcast.id)),),)
        report = View(str(text), buttons)
        await enqueue(tx.conn, key=report_key(broadcast.id), chat_id=broadcast.created_by, text=report.text,
                      due_at=now, now=now, priority=Priority.INTERACTIVE, reply_markup=report.bot_api_markup(),
                      forum_id=broadcast.forum_id, member_user_id=broadcast.created_by)
    services.delivery.wake()
    log.info("event=broadcast_finished id=%d sent=%d failed=%d not_sent=%d", broadcast.id, progress.sent,
             progress.failed, progress.cancelled + progress.expired)


async def _status_message(services: Services, broadcast: Broadcast) -> tuple[int, int] | str | None:
    """(chat, message id) of the progress message; "waiting" while its push is not answered yet;
    None when there is none to edit (its push failed)."""
    if broadcast.status_chat_id is not None and broadcast.status_message_id is not None:
        return broadcast.status_chat_id, broadcast.status_message_id
    row = await OutboxRepo(services.db).by_key(progress_key(broadcast.id))
    if row is None:
        return None
    if row["status"] in ("pending", "sending"):
        return "waiting"
    if row["status"] != "sent" or row["message_id"] is None:
        return None
    await repo(services).set_status_message(broadcast.id, row["chat_id"], row["message_id"])
    return int(row["chat_id"]), int(row["message_id"])


async def _edit(conn: Any, broadcast: Broadcast, status_message: tuple[int, int] | str | None, view: View,
                now: datetime, *, final: bool) -> None:
    """Queue an edit of the progress message. A progress edit not sent within a minute is pointless
    (a newer one follows), so it expires; the final summary does not."""
    if not isinstance(status_message, tuple):
        return
    chat_id, message_id = status_message
    key = f"{progress_key(broadcast.id)}:{'final' if final else f'{now.timestamp():.0f}'}"
    await enqueue(conn, key=key, chat_id=chat_id, method="editMessageText", text=view.text,
                  params={"message_id": message_id}, reply_markup=view.bot_api_markup(), due_at=now, now=now,
                  priority=Priority.INTERACTIVE, expires_at=None if final else now + timedelta(minutes=1),
                  forum_id=broadcast.forum_id)


# -- reads for the form and the history (through the service, so handlers hold no storage) ------
async def audience_size(services: Services, forum_id: int, audience: Audience, sender: int) -> int:
    return len(await repo(services).recipients(forum_id, audience, sender=sender))


async def kecamatan_choices(services: Services, forum_id: int) -> list[tuple[str, str]]:
    """(code, name) of the kecamatan of the forum's active members, for the audience buttons."""
    return await repo(services).kecamatan_of_forum(forum_id)


async def rendered(services: Services, forum: Forum, text_html: str, coordinator: int, lang: str) -> str:
    """The message as recipients will see it (the preview)."""
    member = await services.members.get(coordinator)
    name = member.full_name if member else str(coordinator)
    return str(render_message(text_html, forum=forum.name, coordinator=name, lang=lang))


async def progress(services: Services, broadcast_id: int) -> Progress:
    return await repo(services).progress(broadcast_id)


async def history(services: Services, forum_id: int) -> list[tuple[Broadcast, Progress]]:
    """The forum's latest broadcasts with their counts (/siaran_riwayat)."""
    found = await repo(services).of_forum(forum_id)
    return [(b, await repo(services).progress(b.id)) for b in found]


async def report(services: Services, broadcast_id: int, user_id: int, lang: str) -> View:
    """The delivery report of one broadcast (the Laporan button), with Kirim ulang when useful."""
    broadcast, forum = await broadcast_for(services, broadcast_id, user_id)
    counts = await repo(services).progress(broadcast.id)
    text = render_report(broadcast.id, counts, await repo(services).not_delivered(broadcast.id),
                         started=broadcast.scheduled_at, tz=zone(forum.timezone), lang=lang)
    buttons: tuple[tuple[Button, ...], ...] = ()
    if counts.failed and broadcast.status in ("done", "stopped"):
        buttons = ((Button(str(t("bc.resend", lang)), data=encode(FEATURE, "resend", broadcast.id)),),)
    return View(str(text), buttons)
