"""/siaran and /siaran_riwayat: coordinators broadcast to their forum and see who was reached.

Flow (a form kept in SQLite, so a restart mid-way loses nothing):
  /siaran -> pick forum (if several) -> type the message (or one photo/document with caption)
  -> choose recipients (all / kecamatan / role, the forum's group, pin) -> preview with count
  -> Kirim sekarang | Jadwalkan (type a date and time) | Batal.
Sending is the delivery engine's job: the broadcast and one outbox row per recipient are
written in one unit by bot.broadcasts.service, and the progress message's edits, the final
summary and the report are outbox pushes of its progress planner. Every button checks
Action.BROADCAST again.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any

from telegram import Message, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.broadcasts import service
from bot.broadcasts.rules import body_limit
from bot.broadcasts.service import FEATURE
from bot.callbacks import CallbackData, encode
from bot.context import BotContext
from bot.dateparse import DateParseError, parse_datetime
from bot.errors import InvalidInput, StaleAction
from bot.permissions import ROLES, Action
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
    remove_buttons,
    reply,
    user_of,
)
from handlers.forums import forum_action, run_in_forum
from scheduler.quiet import quiet_until, zone
from storage.broadcasts import Audience, Broadcast, MediaKind
from storage.models import Forum

FORM = "siaran"


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
    count = await service.audience_size(context.services, forum.id, audience, user_of(update).id)
    rows: list[list[Button]] = [[(str(t("bc.aud_members_on" if audience.members else "bc.aud_members_off", lang)),
                                  encode(FEATURE, "aud", "m"))]]
    for code, name in await service.kecamatan_choices(context.services, forum.id):
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
    count = await service.audience_size(context.services, forum.id, audience, user_of(update).id)
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
    body = Html(await service.rendered(context.services, forum, data["text"], user_of(update).id, lang))
    rows: list[list[Button]] = [
        [(str(t("bc.send_now", lang)), encode(FEATURE, "now")), (str(t("bc.schedule", lang)), encode(FEATURE, "sched"))],
        [(str(t("bc.change_audience", lang)), encode(FEATURE, "edit")), (str(t("bc.cancel", lang)),
                                                                          encode(FEATURE, "cancel"))],
    ]
    await edit_or_reply(update, t("bc.preview", lang, count=count,
                                  group=_group_suffix(audience, bool(data.get("pin")), lang),
                                  quiet=quiet, body=body), rows)


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


async def _create(update: Update, context: BotContext, forum: Forum, data: dict[str, Any],
                  when: datetime) -> Broadcast:
    draft = service.Draft(text=data["text"], media_kind=data.get("media_kind"), file_id=data.get("file_id"),
                          pin=bool(data.get("pin")))
    return await service.create(context.services, forum_id=forum.id, coordinator=user_of(update).id, draft=draft,
                                audience=_audience(data), when=when)


async def _post_status(update: Update, context: BotContext, broadcast: Broadcast, forum: Forum) -> None:
    """The one message the monitor keeps editing while the broadcast goes out."""
    services = context.services
    view = service.progress_view(broadcast.id, await service.progress(services, broadcast.id),
                                 now=services.clock.now(), rate=service.per_second(services), forum=forum,
                                 lang=await language(update, context))
    message = await reply(update, view.text, markup=view.markup())
    if message is not None:
        await service.set_status_message(services, broadcast.id, message.chat_id, message.message_id)


# -- during and after ----------------------------------------------------------------------------
@button_handler
async def on_stop(update: Update, context: BotContext, data: CallbackData) -> None:
    """Hentikan: cancel what has not gone out; the report lists it."""
    broadcast, cancelled = await service.stop(context.services, data.int_arg(0), user_of(update).id)
    await edit_or_reply(update, t("bc.stopping", await language(update, context), id=broadcast.id,
                                  cancelled=cancelled))


@button_handler
async def on_cancel_scheduled(update: Update, context: BotContext, data: CallbackData) -> None:
    broadcast, done = await service.cancel_scheduled(context.services, data.int_arg(0), user_of(update).id)
    lang = await language(update, context)
    if done:
        await edit_or_reply(update, t("bc.cancelled_scheduled", lang, id=broadcast.id))
    else:
        await reply(update, t("bc.cannot_cancel", lang, id=broadcast.id))


@button_handler
async def on_resend(update: Update, context: BotContext, data: CallbackData) -> None:
    """Kirim ulang ke yang gagal: a new broadcast to the failed members who are still active."""
    again = await service.resend_failed(context.services, data.int_arg(0), user_of(update).id)
    if again is None:
        await reply(update, t("bc.resend_none", await language(update, context)))
        return
    if update.callback_query is not None:
        await remove_buttons(update.callback_query)
    await _post_status(update, context, *again)


@button_handler
async def on_report(update: Update, context: BotContext, data: CallbackData) -> None:
    view = await service.report(context.services, data.int_arg(0), user_of(update).id,
                                await language(update, context))
    await reply(update, view.text, markup=view.markup())


# -- /siaran_riwayat -----------------------------------------------------------------------------
@command_handler
async def history(update: Update, context: BotContext) -> None:
    """Past and scheduled broadcasts of the forum, with their reports."""
    await run_in_forum(update, context, "siaran_riwayat")


@forum_action("siaran_riwayat", Action.BROADCAST)
async def show_history(update: Update, context: BotContext, forum: Forum) -> None:
    lang = await language(update, context)
    broadcasts = await service.history(context.services, forum.id)
    if not broadcasts:
        await edit_or_reply(update, t("bc.history_empty", lang, forum=forum.name))
        return
    tz = zone(forum.timezone)
    lines, rows = [str(t("bc.history", lang, forum=forum.name))], []
    for b, progress in broadcasts:
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
    return await service.require_forum(context.services, forum_id, user_id)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("siaran", siaran))
    app.add_handler(CommandHandler("siaran_riwayat", history))
    forms.register_form(FORM, on_input)
    buttons = {"aud": on_audience, "next": on_next, "edit": on_edit, "now": on_send_now, "sched": on_schedule,
               "cancel": on_cancel_draft, "stop": on_stop, "cs": on_cancel_scheduled, "resend": on_resend,
               "rep": on_report}
    for action, callback in buttons.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=rf"^{FEATURE}:{action}(:|$)"))
