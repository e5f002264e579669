"""iCalendar (RFC 5545) files for "Tambahkan ke kalender": one meeting, or a whole series.

Times carry the meeting's zone (DTSTART;TZID=Asia/Makassar with a VTIMEZONE), so a phone in
any zone shows the right hour. A series is one VEVENT with an RRULE; occurrences that were
cancelled become EXDATEs and occurrences moved or changed on their own become extra VEVENTs
with a RECURRENCE-ID (the time the rule gave them). No Telegram, no SQL here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vRecur

PRODID = "-//kades-bot//pertemuan forum kades//ID"
UID_DOMAIN = "kades-bot"


@dataclass(frozen=True)
class IcsEvent:
    uid: str  # "meeting-42" or "series-7"; the domain is added
    title: str
    start: datetime  # aware
    minutes: int
    tz: ZoneInfo
    location: str | None = None
    description: str | None = None
    url: str | None = None
    geo: tuple[float, float] | None = None
    sequence: int = 0
    cancelled: bool = False
    categories: Sequence[str] = field(default_factory=tuple)


def _event(item: IcsEvent, now: datetime) -> Event:
    if item.start.tzinfo is None:
        raise ValueError("event start must be timezone-aware")
    event = Event()
    event.add("uid", f"{item.uid}@{UID_DOMAIN}")
    event.add("dtstamp", now.astimezone(UTC))
    start = item.start.astimezone(item.tz)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=item.minutes))
    event.add("summary", item.title)
    event.add("sequence", item.sequence)
    event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
    if item.location:
        event.add("location", item.location)
    if item.description:
        event.add("description", item.description)
    if item.url:
        event.add("url", item.url)
    if item.geo is not None:
        event.add("geo", item.geo)
    return event


def _calendar(tz: ZoneInfo, name: str | None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("x-wr-calname", name)
    cal.add_component(Timezone.from_tzinfo(tz))
    return cal


def meeting_ics(item: IcsEvent, *, now: datetime, calendar_name: str | None = None) -> bytes:
    """A calendar with one meeting."""
    cal = _calendar(item.tz, calendar_name)
    cal.add_component(_event(item, now))
    return cal.to_ical()


def series_ics(master: IcsEvent, rrule: str, *, now: datetime, exdates: Sequence[datetime] = (),
               overrides: Sequence[tuple[datetime, IcsEvent]] = (), calendar_name: str | None = None) -> bytes:
    """A recurring meeting: the master with RRULE, EXDATEs, and overridden occurrences.

    `rrule` is bot.recurrence.to_rrule(rule, tz=zone); each override is (the occurrence's time by
    the rule, the occurrence as it now is).
    """
    cal = _calendar(master.tz, calendar_name)
    event = _event(master, now)
    event.add("rrule", vRecur.from_ical(rrule))
    for moment in exdates:
        event.add("exdate", moment.astimezone(master.tz))
    cal.add_component(event)
    for recurrence_id, item in overrides:
        override = _event(IcsEvent(**{**item.__dict__, "uid": master.uid}), now)
        override.add("recurrence-id", recurrence_id.astimezone(master.tz))
        cal.add_component(override)
    return cal.to_ical()
