"""Quiet hours: when a forum's members should not be woken by bulk pushes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Asia/Jakarta"


@lru_cache(maxsize=64)
def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def quiet_until(now: datetime, tz: ZoneInfo, start: time, end: time) -> datetime | None:
    """If `now` falls in the quiet window in zone `tz`, the UTC time it ends; else None.

    The window may wrap midnight (21.00-06.00) or not (13.00-14.00); start == end means none.
    """
    if start == end:
        return None
    local = now.astimezone(tz)
    t = local.time().replace(tzinfo=None)
    if start < end:
        inside = start <= t < end
    else:
        inside = t >= start or t < end
    if not inside:
        return None
    end_day = local.date()
    if start > end and t >= start:
        end_day += timedelta(days=1)
    # Indonesian zones have no DST, so the wall time is exact.
    return datetime.combine(end_day, end, tzinfo=tz).astimezone(UTC)
