"""Meetings (pertemuan rutin): /pertemuan_baru, /agenda, /pertemuan, /atur_pengingat, RSVP buttons,
who is coming, .ics, changes and cancellation; host swaps and what follows a meeting are in
handlers.meetings_after, the forms in handlers.meetings_form.

Thin: parse the update, call bot.meetings.service (use cases) or bot.meetings.loaders (reads),
send the bot.meetings.views view. Every press checks the permission again (in the service).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telegram import InputFile, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.callbacks import CallbackData, pattern
from bot.context import BotContext
from bot.errors import InvalidInput, StaleAction
from bot.meetings import loaders, service
from bot.meetings.calendar import calendar_file
from bot.meetings.forms_after import FOLLOW_UP, FollowUp, ask_follow_up, drop_follow_up
from bot.meetings.views import (
    ANSWER_CODES,
    FEATURE,
    after_answer,
    back_to_agenda,
    cancel_ask,
    detail_buttons,
    detail_text,
    edit_scope,
    forum_agenda,
    manage_menu,
    meeting_reminders,
    rsvp_buttons,
    series_dates,
    who_text,
)
from bot.meetings.views import (
    agenda as agenda_view,
)
from bot.meetings.views import (
    forum_reminders as forum_reminders_view,
)
from bot.permissions import Action
from bot.texts import t
from bot.view import View
from handlers import meetings_after, meetings_form
from handlers.common import (
    answer,
    button_handler,
    command_handler,
    edit_or_reply,
    is_private,
    language,
    private_only,
    remove_buttons,
    reply,
    user_of,
)
from handlers.forms import start_form
from handlers.forums import forum_action, run_in_forum
from handlers.meetings_after import send, send_private, show
from storage.models import Forum


# -- /pertemuan_baru ---------------------------------------------------------------------------------
@command_handler
async def new_meeting(update: Update, context: BotContext) -> None:
    """Start the guided form for a new meeting (koordinator, private chat)."""
    if not await private_only(update, context, "pertemuan_baru"):
        return
    await run_in_forum(update, context, "pertemuan_baru")


@forum_action("pertemuan_baru", Action.CREATE_MEETING)
async def _new_in_forum(update: Update, context: BotContext, forum: Forum) -> None:
    await meetings_form.begin_new(update, context, forum)


# -- /agenda -------------------------------------------------------------------------------------------
@command_handler
async def agenda(update: Update, context: BotContext) -> None:
    """Upcoming meetings with the user's own answer (private), or the group's forum's (group)."""
    await run_in_forum(update, context, "agenda") if not is_private(update) else await _agenda_private(update, context)


async def _agenda(context: BotContext, user_id: int, lang: str) -> View:
    entries, actions = await loaders.agenda(context.services, user_id)
    return agenda_view(entries, actions, lang)


async def _agenda_private(update: Update, context: BotContext) -> None:
    await send(update, await _agenda(context, user_of(update).id, await language(update, context)))


@button_handler
async def on_agenda(update: Update, context: BotContext, data: CallbackData) -> None:
    """"Kembali": the agenda again, in the same message."""
    await show(update, await _agenda(context, user_of(update).id, await language(update, context)))


@button_handler
async def on_series_dates(update: Update, context: BotContext, data: CallbackData) -> None:
    """"Lihat semua tanggal": every coming date of one series, each with its host."""
    entries = await loaders.series_dates(context.services, user_of(update).id, data.int_arg(0))
    if not entries:
        raise StaleAction()
    await show(update, series_dates(entries, await language(update, context)))


@forum_action("agenda", Action.RSVP)
async def _agenda_group(update: Update, context: BotContext, forum: Forum) -> None:
    await send(update, forum_agenda(forum.name, await loaders.forum_agenda(context.services, forum), forum.language))


