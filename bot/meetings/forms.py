"""The meetings forms, declared on the form engine (bot.forms).

"mn" schedules a meeting or a series: title, date and time (the shared picker, with holiday and
clash warnings), duration, place, agenda, documents, repetition (+ its end), rotating hosts,
then the review where every answer can be changed. "me" changes one answer of a scheduled
meeting (or the rest of its series) and shows the same review before "Simpan perubahan".
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from bot import forms
from bot.callbacks import encode
from bot.dateparse import DateParseError, parse_date, parse_datetime, parse_duration
from bot.errors import InvalidInput, StaleAction
from bot.forms import Answer, Ctx, Form, Stay, Step
from bot.forms.picker import When, when_step
from bot.holidays_id import holiday_name
from bot.meetings.loaders import repo
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
from bot.meetings.scheduling import Change, Place, Plan, change_meeting, schedule
from bot.meetings.views import FEATURE, duration_text, region_label
from bot.numbers_id import count_from_text
from bot.recurrence import Recurrence, RecurrenceError, describe, occurrences
from bot.render import date_problem
from bot.services import Services
from bot.texts import Html, t
from bot.timefmt import format_date, format_datetime, zone_label
from bot.view import Button, View
from storage.meetings import Meeting

MAX_MINUTES = 12 * 60
REPEATS = ("w1", "w2", "w4", "md", "mn")


# -- the data ---------------------------------------------------------------------------------------
class PlaceAnswer(BaseModel):
    kind: str = "none"  # village | address | location | online | none
    village: str | None = None
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    url: str | None = None

    def place(self) -> Place:
        return Place(self.kind, self.village, self.address, self.lat, self.lon, self.url)


class Document(BaseModel):
    file_id: str
    name: str = ""
    kind: str = "document"  # document | photo


class NewMeeting(BaseModel):
    """A meeting (or series) being scheduled; another feature may start it prefilled (aksi-refleksi)."""

    forum_id: int
    title: str = ""
    when: When = Field(default_factory=When)
    duration: int = 60
    place: PlaceAnswer = Field(default_factory=PlaceAnswer)
    picking: str = ""  # the place step's sub-question: "" | "v" (host village) | "o" (online link)
    agenda: list[str] = Field(default_factory=list)
    documents: list[Document] = Field(default_factory=list)
    repeat: str = ""  # "" = once, else w1 w2 w4 md mn
    count: int | None = None
    until: date | None = None
    rotation: list[str] = Field(default_factory=list)
    from_agreement: int | None = None


class MeetingChange(BaseModel):
    """One answer of a scheduled meeting changed (`what`), for it alone or the rest of its series."""

    forum_id: int
    meeting_id: int
    what: str  # title | when | place | agenda | limits | deadline
    whole_series: bool = False
    meeting_title: str = ""
    starts_at: datetime
    zone: str = "Asia/Jakarta"  # the meeting's zone (an answer deadline is read in it)
    title: str = ""
    when: When = Field(default_factory=When)
    place: PlaceAnswer = Field(default_factory=PlaceAnswer)
    picking: str = ""
    agenda: list[str] = Field(default_factory=list)
    max: int | None = None
    deadline: datetime | None = None


@dataclass(frozen=True)
class Loaded:
    """What the prompts need from the database, fetched before each one (views stay pure)."""

    villages: list[tuple[str, str, str]]  # (code, label for a button, short name) of member villages
    others: list[Meeting]  # the forum's meetings near the chosen times (clash warnings)
    skip: frozenset[int]  # the meetings being changed (no clash with themselves)

    def name(self, code: str) -> str:
        return next((n for c, _, n in self.villages if c == code), code)


def rule_for(choice: str, start: datetime) -> dict[str, Any]:
    """The recurrence (as stored with a series) that a repeat button means, seen from the first date."""
    day = start.date()
    if choice.startswith("w"):
        return {"kind": "weekly", "interval": int(choice[1:]), "weekday": day.weekday()}
    if choice == "md":
        return {"kind": "monthly_day", "day_of_month": day.day}
    nth, weekday = nth_weekday_of(day)
    return {"kind": "monthly_nth", "nth": nth, "weekday": weekday}


def series_rule(d: NewMeeting) -> dict[str, Any] | None:
    if not d.repeat or d.when.at is None:
        return None
    rule = rule_for(d.repeat, d.when.local() or d.when.at)
    if d.count:
        rule["count"] = d.count
    if d.until:
        rule["until"] = d.until.isoformat()
    return rule


def _recurrence(rule: dict[str, Any]) -> Recurrence:
    fields = dict(rule)
    if fields.get("until"):
        fields["until"] = date.fromisoformat(fields["until"])
    return Recurrence(**fields)


def starts_of(d: NewMeeting) -> list[datetime]:
    start = d.when.local()
    if start is None:
        return []
    rule = series_rule(d)
    if rule is None:
        return [start]
    return occurrences(start, _recurrence(rule), limit=MAX_OCCURRENCES + 1)


VILLAGES_AT = frozenset({"place", "rotation", forms.REVIEW})  # the steps that show member villages
MEETINGS_AT = frozenset({"when", forms.REVIEW})  # the steps that warn about clashes


async def load(services: Services, d: NewMeeting | MeetingChange, step: str) -> Loaded:
    villages: dict[str, tuple[str, str, str]] = {}
    if step in VILLAGES_AT:
        for entry in await services.members.in_forum(d.forum_id):
            if entry.village is not None and entry.village.code not in villages:
                villages[entry.village.code] = (entry.village.code, region_label(entry.village)[:60],
                                                entry.village.name)
    if step not in MEETINGS_AT:
        return Loaded(list(villages.values()), [], frozenset())
    times = [x for x in (d.when.pending, d.when.at) if x is not None]
    if isinstance(d, NewMeeting):
        times += starts_of(d)
    skip: set[int] = set()
    if isinstance(d, MeetingChange):
        skip.add(d.meeting_id)
        meeting = await repo(services).get(d.meeting_id)
        if d.whole_series and meeting is not None and meeting.series_id is not None:
            skip |= {m.id for m in await repo(services).series_meetings(meeting.series_id)}
    others = []
    if times:
        others = await repo(services).between(d.forum_id, min(times) - timedelta(days=1), max(times) + timedelta(days=1))
    return Loaded(list(villages.values()), others, frozenset(skip))


def warnings(ctx: Ctx[Any], starts: list[datetime], minutes: int) -> list[str]:
    """Holiday/cuti bersama and clash warnings for these start times (never blocking)."""
    loaded: Loaded = ctx.extra
    out = []
    for start in starts:
        name = holiday_name(start.date(), ctx.lang)
        if name:
            out.append(ctx.t("meet.warn.holiday", day=format_date(start.date(), ctx.lang), name=name))
        for other in loaded.others:
            if other.id not in loaded.skip and overlaps(start, minutes, other.starts_at, other.duration_minutes):
                out.append(ctx.t("meet.warn.clash", title=other.title,
                                 when=format_datetime(other.starts_at, other.zone, ctx.lang)))
    return out


# -- steps shared by both forms -------------------------------------------------------------------------
def _title_step(label: str = "form.label.title") -> Step[Any]:
    def typed(ctx: Ctx[Any], answer: Answer) -> Any:
        if answer.text is None:
            raise InvalidInput("bad.text_expected")
        title = clean_text(answer.text, max_length=MAX_TITLE, min_length=3, single_line=True)
        return ctx.data.model_copy(update={"title": title})

    return Step("title", prompt=lambda c: View(c.t("meet.ask.title")), typed=typed, label=label, field="title",
                summary=lambda c: html.escape(c.data.title))


def _when_step(name: str = "when") -> Step[Any]:
    def notes(ctx: Ctx[Any], start: datetime) -> list[str]:
        minutes = ctx.data.duration if isinstance(ctx.data, NewMeeting) else 60
        return warnings(ctx, [start], minutes)

    def summary(ctx: Ctx[Any]) -> str | None:
        w: When = ctx.data.when
        return html.escape(format_datetime(w.at, w.tz, ctx.lang)) if w.at else None

    return when_step(name, field="when", label="form.label.when", ask="meet.ask.when", confirm="meet.ask.when_ok",
                     bad_prefix="meet.bad.date.", notes=notes, summary=summary)


def place_summary(ctx: Ctx[Any]) -> str:
    p: PlaceAnswer = ctx.data.place
    if p.kind == "village":
        return ctx.t("meet.place.village", village=ctx.extra.name(p.village or ""))
    if p.kind == "address":
        return ctx.t("meet.place.address", address=p.address or "")
    if p.kind == "location":
        return ctx.t("meet.place.location", lat=f"{p.lat:.5f}", lon=f"{p.lon:.5f}", address=p.address or "")
    if p.kind == "online":
        return ctx.t("meet.place.online", url=p.url or "")
    return ctx.t("meet.place.none")


def _place_step() -> Step[Any]:
    def prompt(ctx: Ctx[Any]) -> View:
        if ctx.data.picking == "v":
            return View(ctx.t("meet.ask.place_village"),
                        tuple((ctx.button(label, f"h{code}"),) for code, label, _ in ctx.extra.villages))
        if ctx.data.picking == "o":
            return View(ctx.t("meet.ask.place_online"))
        return View(ctx.t("meet.ask.place"), (
            (ctx.button(ctx.t("meet.btn.place_village"), "v"),),
            (ctx.button(ctx.t("meet.btn.place_online"), "o"), ctx.button(ctx.t("meet.btn.place_none"), "n"))))

    def chosen(ctx: Ctx[Any], place: PlaceAnswer) -> Any:
        return ctx.data.model_copy(update={"place": place, "picking": ""})

    def typed(ctx: Ctx[Any], answer: Answer) -> Any:
        if answer.location is not None:
            return chosen(ctx, PlaceAnswer(kind="location", lat=answer.location[0], lon=answer.location[1]))
        if answer.text is None:
            raise InvalidInput("bad.text_expected")
        url = clean_url(answer.text)
        if url is not None:
            return chosen(ctx, PlaceAnswer(kind="online", url=url))
        return chosen(ctx, PlaceAnswer(kind="address",
                                       address=clean_text(answer.text, max_length=MAX_ADDRESS, min_length=3)))

    def choice(ctx: Ctx[Any], value: str) -> Any:
        if value == "v":
            if not ctx.extra.villages:
                raise InvalidInput("meet.bad.no_villages")
            return Stay(ctx.data.model_copy(update={"picking": "v"}))
        if value == "o":
            return Stay(ctx.data.model_copy(update={"picking": "o"}))
        if value == "n":
            return chosen(ctx, PlaceAnswer())
        code = value[1:]
        if value.startswith("h") and code in {c for c, _, _ in ctx.extra.villages}:
            return chosen(ctx, PlaceAnswer(kind="village", village=code))
        raise StaleAction()

    return Step("place", prompt=prompt, typed=typed, choice=choice, label="form.label.place", field="place",
                summary=place_summary, reset=lambda d: d.model_copy(update={"picking": ""}))


def agenda_summary(ctx: Ctx[Any]) -> str:
    items = ctx.data.agenda
    if not items:
        return ctx.t("meet.none")
    return "\n" + "\n".join(ctx.t("meet.card.agenda_item", n=i, item=x) for i, x in enumerate(items, 1))


def _agenda_step() -> Step[Any]:
    def prompt(ctx: Ctx[Any]) -> View:
        items = agenda_summary(ctx).lstrip("\n")
        return View(ctx.t("meet.ask.agenda", items=Html(items)),
                    ((ctx.button(ctx.t("meet.btn.done"), "done"),),))

    def typed(ctx: Ctx[Any], answer: Answer) -> Any:
        if answer.text is None:
            raise InvalidInput("bad.text_expected")
        items = [*ctx.data.agenda, *agenda_items(answer.text)]
        if len(items) > MAX_AGENDA_ITEMS:
            raise InvalidInput("meet.bad.agenda_many", max=MAX_AGENDA_ITEMS)
        return Stay(ctx.data.model_copy(update={"agenda": items}))

    def choice(ctx: Ctx[Any], value: str) -> Any:
        if value != "done":
            raise StaleAction()
        return ctx.data

    return Step("agenda", prompt=prompt, typed=typed, choice=choice, label="form.label.agenda", field="agenda",
                summary=agenda_summary, reset=lambda d: d.model_copy(update={"agenda": []}))


# -- steps of the new-meeting form only --------------------------------------------------------------------
def _duration_step() -> Step[NewMeeting]:
    def prompt(ctx: Ctx[NewMeeting]) -> View:
        return View(ctx.t("meet.ask.duration"),
                    (tuple(ctx.button(ctx.t("meet.duration.h", h=h), h * 60) for h in (1, 2, 3, 4)),))

    def typed(ctx: Ctx[NewMeeting], answer: Answer) -> NewMeeting:
        try:
            minutes = int(parse_duration(answer.text or "").total_seconds() // 60)
        except DateParseError:
            raise InvalidInput("meet.bad.duration") from None
        if not 15 <= minutes <= MAX_MINUTES:
            raise InvalidInput("meet.bad.duration")
        return ctx.data.model_copy(update={"duration": minutes})

    def choice(ctx: Ctx[NewMeeting], value: str) -> NewMeeting:
        if not value.isdigit() or not 15 <= int(value) <= MAX_MINUTES:
            raise StaleAction()
        return ctx.data.model_copy(update={"duration": int(value)})

    return Step("duration", prompt=prompt, typed=typed, choice=choice, label="form.label.duration", field="duration",
                summary=lambda c: html.escape(duration_text(c.data.duration, c.lang)))


def _docs_step() -> Step[NewMeeting]:
    def typed(ctx: Ctx[NewMeeting], answer: Answer) -> Stay[NewMeeting]:
        if answer.file_id is None:
            raise InvalidInput("bad.use_buttons")
        if len(ctx.data.documents) >= MAX_DOCUMENTS:
            raise InvalidInput("meet.bad.docs_many", max=MAX_DOCUMENTS)
        doc = Document(file_id=answer.file_id, name=answer.file_name, kind=answer.file_kind or "document")
        return Stay(ctx.data.model_copy(update={"documents": [*ctx.data.documents, doc]}))

    def summary(ctx: Ctx[NewMeeting]) -> str:
        names = [d.name or d.kind for d in ctx.data.documents]
        return html.escape(", ".join(names)) if names else ctx.t("meet.none")

    return Step("docs", prompt=lambda c: View(c.t("meet.ask.docs", count=len(c.data.documents)),
                                              ((c.button(c.t("meet.btn.done"), "done"),),)),
                typed=typed, choice=lambda c, v: c.data if v == "done" else _stale(), label="form.label.documents",
                field="documents", summary=summary, reset=lambda d: d.model_copy(update={"documents": []}))


def _stale() -> Any:
    raise StaleAction()


def _repeat_step() -> Step[NewMeeting]:
    def prompt(ctx: Ctx[NewMeeting]) -> View:
        start = ctx.data.when.local()
        rows: list[tuple[Button, ...]] = [(ctx.button(ctx.t("meet.rep.once"), "once"),)]
        if start is not None:
            rows += [(ctx.button(describe(_recurrence(rule_for(c, start)), ctx.lang), c),) for c in REPEATS]
        return View(ctx.t("meet.ask.repeat"), tuple(rows))

    def choice(ctx: Ctx[NewMeeting], value: str) -> NewMeeting:
        if value == "once":
            return ctx.data.model_copy(update={"repeat": "", "count": None, "until": None, "rotation": []})
        if value not in REPEATS:
            raise StaleAction()
        return ctx.data.model_copy(update={"repeat": value})

    def summary(ctx: Ctx[NewMeeting]) -> str:
        rule = series_rule(ctx.data)
        if rule is None:
            return ctx.t("meet.rep.once")
        return html.escape(describe(_recurrence(rule), ctx.lang))

    return Step("repeat", prompt=prompt, choice=choice, next=lambda d: "repeat_end" if d.repeat else None,
                label="form.label.repeat", field="repeat", summary=summary)


def _repeat_end_step() -> Step[NewMeeting]:
    def ended(ctx: Ctx[NewMeeting], count: int | None, until: date | None) -> NewMeeting:
        data = ctx.data.model_copy(update={"count": count, "until": until})
        try:
            found = starts_of(data)
        except RecurrenceError:
            raise InvalidInput("meet.bad.repeat_end") from None
        if len(found) > MAX_OCCURRENCES:
            raise InvalidInput("meet.bad.series_long", max=MAX_OCCURRENCES)
        if len(found) < 2:
            raise InvalidInput("meet.bad.series_short")
        return data

    def typed(ctx: Ctx[NewMeeting], answer: Answer) -> NewMeeting:
        value = (answer.text or "").strip().lower()
        for word in ("sampai", "hingga", "until", "kali", "times", "x"):
            value = value.replace(word, " ")
        value = value.strip()
        if value.isdigit():
            if not 2 <= int(value) <= MAX_OCCURRENCES:
                raise InvalidInput("meet.bad.series_long", max=MAX_OCCURRENCES)
            return ended(ctx, int(value), None)
        start = ctx.data.when.local()
        assert start is not None
        try:
            until = parse_date(value[:100], now=ctx.now, tz=ctx.data.when.tz)
        except DateParseError as exc:
            raise date_problem(exc, "meet.bad.date.") from None
        if until <= start.date():
            raise InvalidInput("meet.bad.repeat_end")
        if (until - start.date()).days > MAX_SERIES_DAYS:
            raise InvalidInput("meet.bad.series_long", max=MAX_OCCURRENCES)
        return ended(ctx, None, until)

    def choice(ctx: Ctx[NewMeeting], value: str) -> NewMeeting:
        if not value.isdigit() or not 2 <= int(value) <= MAX_OCCURRENCES:
            raise StaleAction()
        return ended(ctx, int(value), None)

    def summary(ctx: Ctx[NewMeeting]) -> str | None:
        if not ctx.data.repeat:
            return None
        if ctx.data.until:
            return html.escape(format_date(ctx.data.until, ctx.lang))
        return ctx.t("meet.times", n=len(starts_of(ctx.data)))

    return Step("repeat_end", prompt=lambda c: View(c.t("meet.ask.repeat_end"), (
        tuple(c.button(c.t("meet.times", n=n), n) for n in (4, 6, 12)),)), typed=typed, choice=choice,
        label="form.label.repeat_end", field="count", summary=summary)


def _rotation_step() -> Step[NewMeeting]:
    def prompt(ctx: Ctx[NewMeeting]) -> View:
        order = ctx.data.rotation
        rows: list[tuple[Button, ...]] = []
        for code, label, _ in ctx.extra.villages:
            mark = f"{order.index(code) + 1}. " if code in order else ""
            rows.append((ctx.button(f"{mark}{label}", f"t{code}"),))
        rows.append((ctx.button(ctx.t("meet.btn.done" if order else "meet.btn.no_rotation"), "done"),))
        return View(ctx.t("meet.ask.rotation", order=rotation_summary(ctx)), tuple(rows))

    def choice(ctx: Ctx[NewMeeting], value: str) -> NewMeeting | Stay[NewMeeting]:
        if value == "done":
            return ctx.data
        code = value[1:]
        if not value.startswith("t") or code not in {c for c, _, _ in ctx.extra.villages}:
            raise StaleAction()
        order = [c for c in ctx.data.rotation if c != code]
        if code not in ctx.data.rotation:
            order.append(code)
        return Stay(ctx.data.model_copy(update={"rotation": order}))

    return Step("rotation", prompt=prompt, choice=choice, label="form.label.rotation", field="rotation",
                summary=lambda c: rotation_summary(c) if c.data.repeat else None,
                reset=lambda d: d.model_copy(update={"rotation": []}))


def rotation_summary(ctx: Ctx[NewMeeting]) -> str:
    order = ctx.data.rotation
    if not order:
        return ctx.t("meet.none")
    return html.escape(", ".join(f"{i}. {ctx.extra.name(c)}" for i, c in enumerate(order, 1)))


# -- the new-meeting form ---------------------------------------------------------------------------------
def _review_new(ctx: Ctx[NewMeeting]) -> str:
    d = ctx.data
    starts = starts_of(d)
    lines = [ctx.t("meet.confirm.head")]
    rule = series_rule(d)
    if rule is not None and starts:
        lines.append(ctx.t("meet.confirm.series", rule=describe(_recurrence(rule), ctx.lang), count=len(starts)))
        for i, start in enumerate(starts[:6], 1):
            host = host_for(d.rotation, i)
            host_text = f" — {ctx.extra.name(host)}" if host else ""
            lines.append(html.escape(f"  {i}. {format_datetime(start, d.when.tz, ctx.lang)}{host_text}"))
        if len(starts) > 6:
            lines.append("  …")
        lines.append("")
    notes = warnings(ctx, starts, d.duration)
    if notes:
        lines += [*notes, ""]
    return "\n".join(lines)


async def _save_new(services: Services, user_id: int, d: NewMeeting, lang: str) -> View:
    starts = starts_of(d)
    if len(starts) > MAX_OCCURRENCES:
        raise InvalidInput("meet.bad.series_long", max=MAX_OCCURRENCES)
    plan = Plan(forum_id=d.forum_id, title=d.title, starts=starts, timezone=d.when.zone, duration_minutes=d.duration,
                place=d.place.place(), agenda=d.agenda, documents=[doc.model_dump() for doc in d.documents],
                rule=series_rule(d), rotation=d.rotation if d.repeat else [])
    done = await schedule(services, user_id, plan, finishing_form=True)
    key = "meet.saved_series" if done.series_id else "meet.saved"
    return View(str(t(key, lang, title=d.title, count=len(done.meeting_ids))),
                ((Button(str(t("meet.btn.detail", lang)), data=encode(FEATURE, "d", done.meeting_ids[0])),),))


NEW_MEETING: Form[NewMeeting] = Form(
    code="mn", model=NewMeeting, load_at=load, save=_save_new, review_head=_review_new, save_label="meet.btn.save",
    steps=(_title_step(), _when_step(), _duration_step(), _place_step(), _agenda_step(), _docs_step(),
           _repeat_step(), _repeat_end_step(), _rotation_step()),
)
forms.register(NEW_MEETING)


def new_meeting(forum_id: int, zone: str) -> NewMeeting:
    """An empty new-meeting form for a forum; times are read in the forum's zone."""
    return NewMeeting(forum_id=forum_id, when=When.starting(zone))


