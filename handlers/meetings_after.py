"""Meeting buttons around the host and after the meeting: host swaps, daftar hadir, notulen,
action items, /pertemuan (past meetings). Thin: parse, call bot.meetings.service, send the view.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import Forbidden

from bot.callbacks import CallbackData
from bot.context import BotContext
from bot.errors import InvalidInput
from bot.meetings import loaders, service
from bot.meetings.forms_after import ATTENDANCE, MINUTES, attendance_of, minutes_of
from bot.meetings.views import detail_buttons
from bot.meetings.views_after import past_detail, past_list, swap_choices
from bot.permissions import Action
from bot.texts import t
from bot.view import Rows, View
from handlers.common import (
    answer,
    button_handler,
    edit_or_reply,
    is_private,
    keyboard,
    language,
    remove_buttons,
    reply,
    user_of,
)
from handlers.forms import start_form
from handlers.forums import forum_action
from storage.models import Forum


def pairs(buttons: Rows) -> list[list[tuple[str, str]]]:
    """The view's buttons as the (label, data) rows handlers.common takes."""
    return [[(b.label, b.data or "") for b in row] for row in buttons]


async def show(update: Update, view: View) -> None:
    """Replace the pressed message with the view (or send it)."""
    await edit_or_reply(update, view.text, pairs(view.buttons))


async def send(update: Update, view: View) -> None:
    await reply(update, view.text, pairs(view.buttons))


async def send_private(update: Update, context: BotContext, view: View) -> None:
    """Answer a press in the group privately (the group stays quiet); tell them if that is impossible."""
    user = user_of(update)
    lang = await language(update, context)
    try:
        await context.bot.send_message(user.id, view.text, parse_mode=ParseMode.HTML,
                                       reply_markup=keyboard(pairs(view.buttons)) if view.buttons else None,
                                       disable_web_page_preview=True)
    except Forbidden:
        raise InvalidInput("meet.private_needed", bot=context.services.bot_username) from None
    if update.callback_query:
        await answer(update.callback_query, str(t("meet.sent_private", lang)))


# -- host rotation: acknowledge, swap ------------------------------------------------------------------
@button_handler
async def on_host_ok(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    meeting, _ = await service.meeting_for(context.services, data.int_arg(0), user.id, Action.RSVP)
    lang = await language(update, context)
    if update.callback_query:
        await remove_buttons(update.callback_query)
    await reply(update, t("meet.host.thanks", lang, title=meeting.title))


@button_handler
async def on_host_swap(update: Update, context: BotContext, data: CallbackData) -> None:
    """The host asks to swap: pick the other village (from the forum's members)."""
    meeting, villages = await service.swap_candidates(context.services, data.int_arg(0), user_of(update).id)
    await show(update, swap_choices(meeting, villages, await language(update, context)))


@button_handler
async def on_host_swap_pick(update: Update, context: BotContext, data: CallbackData) -> None:
    village = await service.request_swap(context.services, data.int_arg(0), user_of(update).id, data.arg(1))
    await edit_or_reply(update, t("meet.host.swap_sent", await language(update, context), village=village))


@button_handler
async def on_host_swap_answer(update: Update, context: BotContext, data: CallbackData) -> None:
    """The other village agrees (hosts swap; everyone is told) or declines (the asker is told)."""
    accept = data.arg(1) == "y"
    meeting = await service.answer_swap(context.services, data.int_arg(0), user_of(update).id, accept)
    await edit_or_reply(update, t("meet.host.you_accepted" if accept else "meet.host.you_declined",
                                  await language(update, context), title=meeting.title))


# -- attendance (daftar hadir) and minutes (notulen): declared forms in bot.meetings.forms_after ---------------
@button_handler
async def on_attendance(update: Update, context: BotContext, data: CallbackData) -> None:
    """Open the daftar hadir: every member, ticked if recorded present (or, first time, said Hadir)."""
    sheet = await service.attendance_sheet(context.services, data.int_arg(0), user_of(update).id)
    await start_form(update, context, ATTENDANCE, attendance_of(sheet))


@button_handler
async def on_minutes(update: Update, context: BotContext, data: CallbackData) -> None:
    meeting = await service.minutes_for(context.services, data.int_arg(0), user_of(update).id)
    if update.callback_query:
        await remove_buttons(update.callback_query)
    await start_form(update, context, MINUTES,
                     minutes_of(meeting.id, meeting.forum_id, meeting.title, meeting.timezone))


@button_handler
async def on_action_done(update: Update, context: BotContext, data: CallbackData) -> None:
    """The owner (or a koordinator) marks an action item done; its reminders are cancelled."""
    item = await service.mark_action_done(context.services, data.int_arg(0), user_of(update).id)
    await edit_or_reply(update, t("meet.actions.done", await language(update, context), text=item.text))


# -- /pertemuan: past meetings -----------------------------------------------------------------------------------
@forum_action("pertemuan", Action.RSVP)
async def _past_in_forum(update: Update, context: BotContext, forum: Forum) -> None:
    data = await loaders.past(context.services, forum)
    await send(update, past_list(forum.name, data.held, data.with_minutes, data.open_items, data.names,
                                 await language(update, context)))


@button_handler
async def on_past(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    services = context.services
    meeting, forum = await service.meeting_for(services, data.int_arg(0), user.id, Action.RSVP)
    lang = await language(update, context)
    loaded = await loaders.past_detail(services, meeting)
    text = past_detail(loaded.info, forum.name, loaded.attendance, loaded.minutes, loaded.actions, loaded.names, lang)
    koordinator = await service.is_koordinator(services, forum.id, user.id)
    view = View(str(text), detail_buttons(meeting, lang, koordinator=koordinator, started=True))
    if is_private(update):
        await send(update, view)
    else:
        await send_private(update, context, view)


BUTTONS: dict[str, Callable[[Update, BotContext], Any]] = {
    "hok": on_host_ok, "hsw": on_host_swap, "hsv": on_host_swap_pick, "hsa": on_host_swap_answer,
    "att": on_attendance, "min": on_minutes, "done": on_action_done,
    "past": on_past,
}
