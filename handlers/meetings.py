"""Meetings (pertemuan rutin): /pertemuan_baru, /agenda, /pertemuan, /atur_pengingat, RSVP buttons,
who is coming, .ics, changes and cancellation, attendance, minutes, action items, host swaps.

The forms live in handlers.meetings_form; views, loaders and pushes in bot.meetings; the
rules in bot.meetings; storage in storage.meetings. Every press checks the permission again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from telegram import InputFile, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.callbacks import CallbackData, encode
from bot.context import BotContext
from bot.dateparse import DateParseError, parse_date
from bot.errors import Conflict, InvalidInput, NotAMember, NotFound, NotPermitted, StaleAction
from bot.ics import IcsEvent, meeting_ics, series_ics
from bot.meetings.loaders import card, place_text, reminder_codes, repo, village_label
from bot.meetings.pushes import (
    Context,
    invitee_ids,
    notify_change,
    plan_meetings,
    push_context,
    queue_tally,
    replan_all,
    replan_member,
)
from bot.meetings.rules import (
    MAX_ACTIONS,
    MAX_DECISIONS,
    MAX_ITEM,
    MAX_REASON,
    REMINDERS,
    Turn,
    agenda_items,
    by_series,
    check_rsvp,
    clean_codes,
    clean_text,
    party_from_text,
    swap_partner,
    tally,
)
from bot.meetings.views import ANSWER_CODES, FEATURE, ICONS, rsvp_rows, rule_of, tally_line, when_text
from bot.permissions import Action, refusal
from bot.recurrence import to_rrule
from bot.render import date_problem
from bot.services import Services
from bot.texts import Html, t
from bot.timefmt import format_date, format_date_short, format_datetime, format_time
from handlers import forms, meetings_form
from handlers.common import (
    button_handler,
    command_handler,
    edit_or_reply,
    is_private,
    language,
    private_only,
    register_planner,
    remove_buttons,
    reply,
    user_of,
)
from handlers.forums import forum_action, run_in_forum
from storage import outbox
from storage.meetings import Meeting
from storage.models import Draft, Forum, MemberInForum
from storage.unit import Unit

log = logging.getLogger(__name__)

REASON, ATTEND, MINUTES = "mr", "ma", "mm"


async def _meeting(context: BotContext, meeting_id: int, user_id: int, action: Action) -> tuple[Meeting, Forum]:
    """The meeting and its forum, if the user may do `action` there (else NotFound/NotPermitted)."""
    meeting = await repo(context.services).get(meeting_id)
    if meeting is None:
        raise NotFound()
    forum, _ = await context.services.access.require(meeting.forum_id, user_id, action)
    return meeting, forum


async def _is_koordinator(context: BotContext, forum_id: int, user_id: int) -> bool:
    membership = await context.services.members.membership(forum_id, user_id)
    return membership is not None and membership.status == "active" and membership.role == "koordinator"


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


async def _agenda_private(update: Update, context: BotContext) -> None:
    text, rows = await _agenda_view(context, user_of(update).id, await language(update, context))
    await reply(update, text, rows)


# A series shows as one line; this many of its dates are listed under "Lihat semua tanggal".
AGENDA_FETCH = 60
SERIES_DATES = 12


async def _agenda_view(context: BotContext, user_id: int, lang: str) -> tuple[str, list[list[tuple[str, str]]]]:
    """Upcoming meetings, one line per series with its next date and host, and open follow-ups."""
    services = context.services
    forums = await services.access.forums_for(user_id, Action.RSVP)
    if not forums:
        if await services.members.memberships_of(user_id):
            raise refusal(Action.RSVP)
        raise NotAMember("err.not_member_any")
    names = {f.id: f.name for f in forums}
    now = services.clock.now()
    meetings = await repo(services).upcoming(names, now, limit=AGENDA_FETCH)
    groups = by_series(meetings)[:10]
    shown = [group[0] for group in groups]
    answers = await repo(services).answers_of(user_id, [m.id for m in shown])
    lines = [str(t("meet.agenda.title", lang))]
    rows: list[list[tuple[str, str]]] = []
    if not groups:
        lines.append(str(t("meet.agenda.empty", lang)))
    for group in groups:
        m = group[0]
        own = answers.get(m.id)
        answer = t(f"meet.answer.{own.answer}", lang) if own else t("meet.answer.none", lang)
        host = await _host_name(services, m)
        lines.append(str(t("meet.agenda.line", lang, title=m.title, when=when_text(m, lang),
                           forum=names.get(m.forum_id, ""), answer=answer)))
        if host:
            lines.append(str(t("meet.agenda.host", lang, village=host)))
        if len(group) > 1:
            lines.append(str(t("meet.agenda.series_more", lang, n=len(group) - 1)))
        icon = ICONS.get(own.answer, "❔") if own else "❔"
        rows.append([(_date_button(icon, m, host, lang), encode(FEATURE, "d", m.id))])
        if len(group) > 1 and m.series_id is not None:
            rows.append([(str(t("meet.btn.all_dates", lang, title=m.title[:24])),
                          encode(FEATURE, "ser", m.series_id))])
    actions = await repo(services).actions_of(user_id)
    if actions:
        lines.append("")
        lines.append(str(t("meet.actions.yours", lang)))
        for item in actions[:10]:
            lines.append(str(t("meet.actions.line", lang, text=item.text, due=format_date(item.due_date, lang))))
            rows.append([(str(t("meet.btn.done_action", lang, text=item.text[:30])), encode(FEATURE, "done", item.id))])
    return "\n".join(lines), rows


def _date_button(icon: str, meeting: Meeting, host: str | None, lang: str) -> str:
    """'✅ Sab 12 Des 09.00 · Sidasari': the date and host, so a series' buttons differ."""
    day = format_date_short(meeting.starts_at.astimezone(meeting.zone).date(), lang)
    label = f"{icon} {day} {format_time(meeting.starts_at, meeting.zone, lang)} · {meeting.title[:24]}"
    return f"{label} · {host[:18]}" if host else label


async def _host_name(services: Services, meeting: Meeting) -> str | None:
    if meeting.host_village_code is None:
        return None
    region = await services.regions.get(meeting.host_village_code)
    return region.name if region else None


@button_handler
async def on_agenda(update: Update, context: BotContext, data: CallbackData) -> None:
    """"Kembali": the agenda again, in the same message."""
    user = user_of(update)
    text, rows = await _agenda_view(context, user.id, await language(update, context))
    await edit_or_reply(update, text, rows)


@button_handler
async def on_series_dates(update: Update, context: BotContext, data: CallbackData) -> None:
    """"Lihat semua tanggal": every coming date of one series, each with its host."""
    user = user_of(update)
    lang = await language(update, context)
    series_id = data.int_arg(0)
    forums = await context.services.access.forums_for(user.id, Action.RSVP)
    meetings = [m for m in await repo(context.services).upcoming([f.id for f in forums], context.services.clock.now(),
                                                               limit=AGENDA_FETCH)
                if m.series_id == series_id][:SERIES_DATES]
    if not meetings:
        raise StaleAction()
    answers = await repo(context.services).answers_of(user.id, [m.id for m in meetings])
    rows: list[list[tuple[str, str]]] = []
    for m in meetings:
        own = answers.get(m.id)
        icon = ICONS.get(own.answer, "❔") if own else "❔"
        rows.append([(_date_button(icon, m, await _host_name(context.services, m), lang), encode(FEATURE, "d", m.id))])
    rows.append([(str(t("meet.btn.back", lang)), encode(FEATURE, "ag"))])
    await edit_or_reply(update, str(t("meet.agenda.series_title", lang, title=meetings[0].title, n=len(meetings))),
                        rows)


