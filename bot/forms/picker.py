"""The shared date-and-time picker: one step type for meetings, visits, agreements and exports.

The user types an Indonesian date ("besok jam 9", "12/12/2026 09.00 WITA", read by
bot.dateparse) or picks on a calendar (month -> day -> hour -> minutes). Either way the bot shows
the moment with its zone and asks "Sudah benar?" with WIB/WITA/WIT to move the same wall-clock
time to another zone. Every new reading starts in the forum's zone (`When.home`), not in the zone
typed last time. The picker's working state lives in a `When` field of the form's model.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from bot.dateparse import DateParseError, parse_date, parse_datetime
from bot.errors import InvalidInput, StaleAction
from bot.forms.engine import Answer, Ctx, Stay, Step
from bot.render import date_problem
from bot.timefmt import format_date, format_datetime, month_name, zone_from_label, zone_label
from bot.view import Button, View

ZONES = ("WIB", "WITA", "WIT")
MINUTES = (0, 15, 30, 45)


class When(BaseModel):
    """A moment being picked: `at` once confirmed; the rest is the picker's working state."""

    home: str = "Asia/Jakarta"  # the forum's zone: every new reading starts here
    zone: str = "Asia/Jakarta"  # the zone `at`/`pending` are shown in
    at: datetime | None = None
    pending: datetime | None = None
    mode: Literal["ask", "cal", "hour", "minute", "confirm"] = "ask"
    month: str = ""  # YYYYMM on the calendar
    day: date | None = None
    hour: int | None = None

    @classmethod
    def starting(cls, home: str, at: datetime | None = None) -> When:
        return cls(home=home, zone=home, at=at)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    def local(self) -> datetime | None:
        return self.at.astimezone(self.tz) if self.at else None

    def local_date(self) -> date | None:
        """The picked day (for a date-only picker: `when_step(..., with_time=False)`)."""
        local = self.local()
        return local.date() if local else None

    def fresh(self) -> When:
        """Ask again from the start, read in the forum's zone."""
        return When(home=self.home, zone=self.home, at=self.at)


Check = Callable[[Ctx[Any], datetime], None]  # raises InvalidInput (too far, after the meeting...)
Notes = Callable[[Ctx[Any], datetime], list[str]]  # warnings under the confirmation (never blocking)