def aksi_refleksi(forum_id: int, zone: str, *, title: str, agenda: list[str], agreement_id: int) -> NewMeeting:
    """The form prefilled from an agreement's evaluation: title and agenda given, the rest asked."""
    return NewMeeting(forum_id=forum_id, when=When.starting(zone), title=title[:MAX_TITLE], agenda=agenda,
                      from_agreement=agreement_id)


# -- the change form ---------------------------------------------------------------------------------------
def _only(what: str, step: Step[Any]) -> Step[Any]:
    """A step that shows its answer at the review only when it is the one being changed."""
    shown = step.summary

    def summary(ctx: Ctx[Any]) -> str | None:
        return shown(ctx) if shown is not None and ctx.data.what == what else None

    return Step(step.name, prompt=step.prompt, typed=step.typed, choice=step.choice, next=lambda d: None,
                label=step.label, summary=summary, field=step.field, reset=step.reset, answered=step.answered)


def _max_step() -> Step[MeetingChange]:
    def typed(ctx: Ctx[MeetingChange], answer: Answer) -> MeetingChange:
        value = count_from_text(answer.text or "")
        if value is None or not 1 <= value <= 10000:
            raise InvalidInput("meet.bad.max")
        return ctx.data.model_copy(update={"max": value})

    return Step("limits", prompt=lambda c: View(c.t("meet.ask.max"), ((c.button(c.t("meet.btn.no_limit"), "none"),),)),
                typed=typed, choice=lambda c, v: c.data.model_copy(update={"max": None}) if v == "none" else _stale(),
                label="meet.btn.max", field="max",
                summary=lambda c: c.t("meet.card.max", max=c.data.max) if c.data.max else c.t("meet.btn.no_limit"))