@forum_action("agenda", Action.RSVP)
async def _agenda_group(update: Update, context: BotContext, forum: Forum) -> None:
    services = context.services
    lang = forum.language
    meetings = await repo(services).upcoming([forum.id], services.clock.now(), limit=10)
    members = await services.members.in_forum(forum.id)
    lines = [str(t("meet.agenda.title_forum", lang, forum=forum.name))]
    if not meetings:
        lines.append(str(t("meet.agenda.empty", lang)))
    rows = []
    for m in meetings:
        rsvps = await repo(services).rsvps(m.id)
        counts = tally({r.user_id: (r.answer, r.party_size) for r in rsvps}, invitee_ids(members))
        lines.append(str(t("meet.agenda.group_line", lang, title=m.title, when=when_text(m, lang),
                           tally=tally_line(counts, lang))))
        rows.append([(m.title[:50], encode(FEATURE, "d", m.id))])
    await reply(update, "\n".join(lines), rows)


# -- a meeting's detail -------------------------------------------------------------------------------
async def _detail_text(context: BotContext, meeting: Meeting, forum: Forum, user_id: int, lang: str) -> Html:
    services = context.services
    rsvps = await repo(services).rsvps(meeting.id)
    members = await services.members.in_forum(forum.id)
    counts = tally({r.user_id: (r.answer, r.party_size) for r in rsvps}, invitee_ids(members))
    own = next((r for r in rsvps if r.user_id == user_id), None)
    lines = [str(await card(services, meeting, lang, forum=forum)), "", str(tally_line(counts, lang))]
    if own is not None:
        extra = ""
        if own.answer == "yes" and own.party_size > 1:
            extra = str(t("meet.rsvp.party_note", lang, n=own.party_size))
        lines.append(str(t("meet.remind.your_answer", lang, answer=t(f"meet.answer.{own.answer}", lang))) + extra)
    else:
        lines.append(str(t("meet.rsvp.not_yet", lang)))
    return Html("\n".join(lines))


def _detail_rows(meeting: Meeting, lang: str, *, koordinator: bool, started: bool) -> list[list[tuple[str, str]]]:
    rows: list[list[tuple[str, str]]] = []
    if not started and not meeting.cancelled:
        rows += rsvp_rows(meeting.id, lang)
    else:
        rows.append([(str(t("meet.btn.who", lang)), encode(FEATURE, "who", meeting.id))])
    if meeting.documents:
        rows.append([(str(t("meet.btn.docs", lang)), encode(FEATURE, "docs", meeting.id))])
    if koordinator and not meeting.cancelled:
        if started:
            rows.append([(str(t("meet.btn.attendance", lang)), encode(FEATURE, "att", meeting.id)),
                         (str(t("meet.btn.minutes", lang)), encode(FEATURE, "min", meeting.id))])
        else:
            rows.append([(str(t("meet.btn.manage", lang)), encode(FEATURE, "mg", meeting.id))])
    return rows


