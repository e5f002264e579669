"""/siaran and /siaran_riwayat: coordinators broadcast to their forum and see who was reached.

Flow (a form kept in SQLite, so a restart mid-way loses nothing):
  /siaran -> pick forum (if several) -> type the message (or one photo/document with caption)
  -> choose recipients (all / kecamatan / role, the forum's group, pin) -> preview with count
  -> Kirim sekarang | Jadwalkan (type a date and time) | Batal.
Sending is the delivery engine's job: the broadcast and one outbox row per recipient are
written in one transaction; the progress message and the report come from
scheduler.broadcasts.BroadcastMonitor. Every button checks Action.BROADCAST again.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any

from telegram import Message, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.broadcasts.rules import body_limit, render_message, render_progress, render_report
from bot.callbacks import CallbackData, encode
from bot.context import BotContext
from bot.dateparse import DateParseError, parse_datetime
from bot.errors import InvalidInput, NotFound, StaleAction
from bot.permissions import ROLES, Action
from bot.services import Services
from bot.texts import Html, t
from bot.timefmt import format_datetime, zone_label
from handlers import forms
from handlers.common import (
    Button,
    button_handler,
    command_handler,
    edit_or_reply,
    is_private,
    language,
    register_planner,
    remove_buttons,
    reply,
    user_of,
)
from handlers.forums import forum_action, run_in_forum
from scheduler.broadcasts import FEATURE, BroadcastMonitor
from scheduler.quiet import quiet_until, zone
from storage.broadcasts import Audience, Broadcast, BroadcastRepo, MediaKind
from storage.models import Forum

FORM = "siaran"
TOPIC = "broadcasts"


def _repo(context: BotContext) -> BroadcastRepo:
    return BroadcastRepo(context.services.db)


def _wake(context: BotContext) -> None:
    context.services.delivery.wake()


# -- /siaran -------------------------------------------------------------------------------------
@command_handler
async def siaran(update: Update, context: BotContext) -> None:
    """Start composing a broadcast (private chat only: drafts are not for the group's eyes)."""
    if not is_private(update):
        await reply(update, t("bc.private_only", await language(update, context)))
        return
    await run_in_forum(update, context, "siaran")


@forum_action("siaran", Action.BROADCAST)
async def compose(update: Update, context: BotContext, forum: Forum) -> None:
    user = user_of(update)
    await forms.begin(context, user.id, FORM, "text", {"forum_id": forum.id})
    await edit_or_reply(update, t("bc.compose", await language(update, context), forum=forum.name))


async def on_input(update: Update, context: BotContext, draft: Any) -> None:
    """Typed input inside the form: the message itself, or the schedule time."""
    forum = await _require_forum(context, draft.data["forum_id"], user_of(update).id)
    lang = await language(update, context)
    message = update.effective_message
    if draft.step == "text" and message is not None:
        content = _content(message)
        if content is None:
            raise InvalidInput("bc.need_content")
        text_html, media_kind, file_id = content
        limit = body_limit(media_kind is not None)
        if len(text_html) > limit:
            raise InvalidInput("bc.too_long", length=len(text_html), limit=limit)
        draft = await forms.advance(context, draft, "audience", text=text_html, media_kind=media_kind,
                                    file_id=file_id, members=True, kec=[], roles=[], group=False, pin=False)
        await _show_audience(update, context, forum, draft.data, lang)
    elif draft.step == "when" and message is not None and message.text:
        tz = zone(forum.timezone)
        try:
            when = parse_datetime(message.text, now=context.services.clock.now(), tz=tz)
        except DateParseError:
            raise InvalidInput("bc.when_bad") from None
        broadcast = await _create(update, context, forum, draft.data, when)
        await forms.finish(context, draft.user_id)
        rows = [[(str(t("bc.cancel_scheduled", lang, id=broadcast.id)), encode(FEATURE, "cs", broadcast.id))]]
        await reply(update, t("bc.scheduled", lang, id=broadcast.id, when=format_datetime(when, tz, lang),
                              count=broadcast.recipients), rows)
    elif draft.step == "audience":
        await _show_audience(update, context, forum, draft.data, lang)
    else:
        await _show_preview(update, context, forum, draft.data, lang)


def _content(message: Message) -> tuple[str, MediaKind | None, str | None] | None:
    """(HTML text, media kind, file_id): PTB's *_html keeps the sender's formatting, escaped."""
    if message.photo:
        return message.caption_html or "", "photo", message.photo[-1].file_id
    if message.document:
        return message.caption_html or "", "document", message.document.file_id
    if message.text:
        return message.text_html, None, None
    return None


# -- audience ------------------------------------------------------------------------------------
def _audience(data: dict[str, Any]) -> Audience:
    return Audience(kecamatan=tuple(data.get("kec", [])), roles=tuple(data.get("roles", [])),
                    members=bool(data.get("members", True)), group=bool(data.get("group", False)))


def _mark(on: bool) -> str:
    return "✅" if on else "⬜"


async def _show_audience(update: Update, context: BotContext, forum: Forum, data: dict[str, Any],
                         lang: str) -> None:
    audience = _audience(data)
    count = len(await _repo(context).recipients(forum.id, audience, sender=user_of(update).id))
    rows: list[list[Button]] = [[(str(t("bc.aud_members_on" if audience.members else "bc.aud_members_off", lang)),
                                  encode(FEATURE, "aud", "m"))]]
    for code, name in await _repo(context).kecamatan_of_forum(forum.id):
        rows.append([(str(t("bc.aud_kec", lang, mark=_mark(code in audience.kecamatan), name=name)),
                      encode(FEATURE, "aud", "k", code))])
    rows.append([(str(t("bc.aud_role", lang, mark=_mark(role in audience.roles), role=t(f"bc.role.{role}", lang))),
                  encode(FEATURE, "aud", "r", role)) for role in ROLES])
    if forum.group_chat_id is not None:
        rows.append([(str(t("bc.aud_group", lang, mark=_mark(audience.group))), encode(FEATURE, "aud", "g")),
                     (str(t("bc.aud_pin", lang, mark=_mark(audience.group and bool(data.get("pin"))))),
                      encode(FEATURE, "aud", "p"))])
    rows.append([(str(t("bc.next", lang)), encode(FEATURE, "next")), (str(t("bc.cancel", lang)),
                                                                     encode(FEATURE, "cancel"))])
    group = _group_suffix(audience, bool(data.get("pin")), lang)
    await edit_or_reply(update, t("bc.audience", lang, count=count, group=group), rows)


def _group_suffix(audience: Audience, pin: bool, lang: str) -> Html:
    if not audience.group:
        return Html("")
    return t("bc.plus_group_pinned" if pin else "bc.plus_group", lang)


@button_handler
async def on_audience(update: Update, context: BotContext, data: CallbackData) -> None:
    """Toggle one audience choice and show the new recipient count."""
    user = user_of(update)
    draft = await forms.expect(context, user.id, FORM, "audience")
    forum = await _require_forum(context, draft.data["forum_id"], user.id)
    what, values = data.arg(0), dict(draft.data)
    if what == "m":
        values["members"] = not values.get("members", True)
    elif what == "k":
        values["kec"] = _toggle(values.get("kec", []), data.arg(1))
    elif what == "r":
        if data.arg(1) not in ROLES:
            raise StaleAction()
        values["roles"] = _toggle(values.get("roles", []), data.arg(1))
    elif what == "g" and forum.group_chat_id is not None:
        values["group"] = not values.get("group", False)
    elif what == "p" and forum.group_chat_id is not None:
        values["pin"] = not values.get("pin", False)
        values["group"] = values["group"] or values["pin"]
    else:
        raise StaleAction()
    draft = await forms.advance(context, draft, "audience", **values)
    await _show_audience(update, context, forum, draft.data, await language(update, context))


def _toggle(items: list[str], item: str) -> list[str]:
    return [i for i in items if i != item] if item in items else [*items, item]


# -- preview, send, schedule ---------------------------------------------------------------------
@button_handler
async def on_next(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.expect(context, user.id, FORM, "audience")
    forum = await _require_forum(context, draft.data["forum_id"], user.id)
    draft = await forms.advance(context, draft, "preview")
    await _show_preview(update, context, forum, draft.data, await language(update, context))


async def _show_preview(update: Update, context: BotContext, forum: Forum, data: dict[str, Any],
                        lang: str) -> None:
    audience = _audience(data)
    count = len(await _repo(context).recipients(forum.id, audience, sender=user_of(update).id))
    if count == 0 and not (audience.group and forum.group_chat_id is not None):
        await forms.advance(context, await forms.expect(context, user_of(update).id, FORM), "audience")
        await reply(update, t("bc.no_recipients", lang))
        await _show_audience(update, context, forum, data, lang)
        return
    settings = context.services.settings.delivery
    tz = zone(forum.timezone)
    quiet = Html("")
    if quiet_until(context.services.clock.now(), tz, settings.quiet_start, settings.quiet_end):
        quiet = t("bc.quiet_note", lang, start=settings.quiet_start.strftime("%H.%M"),
                  end=settings.quiet_end.strftime("%H.%M"))
    body = await _render(context, forum, data["text"], user_of(update).id, lang)
    rows: list[list[Button]] = [
        [(str(t("bc.send_now", lang)), encode(FEATURE, "now")), (str(t("bc.schedule", lang)), encode(FEATURE, "sched"))],
        [(str(t("bc.change_audience", lang)), encode(FEATURE, "edit")), (str(t("bc.cancel", lang)),
                                                                          encode(FEATURE, "cancel"))],
    ]
    await edit_or_reply(update, t("bc.preview", lang, count=count,
                                  group=_group_suffix(audience, bool(data.get("pin")), lang),
                                  quiet=quiet, body=body), rows)


async def _render(context: BotContext, forum: Forum, text_html: str, coordinator_id: int, lang: str) -> Html:
    member = await context.services.members.get(coordinator_id)
    name = member.full_name if member else str(coordinator_id)
    return render_message(text_html, forum=forum.name, coordinator=name, lang=lang)


@button_handler
async def on_edit(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.expect(context, user.id, FORM, "preview")
    forum = await _require_forum(context, draft.data["forum_id"], user.id)
    draft = await forms.advance(context, draft, "audience")
    await _show_audience(update, context, forum, draft.data, await language(update, context))


@button_handler
async def on_send_now(update: Update, context: BotContext, data: CallbackData) -> None:
    """Kirim sekarang: queue every recipient's push, then show the progress message."""
    user = user_of(update)
    draft = await forms.expect(context, user.id, FORM, "preview")
    forum = await _require_forum(context, draft.data["forum_id"], user.id)
    broadcast = await _create(update, context, forum, draft.data, context.services.clock.now())
    await forms.finish(context, user.id)
    if update.callback_query is not None:
        await remove_buttons(update.callback_query)
    await _post_status(update, context, broadcast, forum)


@button_handler
async def on_schedule(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.expect(context, user.id, FORM, "preview")
    forum = await _require_forum(context, draft.data["forum_id"], user.id)
    await forms.advance(context, draft, "when")
    lang = await language(update, context)
    await edit_or_reply(update, t("bc.ask_when", lang, zone=zone_label(zone(forum.timezone))))


@button_handler
async def on_cancel_draft(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    await forms.expect(context, user.id, FORM)
    await forms.finish(context, user.id)
    await edit_or_reply(update, t("bc.draft_cancelled", await language(update, context)))


async def _create(update: Update, context: BotContext, forum: Forum, data: dict[str, Any], when: Any,
                  *, audience: Audience | None = None, resend_of: int | None = None) -> Broadcast:
    services = context.services
    coordinator = user_of(update).id
    render = {lang: str(await _render(context, forum, data["text"], coordinator, lang)) for lang in ("id", "en")}
    broadcast = await _repo(context).create(
        forum_id=forum.id, created_by=coordinator, text=data["text"], audience=audience or _audience(data),
        scheduled_at=when, now=services.clock.now(), render=render, group_chat_id=forum.group_chat_id,
        group_thread_id=await services.forums.topic(forum.id, TOPIC), group_language=forum.language,
        media_kind=data.get("media_kind"), media_file_id=data.get("file_id"), pin=bool(data.get("pin")),
        resend_of=resend_of,
    )
    _wake(context)
    return broadcast


async def _post_status(update: Update, context: BotContext, broadcast: Broadcast, forum: Forum) -> None:
    """The one message the monitor keeps editing while the broadcast goes out."""
    lang = await language(update, context)
    settings = context.services.settings.delivery
    progress = await _repo(context).progress(broadcast.id)
    text = render_progress(broadcast.id, progress, now=context.services.clock.now(),
                           per_second=settings.global_per_second * settings.rate_margin,
                           tz=zone(forum.timezone), lang=lang)
    rows = [[(str(t("bc.stop", lang)), encode(FEATURE, "stop", broadcast.id))]]
    message = await reply(update, text, rows)
    if message is not None:
        await _repo(context).set_status_message(broadcast.id, message.chat_id, message.message_id)


# -- during and after ----------------------------------------------------------------------------
async def _broadcast_for(context: BotContext, broadcast_id: int, user_id: int) -> tuple[Broadcast, Forum]:
    """The broadcast, if the asker may broadcast in its forum (a coordinator of forum A never
    touches forum B's broadcasts)."""
    broadcast = await _repo(context).get(broadcast_id)
    if broadcast is None:
        raise NotFound()
    forum, _ = await context.services.access.require(broadcast.forum_id, user_id, Action.BROADCAST)
    return broadcast, forum


@button_handler
async def on_stop(update: Update, context: BotContext, data: CallbackData) -> None:
    """Hentikan: cancel what has not gone out; the report lists it."""
    broadcast, _ = await _broadcast_for(context, data.int_arg(0), user_of(update).id)
    cancelled = await _repo(context).stop(broadcast.id, context.services.clock.now())
    _wake(context)
    await edit_or_reply(update, t("bc.stopping", await language(update, context), id=broadcast.id,
                                  cancelled=cancelled))


@button_handler
async def on_cancel_scheduled(update: Update, context: BotContext, data: CallbackData) -> None:
    broadcast, _ = await _broadcast_for(context, data.int_arg(0), user_of(update).id)
    lang = await language(update, context)
    if await _repo(context).cancel_scheduled(broadcast.id, context.services.clock.now()):
        await edit_or_reply(update, t("bc.cancelled_scheduled", lang, id=broadcast.id))
    else:
        await reply(update, t("bc.cannot_cancel", lang, id=broadcast.id))


@button_handler
async def on_resend(update: Update, context: BotContext, data: CallbackData) -> None:
    """Kirim ulang ke yang gagal: a new broadcast to the failed members who are still active."""
    user = user_of(update)
    broadcast, forum = await _broadcast_for(context, data.int_arg(0), user.id)
    lang = await language(update, context)
    failed = await _repo(context).failed_members(broadcast.id)
    audience = Audience(user_ids=tuple(failed))
    if not failed or not await _repo(context).recipients(forum.id, audience, sender=user.id):
        await reply(update, t("bc.resend_none", lang))
        return
    fields = {"text": broadcast.text, "media_kind": broadcast.media_kind, "file_id": broadcast.media_file_id}
    again = await _create(update, context, forum, fields, context.services.clock.now(), audience=audience,
                          resend_of=broadcast.id)
    if update.callback_query is not None:
        await remove_buttons(update.callback_query)
    await _post_status(update, context, again, forum)


@button_handler
async def on_report(update: Update, context: BotContext, data: CallbackData) -> None:
    broadcast, forum = await _broadcast_for(context, data.int_arg(0), user_of(update).id)
    lang = await language(update, context)
    repo = _repo(context)
    progress = await repo.progress(broadcast.id)
    text = render_report(broadcast.id, progress, await repo.not_delivered(broadcast.id),
                         started=broadcast.scheduled_at, tz=zone(forum.timezone), lang=lang)
    rows = []
    if progress.failed and broadcast.status in ("done", "stopped"):
        rows.append([(str(t("bc.resend", lang)), encode(FEATURE, "resend", broadcast.id))])
    await reply(update, text, rows or None)


# -- /siaran_riwayat -----------------------------------------------------------------------------
@command_handler
async def history(update: Update, context: BotContext) -> None:
    """Past and scheduled broadcasts of the forum, with their reports."""
    await run_in_forum(update, context, "siaran_riwayat")


@forum_action("siaran_riwayat", Action.BROADCAST)
async def show_history(update: Update, context: BotContext, forum: Forum) -> None:
    lang = await language(update, context)
    repo = _repo(context)
    broadcasts = await repo.of_forum(forum.id)
    if not broadcasts:
        await edit_or_reply(update, t("bc.history_empty", lang, forum=forum.name))
        return
    tz = zone(forum.timezone)
    lines, rows = [str(t("bc.history", lang, forum=forum.name))], []
    for b in broadcasts:
        progress = await repo.progress(b.id)
        lines += ["", str(t("bc.history_line", lang, id=b.id, when=format_datetime(b.scheduled_at, tz, lang),
                                status=t(f"bc.status.{b.status}", lang), sent=progress.sent,
                                total=progress.total, snippet=Html(_snippet(b.text))))]
        if b.status == "scheduled":
            rows.append([(str(t("bc.cancel_scheduled", lang, id=b.id)), encode(FEATURE, "cs", b.id))])
        elif b.status != "cancelled":
            rows.append([(str(t("bc.report_btn", lang, id=b.id)), encode(FEATURE, "rep", b.id))])
    await edit_or_reply(update, "\n".join(lines), rows)


def _snippet(text_html: str, length: int = 60) -> str:
    """The start of the message as plain escaped text (tags dropped so nothing is left open)."""
    plain = html.unescape(re.sub(r"<[^>]+>", "", text_html)).replace("\n", " ")
    cut = plain if len(plain) <= length else plain[: length - 1] + "…"
    return html.escape(cut, quote=False)


# -- helpers and wiring --------------------------------------------------------------------------
async def _require_forum(context: BotContext, forum_id: int, user_id: int) -> Forum:
    forum, _ = await context.services.access.require(int(forum_id), user_id, Action.BROADCAST)
    return forum


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("siaran", siaran))
    app.add_handler(CommandHandler("siaran_riwayat", history))
    forms.register_form(FORM, on_input)
    buttons = {"aud": on_audience, "next": on_next, "edit": on_edit, "now": on_send_now, "sched": on_schedule,
               "cancel": on_cancel_draft, "stop": on_stop, "cs": on_cancel_scheduled, "resend": on_resend,
               "rep": on_report}
    for action, callback in buttons.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=rf"^{FEATURE}:{action}(:|$)"))
    register_planner(app, _ProgressPlanner(app))


class _ProgressPlanner:
    """Runs the broadcast monitor every `every` seconds (progress edits at most every 3 s)."""

    def __init__(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self.app = app
        services: Services = app.bot_data["services"]
        self.every = services.settings.delivery.progress_every_seconds
        self.__qualname__ = "broadcast_progress"
        self._monitor: BroadcastMonitor | None = None

    async def __call__(self, services: Services, now: datetime) -> None:
        if self._monitor is None:
            self._monitor = BroadcastMonitor(bot=self.app.bot, db=services.db, settings=services.settings.delivery)
        await self._monitor(now)
