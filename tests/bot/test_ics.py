"""The .ics files parse back with icalendar: zone, times, RRULE, EXDATE, overrides."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from bot.ics import IcsEvent, meeting_ics, series_ics
from bot.recurrence import Recurrence, occurrences, to_rrule

WITA = ZoneInfo("Asia/Makassar")
NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def _event(**kw: object) -> IcsEvent:
    base: dict[str, object] = dict(uid="meeting-7", title="Pertemuan rutin <Desember> & evaluasi",
                                   start=datetime(2026, 12, 7, 9, 0, tzinfo=WITA), minutes=120, tz=WITA,
                                   location="Desa Sidasari, Kec. Cipari", description="1. Laporan\n2. Rencana")
    base.update(kw)
    return IcsEvent(**base)  # type: ignore[arg-type]


def test_single_meeting_has_zone_and_times() -> None:
    cal = Calendar.from_ical(meeting_ics(_event(geo=(-7.4, 108.8), url="https://meet.example.org/x"), now=NOW))
    [tz] = cal.walk("VTIMEZONE")
    assert str(tz["TZID"]) == "Asia/Makassar"
    [standard] = tz.walk("STANDARD")
    assert standard["TZOFFSETTO"].td == timedelta(hours=8)
    [event] = cal.walk("VEVENT")
    start = event["DTSTART"].dt
    assert start == datetime(2026, 12, 7, 9, 0, tzinfo=WITA)
    assert event["DTSTART"].params["TZID"] == "Asia/Makassar"
    assert event["DTEND"].dt - start == timedelta(hours=2)
    assert str(event["SUMMARY"]) == "Pertemuan rutin <Desember> & evaluasi"
    assert str(event["UID"]) == "meeting-7@kades-bot"
    assert event["GEO"].latitude == -7.4
    assert str(event["STATUS"]) == "CONFIRMED"
    assert b"VERSION:2.0" in cal.to_ical() and b"PRODID" in cal.to_ical()


def test_series_rrule_round_trips_with_dateutil_occurrences() -> None:
    first = datetime(2026, 12, 7, 9, 0, tzinfo=WITA)
    rule = Recurrence("monthly_nth", weekday=0, nth=1, count=6)
    starts = occurrences(first, rule)
    moved = starts[2] + timedelta(hours=2)
    data = series_ics(_event(uid="series-3", start=first), to_rrule(rule, tz=WITA), now=NOW,
                      exdates=[starts[4]], overrides=[(starts[2], _event(start=moved, title="Dipindah"))])
    cal = Calendar.from_ical(data)
    master, override = cal.walk("VEVENT")
    assert master["RRULE"]["FREQ"] == ["MONTHLY"] and master["RRULE"]["BYDAY"] == ["1MO"]
    assert master["RRULE"]["COUNT"] == [6]
    exdates = [d.dt for d in master["EXDATE"].dts]
    assert exdates == [starts[4]]
    assert override["RECURRENCE-ID"].dt == starts[2]
    assert override["DTSTART"].dt == moved and str(override["UID"]) == "series-3@kades-bot"
    # The RRULE expands to exactly our occurrences (dateutil reads RFC 5545).
    from dateutil.rrule import rrulestr

    expanded = list(rrulestr(master["RRULE"].to_ical().decode(), dtstart=first))
    assert expanded == starts
    assert [d.date() for d in expanded][:2] == [date(2026, 12, 7), date(2027, 1, 4)]


def test_cancelled_meeting_is_marked_cancelled() -> None:
    cal = Calendar.from_ical(meeting_ics(_event(cancelled=True, sequence=2), now=NOW))
    [event] = cal.walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 2
