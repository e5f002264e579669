"""/siaran and /siaran_riwayat: coordinators broadcast to their forum and see who was reached.

/siaran starts the declared form bot.broadcasts.forms (message, recipients, review with the
preview, Ubah jadwal to schedule; a draft in SQLite, so a restart mid-way loses nothing). Sending
is the delivery engine's job: the broadcast and one outbox row per recipient are written in one
unit by bot.broadcasts.service, and the progress message's edits, the final summary and the
report are outbox pushes of its progress planner. Every button checks Action.BROADCAST again.
"""

from __future__ import annotations

import html
import re
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.broadcasts import service
from bot.broadcasts.forms import NEW_BROADCAST, new_broadcast
from bot.broadcasts.service import FEATURE
from bot.callbacks import CallbackData, encode, pattern
from bot.context import BotContext
from bot.permissions import Action
from bot.texts import Html, t
from bot.timefmt import format_datetime
from handlers.common import (
    button_handler,
    command_handler,
    edit_or_reply,
    is_private,
    language,
    remove_buttons,
    reply,
    user_of,
)
from handlers.forms import finish, register_form, start_form
from handlers.forums import forum_action, run_in_forum
from scheduler.quiet import zone
from storage.broadcasts import Broadcast
from storage.models import Draft, Forum

# The hand-rolled /siaran form's drafts (before the form engine) that may be in a database at
# upgrade: their data no longer fits, so the coordinator is told to start again. Remove after a release.
OLD_FLOW = "siaran"


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
    lang = await language(update, context)
    await start_form(update, context, NEW_BROADCAST, new_broadcast(forum.id, user_of(update).id, lang))


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


async def on_old_draft(update: Update, context: BotContext, draft: Draft) -> None:
    """A broadcast begun before the upgrade: drop it and say how to start again."""
    await finish(context, draft.user_id)
    await reply(update, t("bc.form_outdated", await language(update, context)))


# -- wiring --------------------------------------------------------------------------------------
def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("siaran", siaran))
    app.add_handler(CommandHandler("siaran_riwayat", history))
    register_form(OLD_FLOW, on_old_draft, on_old_draft)
    buttons = {"stop": on_stop, "cs": on_cancel_scheduled, "resend": on_resend,
               "rep": on_report}
    for action, callback in buttons.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern(FEATURE, action)))
