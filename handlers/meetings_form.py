"""/pertemuan_baru and changing a meeting: the guided forms (state in the drafts table).

Form "mn" (new meeting) asks, in order: title, date and time (typed the Indonesian way or picked
on a calendar, then confirmed with the zone shown and holiday/clash warnings), duration, place,
agenda items, documents, repetition (+ how long), rotating hosts, and a final confirmation.
Form "me" (edit) reuses the same questions for one field of an existing meeting.
"""

from __future__ import annotations

import calendar
import logging
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update

from bot.callbacks import CallbackData, encode
from bot.context import BotContext
from bot.dateparse import DateParseError, parse_date, parse_datetime, parse_duration
from bot.errors import InvalidInput, NotFound, StaleAction
from bot.holidays_id import holiday_name
from bot.meetings.loaders import card, place_text, repo
from bot.meetings.pushes import announce, notify_change, push_context, queue_tally, replan_all
from bot.meetings.rules import (
    MAX_ADDRESS,
    MAX_AGENDA_ITEMS,
    MAX_DOCUMENTS,
    MAX_OCCURRENCES,
    MAX_SERIES_DAYS,
    MAX_TITLE,
    agenda_items,
    clean_text,
    clean_url,
    host_for,
    nth_weekday_of,
    overlaps,
)
from bot.meetings.views import FEATURE, duration_text, region_label
from bot.numbers_id import count_from_text
from bot.permissions import Action
from bot.recurrence import Recurrence, RecurrenceError, describe, occurrences
from bot.render import date_problem
from bot.texts import Html, t
from bot.timefmt import format_date, format_datetime, zone_from_label, zone_label
from handlers import forms
from handlers.common import (
    button_handler,
    edit_or_reply,
    language,
    private_only,
    remove_buttons,
    reply,
    user_of,
)
from storage.meetings import Meeting
from storage.models import Draft, Forum

log = logging.getLogger(__name__)

NEW, EDIT = "mn", "me"
MAX_MINUTES = 12 * 60
MONTHS_AHEAD = 24


def _zone(draft: Draft) -> ZoneInfo:
    return ZoneInfo(draft.data["tz"])


def _start(draft: Draft) -> datetime | None:
    """The chosen start in the chosen zone (the draft keeps ISO text with its offset)."""
    value = draft.data.get("start")
    return datetime.fromisoformat(value).astimezone(_zone(draft)) if value else None


async def _forum(context: BotContext, draft: Draft) -> Forum:
    forum, _ = await context.services.access.require(int(draft.data["forum_id"]), draft.user_id,
                                                     Action.CREATE_MEETING)
    return forum


# -- starting -----------------------------------------------------------------------------------
async def begin_new(update: Update, context: BotContext, forum: Forum) -> None:
    """Start the new-meeting form for `forum` (permission already checked)."""
    if not await private_only(update, context, "pertemuan_baru"):
        return
    lang = await language(update, context)
    user = user_of(update)
    draft = await forms.begin(context, user.id, NEW, "title",
                              {"forum_id": forum.id, "tz": forum.timezone, "home_tz": forum.timezone,
                               "agenda": [], "documents": [],
                               "rotation": []})
    await reply(update, t("meet.new.intro", lang, forum=forum.name))
    await ask(update, context, draft)


async def begin_edit(update: Update, context: BotContext, meeting: Meeting, field: str, scope: str) -> None:
    user = user_of(update)
    data: dict[str, Any] = {"forum_id": meeting.forum_id, "meeting_id": meeting.id, "field": field,
                            "scope": scope, "tz": meeting.timezone, "agenda": list(meeting.agenda),
                            "home_tz": (await _forum_zone_key(context, meeting.forum_id)) or meeting.timezone,
                            "documents": list(meeting.documents), "rotation": []}
    step = {"when": "when", "place": "place", "title": "title", "agenda": "agenda", "limits": "max",
            "deadline": "deadline"}[field]
    if field == "agenda":
        data["agenda"] = []
    draft = await forms.begin(context, user.id, EDIT, step, data)
    await ask(update, context, draft)


async def _forum_zone_key(context: BotContext, forum_id: int) -> str | None:
    forum = await context.services.forums.get(forum_id)
    return forum.timezone if forum else None


