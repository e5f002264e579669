"""/kunjungan: kunjungan kerja (work visit) commands and buttons.

Thin: parse the update, call bot.visits.service, send the bot.visits.views view. The request
and report forms are declared in bot.visits.forms; handlers.visits_form starts them and keeps
the one-answer flows (other dates, a reason, the host's note).
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.callbacks import CallbackData, pattern
from bot.context import BotContext
from bot.permissions import Action
from bot.texts import t
from bot.timefmt import format_date
from bot.visits import service
from bot.visits.views import FEATURE
from handlers import visits_form as form
from handlers.common import button_handler, command_handler, edit_or_reply, language, private_only, user_of
from handlers.forums import forum_action, run_in_forum
from storage.models import Forum
from storage.visits import VisitRow


async def _show_after(update: Update, context: BotContext, row: VisitRow, key: str, **params: Any) -> None:
    """Replace the pressed card with the new state and this person's remaining buttons."""
    lang = await language(update, context)
    view = await service.card_view(context.services, row, user_of(update).id, lang,
                                   headline=str(t(key, lang, **params)))
    await form.edit(update, view)


@command_handler
async def list_visits(update: Update, context: BotContext) -> None:
    """The user's visits: waiting for them, incoming, outgoing, upcoming, past; and a new-request button."""
    if not await private_only(update, context, "kunjungan"):
        return
    view = await service.listing(context.services, user_of(update).id, await language(update, context))
    await form.send(update, view)


@button_handler
async def on_show(update: Update, context: BotContext, data: CallbackData) -> None:
    """One visit's card: to its two sides with their buttons, to the forum's staff read-only."""
    view = await service.show(context.services, data.int_arg(0), user_of(update).id, await language(update, context))
    await form.send(update, view)


@button_handler
async def on_forum_summary(update: Update, context: BotContext, data: CallbackData) -> None:
    await run_in_forum(update, context, "visits_all")


@forum_action("visits_all", Action.VIEW_ALL_VISITS)
async def show_forum_visits(update: Update, context: BotContext, forum: Forum) -> None:
    """For koordinator and pendamping: all visits between the forum's villages, summarised."""
    await form.send(update, await service.forum_summary(context.services, forum, await language(update, context)))


@button_handler
async def on_request_to(update: Update, context: BotContext, data: CallbackData) -> None:
    """'Ajukan kunjungan' from the directory: start the form with the host chosen."""
    user = user_of(update)
    await service.require_village(context.services, user.id)
    await form.start_request(update, context, await service.host_entry(context.services, user.id, data.int_arg(0)))


@button_handler
async def on_new(update: Update, context: BotContext, data: CallbackData) -> None:
    """Start a request by asking for the host village's name."""
    await form.begin_request(update, context)


@button_handler
async def on_accept(update: Update, context: BotContext, data: CallbackData) -> None:
    """Fix one of the offered dates (the side whose turn it is)."""
    day = data.date_arg(2, "%Y%m%d")
    row = await service.accept(context.services, data.int_arg(0), user_of(update).id, data.int_arg(1), day)
    await _show_after(update, context, row, "visit.done_accept", date=format_date(day, await language(update, context)))


@button_handler
async def on_propose(update: Update, context: BotContext, data: CallbackData) -> None:
    """Start proposing other dates (1-3)."""
    await form.begin_proposal(update, context, data.int_arg(0), data.int_arg(1))


@button_handler
async def on_reject(update: Update, context: BotContext, data: CallbackData) -> None:
    await form.begin_reason(update, context, data.int_arg(0), "reject")


@button_handler
async def on_cancel(update: Update, context: BotContext, data: CallbackData) -> None:
    await form.begin_reason(update, context, data.int_arg(0), "cancel")


@button_handler
async def on_complete(update: Update, context: BotContext, data: CallbackData) -> None:
    """Mark the visit done (from its day on); the visitor is then asked for the report."""
    row = await service.complete(context.services, data.int_arg(0), user_of(update).id)
    await _show_after(update, context, row, "visit.done_complete")


@button_handler
async def on_report(update: Update, context: BotContext, data: CallbackData) -> None:
    """The visitor starts the short report: what was learned, what will be applied, photos."""
    await form.begin_report(update, context, data.int_arg(0))


@button_handler
async def on_publish(update: Update, context: BotContext, data: CallbackData) -> None:
    """Share the saved report with the forum as an experience post."""
    await service.publish_report(context.services, data.int_arg(0), user_of(update).id)
    await edit_or_reply(update, t("visit.published", await language(update, context)))


@button_handler
async def on_note(update: Update, context: BotContext, data: CallbackData) -> None:
    """The host adds a note about the visit (shown on the card and in the published report)."""
    await form.begin_note(update, context, data.int_arg(0))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("kunjungan", list_visits))
    form.register_forms()
    # The request and report forms' buttons are the form engine's (f:vr:..., f:vl:...).
    buttons = {
        "to": on_request_to, "new": on_new, "quit": form.on_quit, "show": on_show, "all": on_forum_summary,
        "acc": on_accept, "prop": on_propose, "psend": form.on_propose_send, "rej": on_reject, "can": on_cancel,
        "done": on_complete, "rep": on_report, "pub": on_publish, "note": on_note,
    }
    for action, callback in buttons.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern(FEATURE, action)))
