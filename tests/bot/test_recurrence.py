from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr

from bot.recurrence import Recurrence, RecurrenceError, describe, occurrences, to_rrule

WITA = ZoneInfo("Asia/Makassar")
WIT = ZoneInfo("Asia/Jayapura")


def wita(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WITA)


def test_monthly_day_31_is_clamped_to_month_end() -> None:
    rule = Recurrence("monthly_day", day_of_month=31, count=6)
    assert occurrences(wita(2027, 1, 31, 9, 0), rule) == [
        wita(2027, 1, 31, 9, 0),
        wita(2027, 2, 28, 9, 0),
        wita(2027, 3, 31, 9, 0),
        wita(2027, 4, 30, 9, 0),
        wita(2027, 5, 31, 9, 0),
        wita(2027, 6, 30, 9, 0),
    ]


def test_monthly_day_30_in_leap_february() -> None:
    rule = Recurrence("monthly_day", day_of_month=30, count=3)
    assert [o.date() for o in occurrences(wita(2028, 1, 30, 9, 0), rule)] == [
        date(2028, 1, 30),
        date(2028, 2, 29),
        date(2028, 3, 30),
    ]


@pytest.mark.parametrize(
    ("nth", "weekday", "expected"),
    [
        (1, 0, [date(2027, 1, 4), date(2027, 2, 1), date(2027, 3, 1)]),  # first Monday
        (-1, 4, [date(2027, 1, 29), date(2027, 2, 26), date(2027, 3, 26)]),  # last Friday
        (4, 3, [date(2027, 1, 28), date(2027, 2, 25), date(2027, 3, 25)]),  # fourth Thursday
    ],
)
def test_monthly_nth(nth: int, weekday: int, expected: list[date]) -> None:
    rule = Recurrence("monthly_nth", weekday=weekday, nth=nth, count=3)
    assert [o.date() for o in occurrences(wita(2027, 1, 1, 9, 0), rule)] == expected


def test_weekly_every_two_weeks_counts_from_first_week() -> None:
    # 7 January 2027 is a Thursday.
    rule = Recurrence("weekly", interval=2, weekday=3, until=date(2027, 2, 18))
    assert [o.date() for o in occurrences(wita(2027, 1, 7, 14, 0), rule)] == [
        date(2027, 1, 7),
        date(2027, 1, 21),
        date(2027, 2, 4),
        date(2027, 2, 18),  # until is inclusive
    ]


def test_wall_clock_and_zone_are_kept() -> None:
    rule = Recurrence("weekly", weekday=0, count=3)
    result = occurrences(datetime(2027, 1, 4, 19, 30, tzinfo=WIT), rule)
    assert all(o.tzinfo == WIT and (o.hour, o.minute) == (19, 30) for o in result)


def test_after_skips_without_changing_count() -> None:
    rule = Recurrence("weekly", weekday=0, count=4)
    first = wita(2027, 1, 4, 9, 0)
    assert occurrences(first, rule, after=wita(2027, 1, 11, 9, 0)) == [
        wita(2027, 1, 18, 9, 0),
        wita(2027, 1, 25, 9, 0),
    ]


def test_limit_caps_endless_series() -> None:
    rule = Recurrence("monthly_nth", weekday=0, nth=1)
    assert len(occurrences(wita(2027, 1, 4, 9, 0), rule, limit=7)) == 7


@pytest.mark.parametrize(
    ("rule", "first"),
    [
        (Recurrence("monthly_day", day_of_month=31, count=14), wita(2027, 1, 31, 9, 0)),
        (Recurrence("monthly_day", day_of_month=29, count=14), wita(2027, 1, 29, 9, 0)),
        (Recurrence("monthly_day", day_of_month=15, interval=2, count=8), wita(2027, 1, 15, 9, 0)),
        (Recurrence("monthly_nth", weekday=0, nth=1, count=12), wita(2027, 1, 4, 9, 0)),
        (Recurrence("monthly_nth", weekday=4, nth=-1, interval=3, count=8), wita(2027, 1, 29, 9, 0)),
        (Recurrence("weekly", weekday=3, interval=2, until=date(2027, 6, 30)), wita(2027, 1, 7, 14, 0)),
        (Recurrence("weekly", weekday=6, until=date(2027, 3, 28)), wita(2027, 1, 3, 8, 0)),
    ],
)
def test_rrule_export_matches_our_occurrences(rule: Recurrence, first: datetime) -> None:
    # What a calendar app expands from the .ics must be what the bot reminds about.
    theirs = list(rrulestr(to_rrule(rule, tz=WITA), dtstart=first))
    assert occurrences(first, rule, limit=1000) == theirs