# -- asking ---------------------------------------------------------------------------------------
async def ask(update: Update, context: BotContext, draft: Draft) -> None:
    """Ask the question of the draft's step."""
    lang = await language(update, context)
    step, form = draft.step, draft.flow
    zone = _zone(draft)
    if step == "title":
        await reply(update, t("meet.ask.title", lang))
    elif step == "when":
        home = draft.data.get("home_tz")
        if home and home != draft.data["tz"]:
            # A time typed again is read in the forum's zone, not in the zone typed last time.
            draft = await forms.advance(context, draft, "when", tz=home)
            zone = _zone(draft)
        rows = [[(str(t("meet.btn.calendar", lang)), encode(FEATURE, "cal", form, ""))]]
        await reply(update, t("meet.ask.when", lang, zone=zone_label(zone)), rows)
    elif step == "when_ok":
        await _ask_when_ok(update, context, draft)
    elif step == "duration":
        rows = [[(str(t("meet.duration.h", lang, h=h)), encode(FEATURE, "dur", form, h * 60)) for h in (1, 2, 3, 4)]]
        await reply(update, t("meet.ask.duration", lang), rows)
    elif step == "place":
        rows = [[(str(t("meet.btn.place_village", lang)), encode(FEATURE, "pl", form, "v"))],
                [(str(t("meet.btn.place_online", lang)), encode(FEATURE, "pl", form, "o")),
                 (str(t("meet.btn.place_none", lang)), encode(FEATURE, "pl", form, "n"))]]
        await reply(update, t("meet.ask.place", lang), rows)
    elif step == "agenda":
        rows = [[(str(t("meet.btn.done", lang)), encode(FEATURE, "nx", form, "agenda"))]]
        items = draft.data.get("agenda", [])
        listing = "\n".join(str(t("meet.card.agenda_item", lang, n=i, item=x)) for i, x in enumerate(items, 1))
        await reply(update, t("meet.ask.agenda", lang, items=Html(listing) if items else t("meet.none", lang)), rows)
    elif step == "docs":
        rows = [[(str(t("meet.btn.done", lang)), encode(FEATURE, "nx", form, "docs"))]]
        await reply(update, t("meet.ask.docs", lang, count=len(draft.data.get("documents", []))), rows)
    elif step == "repeat":
        await _ask_repeat(update, context, draft)
    elif step == "repeat_end":
        rows = [[(str(t("meet.times", lang, n=n)), encode(FEATURE, "rpc", n)) for n in (4, 6, 12)]]
        await reply(update, t("meet.ask.repeat_end", lang), rows)
    elif step == "rotation":
        await _ask_rotation(update, context, draft)
    elif step == "confirm":
        await _ask_confirm(update, context, draft)
    elif step == "max":
        rows = [[(str(t("meet.btn.no_limit", lang)), encode(FEATURE, "nx", form, "max"))]]
        await reply(update, t("meet.ask.max", lang), rows)
    elif step == "deadline":
        rows = [[(str(t("meet.btn.no_deadline", lang)), encode(FEATURE, "nx", form, "deadline"))]]
        await reply(update, t("meet.ask.deadline", lang), rows)
    elif step == "apply":
        await _ask_apply(update, context, draft)


async def reprompt(update: Update, context: BotContext, draft: Draft) -> None:
    await ask(update, context, draft)


# -- typed answers ------------------------------------------------------------------------------------
async def on_input(update: Update, context: BotContext, draft: Draft) -> None:
    """Typed answers (and location pins, documents) for the meeting forms."""
    message = update.effective_message
    assert message is not None
    lang = await language(update, context)
    step = draft.step
    try:
        if step == "place" and message.location is not None:
            draft = await forms.advance(context, draft, draft.step, place={
                "kind": "location", "lat": message.location.latitude, "lon": message.location.longitude})
            await _after(update, context, draft, "place")
            return
        if step == "docs" and (message.document is not None or message.photo):
            await _add_document(update, context, draft)
            return
        text = message.text
        if text is None:
            await reply(update, t("bad.use_buttons" if step in ("when_ok", "rotation", "confirm", "apply")
                                  else "bad.text_expected", lang))
            return
        if step == "title":
            title = clean_text(text, max_length=MAX_TITLE, min_length=3, single_line=True)
            draft = await forms.advance(context, draft, step, title=title)
            await _after(update, context, draft, "title")
        elif step == "when":
            await _typed_when(update, context, draft, text)
        elif step == "duration":
            minutes = _duration(text)
            draft = await forms.advance(context, draft, step, duration=minutes)
            await _after(update, context, draft, "duration")
        elif step == "place":
            url = clean_url(text)
            if url is not None:
                place: dict[str, Any] = {"kind": "online", "url": url}
            else:
                place = {"kind": "address", "address": clean_text(text, max_length=MAX_ADDRESS, min_length=3)}
            draft = await forms.advance(context, draft, step, place=place)
            await _after(update, context, draft, "place")
        elif step == "agenda":
            items = list(draft.data.get("agenda", [])) + agenda_items(text)
            if len(items) > MAX_AGENDA_ITEMS:
                raise InvalidInput("meet.bad.agenda_many", max=MAX_AGENDA_ITEMS)
            draft = await forms.advance(context, draft, step, agenda=items)
            await ask(update, context, draft)
        elif step == "repeat_end":
            await _typed_repeat_end(update, context, draft, text)
        elif step == "max":
            value = count_from_text(text)
            if value is None or not 1 <= value <= 10000:
                raise InvalidInput("meet.bad.max")
            draft = await forms.advance(context, draft, "apply", max=value)
            await ask(update, context, draft)
        elif step == "deadline":
            meeting = await _meeting_of(context, draft)
            now = context.services.clock.now()
            try:
                when = parse_datetime(text, now=now, tz=meeting.zone, default_time=time(23, 59))
            except DateParseError as exc:
                raise date_problem(exc, "meet.bad.date.") from None
            if when >= meeting.starts_at:
                raise InvalidInput("meet.bad.deadline_after")
            draft = await forms.advance(context, draft, "apply", deadline=when.isoformat())
            await ask(update, context, draft)
        else:
            await reply(update, t("bad.use_buttons", lang))
    except InvalidInput as exc:
        await reply(update, t(exc.message_key, lang, **exc.params))