def when_step(
    name: str,
    *,
    field: str,
    label: str = "",
    ask: str = "form.when.ask",
    confirm: str = "form.when.confirm",
    bad_prefix: str = "form.date.",
    check: Check | None = None,
    notes: Notes | None = None,
    next: Callable[[Any], str | None] | None = None,
    summary: Callable[[Ctx[Any]], str | None] | None = None,
    hours: tuple[int, int] = (7, 20),
    months_ahead: int = 24,
    extra_buttons: Callable[[Ctx[Any]], list[Button]] | None = None,
    with_time: bool = True,
    allow_past: bool = False,
) -> Step[Any]:
    """A step that fills the model's `When` field `field`.

    `ask` and `confirm` are catalog keys (`{zone}` and `{when}` placeholders); `bad_prefix` +
    dateparse reason names the problem with typed text; `check` refuses a picked moment.
    `with_time=False` picks a day (an end date, an export period): the value is that day's 00.00
    in the zone, read with `When.local_date()`. `allow_past` lets days before today be picked.
    """
    if not with_time and ask == "form.when.ask":
        ask, confirm = "form.day.ask", "form.day.confirm"

    def get(ctx: Ctx[Any]) -> When:
        value: When = getattr(ctx.data, field)
        return value

    def put(ctx: Ctx[Any], value: When) -> Any:
        return ctx.data.model_copy(update={field: value})

    def today(ctx: Ctx[Any], w: When) -> date:
        return ctx.now.astimezone(w.tz).date()

    def earliest(ctx: Ctx[Any], w: When) -> date:
        first = today(ctx, w)
        return (first - timedelta(days=31 * months_ahead)).replace(day=1) if allow_past else first

    def accept(ctx: Ctx[Any], w: When, moment: datetime) -> Stay[Any]:
        past = moment <= ctx.now if with_time else moment.date() < today(ctx, w)
        if past and not allow_past:
            raise InvalidInput(f"{bad_prefix}in_past")
        if moment > ctx.now + timedelta(days=31 * months_ahead):
            raise InvalidInput(f"{bad_prefix}too_far")
        if check is not None:
            check(ctx, moment)
        zone = moment.tzinfo if isinstance(moment.tzinfo, ZoneInfo) else w.tz
        w = w.model_copy(update={"pending": moment, "zone": zone.key, "mode": "confirm"})
        return Stay(put(ctx, w), new_message=True)

    def prompt(ctx: Ctx[Any]) -> View:
        w = get(ctx)
        if w.mode == "cal":
            return _calendar(ctx, w, today(ctx, w), months_ahead, earliest(ctx, w))
        if w.mode == "hour" and w.day is not None:
            hour_buttons = [ctx.button(f"{h:02d}.00", f"h{h}") for h in range(hours[0], hours[1] + 1)]
            return View(ctx.t("form.cal.pick_hour", day=format_date(w.day, ctx.lang)),
                        tuple(tuple(hour_buttons[i:i + 4]) for i in range(0, len(hour_buttons), 4)))
        if w.mode == "minute" and w.hour is not None:
            return View(ctx.t("form.cal.pick_minute"),
                        (tuple(ctx.button(f"{w.hour:02d}.{m:02d}", f"i{m}") for m in MINUTES),))
        if w.mode == "confirm" and w.pending is not None:
            shown = format_datetime(w.pending, w.tz, ctx.lang) if with_time else format_date(w.pending.date(), ctx.lang)
            lines = [ctx.t(confirm, when=shown)]
            warnings = notes(ctx, w.pending) if notes else []
            if warnings:
                lines += ["", *warnings]
            current = zone_label(w.tz)
            zones = (tuple(ctx.button(z + (" ✓" if z == current else ""), f"z{z}") for z in ZONES),)
            return View("\n".join(lines), (
                (ctx.button(ctx.t("form.btn.correct"), "ok"),),
                *(zones if with_time else ()),
                (ctx.button(ctx.t("form.btn.other_time" if with_time else "form.btn.other_day"), "again"),),
            ))
        rows: list[tuple[Button, ...]] = [(ctx.button(ctx.t("form.btn.calendar"), "m"),)]
        if extra_buttons is not None:
            rows += [(b,) for b in extra_buttons(ctx)]
        return View(ctx.t(ask, zone=zone_label(ZoneInfo(w.home))), tuple(rows))

    def typed(ctx: Ctx[Any], answer: Answer) -> Any:
        if answer.text is None:
            raise InvalidInput("bad.text_expected")
        w = get(ctx).model_copy(update={"zone": get(ctx).home})  # a new reading starts in the forum's zone
        try:
            if with_time:
                moment = parse_datetime(answer.text[:200], now=ctx.now, tz=w.tz, allow_past=allow_past)
            else:
                day = parse_date(answer.text[:200], now=ctx.now, tz=w.tz, allow_past=allow_past)
                moment = datetime.combine(day, time(0, 0), tzinfo=w.tz)
        except DateParseError as exc:
            raise date_problem(exc, bad_prefix) from None
        return accept(ctx, w, moment)

    def choice(ctx: Ctx[Any], value: str) -> Any:
        w = get(ctx)
        kind, arg = value[:1], value[1:]
        try:
            if value == "ok":
                if w.pending is None or w.mode != "confirm":
                    raise StaleAction()
                if with_time and not allow_past and w.pending <= ctx.now:
                    raise InvalidInput(f"{bad_prefix}in_past")
                return put(ctx, When(home=w.home, zone=w.zone, at=w.pending))
            if value == "again":
                return Stay(put(ctx, w.fresh()), new_message=True)
            if value == "noop":
                return Stay(ctx.data)
            if kind == "m":
                first = datetime.strptime(arg, "%Y%m").date() if arg else today(ctx, w).replace(day=1)
                return Stay(put(ctx, w.model_copy(update={"mode": "cal", "month": first.strftime("%Y%m")})))
            if kind == "d":
                day = datetime.strptime(arg, "%Y%m%d").date()
                if day < earliest(ctx, w):
                    raise StaleAction()
                if not with_time:
                    return accept(ctx, w, datetime.combine(day, time(0, 0), tzinfo=w.tz))
                return Stay(put(ctx, w.model_copy(update={"mode": "hour", "day": day})))
            if kind == "h" and w.day is not None:
                hour = int(arg)
                if not 0 <= hour <= 23:
                    raise StaleAction()
                return Stay(put(ctx, w.model_copy(update={"mode": "minute", "hour": hour})))
            if kind == "i" and w.day is not None and w.hour is not None and int(arg) in MINUTES:
                moment = datetime.combine(w.day, time(w.hour, int(arg)), tzinfo=w.tz)
                return accept(ctx, w, moment)
            if kind == "z" and with_time and w.pending is not None and w.mode == "confirm":
                zone = zone_from_label(arg)
                moved = w.pending.replace(tzinfo=None).replace(tzinfo=zone)  # same wall-clock time
                return accept(ctx, w.model_copy(update={"zone": zone.key}), moved)
        except ValueError as exc:  # a forged or old value (bad date, hour, zone label)
            raise StaleAction() from exc
        raise StaleAction()

    def reset(data: Any) -> Any:
        return data.model_copy(update={field: getattr(data, field).fresh()})

    def answered(data: Any) -> bool:
        return getattr(data, field).at is not None  # a `When` holding only the forum's zone is no answer

    return Step(name=name, prompt=prompt, typed=typed, choice=choice, next=next, label=label,
                summary=summary, field=field, reset=reset, answered=answered)


def _calendar(ctx: Ctx[Any], w: When, today: date, months_ahead: int, earliest: date) -> View:
    first = datetime.strptime(w.month, "%Y%m").date() if w.month else today.replace(day=1)
    rows: list[tuple[Button, ...]] = [tuple(ctx.button(d, "noop") for d in ctx.t("form.cal.weekdays").split())]
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        rows.append(tuple(
            ctx.button("·", "noop") if day.month != first.month or day < earliest
            else ctx.button(str(day.day), f"d{day.strftime('%Y%m%d')}")
            for day in week))
    prev_month = (first - timedelta(days=1)).replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    nav = []
    if prev_month >= earliest.replace(day=1):
        nav.append(ctx.button("◀", f"m{prev_month.strftime('%Y%m')}"))
    nav.append(ctx.button(ctx.t("form.cal.type_instead"), "noop"))
    if next_month <= today.replace(day=1) + timedelta(days=31 * months_ahead):
        nav.append(ctx.button("▶", f"m{next_month.strftime('%Y%m')}"))
    rows.append(tuple(nav))
    head = f"{ctx.t('form.cal.pick_day')}\n<b>{month_name(first.month, ctx.lang)} {first.year}</b>"
    return View(head, tuple(rows))