def _deadline_step() -> Step[MeetingChange]:
    def typed(ctx: Ctx[MeetingChange], answer: Answer) -> MeetingChange:
        d = ctx.data
        try:
            when = parse_datetime((answer.text or "")[:200], now=ctx.now, tz=ZoneInfo(d.zone),
                                  default_time=time(23, 59))
        except DateParseError as exc:
            raise date_problem(exc, "meet.bad.date.") from None
        if when >= d.starts_at:
            raise InvalidInput("meet.bad.deadline_after")
        return d.model_copy(update={"deadline": when})

    def summary(ctx: Ctx[MeetingChange]) -> str:
        value = ctx.data.deadline
        if value is None:
            return ctx.t("meet.btn.no_deadline")
        return ctx.t("meet.card.deadline", when=format_datetime(value, ZoneInfo(ctx.data.zone), ctx.lang))

    return Step("deadline", prompt=lambda c: View(c.t("meet.ask.deadline"),
                                                  ((c.button(c.t("meet.btn.no_deadline"), "none"),),)),
                typed=typed,
                choice=lambda c, v: c.data.model_copy(update={"deadline": None}) if v == "none" else _stale(),
                label="meet.btn.deadline", field="deadline", summary=summary)


def _review_change(ctx: Ctx[MeetingChange]) -> str:
    d = ctx.data
    lines = [ctx.t("meet.edit.confirm", title=d.meeting_title)]
    if d.whole_series:
        if d.what == "when" and d.when.at is not None:
            local = d.when.at.astimezone(d.when.tz)
            lines.append(ctx.t("meet.edit.when_all", time=f"{local.hour:02d}.{local.minute:02d}",
                               zone=zone_label(d.when.tz)))
        lines.append(ctx.t("meet.edit.scope_all"))
    return "\n".join(lines)