def _duration(text: str) -> int:
    try:
        value = parse_duration(text)
    except DateParseError:
        raise InvalidInput("meet.bad.duration") from None
    minutes = int(value.total_seconds() // 60)
    if not 15 <= minutes <= MAX_MINUTES:
        raise InvalidInput("meet.bad.duration")
    return minutes


async def _typed_when(update: Update, context: BotContext, draft: Draft, text: str) -> None:
    now = context.services.clock.now()
    try:
        when = parse_datetime(text[:200], now=now, tz=_zone(draft))
    except DateParseError as exc:
        raise date_problem(exc, "meet.bad.date.") from None
    if when > now + timedelta(days=MONTHS_AHEAD * 31):
        raise InvalidInput("meet.bad.date.too_far")
    zone = when.tzinfo if isinstance(when.tzinfo, ZoneInfo) else _zone(draft)
    draft = await forms.advance(context, draft, "when_ok", start=when.isoformat(), tz=zone.key)
    await ask(update, context, draft)


async def _add_document(update: Update, context: BotContext, draft: Draft) -> None:
    message = update.effective_message
    assert message is not None
    lang = await language(update, context)
    documents = list(draft.data.get("documents", []))
    if len(documents) >= MAX_DOCUMENTS:
        await reply(update, t("meet.bad.docs_many", lang, max=MAX_DOCUMENTS))
        return
    if message.document is not None:
        documents.append({"file_id": message.document.file_id, "name": (message.document.file_name or "")[:100],
                          "kind": "document"})
    else:
        documents.append({"file_id": message.photo[-1].file_id, "name": "", "kind": "photo"})
    draft = await forms.advance(context, draft, "docs", documents=documents)
    await ask(update, context, draft)


# -- the order of questions ---------------------------------------------------------------------------
_NEW_ORDER = ("title", "when", "when_ok", "duration", "place", "agenda", "docs", "repeat", "repeat_end",
              "rotation", "confirm")


async def _after(update: Update, context: BotContext, draft: Draft, answered: str) -> None:
    """Move to the next question (new form) or to the change confirmation (edit form)."""
    if draft.flow == EDIT:
        draft = await forms.advance(context, draft, "apply")
        await ask(update, context, draft)
        return
    if draft.data.get("reviewing") and answered not in ("when", "repeat"):
        draft = await forms.advance(context, draft, "confirm")
        await ask(update, context, draft)
        return
    index = _NEW_ORDER.index(answered)
    step = _NEW_ORDER[index + 1]
    if step == "repeat_end" and not draft.data.get("repeat"):
        step = "confirm"
    if step == "rotation" and not draft.data.get("repeat"):
        step = "confirm"
    draft = await forms.advance(context, draft, step)
    await ask(update, context, draft)


# -- date and time: calendar, hours, confirmation with warnings ------------------------------------
def _month_rows(form: str, year: int, month: int, today: date, lang: str) -> list[list[tuple[str, str]]]:
    rows: list[list[tuple[str, str]]] = []
    head = str(t("meet.cal.weekdays", lang)).split()
    rows.append([(d, encode(FEATURE, "noop")) for d in head])
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        row = []
        for day in week:
            if day.month != month or day < today:
                row.append(("·", encode(FEATURE, "noop")))
            else:
                row.append((str(day.day), encode(FEATURE, "day", form, day.strftime("%Y%m%d"))))
        rows.append(row)
    prev_month = (date(year, month, 1) - timedelta(days=1)).replace(day=1)
    next_month = (date(year, month, 28) + timedelta(days=4)).replace(day=1)
    nav = []
    if prev_month >= today.replace(day=1):
        nav.append(("◀", encode(FEATURE, "cal", form, prev_month.strftime("%Y%m"))))
    nav.append((str(t("meet.cal.type_instead", lang)), encode(FEATURE, "noop")))
    if next_month <= today.replace(day=1) + timedelta(days=31 * MONTHS_AHEAD):
        nav.append(("▶", encode(FEATURE, "cal", form, next_month.strftime("%Y%m"))))
    rows.append(nav)
    return rows


@button_handler
async def on_calendar(update: Update, context: BotContext, data: CallbackData) -> None:
    """Show a month as day buttons (today and later)."""
    form = data.arg(0)
    draft = await forms.expect(context, user_of(update).id, form, "when")
    lang = await language(update, context)
    today = context.services.clock.now().astimezone(_zone(draft)).date()
    month_arg = data.arg(1) if len(data.args) > 1 else ""
    first = datetime.strptime(month_arg, "%Y%m").date() if month_arg else today.replace(day=1)
    title = f"{t('meet.cal.pick_day', lang)}\n<b>{_month_name(first, lang)}</b>"
    await edit_or_reply(update, title, _month_rows(form, first.year, first.month, today, lang))


def _month_name(d: date, lang: str) -> str:
    from babel.dates import format_date as babel_format

    return babel_format(d, "MMMM y", locale=lang)


@button_handler
async def on_day(update: Update, context: BotContext, data: CallbackData) -> None:
    """A day was picked: offer hours."""
    form, day_text = data.arg(0), data.arg(1)
    draft = await forms.expect(context, user_of(update).id, form, "when")
    day = datetime.strptime(day_text, "%Y%m%d").date()
    draft = await forms.advance(context, draft, "when", day=day.isoformat())
    lang = await language(update, context)
    hours = [(f"{h:02d}.00", encode(FEATURE, "hr", form, h)) for h in range(7, 21)]
    rows = [hours[i:i + 4] for i in range(0, len(hours), 4)]
    await edit_or_reply(update, t("meet.cal.pick_hour", lang, day=format_date(day, lang)), rows)


@button_handler
async def on_hour(update: Update, context: BotContext, data: CallbackData) -> None:
    form, hour = data.arg(0), data.int_arg(1)
    draft = await forms.expect(context, user_of(update).id, form, "when")
    if "day" not in draft.data or not 0 <= hour <= 23:
        raise StaleAction()
    lang = await language(update, context)
    rows = [[(f"{hour:02d}.{m:02d}", encode(FEATURE, "mi", form, hour, m)) for m in (0, 15, 30, 45)]]
    await edit_or_reply(update, t("meet.cal.pick_minute", lang), rows)


@button_handler
async def on_minute(update: Update, context: BotContext, data: CallbackData) -> None:
    form, hour, minute = data.arg(0), data.int_arg(1), data.int_arg(2)
    draft = await forms.expect(context, user_of(update).id, form, "when")
    if "day" not in draft.data or not (0 <= hour <= 23 and minute in (0, 15, 30, 45)):
        raise StaleAction()
    day = date.fromisoformat(draft.data["day"])
    when = datetime.combine(day, time(hour, minute), tzinfo=_zone(draft))
    now = context.services.clock.now()
    lang = await language(update, context)
    if when <= now:
        await reply(update, t("meet.bad.date.in_past", lang))
        return
    if update.callback_query:
        await remove_buttons(update.callback_query)
    draft = await forms.advance(context, draft, "when_ok", start=when.isoformat())
    await ask(update, context, draft)


async def _warnings(context: BotContext, draft: Draft, starts: list[datetime], minutes: int, lang: str) -> list[str]:
    """Holiday/cuti bersama and clash warnings for the given start times (never blocking)."""
    services = context.services
    forum_id = int(draft.data["forum_id"])
    skip = {int(draft.data["meeting_id"])} if draft.data.get("meeting_id") else set()
    if draft.data.get("scope") == "all" and draft.data.get("meeting_id"):
        meeting = await repo(services).get(int(draft.data["meeting_id"]))
        if meeting and meeting.series_id:
            skip |= {m.id for m in await repo(services).series_meetings(meeting.series_id)}
    out: list[str] = []
    zone = _zone(draft)
    if not starts:
        return out
    others = await repo(services).between(forum_id, min(starts) - timedelta(days=1), max(starts) + timedelta(days=1))
    for start in starts:
        local = start.astimezone(zone)
        name = holiday_name(local.date(), lang)
        if name:
            out.append(str(t("meet.warn.holiday", lang, day=format_date(local.date(), lang), name=name)))
        for other in others:
            if other.id not in skip and overlaps(start, minutes, other.starts_at, other.duration_minutes):
                out.append(str(t("meet.warn.clash", lang, title=other.title,
                                 when=format_datetime(other.starts_at, other.zone, lang))))
    return out


async def _ask_when_ok(update: Update, context: BotContext, draft: Draft) -> None:
    lang = await language(update, context)
    start = _start(draft)
    if start is None:
        raise StaleAction()
    zone = _zone(draft)
    warnings = await _warnings(context, draft, [start], int(draft.data.get("duration") or 60), lang)
    text = str(t("meet.ask.when_ok", lang, when=format_datetime(start, zone, lang)))
    if warnings:
        text += "\n\n" + "\n".join(warnings)
    form = draft.flow
    rows = [[(str(t("meet.btn.correct", lang)), encode(FEATURE, "ok", form))],
            [(label + (" ✓" if label == zone_label(zone) else ""), encode(FEATURE, "tz", form, label))
             for label in ("WIB", "WITA", "WIT")],
            [(str(t("meet.btn.other_time", lang)), encode(FEATURE, "again", form))]]
    await reply(update, text, rows)


@button_handler
async def on_zone(update: Update, context: BotContext, data: CallbackData) -> None:
    """Keep the wall-clock time, read it in another zone (WIB/WITA/WIT)."""
    form, label = data.arg(0), data.arg(1)
    draft = await forms.expect(context, user_of(update).id, form, "when_ok")
    zone = zone_from_label(label)
    start = _start(draft)
    if start is None:
        raise StaleAction()
    moved = start.replace(tzinfo=None).replace(tzinfo=zone)
    lang = await language(update, context)
    if moved <= context.services.clock.now():
        raise InvalidInput("meet.bad.date.in_past")
    if update.callback_query:
        await remove_buttons(update.callback_query)
    draft = await forms.advance(context, draft, "when_ok", start=moved.isoformat(), tz=zone.key)
    del lang
    await ask(update, context, draft)


@button_handler
async def on_when_again(update: Update, context: BotContext, data: CallbackData) -> None:
    form = data.arg(0)
    draft = await forms.expect(context, user_of(update).id, form, "when_ok")
    if update.callback_query:
        await remove_buttons(update.callback_query)
    draft = await forms.advance(context, draft, "when")
    await ask(update, context, draft)


@button_handler
async def on_when_ok(update: Update, context: BotContext, data: CallbackData) -> None:
    form = data.arg(0)
    draft = await forms.expect(context, user_of(update).id, form, "when_ok")
    start = _start(draft)
    if start is None or start <= context.services.clock.now():
        raise InvalidInput("meet.bad.date.in_past")
    if update.callback_query:
        await remove_buttons(update.callback_query)
    if draft.flow == NEW and draft.data.get("repeat"):
        old = draft.data["repeat"]
        spec = _rule_for(old["choice"], start) | {k: old[k] for k in ("count", "until") if old.get(k)}
        draft = await forms.advance(context, draft, "when_ok", repeat=spec)
    await _after(update, context, draft, "when" if draft.flow == EDIT else "when_ok")


@button_handler
async def on_duration(update: Update, context: BotContext, data: CallbackData) -> None:
    form, minutes = data.arg(0), data.int_arg(1)
    draft = await forms.expect(context, user_of(update).id, form, "duration")
    if not 15 <= minutes <= MAX_MINUTES:
        raise StaleAction()
    if update.callback_query:
        await remove_buttons(update.callback_query)
    draft = await forms.advance(context, draft, "duration", duration=minutes)
    await _after(update, context, draft, "duration")


# -- place -----------------------------------------------------------------------------------------
@button_handler
async def on_place(update: Update, context: BotContext, data: CallbackData) -> None:
    form, kind = data.arg(0), data.arg(1)
    draft = await forms.expect(context, user_of(update).id, form, "place")
    lang = await language(update, context)
    if kind == "v":
        villages = await _forum_villages(context, int(draft.data["forum_id"]))
        if not villages:
            raise InvalidInput("meet.bad.no_villages")
        rows = [[(label, encode(FEATURE, "pv", form, code))] for code, label in villages]
        await edit_or_reply(update, t("meet.ask.place_village", lang), rows)
        return
    if kind == "o":
        await edit_or_reply(update, t("meet.ask.place_online", lang))
        return
    if kind == "n":
        draft = await forms.advance(context, draft, "place", place={"kind": "none"})
        if update.callback_query:
            await remove_buttons(update.callback_query)
        await _after(update, context, draft, "place")
        return
    raise StaleAction()


async def _forum_villages(context: BotContext, forum_id: int) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for entry in await context.services.members.in_forum(forum_id):
        if entry.village is not None and entry.village.code not in seen:
            seen[entry.village.code] = region_label(entry.village)[:60]
    return list(seen.items())


@button_handler
async def on_place_village(update: Update, context: BotContext, data: CallbackData) -> None:
    form, code = data.arg(0), data.arg(1)
    draft = await forms.expect(context, user_of(update).id, form, "place")
    if code not in dict(await _forum_villages(context, int(draft.data["forum_id"]))):
        raise StaleAction()
    if update.callback_query:
        await remove_buttons(update.callback_query)
    draft = await forms.advance(context, draft, "place", place={"kind": "village", "village": code})
    await _after(update, context, draft, "place")


@button_handler
async def on_next(update: Update, context: BotContext, data: CallbackData) -> None:
    """'Selesai'/'Lewati' on a step that collects several things (agenda, documents) or is optional."""
    form, step = data.arg(0), data.arg(1)
    draft = await forms.expect(context, user_of(update).id, form, step)
    if update.callback_query:
        await remove_buttons(update.callback_query)
    if step in ("max", "deadline"):
        draft = await forms.advance(context, draft, "apply", **{step: None})
        await ask(update, context, draft)
        return
    await _after(update, context, draft, step)


# -- repetition ------------------------------------------------------------------------------------
def _rule_for(choice: str, start: datetime) -> dict[str, Any]:
    day = start.date()
    if choice.startswith("w"):
        return {"choice": choice, "kind": "weekly", "interval": int(choice[1:]), "weekday": day.weekday()}
    if choice == "md":
        return {"choice": choice, "kind": "monthly_day", "day_of_month": day.day}
    nth, weekday = nth_weekday_of(day)
    return {"choice": choice, "kind": "monthly_nth", "nth": nth, "weekday": weekday}


def _recurrence(spec: dict[str, Any]) -> Recurrence:
    fields = {k: v for k, v in spec.items() if k != "choice"}
    if fields.get("until"):
        fields["until"] = date.fromisoformat(fields["until"])
    return Recurrence(**fields)


async def _ask_repeat(update: Update, context: BotContext, draft: Draft) -> None:
    lang = await language(update, context)
    start = _start(draft)
    assert start is not None
    rows = [[(str(t("meet.rep.once", lang)), encode(FEATURE, "rep", "once"))]]
    for choice in ("w1", "w2", "w4", "md", "mn"):
        rule = _recurrence(_rule_for(choice, start))
        rows.append([(describe(rule, lang), encode(FEATURE, "rep", choice))])
    await reply(update, t("meet.ask.repeat", lang), rows)


@button_handler
async def on_repeat(update: Update, context: BotContext, data: CallbackData) -> None:
    choice = data.arg(0)
    draft = await forms.expect(context, user_of(update).id, NEW, "repeat")
    if choice not in ("once", "w1", "w2", "w4", "md", "mn"):
        raise StaleAction()
    if update.callback_query:
        await remove_buttons(update.callback_query)
    start = _start(draft)
    assert start is not None
    if choice == "once":
        draft = await forms.advance(context, draft, "repeat", repeat=None, rotation=[])
        draft = await forms.advance(context, draft, "confirm")
    else:
        draft = await forms.advance(context, draft, "repeat_end", repeat=_rule_for(choice, start))
    await ask(update, context, draft)


def _occurrences(draft: Draft) -> list[datetime]:
    start = _start(draft)
    assert start is not None
    spec = draft.data.get("repeat")
    if not spec:
        return [start]
    return occurrences(start, _recurrence(spec), limit=MAX_OCCURRENCES + 1)


async def _set_repeat_end(update: Update, context: BotContext, draft: Draft, *, count: int | None,
                          until: date | None) -> None:
    spec = {k: v for k, v in draft.data["repeat"].items() if k not in ("count", "until")}
    if count is not None:
        spec["count"] = count
    if until is not None:
        spec["until"] = until.isoformat()
    try:
        _recurrence(spec)
    except RecurrenceError:
        raise InvalidInput("meet.bad.repeat_end") from None
    trial = await forms.advance(context, draft, "repeat_end", repeat=spec)
    found = _occurrences(trial)
    if len(found) > MAX_OCCURRENCES:
        raise InvalidInput("meet.bad.series_long", max=MAX_OCCURRENCES)
    if len(found) < 2:
        raise InvalidInput("meet.bad.series_short")
    step = "confirm" if draft.data.get("reviewing") else "rotation"
    draft = await forms.advance(context, trial, step)
    await ask(update, context, draft)


@button_handler
async def on_repeat_count(update: Update, context: BotContext, data: CallbackData) -> None:
    count = data.int_arg(0)
    draft = await forms.expect(context, user_of(update).id, NEW, "repeat_end")
    if not 2 <= count <= MAX_OCCURRENCES:
        raise StaleAction()
    if update.callback_query:
        await remove_buttons(update.callback_query)
    await _set_repeat_end(update, context, draft, count=count, until=None)


async def _typed_repeat_end(update: Update, context: BotContext, draft: Draft, text: str) -> None:
    value = text.strip().lower()
    for word in ("sampai", "hingga", "until", "kali", "times", "x"):
        value = value.replace(word, " ")
    value = value.strip()
    if value.isdigit():
        count = int(value)
        if not 2 <= count <= MAX_OCCURRENCES:
            raise InvalidInput("meet.bad.series_long", max=MAX_OCCURRENCES)
        await _set_repeat_end(update, context, draft, count=count, until=None)
        return
    start = _start(draft)
    assert start is not None
    try:
        until = parse_date(value[:100], now=context.services.clock.now(), tz=_zone(draft))
    except DateParseError as exc:
        raise date_problem(exc, "meet.bad.date.") from None
    if until <= start.date():
        raise InvalidInput("meet.bad.repeat_end")
    if (until - start.date()).days > MAX_SERIES_DAYS:
        raise InvalidInput("meet.bad.series_long", max=MAX_OCCURRENCES)
    await _set_repeat_end(update, context, draft, count=None, until=until)


# -- rotating host -----------------------------------------------------------------------------------
async def _ask_rotation(update: Update, context: BotContext, draft: Draft, *, edit: bool = False) -> None:
    lang = await language(update, context)
    villages = await _forum_villages(context, int(draft.data["forum_id"]))
    order: list[str] = list(draft.data.get("rotation", []))
    names = dict(villages)
    rows = []
    for code, label in villages:
        mark = f"{order.index(code) + 1}. " if code in order else ""
        rows.append([(f"{mark}{label}", encode(FEATURE, "rot", code))])
    rows.append([(str(t("meet.btn.done" if order else "meet.btn.no_rotation", lang)), encode(FEATURE, "nx", NEW, "rotation"))])
    listing = "\n".join(f"{i}. {names.get(c, c)}" for i, c in enumerate(order, 1)) if order else str(t("meet.none", lang))
    text = t("meet.ask.rotation", lang, order=listing)
    if edit:
        await edit_or_reply(update, text, rows)
    else:
        await reply(update, text, rows)


@button_handler
async def on_rotation(update: Update, context: BotContext, data: CallbackData) -> None:
    """Tap villages in turn order; tapping one again takes it out."""
    code = data.arg(0)
    draft = await forms.expect(context, user_of(update).id, NEW, "rotation")
    if code not in dict(await _forum_villages(context, int(draft.data["forum_id"]))):
        raise StaleAction()
    order = list(draft.data.get("rotation", []))
    if code in order:
        order.remove(code)
    else:
        order.append(code)
    draft = await forms.advance(context, draft, "rotation", rotation=order)
    await _ask_rotation(update, context, draft, edit=True)


# -- confirmation and saving --------------------------------------------------------------------------
def _preview(draft: Draft, start: datetime, *, seq: int = 1, host: str | None = None) -> Meeting:
    """A not-yet-saved meeting built from the form, to render it like a saved one."""
    now = datetime.now(start.tzinfo)
    place = draft.data.get("place") or {"kind": "none"}
    kind = place.get("kind", "none")
    village = place.get("village")
    if host:
        kind, village = "village", host
    return Meeting(
        id=0, forum_id=int(draft.data["forum_id"]), series_id=None, seq=seq, original_start_at=None,
        title=draft.data.get("title", ""), starts_at=start, duration_minutes=int(draft.data.get("duration") or 60),
        timezone=draft.data["tz"], place_kind=kind, host_village_code=village,
        address=place.get("address"), latitude=place.get("lat"), longitude=place.get("lon"),
        online_url=place.get("url"), agenda=draft.data.get("agenda", []), documents=draft.data.get("documents", []),
        max_attendees=None, rsvp_deadline=None, reminders=None, status="scheduled", version=1, announced_at=None,
        tally_version=0, tally_queued=0, tally_edit_due=None, host_notified_at=None, attendance_at=None,
        attendance_by=None, created_by=draft.user_id, created_at=now, updated_at=now, cancelled_at=None,
        cancel_reason=None)


async def _ask_confirm(update: Update, context: BotContext, draft: Draft) -> None:
    lang = await language(update, context)
    services = context.services
    starts = _occurrences(draft)
    rotation = draft.data.get("rotation", [])
    preview = _preview(draft, starts[0], host=host_for(rotation, 1))
    lines = [str(t("meet.confirm.head", lang)), str(await card(services, preview, lang))]
    lines.append(str(t("meet.card.duration", lang, duration=duration_text(preview.duration_minutes, lang))))
    if draft.data.get("repeat"):
        rule = _recurrence(draft.data["repeat"])
        lines.append(str(t("meet.confirm.series", lang, rule=describe(rule, lang), count=len(starts))))
        zone = _zone(draft)
        for i, start in enumerate(starts[:6], 1):
            host = host_for(rotation, i)
            host_text = f" — {await _village_name(context, host)}" if host else ""
            lines.append(f"  {i}. {format_datetime(start, zone, lang)}{host_text}")
        if len(starts) > 6:
            lines.append("  …")
    warnings = await _warnings(context, draft, starts, preview.duration_minutes, lang)
    if warnings:
        lines.append("")
        lines += warnings
    rows = [[(str(t("meet.btn.save", lang)), encode(FEATURE, "save"))],
            [(str(t("meet.btn.change_when", lang)), encode(FEATURE, "rv", "when")),
             (str(t("meet.btn.change_place", lang)), encode(FEATURE, "rv", "place"))],
            [(str(t("meet.btn.change_title", lang)), encode(FEATURE, "rv", "title")),
             (str(t("meet.btn.change_repeat", lang)), encode(FEATURE, "rv", "repeat"))]]
    await reply(update, "\n".join(lines), rows)


async def _village_name(context: BotContext, code: str | None) -> str:
    if not code:
        return ""
    region = await context.services.regions.get(code)
    return region.name if region else code


@button_handler
async def on_review(update: Update, context: BotContext, data: CallbackData) -> None:
    """From the confirmation, answer one question again."""
    step = data.arg(0)
    if step not in ("when", "place", "title", "repeat"):
        raise StaleAction()
    draft = await forms.expect(context, user_of(update).id, NEW, "confirm")
    if update.callback_query:
        await remove_buttons(update.callback_query)
    draft = await forms.advance(context, draft, step, reviewing=True)
    await ask(update, context, draft)


@button_handler
async def on_save(update: Update, context: BotContext, data: CallbackData) -> None:
    """Save the meeting (or series) and announce it; a second press finds no form and is stale."""
    user = user_of(update)
    draft = await forms.expect(context, user.id, NEW, "confirm")
    forum = await _forum(context, draft)
    services = context.services
    lang = await language(update, context)
    now = services.clock.now()
    starts = _occurrences(draft)
    if starts[0] <= now:
        raise InvalidInput("meet.bad.date.in_past")
    ctx = await push_context(services, forum.id)
    place = draft.data.get("place") or {"kind": "none"}
    rotation: list[str] = list(draft.data.get("rotation", []))
    spec = draft.data.get("repeat")
    async with services.write() as tx:
        series_id = None
        if spec:
            rule = {k: v for k, v in spec.items() if k != "choice"}
            series_id = await tx.meetings.create_series(forum_id=forum.id, rule=rule, first_start_at=starts[0],
                                                        timezone=draft.data["tz"], host_rotation=rotation,
                                                        created_by=user.id, now=now)
        ids = []
        for seq, start in enumerate(starts, 1):
            host = host_for(rotation, seq) or place.get("village")
            kind = "village" if host_for(rotation, seq) else place.get("kind", "none")
            ids.append(await tx.meetings.create(forum_id=forum.id, series_id=series_id, seq=seq if series_id else None, title=draft.data["title"],
                starts_at=start, duration_minutes=int(draft.data.get("duration") or 60), timezone=draft.data["tz"],
                place_kind=kind, host_village_code=host if kind == "village" else None,
                address=place.get("address") if kind in ("address", "location") else None,
                latitude=place.get("lat"), longitude=place.get("lon"), online_url=place.get("url"),
                agenda=draft.data.get("agenda", []), documents=draft.data.get("documents", []),
                created_by=user.id, now=now))
        first = await tx.meetings.get(ids[0])
        assert first is not None
        await announce(tx, ctx, first)
        await services.drafts.delete(tx.conn, user.id)
    services.delivery.wake()
    log.info("event=meeting_created forum=%s meeting=%s series=%s occurrences=%d by=%s", forum.id, ids[0],
             series_id, len(ids), user.id)
    key = "meet.saved_series" if series_id else "meet.saved"
    await edit_or_reply(update, t(key, lang, title=draft.data["title"], count=len(ids)),
                        [[(str(t("meet.btn.detail", lang)), encode(FEATURE, "d", ids[0]))]])


# -- applying an edit ------------------------------------------------------------------------------------
async def _meeting_of(context: BotContext, draft: Draft) -> Meeting:
    meeting = await repo(context.services).get(int(draft.data["meeting_id"]))
    if meeting is None:
        raise NotFound()
    return meeting


async def _ask_apply(update: Update, context: BotContext, draft: Draft) -> None:
    lang = await language(update, context)
    meeting = await _meeting_of(context, draft)
    field = draft.data["field"]
    lines = [str(t("meet.edit.confirm", lang, title=meeting.title))]
    if field == "when":
        start = _start(draft)
        assert start is not None
        if draft.data.get("scope") == "all":
            lines.append(str(t("meet.edit.when_all", lang, time=f"{start.hour:02d}.{start.minute:02d}",
                               zone=zone_label(_zone(draft)))))
        else:
            lines.append(str(t("meet.card.when", lang, when=format_datetime(start, _zone(draft), lang))))
    elif field == "title":
        lines.append(str(t("meet.card.title", lang, title=draft.data.get("title", ""))))
    elif field == "place":
        preview = _preview(draft, meeting.starts_at)
        lines.append(str(t("meet.card.where", lang, place=await place_text(context.services, preview, lang))))
    elif field == "agenda":
        lines += [str(t("meet.card.agenda_item", lang, n=i, item=x)) for i, x in enumerate(draft.data["agenda"], 1)]
    elif field == "limits":
        value = draft.data.get("max")
        lines.append(str(t("meet.card.max", lang, max=value)) if value else str(t("meet.btn.no_limit", lang)))
    elif field == "deadline":
        value = draft.data.get("deadline")
        lines.append(str(t("meet.card.deadline", lang, when=format_datetime(datetime.fromisoformat(value), meeting.zone, lang)))
                     if value else str(t("meet.btn.no_deadline", lang)))
    if draft.data.get("scope") == "all":
        lines.append(str(t("meet.edit.scope_all", lang)))
    rows = [[(str(t("meet.btn.apply", lang)), encode(FEATURE, "apply", meeting.id))]]
    await reply(update, "\n".join(lines), rows)


@button_handler
async def on_apply(update: Update, context: BotContext, data: CallbackData) -> None:
    """Apply a change to one meeting or the rest of its series; tell everyone what changed."""
    user = user_of(update)
    draft = await forms.expect(context, user.id, EDIT, "apply")
    if int(draft.data["meeting_id"]) != data.int_arg(0):
        raise StaleAction()
    services = context.services
    meeting = await _meeting_of(context, draft)
    await services.access.require(meeting.forum_id, user.id, Action.MANAGE_MEETING)
    lang = await language(update, context)
    now = services.clock.now()
    if meeting.cancelled or meeting.starts_at <= now:
        raise InvalidInput("meet.edit.too_late")
    field = draft.data["field"]
    targets = [meeting]
    if draft.data.get("scope") == "all" and meeting.series_id is not None:
        targets = [m for m in await repo(services).series_meetings(meeting.series_id)
                   if m.seq is not None and meeting.seq is not None and m.seq >= meeting.seq
                   and m.status == "scheduled" and m.starts_at > now]
    ctx = await push_context(services, meeting.forum_id)
    changed = 0
    async with services.write() as tx:
        for target in targets:
            fields, changes, reschedule = _changes_for(draft, target, field)
            if not fields:
                continue
            if reschedule and fields["starts_at"] <= now:
                continue
            await tx.meetings.update(target.id, now, bump_version=reschedule, **fields)
            fresh = await tx.meetings.get(target.id)
            assert fresh is not None
            if reschedule or field in ("limits", "deadline"):
                await replan_all(tx, ctx, fresh)
            await tx.meetings.bump_tally(fresh.id)
            if fresh.announced_at is not None and changes:
                await notify_change(tx, ctx, fresh, changes)
            changed += 1
        await services.drafts.delete(tx.conn, user.id)
    async with services.write() as tx:
        for target in targets:
            await queue_tally(tx, services, target.id, ctx.members, now)
    services.delivery.wake()
    log.info("event=meeting_edited meeting=%s field=%s count=%d by=%s", meeting.id, field, changed, user.id)
    await edit_or_reply(update, t("meet.edit.done", lang, count=changed))


def _changes_for(draft: Draft, meeting: Meeting, field: str) -> tuple[dict[str, Any], list[str], bool]:
    data = draft.data
    if field == "when":
        start = _start(draft)
        assert start is not None
        zone = _zone(draft)
        if data.get("scope") == "all":
            local = meeting.starts_at.astimezone(zone)
            new = datetime.combine(local.date(), time(start.hour, start.minute), tzinfo=zone)
        else:
            new = start
        if new == meeting.starts_at and zone.key == meeting.timezone:
            return {}, [], False
        return {"starts_at": new, "timezone": zone.key}, ["when"], True
    if field == "title":
        return {"title": data["title"]}, ["title"], False
    if field == "place":
        place = data.get("place") or {"kind": "none"}
        return ({"place_kind": place.get("kind", "none"), "host_village_code": place.get("village"),
                 "address": place.get("address"), "latitude": place.get("lat"), "longitude": place.get("lon"),
                 "online_url": place.get("url")}, ["place"], False)
    if field == "agenda":
        return {"agenda": data.get("agenda", [])}, ["agenda"], False
    if field == "limits":
        return {"max_attendees": data.get("max")}, ["max"], False
    if field == "deadline":
        value = data.get("deadline")
        return {"rsvp_deadline": datetime.fromisoformat(value) if value else None}, ["deadline"], False
    return {}, [], False
