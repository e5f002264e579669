"""Recurring meetings (pertemuan rutin): rules, their occurrences, RRULE text and a reading in words.

Kinds:

* ``weekly`` — every ``interval`` weeks on ``weekday`` (0 = Senin). Weeks run Monday-Sunday and are
  counted from the week of the first meeting (RRULE ``WKST=MO``).
* ``monthly_day`` — on ``day_of_month`` every ``interval`` months. A day past the month's end is
  **clamped** to the month's last day: a forum that meets "tiap tanggal 31" meets on 30 April and
  28/29 February rather than skipping those months. RFC 5545 ``BYMONTHDAY=31`` would skip them, so
  for days 29-31 the RRULE is ``BYMONTHDAY=28,29,...,day;BYSETPOS=-1`` (the last of those that exist),
  which clamps the same way in every calendar.
* ``monthly_nth`` — the ``nth`` (1-4, or -1 = last) ``weekday`` every ``interval`` months. A fifth
  weekday is not offered because most months lack one.

``until`` is a local date, inclusive; ``count`` counts occurrences from the first meeting. RFC 5545
forbids both at once, so we do too.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from babel.dates import format_date as _babel_format_date

Kind = Literal["weekly", "monthly_day", "monthly_nth"]
KINDS: tuple[Kind, ...] = ("weekly", "monthly_day", "monthly_nth")

_RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY_NAMES = {
    "id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_ORDINALS = {
    "id": {1: "pertama", 2: "kedua", 3: "ketiga", 4: "keempat", -1: "terakhir"},
    "en": {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"},
}


class RecurrenceError(ValueError):
    """A recurrence rule that cannot be used; ``reason`` is the message key.

    Reasons: ``unknown_kind``, ``invalid_interval``, ``missing_weekday``, ``invalid_weekday``,
    ``missing_day_of_month``, ``invalid_day_of_month``, ``invalid_nth``, ``until_and_count``,
    ``invalid_count``, ``naive_datetime``, ``unexpected_field``.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class Recurrence:
    """How a meeting repeats; validated on construction."""

    kind: Kind
    interval: int = 1
    weekday: int | None = None  # 0 = Monday
    day_of_month: int | None = None
    nth: int | None = None  # 1..4 or -1 (last)
    until: date | None = None  # local date, inclusive
    count: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise RecurrenceError("unknown_kind", repr(self.kind))
        if isinstance(self.interval, bool) or self.interval < 1:
            raise RecurrenceError("invalid_interval", repr(self.interval))
        if self.kind in ("weekly", "monthly_nth"):
            if self.weekday is None:
                raise RecurrenceError("missing_weekday")
            if not 0 <= self.weekday <= 6:
                raise RecurrenceError("invalid_weekday", repr(self.weekday))
            if self.day_of_month is not None:
                raise RecurrenceError("unexpected_field", "day_of_month")
        if self.kind == "monthly_day":
            if self.day_of_month is None:
                raise RecurrenceError("missing_day_of_month")
            if not 1 <= self.day_of_month <= 31:
                raise RecurrenceError("invalid_day_of_month", repr(self.day_of_month))
            if self.weekday is not None:
                raise RecurrenceError("unexpected_field", "weekday")
        if self.kind == "monthly_nth":
            if self.nth not in (1, 2, 3, 4, -1):
                raise RecurrenceError("invalid_nth", repr(self.nth))
        elif self.nth is not None:
            raise RecurrenceError("unexpected_field", "nth")
        if self.until is not None and self.count is not None:
            raise RecurrenceError("until_and_count")
        if self.count is not None and self.count < 1:
            raise RecurrenceError("invalid_count", repr(self.count))


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def _clamped(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    if nth == -1:
        last = date(year, month, calendar.monthrange(year, month)[1])
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


def _candidate_dates(start: date, rule: Recurrence) -> Iterator[date]:
    """Yield the rule's dates on or after ``start``, in order, forever."""
    step = 0
    while True:
        if rule.kind == "weekly":
            assert rule.weekday is not None
            monday = start - timedelta(days=start.weekday())
            day = monday + timedelta(weeks=step * rule.interval, days=rule.weekday)
        else:
            year, month = _add_months(start.year, start.month, step * rule.interval)
            if rule.kind == "monthly_day":
                assert rule.day_of_month is not None
                day = _clamped(year, month, rule.day_of_month)
            else:
                assert rule.weekday is not None and rule.nth is not None
                day = _nth_weekday(year, month, rule.weekday, rule.nth)
        step += 1
        if day >= start:
            yield day


def occurrences(
    first: datetime, rule: Recurrence, *, after: datetime | None = None, limit: int = 100
) -> list[datetime]:
    """Return up to ``limit`` meeting times of the series that begins at ``first``.

    ``first`` must be aware and carry the meeting's zone: its wall-clock time is kept on every date
    (a 09.00 WITA meeting stays 09.00 WITA). ``first`` sets the start date and time; the dates come
    from the rule, so pass a ``first`` that matches it to keep RRULE export identical. ``after``
    (exclusive) skips earlier occurrences without changing what ``count`` counts.
    """
    if first.tzinfo is None or first.utcoffset() is None:
        raise RecurrenceError("naive_datetime", "first")
    if after is not None and (after.tzinfo is None or after.utcoffset() is None):
        raise RecurrenceError("naive_datetime", "after")
    tz = first.tzinfo
    wall = first.time()
    result: list[datetime] = []
    if limit <= 0:
        return result
    for number, day in enumerate(_candidate_dates(first.date(), rule), start=1):
        if rule.until is not None and day > rule.until:
            break
        if rule.count is not None and number > rule.count:
            break
        # combine + tzinfo keeps the wall clock; adding timedeltas to an aware datetime would not
        # in a zone with DST (Indonesia has none, but the zone is not ours to assume).
        moment = datetime.combine(day, wall, tzinfo=tz)
        if after is not None and moment <= after:
            continue
        result.append(moment)
        if len(result) >= limit:
            break
    return result


def to_rrule(rule: Recurrence, *, tz: ZoneInfo | None = None) -> str:
    """Return the RFC 5545 RRULE value, e.g. "FREQ=MONTHLY;BYDAY=1MO;COUNT=6".

    With ``tz`` (the meeting's zone, as in DTSTART;TZID) ``until`` becomes the end of that local day
    in UTC, as RFC 5545 requires for zoned DTSTART; without it, a DATE value.
    """
    parts: list[str] = []
    if rule.kind == "weekly":
        assert rule.weekday is not None
        parts += ["FREQ=WEEKLY"]
        if rule.interval > 1:
            parts.append(f"INTERVAL={rule.interval}")
        parts += [f"BYDAY={_RRULE_DAYS[rule.weekday]}", "WKST=MO"]
    else:
        parts.append("FREQ=MONTHLY")
        if rule.interval > 1:
            parts.append(f"INTERVAL={rule.interval}")
        if rule.kind == "monthly_day":
            assert rule.day_of_month is not None
            if rule.day_of_month > 28:
                days = ",".join(str(d) for d in range(28, rule.day_of_month + 1))
                parts += [f"BYMONTHDAY={days}", "BYSETPOS=-1"]
            else:
                parts.append(f"BYMONTHDAY={rule.day_of_month}")
        else:
            assert rule.weekday is not None
            parts.append(f"BYDAY={rule.nth}{_RRULE_DAYS[rule.weekday]}")
    if rule.count is not None:
        parts.append(f"COUNT={rule.count}")
    if rule.until is not None:
        if tz is None:
            parts.append(f"UNTIL={rule.until:%Y%m%d}")
        else:
            end_of_day = datetime.combine(rule.until, time(23, 59, 59), tzinfo=tz).astimezone(UTC)
            parts.append(f"UNTIL={end_of_day:%Y%m%dT%H%M%SZ}")
    return ";".join(parts)


def describe(rule: Recurrence, lang: str = "id") -> str:
    """Say the rule in words: "Setiap Senin pertama tiap bulan, 6 kali"."""
    if lang not in ("id", "en"):
        raise ValueError(f"unsupported language: {lang!r}")
    en = lang == "en"
    n = rule.interval
    if rule.kind == "weekly":
        assert rule.weekday is not None
        day = _DAY_NAMES[lang][rule.weekday]
        if en:
            text = f"Every {day}" if n == 1 else f"Every {n} weeks on {day}"
        else:
            text = f"Setiap hari {day}" if n == 1 else f"Setiap {n} minggu pada hari {day}"
    elif rule.kind == "monthly_day":
        dom = rule.day_of_month
        if en:
            text = f"Every month on day {dom}" if n == 1 else f"Every {n} months on day {dom}"
            if dom is not None and dom > 28:
                text += " (or the month's last day)"
        else:
            text = f"Setiap tanggal {dom} tiap bulan" if n == 1 else f"Setiap tanggal {dom}, tiap {n} bulan"
            if dom is not None and dom > 28:
                text += " (atau hari terakhir bulan itu)"
    else:
        assert rule.weekday is not None and rule.nth is not None
        day = _DAY_NAMES[lang][rule.weekday]
        ordinal = _ORDINALS[lang][rule.nth]
        if en:
            text = (
                f"Every {ordinal} {day} of the month"
                if n == 1
                else f"Every {n} months on the {ordinal} {day}"
            )
        else:
            text = (
                f"Setiap {day} {ordinal} tiap bulan" if n == 1 else f"Setiap {day} {ordinal}, tiap {n} bulan"
            )
    if rule.count is not None:
        text += f", {rule.count} times" if en else f", {rule.count} kali"
    if rule.until is not None:
        until = _babel_format_date(rule.until, "d MMMM y", locale=lang)
        text += f", until {until}" if en else f", sampai {until}"
    return text