@pytest.mark.parametrize(
    ("rule", "rrule"),
    [
        (Recurrence("monthly_nth", weekday=0, nth=1, count=6), "FREQ=MONTHLY;BYDAY=1MO;COUNT=6"),
        (Recurrence("monthly_nth", weekday=4, nth=-1), "FREQ=MONTHLY;BYDAY=-1FR"),
        (Recurrence("monthly_day", day_of_month=31), "FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1"),
        (Recurrence("monthly_day", day_of_month=10, interval=3), "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=10"),
        (
            Recurrence("weekly", weekday=3, interval=2, until=date(2027, 6, 30)),
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;WKST=MO;UNTIL=20270630",
        ),
    ],
)
def test_to_rrule(rule: Recurrence, rrule: str) -> None:
    assert to_rrule(rule) == rrule


def test_to_rrule_until_is_end_of_local_day_in_utc() -> None:
    rule = Recurrence("weekly", weekday=3, until=date(2027, 6, 30))
    assert to_rrule(rule, tz=WITA).endswith("UNTIL=20270630T155959Z")


@pytest.mark.parametrize(
    ("rule", "lang", "text"),
    [
        (
            Recurrence("monthly_nth", weekday=0, nth=1, count=6),
            "id",
            "Setiap Senin pertama tiap bulan, 6 kali",
        ),
        (
            Recurrence("monthly_nth", weekday=0, nth=1, count=6),
            "en",
            "Every first Monday of the month, 6 times",
        ),
        (Recurrence("monthly_nth", weekday=4, nth=-1), "id", "Setiap Jumat terakhir tiap bulan"),
        (
            Recurrence("weekly", weekday=3, interval=2, until=date(2027, 6, 30)),
            "id",
            "Setiap 2 minggu pada hari Kamis, sampai 30 Juni 2027",
        ),
        (
            Recurrence("weekly", weekday=3, interval=2, until=date(2027, 6, 30)),
            "en",
            "Every 2 weeks on Thursday, until 30 June 2027",
        ),
        (Recurrence("weekly", weekday=2), "id", "Setiap hari Rabu"),
        (Recurrence("monthly_day", day_of_month=15), "id", "Setiap tanggal 15 tiap bulan"),
        (
            Recurrence("monthly_day", day_of_month=31),
            "id",
            "Setiap tanggal 31 tiap bulan (atau hari terakhir bulan itu)",
        ),
        (Recurrence("monthly_day", day_of_month=5, interval=3), "en", "Every 3 months on day 5"),
    ],
)
def test_describe(rule: Recurrence, lang: str, text: str) -> None:
    assert describe(rule, lang) == text


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"kind": "daily"}, "unknown_kind"),
        ({"kind": "weekly", "weekday": 0, "interval": 0}, "invalid_interval"),
        ({"kind": "weekly"}, "missing_weekday"),
        ({"kind": "weekly", "weekday": 7}, "invalid_weekday"),
        ({"kind": "monthly_day"}, "missing_day_of_month"),
        ({"kind": "monthly_day", "day_of_month": 32}, "invalid_day_of_month"),
        ({"kind": "monthly_day", "day_of_month": 0}, "invalid_day_of_month"),
        ({"kind": "monthly_nth", "weekday": 0, "nth": 5}, "invalid_nth"),
        ({"kind": "monthly_nth", "weekday": 0, "nth": 0}, "invalid_nth"),
        ({"kind": "monthly_nth", "weekday": 0}, "invalid_nth"),
        ({"kind": "weekly", "weekday": 0, "nth": 1}, "unexpected_field"),
        ({"kind": "weekly", "weekday": 0, "count": 3, "until": date(2027, 1, 1)}, "until_and_count"),
        ({"kind": "weekly", "weekday": 0, "count": 0}, "invalid_count"),
    ],
)
def test_invalid_rules_are_refused(kwargs: dict[str, object], reason: str) -> None:
    with pytest.raises(RecurrenceError) as info:
        Recurrence(**kwargs)  # type: ignore[arg-type]
    assert info.value.reason == reason


def test_naive_first_is_refused() -> None:
    with pytest.raises(RecurrenceError):
        occurrences(datetime(2027, 1, 4, 9, 0), Recurrence("weekly", weekday=0, count=2))