# -- a meeting's detail -------------------------------------------------------------------------------
@button_handler
async def on_detail(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    meeting, forum = await service.meeting_for(context.services, data.int_arg(0), user.id, Action.RSVP)
    lang = await language(update, context)
    loaded = await loaders.detail(context.services, meeting, forum, user.id)
    text = str(detail_text(loaded.info, forum.name, loaded.counts, loaded.own, lang))
    buttons = detail_buttons(meeting, lang, koordinator=loaded.koordinator, started=loaded.started)
    if is_private(update):
        await show(update, View(text, (*buttons, (back_to_agenda(lang),))))
    else:
        await send_private(update, context, View(text, buttons))


# -- RSVP ---------------------------------------------------------------------------------------------
@button_handler
async def on_rsvp(update: Update, context: BotContext, data: CallbackData) -> None:
    """Hadir / Tidak hadir / Mungkin, from the group announcement or a private message."""
    meeting_id, code = data.int_arg(0), data.arg(1)
    if code not in ANSWER_CODES:
        raise StaleAction()
    answer_ = ANSWER_CODES[code]
    user = user_of(update)
    lang = await language(update, context)
    private = is_private(update)
    meeting, _ = await service.rsvp(context.services, meeting_id, user.id, answer_, party_size=None,
                                    via="private" if private else "group")
    query = update.callback_query
    assert query is not None
    if not private:
        await answer(query, str(t("meet.rsvp.toast", lang, answer=t(f"meet.answer.{answer_}", lang))))
        return
    await ask_follow_up(context.services, user.id, meeting_id, answer_, lang)
    await show(update, after_answer(meeting, answer_, lang))


@button_handler
async def on_party(update: Update, context: BotContext, data: CallbackData) -> None:
    """How many people the village brings (5 means 'five or more: type the number')."""
    meeting_id, size = data.int_arg(0), data.int_arg(1)
    user = user_of(update)
    lang = await language(update, context)
    if size >= 5:
        await start_form(update, context, FOLLOW_UP, FollowUp(meeting_id=meeting_id), only="party")
        return
    meeting, _ = await service.rsvp(context.services, meeting_id, user.id, "yes", party_size=size, via="private")
    await drop_follow_up(context.services, user.id)
    await show(update, View(str(t("meet.rsvp.party_saved", lang, title=meeting.title, n=size)),
                            rsvp_buttons(meeting_id, lang)))


@button_handler
async def on_reason(update: Update, context: BotContext, data: CallbackData) -> None:
    """"Tulis alasan": the reason is typed next (typing works without this button too)."""
    meeting_id = data.int_arg(0)
    await service.meeting_for(context.services, meeting_id, user_of(update).id, Action.RSVP)
    if update.callback_query:
        await remove_buttons(update.callback_query)
    await start_form(update, context, FOLLOW_UP, FollowUp(meeting_id=meeting_id), only="reason")


# -- who is coming, documents, calendar file ------------------------------------------------------------
@button_handler
async def on_who(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    meeting, forum = await service.meeting_for(context.services, data.int_arg(0), user.id, Action.RSVP)
    text = who_text(meeting, await loaders.who(context.services, meeting, forum), await language(update, context))
    if is_private(update):
        await reply(update, text)
    else:
        await send_private(update, context, View(text))


@button_handler
async def on_docs(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    meeting, _ = await service.meeting_for(context.services, data.int_arg(0), user.id, Action.RSVP)
    for document in meeting.documents:
        if document.get("kind") == "photo":
            await context.bot.send_photo(user.id, document["file_id"])
        else:
            await context.bot.send_document(user.id, document["file_id"])


@button_handler
async def on_ics(update: Update, context: BotContext, data: CallbackData) -> None:
    """'Tambahkan ke kalender': send the .ics as a document (privately when pressed in the group)."""
    user = user_of(update)
    meeting, forum = await service.meeting_for(context.services, data.int_arg(0), user.id, Action.RSVP)
    lang = await language(update, context)
    content, name = await calendar_file(context.services, meeting, forum, lang)
    try:
        await context.bot.send_document(user.id, InputFile(content, filename=name),
                                        caption=str(t("meet.ics.caption", lang, title=meeting.title)),
                                        parse_mode=ParseMode.HTML)
    except Forbidden:
        raise InvalidInput("meet.private_needed", bot=context.services.bot_username) from None
    if not is_private(update) and update.callback_query:
        await answer(update.callback_query, str(t("meet.sent_private", lang)))


# -- managing: change, limits, reminders, cancel ---------------------------------------------------------
@button_handler
async def on_manage(update: Update, context: BotContext, data: CallbackData) -> None:
    meeting, _ = await service.meeting_for(context.services, data.int_arg(0), user_of(update).id,
                                           Action.MANAGE_MEETING)
    await show(update, manage_menu(meeting, await language(update, context)))


@button_handler
async def on_edit(update: Update, context: BotContext, data: CallbackData) -> None:
    """Choose what to change; in a series, ask whether for this meeting only or all that follow."""
    meeting_id, field = data.int_arg(0), data.arg(1)
    if field not in ("when", "place", "title", "agenda", "limits", "deadline"):
        raise StaleAction()
    meeting = await service.editable(context.services, meeting_id, user_of(update).id)
    scope = data.arg(2) if len(data.args) > 2 else None
    if meeting.series_id is not None and scope is None and field in ("when", "place", "title", "agenda"):
        await show(update, edit_scope(meeting_id, field, await language(update, context)))
        return
    if update.callback_query:
        await remove_buttons(update.callback_query)
    await meetings_form.begin_edit(update, context, meeting, field, scope or "one")


@button_handler
async def on_reminders(update: Update, context: BotContext, data: CallbackData) -> None:
    """Toggle this meeting's reminders (start from the forum's)."""
    user = user_of(update)
    if len(data.args) > 1:
        meeting, codes = await service.toggle_reminder(context.services, data.int_arg(0), user.id, data.arg(1))
    else:
        meeting, codes = await service.meeting_reminders(context.services, data.int_arg(0), user.id)
    await show(update, meeting_reminders(meeting, codes, await language(update, context)))


@command_handler
async def forum_reminders(update: Update, context: BotContext) -> None:
    """/atur_pengingat: the forum's default reminders for new meetings (koordinator)."""
    await run_in_forum(update, context, "atur_pengingat")


@forum_action("atur_pengingat", Action.MANAGE_MEETING)
async def _forum_reminders(update: Update, context: BotContext, forum: Forum) -> None:
    codes = await service.forum_reminders(context.services, forum.id)
    await show(update, forum_reminders_view(forum.id, forum.name, codes, await language(update, context)))


@button_handler
async def on_forum_reminder(update: Update, context: BotContext, data: CallbackData) -> None:
    forum, codes = await service.toggle_forum_reminder(context.services, data.int_arg(0), user_of(update).id,
                                                       data.arg(1))
    await show(update, forum_reminders_view(forum.id, forum.name, codes, await language(update, context)))


@button_handler
async def on_cancel_ask(update: Update, context: BotContext, data: CallbackData) -> None:
    meeting, _ = await service.meeting_for(context.services, data.int_arg(0), user_of(update).id,
                                           Action.MANAGE_MEETING)
    await show(update, cancel_ask(meeting, await language(update, context)))


@button_handler
async def on_cancel(update: Update, context: BotContext, data: CallbackData) -> None:
    """Cancel one meeting (or the rest of the series): reminders go, everyone invited is told."""
    count = await service.cancel(context.services, data.int_arg(0), user_of(update).id, data.arg(1))
    await edit_or_reply(update, t("meet.cancel.done", await language(update, context), count=count))


# -- /pertemuan: past meetings -----------------------------------------------------------------------------------
@command_handler
async def past_meetings(update: Update, context: BotContext) -> None:
    """Past meetings with attendance rate, minutes and open action items."""
    await run_in_forum(update, context, "pertemuan")


@button_handler
async def on_noop(update: Update, context: BotContext, data: CallbackData) -> None:
    """Calendar headers and blanks: nothing to do."""


# -- wiring ----------------------------------------------------------------------------------------------------------
def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("pertemuan_baru", new_meeting))
    app.add_handler(CommandHandler("agenda", agenda))
    app.add_handler(CommandHandler("pertemuan", past_meetings))
    app.add_handler(CommandHandler("atur_pengingat", forum_reminders))
    buttons: dict[str, Callable[..., Any]] = {
        # the new/change forms are declared in bot.meetings.forms (their buttons go to the form engine)
        # RSVP and views
        "r": on_rsvp, "ppl": on_party, "why": on_reason, "who": on_who, "ics": on_ics, "d": on_detail,
        "ag": on_agenda, "ser": on_series_dates, "docs": on_docs, "noop": on_noop,
        # managing
        "mg": on_manage, "ed": on_edit, "rm": on_reminders, "rmf": on_forum_reminder, "cx": on_cancel_ask,
        "cxy": on_cancel,
        # hosts, and after the meeting (handlers.meetings_after)
        **meetings_after.BUTTONS,
    }
    for action, callback in buttons.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern(FEATURE, action)))