async def _save_change(services: Services, user_id: int, d: MeetingChange, lang: str) -> View:
    change = Change(what=d.what, starts_at=d.when.at.astimezone(d.when.tz) if d.when.at else None, title=d.title,
                    place=d.place.place(), agenda=d.agenda, max_attendees=d.max, deadline=d.deadline)
    count = await change_meeting(services, user_id, d.meeting_id, change, whole_series=d.whole_series,
                                 finishing_form=True)
    return View(str(t("meet.edit.done", lang, count=count)))


CHANGE_MEETING: Form[MeetingChange] = Form(
    code="me", model=MeetingChange, load_at=load, save=_save_change, review_head=_review_change,
    save_label="meet.btn.apply",
    steps=(_only("title", _title_step()), _only("when", _when_step()), _only("place", _place_step()),
           _only("agenda", _agenda_step()), _only("limits", _max_step()), _only("deadline", _deadline_step())),
)
forms.register(CHANGE_MEETING)

CHANGEABLE = ("title", "when", "place", "agenda", "limits", "deadline")


def change_of(meeting: Meeting, what: str, *, whole_series: bool, home_zone: str) -> MeetingChange:
    """The change form for one answer of `meeting`, holding its current values."""
    if what not in CHANGEABLE:
        raise StaleAction()
    place = PlaceAnswer(kind=meeting.place_kind, village=meeting.host_village_code, address=meeting.address,
                        lat=meeting.latitude, lon=meeting.longitude, url=meeting.online_url)
    return MeetingChange(
        forum_id=meeting.forum_id, meeting_id=meeting.id, what=what, whole_series=whole_series,
        meeting_title=meeting.title, starts_at=meeting.starts_at, zone=meeting.timezone, title=meeting.title,
        when=When(home=home_zone, zone=home_zone, at=meeting.starts_at), place=place,
        agenda=[] if what == "agenda" else list(meeting.agenda), max=meeting.max_attendees,
        deadline=meeting.rsvp_deadline)
