"""Read dates, times and durations the way people type them in Indonesian chats.

Everything is relative to an injected aware ``now`` and read in a given zone; a zone label in the
text ("09.00 WITA") overrides that zone. Failures raise :class:`DateParseError` whose ``reason`` is a
message key the bot turns into a polite correction prompt.

Choices worth knowing:

* "senin" is the nearest Monday that is not already past (today if the time is still ahead);
  "senin depan" is the Monday of *next* calendar week (weeks run Monday-Sunday), so on a Monday
  "rabu" is in two days and "rabu depan" in nine.
* "minggu depan" / "pekan depan" mean "a week from today" (date only); Sunday next week is
  "hari minggu depan" or "ahad depan".
* A date without a year is the next such date that is not before today; the time is not used to
  roll it, so "12 desember jam 9" typed at 10:00 on 12 December is reported as ``in_past``.
* A time without a date is today; if it has passed that is ``in_past``, never silently tomorrow.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from bot.timefmt import zone_from_label

Reason = Literal[
    "unrecognised",
    "invalid_date",
    "invalid_time",
    "in_past",
    "missing_time",
    "weekday_mismatch",
    "invalid_duration",
]


class DateParseError(ValueError):
    """The text is not a date/time/duration we can use; ``reason`` is the message key.

    Reasons: ``unrecognised`` (no date or time found, or words left over), ``invalid_date``
    (31 Februari), ``invalid_time`` (25.00), ``in_past``, ``missing_time`` (a date alone and no
    default time), ``weekday_mismatch`` ("Selasa, 7 Desember 2026" when that day is a Monday),
    ``invalid_duration`` (zero or unreadable duration).
    """

    def __init__(self, reason: Reason, text: str, *, day: int | None = None, month: int | None = None,
                 year: int | None = None, on: date | None = None, typed_weekday: int | None = None) -> None:
        super().__init__(f"{reason}: {text!r}")
        self.reason: Reason = reason
        self.text = text
        # What went wrong, so the message can name it ("31 April tidak ada — April hanya 30 hari"):
        # invalid_date: day, month (and year when typed); weekday_mismatch: `on`, typed_weekday.
        self.day, self.month, self.year = day, month, year
        self.on, self.typed_weekday = on, typed_weekday

    @property
    def days_in_month(self) -> int | None:
        """How many days the month of an impossible date has (February: 29 unless a year says 28)."""
        if self.month is None or not 1 <= self.month <= 12:
            return None
        year = self.year if self.year is not None else 2000
        return calendar.monthrange(year, self.month)[1]


MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "januari jan january",
        "februari feb pebruari peb february",
        "maret mar march",
        "april apr",
        "mei may",
        "juni jun june",
        "juli jul july",
        "agustus agu agt ags aug august",
        "september sep sept",
        "oktober okt oct october",
        "november nov nop nopember",
        "desember des dec december",
    ],
    start=1,
):
    for _name in _names.split():
        MONTHS[_name] = _number

WEEKDAYS: dict[str, int] = {
    "senin": 0,
    "selasa": 1,
    "rabu": 2,
    "kamis": 3,
    "jumat": 4,
    "sabtu": 5,
    "minggu": 6,
    "ahad": 6,
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}

_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY_ALT = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_NEXT = r"(?:depan|yang\s+akan\s+datang|next)"

# Words that carry no meaning of their own once the date and time are found.
_FILLER = {
    "tanggal",
    "tgl",
    "hari",
    "pada",
    "jam",
    "pukul",
    "pkl",
    "pk",
    "at",
    "on",
    "the",
    "of",
    "di",
    "nanti",
}


@dataclass
class _Found:
    """What the text said, before combining with ``now``."""

    day: date | None = None
    month_day: tuple[int, int] | None = None  # when the year was omitted
    weekday: int | None = None
    weekday_next_week: bool = False
    clock: time | None = None
    tz: ZoneInfo | None = None
    relative_days: int | None = None  # "besok" = 1, "minggu depan" = 7


def _normalise(text: str) -> str:
    text = text.lower().replace("’", "'").replace("jum'at", "jumat")
    text = re.sub(r"[,;]", " ", text)
    return " ".join(text.split())


def _take(pattern: re.Pattern[str], text: str) -> tuple[re.Match[str] | None, str]:
    """Find ``pattern`` once and cut it out, leaving a space so neighbours stay apart."""
    match = pattern.search(text)
    if match is None:
        return None, text
    return match, text[: match.start()] + " " + text[match.end() :]


def _make_date(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        # 30/02/2026 must be refused, not rolled to 2 March.
        raise DateParseError("invalid_date", text, day=day, month=month,
                             year=None if year == 2000 else year) from None


def _full_year(raw: str) -> int:
    return 2000 + int(raw) if len(raw) == 2 else int(raw)


_ZONE_RE = re.compile(r"\b(wib|wita|wit)\b")
_ISO_RE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_NUMERIC_RE = re.compile(r"\b(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})\b(?![.:]\d)")
# Without a year only "/" or "-" make a date: "13.30" is a time.
_NUMERIC_NO_YEAR_RE = re.compile(r"\b(\d{1,2})([/-])(\d{1,2})()\b(?![.:/-]\d)")
_TEXT_DATE_RE = re.compile(rf"\b(\d{{1,2}})\s*({_MONTH_ALT})\.?(?:\s+(\d{{4}}))?\b")
_TEXT_DATE_EN_RE = re.compile(rf"\b({_MONTH_ALT})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:\s+(\d{{4}}))?\b")
_RELATIVE_RE = re.compile(r"\b(hari\s+ini|besok\s+lusa|besok|lusa|kemarin|today|tomorrow|yesterday)\b")
_RELATIVE_DAYS = {
    "kemarin": -1,
    "yesterday": -1,
    "hari ini": 0,
    "today": 0,
    "besok": 1,
    "tomorrow": 1,
    "lusa": 2,
    "besok lusa": 2,
}
_WEEK_AHEAD_RE = re.compile(rf"(?<!hari )\b(?:minggu|pekan)\s+{_NEXT}\b|\bnext\s+week\b")
_WEEKDAY_RE = re.compile(rf"\b({_DAY_ALT})\b(?:\s+({_NEXT}))?")
_PERIOD = r"(pagi|siang|sore|petang|malam|dini\s+hari|am|pm|a\.m\.|p\.m\.)"
# A time needs a marker: "jam"/"pukul", minutes, am/pm, a part of the day or a zone label.
_TIME_RES = [
    re.compile(
        rf"\b(?:jam|pukul|pkl\.?|pk\.?|at)\s*(\d{{1,2}})(?:[.:](\d{{2}}))?(?:\s*{_PERIOD})?(?![\d.:])"
    ),
    re.compile(rf"\b(\d{{1,2}})[.:](\d{{2}})(?:\s*{_PERIOD})?(?![\d.:])"),
    re.compile(rf"\b(\d{{1,2}})()\s*{_PERIOD}(?![a-z])"),
    re.compile(r"\b(\d{1,2})()(?=\s*@zone)()"),
]


def _clock(hour: int, minute: int, period: str | None, text: str) -> time:
    if period:
        period = " ".join(period.replace(".", "").split())
    if hour > 23 or minute > 59 or (period in ("am", "pm") and not 1 <= hour <= 12):
        raise DateParseError("invalid_time", text)
    if hour <= 12:
        if period in ("pm",) and hour < 12:
            hour += 12
        elif period == "am" and hour == 12:
            hour = 0
        elif period == "siang" and 1 <= hour <= 5:
            hour += 12  # "jam 1 siang" is 13:00; "jam 11 siang" stays 11:00
        elif period in ("sore", "petang") and hour < 12:
            hour += 12
        elif period == "malam":
            if 6 <= hour <= 11:
                hour += 12
            elif hour == 12:
                hour = 0  # "jam 12 malam" is midnight
        elif period in ("pagi", "dini hari") and hour == 12:
            hour = 0
    elif period in ("pagi", "dini hari", "am"):
        raise DateParseError("invalid_time", text)  # "jam 15 pagi" contradicts itself
    return time(hour, minute)


def _scan(text: str) -> _Found:
    """Pull the date, weekday, time and zone out of ``text``; anything left over is an error."""
    found = _Found()
    rest = _normalise(text)
    if not rest:
        raise DateParseError("unrecognised", text)

    match = _ZONE_RE.search(rest)
    if match:
        found.tz = zone_from_label(match[1])
        # Leave a marker so "9 WITA" still reads as a time.
        rest = rest[: match.start()] + " @zone " + rest[match.end() :]

    match, rest = _take(_ISO_RE, rest)
    if match:
        found.day = _make_date(int(match[1]), int(match[2]), int(match[3]), text)
    if found.day is None:
        match, rest = _take(_NUMERIC_RE, rest)
        if match is None:
            match, rest = _take(_NUMERIC_NO_YEAR_RE, rest)
        if match:
            day, month, year = int(match[1]), int(match[3]), match[4]
            if not year:
                found.month_day = (month, day)
                _make_date(2000, month, day, text)  # 2000 is a leap year: only impossible dates fail
            else:
                found.day = _make_date(_full_year(year), month, day, text)
    if found.day is None and found.month_day is None:
        for pattern, order in ((_TEXT_DATE_RE, (1, 2, 3)), (_TEXT_DATE_EN_RE, (2, 1, 3))):
            match, rest = _take(pattern, rest)
            if match:
                day, month = int(match[order[0]]), MONTHS[match[order[1]]]
                if match[order[2]] is None:
                    found.month_day = (month, day)
                    _make_date(2000, month, day, text)
                else:
                    found.day = _make_date(int(match[order[2]]), month, day, text)
                break

    relative: int | None = None
    match, rest = _take(_RELATIVE_RE, rest)
    if match:
        word = " ".join(match[1].split())
        relative = _RELATIVE_DAYS[word]
    match, rest = _take(_WEEK_AHEAD_RE, rest)
    if match:
        if relative is not None:
            raise DateParseError("unrecognised", text)
        relative = 7

    for pattern in _TIME_RES:
        match, rest = _take(pattern, rest)
        if match:
            found.clock = _clock(int(match[1]), int(match[2] or 0), match[3], text)
            break
    rest = rest.replace("@zone", " ")

    match, rest = _take(_WEEKDAY_RE, rest)
    if match:
        found.weekday = WEEKDAYS[match[1]]
        found.weekday_next_week = match[2] is not None

    leftovers = [w for w in re.split(r"[\s/]+", rest) if w and w not in _FILLER]
    if leftovers:
        raise DateParseError("unrecognised", text)
    if relative is not None:
        if found.day is not None or found.month_day is not None:
            raise DateParseError("unrecognised", text)  # "besok 12 desember" contradicts itself
        found.relative_days = relative
    if (
        found.day is None
        and found.month_day is None
        and found.weekday is None
        and relative is None
        and found.clock is None
    ):
        raise DateParseError("unrecognised", text)
    return found


def _resolve_date(
    found: _Found, today: date, clock: time | None, now_local: datetime, text: str
) -> date | None:
    if found.relative_days is not None:
        result = today + timedelta(days=found.relative_days)
        if found.weekday is not None and result.weekday() != found.weekday:
            raise DateParseError("weekday_mismatch", text, on=result, typed_weekday=found.weekday)
        return result
    if found.month_day is not None:
        month, day = found.month_day
        # The next such date not before today; 29 Februari waits for a leap year.
        for year in range(today.year, today.year + 9):
            try:
                candidate = date(year, month, day)
            except ValueError:
                continue
            if candidate >= today:
                found.day = candidate
                break
    if found.day is not None:
        if found.weekday is not None and found.day.weekday() != found.weekday:
            raise DateParseError("weekday_mismatch", text, on=found.day, typed_weekday=found.weekday)
        return found.day
    if found.weekday is not None:
        if found.weekday_next_week:
            monday_next_week = today + timedelta(days=7 - today.weekday())
            return monday_next_week + timedelta(days=found.weekday)
        ahead = (found.weekday - today.weekday()) % 7
        candidate = today + timedelta(days=ahead)
        if ahead == 0 and clock is not None and clock <= now_local.time().replace(tzinfo=None):
            candidate += timedelta(days=7)  # "senin 13.00" said on Monday afternoon means next Monday
        return candidate
    return None


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")


def parse_datetime(
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    default_time: time | None = None,
    allow_past: bool = False,
) -> datetime:
    """Read a meeting time such as "besok jam 9 pagi" or "12/12/2026 09.00 WITA"; aware, in its zone."""
    _require_aware(now)
    found = _scan(text)
    zone = found.tz or tz
    now_local = now.astimezone(zone)
    today = now_local.date()
    clock = found.clock or default_time
    day = _resolve_date(found, today, clock, now_local, text)
    if day is None:
        day = today
    if clock is None:
        raise DateParseError("missing_time", text)
    result = datetime.combine(day, clock.replace(tzinfo=None), tzinfo=zone)
    if not allow_past and result < now:
        raise DateParseError("in_past", text)
    return result


def parse_date(text: str, *, now: datetime, tz: ZoneInfo, allow_past: bool = False) -> date:
    """Read a day such as "besok", "Senin depan" or "12 Des 2026"; a time in the text is ignored."""
    _require_aware(now)
    found = _scan(text)
    now_local = now.astimezone(found.tz or tz)
    today = now_local.date()
    day = _resolve_date(found, today, None, now_local, text)
    if day is None:
        raise DateParseError("unrecognised", text)  # only a time was given
    if not allow_past and day < today:
        raise DateParseError("in_past", text)
    return day


def parse_time(text: str) -> time:
    """Read a time of day such as "jam 7 malam", "13.30" or "9am" (naive: the zone is the caller's)."""
    found = _scan(text)
    has_day = found.day or found.month_day or found.weekday is not None or found.relative_days is not None
    if found.clock is None or has_day or found.tz:
        raise DateParseError("unrecognised", text)
    return found.clock


_DURATION_PART = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*(jam|j|h|hours?|hrs?|menit|mnt|m|min|mins|minutes?)(?![a-z])"
)


def parse_duration(text: str) -> timedelta:
    """Read a duration such as "2 jam", "90 menit", "1,5 jam", "1 jam 30 menit", "2j" or "2h"."""
    rest = _normalise(text.replace(",", "."))
    rest = rest.replace("setengah jam", "0.5 jam")
    total = Decimal(0)
    pos = 0
    matched = False
    for match in _DURATION_PART.finditer(rest):
        if rest[pos : match.start()].strip():
            raise DateParseError("invalid_duration", text)
        minutes_per_unit = 60 if match[2] in ("jam", "j", "h", "hour", "hours", "hr", "hrs") else 1
        total += Decimal(match[1]) * minutes_per_unit
        pos = match.end()
        matched = True
    if not matched or rest[pos:].strip() or total <= 0:
        raise DateParseError("invalid_duration", text)
    return timedelta(minutes=float(total))