@button_handler
async def on_detail(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    meeting, forum = await _meeting(context, data.int_arg(0), user.id, Action.RSVP)
    lang = await language(update, context)
    koordinator = await _is_koordinator(context, forum.id, user.id)
    started = meeting.starts_at <= context.services.clock.now()
    text = await _detail_text(context, meeting, forum, user.id, lang)
    if is_private(update):
        rows = _detail_rows(meeting, lang, koordinator=koordinator, started=started)
        rows.append([(str(t("meet.btn.back", lang)), encode(FEATURE, "ag"))])
        await edit_or_reply(update, text, rows)
    else:
        await _send_private(update, context, text, _detail_rows(meeting, lang, koordinator=koordinator,
                                                                 started=started))


async def _send_private(update: Update, context: BotContext, text: str,
                        rows: list[list[tuple[str, str]]] | None = None) -> None:
    """Answer a press in the group privately (the group stays quiet); tell them if that is impossible."""
    from handlers.common import keyboard

    user = user_of(update)
    lang = await language(update, context)
    try:
        await context.bot.send_message(user.id, text, parse_mode=ParseMode.HTML,
                                       reply_markup=keyboard(rows) if rows else None,
                                       disable_web_page_preview=True)
    except Forbidden:
        raise InvalidInput("meet.private_needed", bot=context.services.bot_username) from None
    if update.callback_query:
        from handlers.common import answer

        await answer(update.callback_query, str(t("meet.sent_private", lang)))


# -- RSVP ---------------------------------------------------------------------------------------------
async def record_rsvp(context: BotContext, meeting_id: int, user_id: int, answer: str, *, party_size: int | None,
                      via: str) -> tuple[Meeting, bool]:
    """Record an answer with its reminders and a coalesced tally edit, in one transaction.

    Returns the meeting and whether anything changed (repeating the same answer changes nothing).
    """
    services = context.services
    _, forum = await _meeting(context, meeting_id, user_id, Action.RSVP)
    now = services.clock.now()
    members = await services.members.in_forum(forum.id)
    entry = next((m for m in members if m.member.user_id == user_id), None)
    if entry is None:
        raise StaleAction()
    async with services.write() as tx:
        fresh = await tx.meetings.get(meeting_id)
        if fresh is None:
            raise NotFound()
        rsvps = await tx.meetings.rsvps(meeting_id)
        own = next((r for r in rsvps if r.user_id == user_id), None)
        size = party_size if party_size is not None else (own.party_size if own else 1)
        if own is not None and own.answer == answer and own.party_size == size:
            return fresh, False
        others = sum(r.party_size for r in rsvps if r.answer == "yes" and r.user_id != user_id)
        check_rsvp(cancelled=fresh.cancelled, starts_at=fresh.starts_at, deadline=fresh.rsvp_deadline, now=now,
                   answer=answer, party_size=size, people_others=others,  # type: ignore[arg-type]
                   max_attendees=fresh.max_attendees)
        reason = own.reason if own is not None and own.answer == answer == "no" else None
        await tx.meetings.set_rsvp(meeting_id=meeting_id, user_id=user_id, answer=answer, party_size=size,
                                   reason=reason, via=via, now=now)
        updated = next((r for r in await tx.meetings.rsvps(meeting_id) if r.user_id == user_id), None)
        if fresh.announced_at is not None:
            await replan_member(tx, services, fresh, entry, updated, now)
        await queue_tally(tx, services, meeting_id, members, now)
    services.delivery.wake()
    log.info("event=rsvp meeting=%s user=%s answer=%s party=%s via=%s", meeting_id, user_id, answer, size, via)
    return fresh, True


def _after_answer_rows(meeting_id: int, answer: str, lang: str) -> list[list[tuple[str, str]]]:
    rows: list[list[tuple[str, str]]] = []
    if answer == "yes":
        rows.append([(str(n) if n < 5 else "5+", encode(FEATURE, "ppl", meeting_id, n)) for n in (1, 2, 3, 4, 5)])
    if answer == "no":
        rows.append([(str(t("meet.btn.reason", lang)), encode(FEATURE, "why", meeting_id))])
    rows += rsvp_rows(meeting_id, lang)
    return rows


@button_handler
async def on_rsvp(update: Update, context: BotContext, data: CallbackData) -> None:
    """Hadir / Tidak hadir / Mungkin, from the group announcement or a private message."""
    meeting_id, code = data.int_arg(0), data.arg(1)
    if code not in ANSWER_CODES:
        raise StaleAction()
    answer = ANSWER_CODES[code]
    user = user_of(update)
    lang = await language(update, context)
    private = is_private(update)
    meeting, _ = await record_rsvp(context, meeting_id, user.id, answer, party_size=None,
                                   via="private" if private else "group")
    query = update.callback_query
    assert query is not None
    if not private:
        from handlers.common import answer as answer_query

        await answer_query(query, str(t("meet.rsvp.toast", lang, answer=t(f"meet.answer.{answer}", lang))))
        return
    await _expect_typed_follow_up(context, user.id, meeting_id, answer)
    follow = {"yes": "meet.rsvp.ask_party", "no": "meet.rsvp.ask_reason", "maybe": "meet.rsvp.maybe_note"}[answer]
    text = (f"{t('meet.rsvp.saved', lang, title=meeting.title, answer=t(f'meet.answer.{answer}', lang))}\n"
            f"{t(follow, lang)}")
    await edit_or_reply(update, text, _after_answer_rows(meeting_id, answer, lang))


async def _expect_typed_follow_up(context: BotContext, user_id: int, meeting_id: int, answer: str) -> None:
    """After Hadir the next typed message is the number coming; after Tidak hadir, the reason.

    The prompt invites typing, so typing must work without pressing "Tulis alasan" first. A
    form already in progress (a post being written) is never replaced by this small question.
    """
    current = await forms.current(context, user_id)
    if current is not None and current.flow != REASON:
        return
    if answer in ("yes", "no"):
        await forms.begin(context, user_id, REASON, "party" if answer == "yes" else "reason",
                          {"meeting_id": meeting_id})
    elif current is not None:
        await forms.finish(context, user_id)


@button_handler
async def on_party(update: Update, context: BotContext, data: CallbackData) -> None:
    """How many people the village brings (5 means 'five or more: type the number')."""
    meeting_id, size = data.int_arg(0), data.int_arg(1)
    user = user_of(update)
    lang = await language(update, context)
    if size >= 5:
        await forms.begin(context, user.id, REASON, "party", {"meeting_id": meeting_id})
        await reply(update, t("meet.rsvp.type_party", lang))
        return
    meeting, _ = await record_rsvp(context, meeting_id, user.id, "yes", party_size=size, via="private")
    pending = await forms.current(context, user.id)
    if pending is not None and pending.flow == REASON:
        await forms.finish(context, user.id)
    await edit_or_reply(update, t("meet.rsvp.party_saved", lang, title=meeting.title, n=size),
                        rsvp_rows(meeting_id, lang))


@button_handler
async def on_reason(update: Update, context: BotContext, data: CallbackData) -> None:
    meeting_id = data.int_arg(0)
    user = user_of(update)
    await _meeting(context, meeting_id, user.id, Action.RSVP)
    lang = await language(update, context)
    await forms.begin(context, user.id, REASON, "reason", {"meeting_id": meeting_id})
    if update.callback_query:
        await remove_buttons(update.callback_query)
    await reply(update, t("meet.rsvp.type_reason", lang))


async def on_reason_input(update: Update, context: BotContext, draft: Draft) -> None:
    """The typed reason for not attending, or the number of people coming."""
    message = update.effective_message
    assert message is not None
    lang = await language(update, context)
    user = user_of(update)
    meeting_id = int(draft.data["meeting_id"])
    if message.text is None:
        await reply(update, t("bad.text_expected", lang))
        return
    try:
        if draft.step == "party":
            size = party_from_text(message.text)
            meeting, _ = await record_rsvp(context, meeting_id, user.id, "yes", party_size=size, via="private")
            await forms.finish(context, user.id)
            await reply(update, t("meet.rsvp.party_saved", lang, title=meeting.title, n=size))
            return
        reason = clean_text(message.text, max_length=MAX_REASON)
        meeting, _ = await _meeting(context, meeting_id, user.id, Action.RSVP)
        async with context.services.write() as tx:
            own = next((r for r in await tx.meetings.rsvps(meeting_id) if r.user_id == user.id), None)
            if own is None or own.answer != "no":
                raise StaleAction()
            await tx.meetings.set_rsvp_reason(meeting_id, user.id, reason)
            await context.services.drafts.delete(tx.conn, user.id)
        await reply(update, t("meet.rsvp.reason_saved", lang, title=meeting.title))
    except InvalidInput as exc:
        await reply(update, t(exc.message_key, lang, **exc.params))


async def reason_reprompt(update: Update, context: BotContext, draft: Draft) -> None:
    lang = await language(update, context)
    await reply(update, t("meet.rsvp.type_party" if draft.step == "party" else "meet.rsvp.type_reason", lang))


# -- who is coming, documents, calendar file ------------------------------------------------------------
async def _who_text(context: BotContext, meeting: Meeting, forum: Forum, lang: str) -> str:
    services = context.services
    members = await services.members.in_forum(forum.id)
    rsvps = {r.user_id: r for r in await repo(services).rsvps(meeting.id)}
    groups: dict[str, list[str]] = {"yes": [], "maybe": [], "no": [], "none": []}
    for entry in members:
        if entry.member.erased_at is not None:
            continue
        village = entry.village.name if entry.village else "-"
        r = rsvps.get(entry.member.user_id)
        line = f"• {entry.member.full_name} ({village})"
        if r is not None and r.answer == "yes" and r.party_size > 1:
            line += str(t("meet.rsvp.party_note", lang, n=r.party_size))
        groups[r.answer if r else "none"].append(line)
    from bot.texts import escape

    out = [str(t("meet.who.title", lang, title=meeting.title))]
    for key in ("yes", "maybe", "no", "none"):
        out.append(str(t(f"meet.who.{key}", lang, count=len(groups[key]))))
        out += [escape(x) for x in groups[key]] or ["  —"]
    return "\n".join(out)


@button_handler
async def on_who(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    meeting, forum = await _meeting(context, data.int_arg(0), user.id, Action.RSVP)
    lang = await language(update, context)
    text = await _who_text(context, meeting, forum, lang)
    if is_private(update):
        await reply(update, text)
    else:
        await _send_private(update, context, text)


@button_handler
async def on_docs(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    meeting, _ = await _meeting(context, data.int_arg(0), user.id, Action.RSVP)
    for document in meeting.documents:
        if document.get("kind") == "photo":
            await context.bot.send_photo(user.id, document["file_id"])
        else:
            await context.bot.send_document(user.id, document["file_id"])


async def build_ics(context: BotContext, meeting: Meeting, forum: Forum, lang: str) -> tuple[bytes, str]:
    """The .ics of a meeting, or of its whole series (RRULE, EXDATE, overrides)."""
    services = context.services
    now = services.clock.now()

    async def event(m: Meeting, uid: str) -> IcsEvent:
        location = None
        if m.place_kind in ("village", "address", "location"):
            location = str(await place_text(services, m, lang)).replace("<b>", "").replace("</b>", "")
            from html import unescape

            location = unescape(location)
        description = "\n".join(f"{i}. {item}" for i, item in enumerate(m.agenda, 1)) or None
        geo = (m.latitude, m.longitude) if m.latitude is not None and m.longitude is not None else None
        return IcsEvent(uid=uid, title=m.title, start=m.starts_at, minutes=m.duration_minutes, tz=m.zone,
                        location=location, description=description, url=m.online_url, geo=geo,
                        sequence=m.version - 1, cancelled=m.cancelled)

    if meeting.series_id is None:
        return meeting_ics(await event(meeting, f"meeting-{meeting.id}"), now=now, calendar_name=forum.name), \
            f"pertemuan-{meeting.id}.ics"
    series = await repo(services).series(meeting.series_id)
    occurrences = await repo(services).series_meetings(meeting.series_id)
    assert series is not None and occurrences
    rule = rule_of(series.rule)
    first = occurrences[0]
    master_source = first.model_copy(update={"starts_at": first.original_start_at or first.starts_at,
                                             "status": "scheduled"})
    master = await event(master_source, f"series-{series.id}")
    exdates, overrides = [], []
    for m in occurrences:
        original = m.original_start_at or m.starts_at
        if m.cancelled:
            exdates.append(original)
        elif (m.starts_at != original or m.title != first.title or m.place_kind != first.place_kind
              or m.host_village_code != first.host_village_code or m.duration_minutes != first.duration_minutes
              or m.agenda != first.agenda or m.address != first.address or m.online_url != first.online_url):
            overrides.append((original, await event(m, f"series-{series.id}")))
    rrule = to_rrule(rule, tz=meeting.zone)
    return series_ics(master, rrule, now=now, exdates=exdates, overrides=overrides, calendar_name=forum.name), \
        f"pertemuan-rutin-{series.id}.ics"


@button_handler
async def on_ics(update: Update, context: BotContext, data: CallbackData) -> None:
    """'Tambahkan ke kalender': send the .ics as a document (privately when pressed in the group)."""
    user = user_of(update)
    meeting, forum = await _meeting(context, data.int_arg(0), user.id, Action.RSVP)
    lang = await language(update, context)
    content, name = await build_ics(context, meeting, forum, lang)
    try:
        await context.bot.send_document(user.id, InputFile(content, filename=name),
                                        caption=str(t("meet.ics.caption", lang, title=meeting.title)),
                                        parse_mode=ParseMode.HTML)
    except Forbidden:
        raise InvalidInput("meet.private_needed", bot=context.services.bot_username) from None
    if not is_private(update) and update.callback_query:
        from handlers.common import answer

        await answer(update.callback_query, str(t("meet.sent_private", lang)))


# -- managing: change, limits, reminders, cancel ---------------------------------------------------------
@button_handler
async def on_manage(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    meeting, _ = await _meeting(context, data.int_arg(0), user.id, Action.MANAGE_MEETING)
    lang = await language(update, context)
    mid = meeting.id
    rows = [[(str(t("meet.btn.change_when", lang)), encode(FEATURE, "ed", mid, "when")),
             (str(t("meet.btn.change_place", lang)), encode(FEATURE, "ed", mid, "place"))],
            [(str(t("meet.btn.change_title", lang)), encode(FEATURE, "ed", mid, "title")),
             (str(t("meet.btn.change_agenda", lang)), encode(FEATURE, "ed", mid, "agenda"))],
            [(str(t("meet.btn.max", lang)), encode(FEATURE, "ed", mid, "limits")),
             (str(t("meet.btn.deadline", lang)), encode(FEATURE, "ed", mid, "deadline"))],
            [(str(t("meet.btn.reminders", lang)), encode(FEATURE, "rm", mid))],
            [(str(t("meet.btn.cancel_meeting", lang)), encode(FEATURE, "cx", mid))]]
    await edit_or_reply(update, t("meet.manage.title", lang, title=meeting.title), rows)


@button_handler
async def on_edit(update: Update, context: BotContext, data: CallbackData) -> None:
    """Choose what to change; in a series, ask whether for this meeting only or all that follow."""
    meeting_id, field = data.int_arg(0), data.arg(1)
    if field not in ("when", "place", "title", "agenda", "limits", "deadline"):
        raise StaleAction()
    user = user_of(update)
    meeting, _ = await _meeting(context, meeting_id, user.id, Action.MANAGE_MEETING)
    if meeting.cancelled or meeting.starts_at <= context.services.clock.now():
        raise InvalidInput("meet.edit.too_late")
    lang = await language(update, context)
    scope = data.arg(2) if len(data.args) > 2 else None
    if meeting.series_id is not None and scope is None and field in ("when", "place", "title", "agenda"):
        rows = [[(str(t("meet.btn.scope_one", lang)), encode(FEATURE, "ed", meeting_id, field, "one"))],
                [(str(t("meet.btn.scope_all", lang)), encode(FEATURE, "ed", meeting_id, field, "all"))]]
        await edit_or_reply(update, t("meet.edit.scope_ask", lang), rows)
        return
    if update.callback_query:
        await remove_buttons(update.callback_query)
    await meetings_form.begin_edit(update, context, meeting, field, scope or "one")


@button_handler
async def on_reminders(update: Update, context: BotContext, data: CallbackData) -> None:
    """Toggle this meeting's reminders (start from the forum's)."""
    user = user_of(update)
    meeting, _ = await _meeting(context, data.int_arg(0), user.id, Action.MANAGE_MEETING)
    services = context.services
    lang = await language(update, context)
    codes = await reminder_codes(repo(services), meeting)
    if len(data.args) > 1:
        code = data.arg(1)
        if code not in REMINDERS:
            raise StaleAction()
        codes = clean_codes(set(codes) ^ {code})
        now = services.clock.now()
        ctx = await push_context(services, meeting.forum_id)
        async with services.write() as tx:
            await tx.meetings.update(meeting.id, now, reminders=codes)
            fresh = await tx.meetings.get(meeting.id)
            assert fresh is not None
            await replan_all(tx, ctx, fresh)
        services.delivery.wake()
    await edit_or_reply(update, t("meet.reminders.title", lang, title=meeting.title),
                        _reminder_rows(codes, lang, lambda code: encode(FEATURE, "rm", meeting.id, code)))


def _reminder_rows(codes: list[str], lang: str, data_for: Callable[[str], str]) -> list[list[tuple[str, str]]]:
    return [[(("✅ " if code in codes else "⬜ ") + str(t(f"meet.rem.{code}", lang)), data_for(code))]
            for code in REMINDERS]


@command_handler
async def forum_reminders(update: Update, context: BotContext) -> None:
    """/atur_pengingat: the forum's default reminders for new meetings (koordinator)."""
    await run_in_forum(update, context, "atur_pengingat")


@forum_action("atur_pengingat", Action.MANAGE_MEETING)
async def _forum_reminders(update: Update, context: BotContext, forum: Forum) -> None:
    lang = await language(update, context)
    codes = await repo(context.services).forum_reminders(forum.id)
    from bot.meetings.rules import DEFAULT_REMINDERS

    current = clean_codes(codes if codes is not None else DEFAULT_REMINDERS)
    await edit_or_reply(update, t("meet.reminders.forum_title", lang, forum=forum.name),
                        _reminder_rows(current, lang, lambda code: encode(FEATURE, "rmf", forum.id, code)))


@button_handler
async def on_forum_reminder(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    forum, _ = await context.services.access.require(data.int_arg(0), user.id, Action.MANAGE_MEETING)
    code = data.arg(1)
    if code not in REMINDERS:
        raise StaleAction()
    services = context.services
    from bot.meetings.rules import DEFAULT_REMINDERS

    codes = await repo(services).forum_reminders(forum.id)
    current = clean_codes(set(codes if codes is not None else DEFAULT_REMINDERS) ^ {code})
    await repo(services).set_forum_reminders(forum.id, current, user.id, services.clock.now())
    lang = await language(update, context)
    await edit_or_reply(update, t("meet.reminders.forum_title", lang, forum=forum.name),
                        _reminder_rows(current, lang, lambda c: encode(FEATURE, "rmf", forum.id, c)))


@button_handler
async def on_cancel_ask(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    meeting, _ = await _meeting(context, data.int_arg(0), user.id, Action.MANAGE_MEETING)
    lang = await language(update, context)
    rows = [[(str(t("meet.btn.cancel_one", lang)), encode(FEATURE, "cxy", meeting.id, "one"))]]
    if meeting.series_id is not None:
        rows.append([(str(t("meet.btn.cancel_all", lang)), encode(FEATURE, "cxy", meeting.id, "all"))])
    rows.append([(str(t("core.back", lang)), encode(FEATURE, "mg", meeting.id))])
    await edit_or_reply(update, t("meet.cancel.ask", lang, title=meeting.title), rows)


@button_handler
async def on_cancel(update: Update, context: BotContext, data: CallbackData) -> None:
    """Cancel one meeting (or the rest of the series): reminders go, everyone invited is told."""
    user = user_of(update)
    meeting, forum = await _meeting(context, data.int_arg(0), user.id, Action.MANAGE_MEETING)
    scope = data.arg(1)
    services = context.services
    lang = await language(update, context)
    now = services.clock.now()
    if meeting.cancelled:
        raise Conflict("meet.cancel.already")
    if meeting.starts_at <= now:
        raise InvalidInput("meet.edit.too_late")
    targets = [meeting]
    if scope == "all" and meeting.series_id is not None:
        targets = [m for m in await repo(services).series_meetings(meeting.series_id)
                   if m.status == "scheduled" and m.starts_at > now and (m.seq or 0) >= (meeting.seq or 0)]
    ctx = await push_context(services, forum.id)
    async with services.write() as tx:
        for target in targets:
            await tx.meetings.update(target.id, now, status="cancelled", cancelled_at=now)
            await outbox.cancel_prefix(tx.conn, f"meeting:{target.id}:rem:")
            await outbox.cancel_prefix(tx.conn, f"meeting:{target.id}:att:")
            await outbox.cancel_prefix(tx.conn, f"meeting:{target.id}:host:")
            fresh = await tx.meetings.get(target.id)
            assert fresh is not None
            if fresh.announced_at is not None:
                await notify_change(tx, ctx, fresh, [], cancelled=True)
                await tx.meetings.bump_tally(fresh.id)
                await queue_tally(tx, services, fresh.id, ctx.members, now)
        if scope == "all" and meeting.series_id is not None and (meeting.seq or 1) == 1:
            await tx.meetings.cancel_series(meeting.series_id, now)
    services.delivery.wake()
    log.info("event=meeting_cancelled meeting=%s scope=%s count=%d by=%s", meeting.id, scope, len(targets), user.id)
    await edit_or_reply(update, t("meet.cancel.done", lang, count=len(targets)))


# -- host rotation: acknowledge, swap ------------------------------------------------------------------
@button_handler
async def on_host_ok(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    meeting, _ = await _meeting(context, data.int_arg(0), user.id, Action.RSVP)
    lang = await language(update, context)
    if update.callback_query:
        await remove_buttons(update.callback_query)
    await reply(update, t("meet.host.thanks", lang, title=meeting.title))


async def _host_member(context: BotContext, meeting: Meeting, user_id: int) -> MemberInForum:
    members = await context.services.members.in_forum(meeting.forum_id)
    entry = next((m for m in members if m.member.user_id == user_id), None)
    if entry is None or entry.member.village_code != meeting.host_village_code:
        raise NotPermitted("meet.host.not_host")
    return entry


@button_handler
async def on_host_swap(update: Update, context: BotContext, data: CallbackData) -> None:
    """The host asks to swap: pick the other village (from the rotation, else the forum's)."""
    user = user_of(update)
    meeting, _ = await _meeting(context, data.int_arg(0), user.id, Action.RSVP)
    await _host_member(context, meeting, user.id)
    if meeting.starts_at <= context.services.clock.now() or meeting.cancelled:
        raise InvalidInput("meet.edit.too_late")
    lang = await language(update, context)
    villages: dict[str, str] = {}
    for entry in await context.services.members.in_forum(meeting.forum_id):
        if entry.village is not None and entry.village.code != meeting.host_village_code:
            villages.setdefault(entry.village.code, entry.village.name)
    if not villages:
        raise InvalidInput("meet.bad.no_villages")
    rows = [[(name, encode(FEATURE, "hsv", meeting.id, code))] for code, name in villages.items()]
    await edit_or_reply(update, t("meet.host.pick", lang), rows)


@button_handler
async def on_host_swap_pick(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    meeting, forum = await _meeting(context, data.int_arg(0), user.id, Action.RSVP)
    await _host_member(context, meeting, user.id)
    other = data.arg(1)
    services = context.services
    now = services.clock.now()
    members = await services.members.in_forum(forum.id)
    counterparts = [m for m in members if m.member.village_code == other and m.member.erased_at is None]
    if not counterparts or meeting.host_village_code is None:
        raise StaleAction()
    partner = None
    if meeting.series_id is not None:
        turns = [Turn(m.id, m.starts_at, m.host_village_code)
                 for m in await repo(services).series_meetings(meeting.series_id) if m.status == "scheduled"]
        partner = swap_partner(turns, meeting.id, other, now)
    lang = await language(update, context)
    mine = await village_label(services, meeting.host_village_code)
    async with services.write() as tx:
        swap_id = await tx.meetings.create_swap(meeting_id=meeting.id,
                                                other_meeting_id=partner.meeting_id if partner else None,
                                                from_village=meeting.host_village_code, to_village=other,
                                                requested_by=user.id, now=now)
        for entry in counterparts:
            olang = entry.member.language
            if partner is not None:
                other_meeting = await tx.meetings.get(partner.meeting_id)
                assert other_meeting is not None
                text = t("meet.host.swap_request", olang, village=mine, title=meeting.title,
                         when=when_text(meeting, olang), other_when=when_text(other_meeting, olang))
            else:
                text = t("meet.host.take_request", olang, village=mine, title=meeting.title,
                         when=when_text(meeting, olang))
            await outbox.enqueue(
                tx.conn, key=f"mswap:{swap_id}:req:u{entry.member.user_id}", chat_id=entry.member.user_id,
                member_user_id=entry.member.user_id, forum_id=forum.id, text=text,
                reply_markup=outbox.inline_keyboard([[(str(t("meet.btn.agree", olang)), encode(FEATURE, "hsa", swap_id, "y")),
                                                      (str(t("meet.btn.decline", olang)), encode(FEATURE, "hsa", swap_id, "n"))]]),
                due_at=now, now=now, expires_at=meeting.starts_at)
    services.delivery.wake()
    await edit_or_reply(update, t("meet.host.swap_sent", lang, village=await village_label(services, other)))


@button_handler
async def on_host_swap_answer(update: Update, context: BotContext, data: CallbackData) -> None:
    """The other village agrees (hosts swap; everyone is told) or declines (the asker is told)."""
    user = user_of(update)
    services = context.services
    swap = await repo(services).swap(data.int_arg(0))
    if swap is None:
        raise StaleAction()
    if swap.status != "pending":
        raise Conflict("meet.host.already")
    meeting, forum = await _meeting(context, swap.meeting_id, user.id, Action.RSVP)
    if await services.access.village_of(meeting.forum_id, user.id) != swap.to_village:
        raise NotPermitted("meet.host.not_host")
    accept = data.arg(1) == "y"
    now = services.clock.now()
    lang = await language(update, context)
    if accept and (meeting.starts_at <= now or meeting.cancelled or meeting.host_village_code != swap.from_village):
        raise InvalidInput("meet.edit.too_late")
    ctx = await push_context(services, forum.id)
    async with services.write() as tx:
        if not await tx.meetings.decide_swap(swap.id, accept, user.id, now):
            raise Conflict("meet.host.already")
        requester = await services.members.get(swap.requested_by)
        if accept:
            await _apply_swap(tx, ctx, swap.meeting_id, swap.to_village)
            if swap.other_meeting_id is not None:
                await _apply_swap(tx, ctx, swap.other_meeting_id, swap.from_village)
        if requester is not None:
            rlang = requester.language
            await outbox.enqueue(
                tx.conn, key=f"mswap:{swap.id}:result", chat_id=requester.user_id, member_user_id=requester.user_id,
                forum_id=forum.id, due_at=now, now=now,
                text=str(t("meet.host.accepted" if accept else "meet.host.declined", rlang,
                           village=await village_label(services, swap.to_village), title=meeting.title)))
    services.delivery.wake()
    log.info("event=host_swap swap=%s accept=%s by=%s", swap.id, accept, user.id)
    await edit_or_reply(update, t("meet.host.you_accepted" if accept else "meet.host.you_declined", lang,
                                  title=meeting.title))


async def _apply_swap(tx: Unit, ctx: Context, meeting_id: int, village: str) -> None:
    meeting = await tx.meetings.get(meeting_id)
    if meeting is None or meeting.cancelled:
        return
    await tx.meetings.update(meeting_id, ctx.now, place_kind="village", host_village_code=village,
                             host_notified_at=ctx.now)
    fresh = await tx.meetings.get(meeting_id)
    assert fresh is not None
    if fresh.announced_at is not None:
        await notify_change(tx, ctx, fresh, ["host"])
        await tx.meetings.bump_tally(meeting_id)
        await queue_tally(tx, ctx.services, meeting_id, ctx.members, ctx.now)


# -- attendance (daftar hadir) ------------------------------------------------------------------------------
async def _attendance_view(update: Update, context: BotContext, draft: Draft, meeting: Meeting) -> None:
    lang = await language(update, context)
    present = set(draft.data["present"])
    rows = []
    for uid, name in draft.data["people"]:
        mark = "✅" if uid in present else "⬜"
        rows.append([(f"{mark} {name}"[:60], encode(FEATURE, "at", meeting.id, uid))])
    rows.append([(str(t("meet.btn.save_attendance", lang)), encode(FEATURE, "ats", meeting.id))])
    await edit_or_reply(update, t("meet.att.title", lang, title=meeting.title, present=len(present),
                                  total=len(draft.data["people"])), rows)


@button_handler
async def on_attendance(update: Update, context: BotContext, data: CallbackData) -> None:
    """Open the daftar hadir: every member, ticked if recorded present (or, first time, said Hadir)."""
    user = user_of(update)
    meeting, forum = await _meeting(context, data.int_arg(0), user.id, Action.MANAGE_MEETING)
    if meeting.starts_at > context.services.clock.now():
        raise InvalidInput("meet.att.not_yet")
    if meeting.cancelled:
        raise InvalidInput("meet.rsvp.cancelled")
    services = context.services
    members = await services.members.in_forum(forum.id)
    recorded = await repo(services).attendance(meeting.id)
    if recorded:
        present = [a.user_id for a in recorded if a.present]
        listed = {a.user_id for a in recorded}
    else:
        present = [r.user_id for r in await repo(services).rsvps(meeting.id) if r.answer == "yes"]
        listed = set()
    people = [[m.member.user_id, f"{m.member.full_name} ({m.village.name if m.village else '-'})"] for m in members
              if m.member.erased_at is None or m.member.user_id in listed]
    ids = {p[0] for p in people}
    draft = await forms.begin(context, user.id, ATTEND, "pick",
                              {"meeting_id": meeting.id, "people": people, "present": [u for u in present if u in ids]})
    await _attendance_view(update, context, draft, meeting)


@button_handler
async def on_attendance_toggle(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    meeting_id, uid = data.int_arg(0), data.int_arg(1)
    draft = await forms.expect(context, user.id, ATTEND, "pick")
    if int(draft.data["meeting_id"]) != meeting_id or uid not in {p[0] for p in draft.data["people"]}:
        raise StaleAction()
    meeting, _ = await _meeting(context, meeting_id, user.id, Action.MANAGE_MEETING)
    present = set(draft.data["present"]) ^ {uid}
    draft = await forms.advance(context, draft, "pick", present=sorted(present))
    await _attendance_view(update, context, draft, meeting)


@button_handler
async def on_attendance_save(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    draft = await forms.expect(context, user.id, ATTEND, "pick")
    if int(draft.data["meeting_id"]) != data.int_arg(0):
        raise StaleAction()
    meeting, forum = await _meeting(context, data.int_arg(0), user.id, Action.MANAGE_MEETING)
    services = context.services
    now = services.clock.now()
    members = {m.member.user_id: m for m in await services.members.in_forum(forum.id)}
    present = set(draft.data["present"])
    rows = []
    for uid, _ in draft.data["people"]:
        entry = members.get(uid)
        rows.append((uid, entry.member.village_code if entry else None, uid in present))
    async with services.write() as tx:
        await tx.meetings.record_attendance(meeting.id, rows, user.id, now)
        await outbox.cancel_prefix(tx.conn, f"meeting:{meeting.id}:att:")
        await services.drafts.delete(tx.conn, user.id)
    lang = await language(update, context)
    log.info("event=attendance meeting=%s present=%d of=%d by=%s", meeting.id, len(present), len(rows), user.id)
    await edit_or_reply(update, t("meet.att.saved", lang, title=meeting.title, present=len(present), total=len(rows)),
                        [[(str(t("meet.btn.minutes", lang)), encode(FEATURE, "min", meeting.id))]])


# -- minutes (notulen) and action items -----------------------------------------------------------------------
@button_handler
async def on_minutes(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    meeting, _ = await _meeting(context, data.int_arg(0), user.id, Action.MANAGE_MEETING)
    if meeting.starts_at > context.services.clock.now():
        raise InvalidInput("meet.att.not_yet")
    lang = await language(update, context)
    await forms.begin(context, user.id, MINUTES, "decisions", {"meeting_id": meeting.id, "decisions": [],
                                                                "actions": []})
    if update.callback_query:
        await remove_buttons(update.callback_query)
    await reply(update, t("meet.min.ask_decisions", lang, title=meeting.title),
                [[(str(t("meet.btn.done", lang)), encode(FEATURE, "mnx", "decisions"))]])


async def _ask_minutes_step(update: Update, context: BotContext, draft: Draft) -> None:
    lang = await language(update, context)
    step = draft.step
    if step == "decisions":
        items = draft.data["decisions"]
        listing = "\n".join(f"{i}. {x}" for i, x in enumerate(items, 1))
        await reply(update, t("meet.min.decisions_so_far", lang, items=listing or "—"),
                    [[(str(t("meet.btn.done", lang)), encode(FEATURE, "mnx", "decisions"))]])
    elif step == "act_text":
        await reply(update, t("meet.min.ask_action", lang),
                    [[(str(t("meet.btn.no_more_actions", lang)), encode(FEATURE, "mnx", "act_text"))]])
    elif step == "act_owner":
        meeting = await repo(context.services).get(int(draft.data["meeting_id"]))
        assert meeting is not None
        members = await context.services.members.in_forum(meeting.forum_id)
        rows = [[(f"{m.member.full_name} ({m.village.name if m.village else '-'})"[:60],
                  encode(FEATURE, "ao", m.member.user_id))] for m in members if m.member.erased_at is None]
        await reply(update, t("meet.min.ask_owner", lang, text=draft.data["pending_action"]), rows)
    elif step == "act_due":
        await reply(update, t("meet.min.ask_due", lang))
    elif step == "confirm":
        await _minutes_confirm(update, context, draft)


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
            meeting = await repo(context.services).get(int(draft.data["meeting_id"]))
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
    meeting = await repo(context.services).get(int(draft.data["meeting_id"]))
    assert meeting is not None
    membership = await context.services.members.membership(meeting.forum_id, owner)
    if membership is None or membership.status != "active":
        raise StaleAction()
    if update.callback_query:
        await remove_buttons(update.callback_query)
    draft = await forms.advance(context, draft, "act_due", pending_owner=owner)
    await _ask_minutes_step(update, context, draft)


async def _minutes_confirm(update: Update, context: BotContext, draft: Draft) -> None:
    lang = await language(update, context)
    meeting = await repo(context.services).get(int(draft.data["meeting_id"]))
    assert meeting is not None
    text = await _minutes_text(context, meeting.title, draft.data["decisions"], draft.data["actions"], lang)
    await reply(update, f"{t('meet.min.confirm', lang)}\n\n{text}",
                [[(str(t("meet.btn.post_minutes", lang)), encode(FEATURE, "mins", meeting.id))]])


async def _minutes_text(context: BotContext, title: str, decisions: list[str], actions: list[dict[str, Any]],
                        lang: str) -> str:
    from bot.texts import escape

    lines = [str(t("meet.min.title", lang, title=title)), str(t("meet.min.decisions", lang))]
    lines += [f"{i}. {escape(x)}" for i, x in enumerate(decisions, 1)] or ["—"]
    lines.append(str(t("meet.min.actions", lang)))
    for i, a in enumerate(actions, 1):
        owner = await context.services.members.get(int(a["owner"]))
        lines.append(str(t("meet.min.action_line", lang, n=i, text=a["text"], owner=owner.full_name if owner else "-",
                           due=format_date(date.fromisoformat(a["due"]), lang))))
    if not actions:
        lines.append("—")
    return "\n".join(lines)


@button_handler
async def on_minutes_save(update: Update, context: BotContext, data: CallbackData) -> None:
    """Save the notulen, post them to the group and members, assign action items with reminders."""
    user = user_of(update)
    draft = await forms.expect(context, user.id, MINUTES, "confirm")
    meeting, forum = await _meeting(context, int(draft.data["meeting_id"]), user.id, Action.MANAGE_MEETING)
    services = context.services
    now = services.clock.now()
    members = await services.members.in_forum(forum.id)
    decisions, actions = draft.data["decisions"], draft.data["actions"]
    stamp = int(now.timestamp())
    async with services.write() as tx:
        await tx.meetings.save_minutes(meeting.id, decisions, None, user.id, now)
        for a in actions:
            due = date.fromisoformat(a["due"])
            owner = int(a["owner"])
            aid = await tx.meetings.add_action(meeting_id=meeting.id, forum_id=forum.id, text=a["text"],
                                               owner_user_id=owner, due_date=due, now=now)
            await _plan_action(tx, context, aid, a["text"], owner, due, meeting, now)
        for entry in members:
            if entry.member.erased_at is not None:
                continue
            mlang = entry.member.language
            await outbox.enqueue(tx.conn, key=f"meeting:{meeting.id}:minutes:{stamp}:u{entry.member.user_id}",
                                 chat_id=entry.member.user_id, member_user_id=entry.member.user_id,
                                 forum_id=forum.id, due_at=now, now=now, priority=outbox.Priority.BULK,
                                 text=await _minutes_text(context, meeting.title, decisions, actions, mlang))
        if forum.group_chat_id is not None:
            thread = await services.forums.topic(forum.id, "meetings")
            await outbox.enqueue(tx.conn, key=f"meeting:{meeting.id}:minutes:{stamp}:group", chat_id=forum.group_chat_id,
                                 thread_id=thread, forum_id=forum.id, due_at=now, now=now,
                                 text=await _minutes_text(context, meeting.title, decisions, actions, forum.language))
        await services.drafts.delete(tx.conn, user.id)
    services.delivery.wake()
    lang = await language(update, context)
    log.info("event=minutes meeting=%s decisions=%d actions=%d by=%s", meeting.id, len(decisions), len(actions),
             user.id)
    await edit_or_reply(update, t("meet.min.saved", lang, title=meeting.title))


async def _plan_action(tx: Unit, context: BotContext, aid: int, text: str, owner: int, due: date, meeting: Meeting,
                       now: datetime) -> None:
    """Tell the owner now; remind at 09.00 (meeting's zone) H-3, H-1 and on the due day."""
    member = await context.services.members.get(owner)
    if member is None:
        return
    lang = member.language
    rows = outbox.inline_keyboard([[(str(t("meet.btn.mark_done", lang)), encode(FEATURE, "done", aid))]])
    await outbox.enqueue(tx.conn, key=f"maction:{aid}:assigned", chat_id=owner, member_user_id=owner,
                         forum_id=meeting.forum_id, due_at=now, now=now, reply_markup=rows,
                         text=str(t("meet.actions.assigned", lang, text=text, title=meeting.title,
                                    due=format_date(due, lang))))
    for days, code in ((3, "h3"), (1, "h1"), (0, "h0")):
        at = datetime.combine(due - timedelta(days=days), datetime.min.time().replace(hour=9), tzinfo=meeting.zone)
        if at <= now:
            continue
        await outbox.enqueue(tx.conn, key=f"maction:{aid}:due:{code}", chat_id=owner, member_user_id=owner,
                             forum_id=meeting.forum_id, due_at=at, now=now, reply_markup=rows,
                             priority=outbox.Priority.REMINDER,
                             expires_at=datetime.combine(due + timedelta(days=1), datetime.min.time(),
                                                         tzinfo=meeting.zone),
                             text=str(t("meet.actions.reminder", lang, text=text, due=format_date(due, lang))))


@button_handler
async def on_action_done(update: Update, context: BotContext, data: CallbackData) -> None:
    """The owner (or a koordinator) marks an action item done; its reminders are cancelled."""
    user = user_of(update)
    services = context.services
    item = await repo(services).action(data.int_arg(0))
    if item is None:
        raise StaleAction()
    membership = await services.members.membership(item.forum_id, user.id)
    if membership is None or membership.status != "active":
        raise NotAMember()
    if item.owner_user_id != user.id and membership.role != "koordinator":
        raise NotPermitted("meet.actions.not_owner")
    async with services.write() as tx:
        done = await tx.meetings.mark_action_done(item.id, user.id, services.clock.now())
        await outbox.cancel_prefix(tx.conn, f"maction:{item.id}:due:")
    if not done:
        raise Conflict("meet.actions.already")
    lang = await language(update, context)
    log.info("event=action_done action=%s by=%s", item.id, user.id)
    await edit_or_reply(update, t("meet.actions.done", lang, text=item.text))


# -- /pertemuan: past meetings -----------------------------------------------------------------------------------
@command_handler
async def past_meetings(update: Update, context: BotContext) -> None:
    """Past meetings with attendance rate, minutes and open action items."""
    await run_in_forum(update, context, "pertemuan")


@forum_action("pertemuan", Action.RSVP)
async def _past_in_forum(update: Update, context: BotContext, forum: Forum) -> None:
    services = context.services
    lang = await language(update, context)
    now = services.clock.now()
    held = await repo(services).meetings_in_period(forum.id, now - timedelta(days=3650), now)
    held = list(reversed(held))[:10]
    lines = [str(t("meet.past.title", lang, forum=forum.name))]
    rows = []
    if not held:
        lines.append(str(t("meet.past.empty", lang)))
    for item in held:
        m = item.meeting
        rate = (t("meet.past.rate", lang, present=item.present, total=item.recorded,
                  pct=round(100 * (item.rate or 0))) if item.recorded else t("meet.past.no_attendance", lang))
        minutes = await repo(services).minutes(m.id)
        lines.append(str(t("meet.past.line", lang, title=m.title, when=format_datetime(m.starts_at, m.zone, lang),
                           rate=rate, minutes=t("meet.past.has_minutes" if minutes else "meet.past.no_minutes", lang))))
        rows.append([(m.title[:50], encode(FEATURE, "past", m.id))])
    open_items = await repo(services).open_actions(forum.id)
    if open_items:
        lines += ["", str(t("meet.past.open_actions", lang, count=len(open_items)))]
        for a in open_items[:15]:
            owner = await services.members.get(a.owner_user_id)
            lines.append(str(t("meet.past.action_line", lang, text=a.text, owner=owner.full_name if owner else "-",
                               due=format_date(a.due_date, lang))))
    await reply(update, "\n".join(lines), rows)


@button_handler
async def on_past(update: Update, context: BotContext, data: CallbackData) -> None:
    user = user_of(update)
    meeting, forum = await _meeting(context, data.int_arg(0), user.id, Action.RSVP)
    services = context.services
    lang = await language(update, context)
    attendance = await repo(services).attendance(meeting.id)
    minutes = await repo(services).minutes(meeting.id)
    actions = await repo(services).actions(meeting.id)
    lines = [str(await card(services, meeting, lang, forum=forum))]
    if attendance:
        present = [a for a in attendance if a.present]
        lines.append(str(t("meet.past.rate", lang, present=len(present), total=len(attendance),
                           pct=round(100 * len(present) / len(attendance)))))
        names = []
        for a in present:
            member = await services.members.get(a.user_id)
            names.append(member.full_name if member else str(a.user_id))
        from bot.texts import escape

        lines.append(escape(", ".join(names)))
    else:
        lines.append(str(t("meet.past.no_attendance", lang)))
    if minutes:
        lines.append("")
        lines.append(await _minutes_text(context, meeting.title, minutes.decisions,
                                         [{"text": a.text, "owner": a.owner_user_id, "due": a.due_date.isoformat()}
                                          for a in actions], lang))
        for item in actions:
            lines.append(str(t("meet.past.action_status", lang, text=item.text,
                               status=t(f"meet.actions.status_{item.status}", lang))))
    koordinator = await _is_koordinator(context, forum.id, user.id)
    rows = _detail_rows(meeting, lang, koordinator=koordinator, started=True)
    text = "\n".join(lines)
    if is_private(update):
        await reply(update, text, rows)
    else:
        await _send_private(update, context, text, rows)


@button_handler
async def on_noop(update: Update, context: BotContext, data: CallbackData) -> None:
    """Calendar headers and blanks: nothing to do."""


# -- wiring ----------------------------------------------------------------------------------------------------------
def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("pertemuan_baru", new_meeting))
    app.add_handler(CommandHandler("agenda", agenda))
    app.add_handler(CommandHandler("pertemuan", past_meetings))
    app.add_handler(CommandHandler("atur_pengingat", forum_reminders))
    register_planner(app, plan_meetings)
    forms.register_form(REASON, on_reason_input, reason_reprompt)
    forms.register_form(MINUTES, on_minutes_input, minutes_reprompt)
    buttons: dict[str, Callable[..., Any]] = {
        # the new/change forms are declared in bot.meetings.forms (their buttons go to the form engine)
        # RSVP and views
        "r": on_rsvp, "ppl": on_party, "why": on_reason, "who": on_who, "ics": on_ics, "d": on_detail,
        "ag": on_agenda, "ser": on_series_dates,
        "docs": on_docs, "past": on_past, "noop": on_noop,
        # managing
        "mg": on_manage, "ed": on_edit, "rm": on_reminders, "rmf": on_forum_reminder, "cx": on_cancel_ask,
        "cxy": on_cancel,
        # hosts
        "hok": on_host_ok, "hsw": on_host_swap, "hsv": on_host_swap_pick, "hsa": on_host_swap_answer,
        # after the meeting
        "att": on_attendance, "at": on_attendance_toggle, "ats": on_attendance_save, "min": on_minutes,
        "mnx": on_minutes_next, "ao": on_action_owner, "mins": on_minutes_save, "done": on_action_done,
    }
    for action, callback in buttons.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=rf"^{FEATURE}:{action}(:|$)"))


