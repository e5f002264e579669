"""Meeting buttons around the host and after the meeting: host swaps, daftar hadir, notulen,
action items, /pertemuan (past meetings). Thin: parse, call bot.meetings.service, send the view.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import Forbidden

from bot.callbacks import CallbackData
from bot.context import BotContext
from bot.dateparse import DateParseError, parse_date
from bot.errors import InvalidInput, StaleAction
from bot.meetings import loaders, service
from bot.meetings.rules import MAX_ACTIONS, MAX_DECISIONS, MAX_ITEM, agenda_items, clean_text
from bot.meetings.service import PlannedAction
from bot.meetings.views import detail_buttons
from bot.meetings.views_after import (
    attendance_saved,
    attendance_sheet,
    done_button,
    minutes_confirm,
    minutes_text,
    owner_choices,
    past_detail,
    past_list,
    swap_choices,
)
from bot.permissions import Action
from bot.render import date_problem
from bot.texts import t
from bot.view import Rows, View
from handlers import forms
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
from handlers.forums import forum_action
from storage.meetings import Meeting
from storage.models import Draft, Forum

ATTEND, MINUTES = "ma", "mm"


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


# -- attendance (daftar hadir) ------------------------------------------------------------------------------
async def _show_sheet(update: Update, context: BotContext, draft: Draft, meeting: Meeting) -> None:
    await show(update, attendance_sheet(meeting, draft.data["people"], set(draft.data["present"]),
                                        await language(update, context)))


@button_handler
async def on_attendance(update: Update, context: BotContext, data: CallbackData) -> None:
    """Open the daftar hadir: every member, ticked if recorded present (or, first time, said Hadir)."""
    user = user_of(update)
    sheet = await service.attendance_sheet(context.services, data.int_arg(0), user.id)
    draft = await forms.begin(context, user.id, ATTEND, "pick", {"meeting_id": sheet.meeting.id,
                                                                  "people": sheet.people, "present": sheet.present})
    await _show_sheet(update, context, draft, sheet.meeting)


@button_handler
async def on_attendance_toggle(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    meeting_id, uid = data.int_arg(0), data.int_arg(1)
    draft = await forms.expect(context, user.id, ATTEND, "pick")
    if int(draft.data["meeting_id"]) != meeting_id or uid not in {p[0] for p in draft.data["people"]}:
        raise StaleAction()
    meeting, _ = await service.meeting_for(context.services, meeting_id, user.id, Action.MANAGE_MEETING)
    present = set(draft.data["present"]) ^ {uid}
    draft = await forms.advance(context, draft, "pick", present=sorted(present))
    await _show_sheet(update, context, draft, meeting)


@button_handler
async def on_attendance_save(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.expect(context, user.id, ATTEND, "pick")
    if int(draft.data["meeting_id"]) != data.int_arg(0):
        raise StaleAction()
    present = set(draft.data["present"])
    meeting, total = await service.record_attendance(context.services, data.int_arg(0), user.id,
                                                     [int(p[0]) for p in draft.data["people"]], present)
    await show(update, attendance_saved(meeting, len(present), total, await language(update, context)))


# -- minutes (notulen) and action items -----------------------------------------------------------------------
@button_handler
async def on_minutes(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    meeting = await service.minutes_for(context.services, data.int_arg(0), user.id)
    lang = await language(update, context)
    await forms.begin(context, user.id, MINUTES, "decisions", {"meeting_id": meeting.id, "decisions": [],
                                                                "actions": []})
    if update.callback_query:
        await remove_buttons(update.callback_query)
    await send(update, View(str(t("meet.min.ask_decisions", lang, title=meeting.title)),
                            done_button("decisions", lang)))


def _planned(draft: Draft) -> list[PlannedAction]:
    return [PlannedAction(a["text"], int(a["owner"]), date.fromisoformat(a["due"])) for a in draft.data["actions"]]


async def _ask_minutes_step(update: Update, context: BotContext, draft: Draft) -> None:
    lang = await language(update, context)
    step = draft.step
    if step == "decisions":
        listing = "\n".join(f"{i}. {x}" for i, x in enumerate(draft.data["decisions"], 1))
        await send(update, View(str(t("meet.min.decisions_so_far", lang, items=listing or "—")),
                                done_button("decisions", lang)))
    elif step == "act_text":
        await send(update, View(str(t("meet.min.ask_action", lang)),
                                done_button("act_text", lang, "meet.btn.no_more_actions")))
    elif step == "act_owner":
        meeting = await loaders.repo(context.services).get(int(draft.data["meeting_id"]))
        assert meeting is not None
        people = await loaders.people(context.services, meeting.forum_id)
        await send(update, owner_choices(people, draft.data["pending_action"], lang))
    elif step == "act_due":
        await reply(update, t("meet.min.ask_due", lang))
    elif step == "confirm":
        meeting = await loaders.repo(context.services).get(int(draft.data["meeting_id"]))
        assert meeting is not None
        actions = [(a.text, a.owner, a.due) for a in _planned(draft)]
        names = await loaders.names_of(context.services, [a[1] for a in actions])
        text = minutes_text(meeting.title, draft.data["decisions"], actions, names, lang)
        await send(update, minutes_confirm(meeting, text, lang))


async def minutes_reprompt(update: Update, context: BotContext, draft: Draft) -> None:
    await _ask_minutes_step(update, context, draft)


async def on_minutes_input(update: Update, context: BotContext, draft: Draft) -> None:
    message = update.effective_message
    assert message is not None
    lang = await language(update, context)
    if message.text is None:
        await reply(update, t("bad.text_expected", lang))
        return
    try:
        if draft.step == "decisions":
            items = list(draft.data["decisions"]) + agenda_items(message.text)
            if len(items) > MAX_DECISIONS:
                raise InvalidInput("meet.bad.agenda_many", max=MAX_DECISIONS)
            draft = await forms.advance(context, draft, "decisions", decisions=items)
            await _ask_minutes_step(update, context, draft)
        elif draft.step == "act_text":
            if len(draft.data["actions"]) >= MAX_ACTIONS:
                raise InvalidInput("meet.bad.agenda_many", max=MAX_ACTIONS)
            text = clean_text(message.text, max_length=MAX_ITEM, min_length=3, single_line=True)
            draft = await forms.advance(context, draft, "act_owner", pending_action=text)
            await _ask_minutes_step(update, context, draft)
        elif draft.step == "act_due":
            meeting = await loaders.repo(context.services).get(int(draft.data["meeting_id"]))
            assert meeting is not None
            try:
                due = parse_date(message.text[:100], now=context.services.clock.now(), tz=meeting.zone)
            except DateParseError as exc:
                raise date_problem(exc, "meet.bad.date.") from None
            actions = [*draft.data["actions"], {"text": draft.data["pending_action"],
                                                "owner": draft.data["pending_owner"], "due": due.isoformat()}]
            draft = await forms.advance(context, draft, "act_text", actions=actions, pending_action=None,
                                        pending_owner=None)
            await reply(update, t("meet.min.action_added", lang, count=len(actions)))
            await _ask_minutes_step(update, context, draft)
        else:
            await reply(update, t("bad.use_buttons", lang))
    except InvalidInput as exc:
        await reply(update, t(exc.message_key, lang, **exc.params))


@button_handler
async def on_minutes_next(update: Update, context: BotContext, data: CallbackData) -> None:
    step = data.arg(0)
    user = user_of(update)
    draft = await forms.expect(context, user.id, MINUTES, step)
    if update.callback_query:
        await remove_buttons(update.callback_query)
    draft = await forms.advance(context, draft, "act_text" if step == "decisions" else "confirm")
    await _ask_minutes_step(update, context, draft)


@button_handler
async def on_action_owner(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.expect(context, user.id, MINUTES, "act_owner")
    owner = data.int_arg(0)
    meeting = await loaders.repo(context.services).get(int(draft.data["meeting_id"]))
    assert meeting is not None
    await service.check_action_owner(context.services, meeting, owner)
    if update.callback_query:
        await remove_buttons(update.callback_query)
    draft = await forms.advance(context, draft, "act_due", pending_owner=owner)
    await _ask_minutes_step(update, context, draft)


@button_handler
async def on_minutes_save(update: Update, context: BotContext, data: CallbackData) -> None:
    """Save the notulen, post them to the group and members, assign action items with reminders."""
    user = user_of(update)
    draft = await forms.expect(context, user.id, MINUTES, "confirm")
    meeting = await service.save_minutes(context.services, int(draft.data["meeting_id"]), user.id,
                                         draft.data["decisions"], _planned(draft))
    await edit_or_reply(update, t("meet.min.saved", await language(update, context), title=meeting.title))


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
    "att": on_attendance, "at": on_attendance_toggle, "ats": on_attendance_save, "min": on_minutes,
    "mnx": on_minutes_next, "ao": on_action_owner, "mins": on_minutes_save, "done": on_action_done,
    "past": on_past,
}
