"""Report periods: this month, last month, this year, the last 12 months, all, or typed dates.

A period is a range of local calendar days (inclusive) in the forum's zone. `code` is the
compact form carried in callback data: tm, lm, ty, 12, all, or c20260101-20260331.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.periods import add_months

PRESETS = ("tm", "lm", "ty", "12", "all")
_CUSTOM = re.compile(r"^c(\d{8})-(\d{8})$")
EARLIEST = date(2000, 1, 1)
# "Semua waktu" reaches into the future too: an announced meeting with its RSVPs belongs in it.
LATEST = date(2099, 12, 31)


@dataclass(frozen=True)
class Period:
    code: str
    start: date | None  # None: from the beginning
    end: date  # inclusive

    def utc_bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[from, to) in UTC for comparing stored times."""
        first = self.start or EARLIEST
        lo = datetime.combine(first, time(0), tz).astimezone(UTC)
        hi = datetime.combine(self.end + timedelta(days=1), time(0), tz).astimezone(UTC)
        return lo, hi

    def contains(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and day <= self.end

    def file_label(self) -> str:
        """The part of a file name naming the period: 2026-11, 2026, 2025-12_2026-11, semua."""
        if self.code in ("tm", "lm"):
            return f"{self.end:%Y-%m}"
        if self.code == "ty":
            return f"{self.end:%Y}"
        if self.code == "12" and self.start is not None:
            return f"{self.start:%Y-%m}_{self.end:%Y-%m}"
        if self.code == "all" or self.start is None:
            return "semua"
        return f"{self.start:%Y-%m-%d}_{self.end:%Y-%m-%d}"


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return add_months(month_start(day), 1) - timedelta(days=1)


def resolve(code: str, today: date) -> Period:
    """The period named by `code`, seen from the forum-local `today`; ValueError if malformed."""
    if code == "tm":
        return Period(code, month_start(today), month_end(today))
    if code == "lm":
        last = month_start(today) - timedelta(days=1)
        return Period(code, month_start(last), last)
    if code == "ty":
        return Period(code, date(today.year, 1, 1), date(today.year, 12, 31))
    if code == "12":
        return Period(code, add_months(month_start(today), -11), month_end(today))
    if code == "all":
        return Period(code, None, LATEST)
    match = _CUSTOM.match(code)
    if match is None:
        raise ValueError(f"unknown period code {code!r}")
    start = datetime.strptime(match.group(1), "%Y%m%d").date()
    end = datetime.strptime(match.group(2), "%Y%m%d").date()
    if end < start:
        raise ValueError("period ends before it starts")
    return Period(code, start, end)


def custom_code(start: date, end: date) -> str:
    if end < start:
        start, end = end, start
    return f"c{start:%Y%m%d}-{end:%Y%m%d}"
