from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.dateparse import DateParseError, parse_date, parse_datetime, parse_duration, parse_time

WIB = ZoneInfo("Asia/Jakarta")
WITA = ZoneInfo("Asia/Makassar")
WIT = ZoneInfo("Asia/Jayapura")
# Monday 7 December 2026, 10:00 WIB.
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=WIB)


def wib(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WIB)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12/12/2026 09.00", wib(2026, 12, 12, 9, 0)),
        ("12-12-2026 09:00", wib(2026, 12, 12, 9, 0)),
        ("12.12.2026 09.00", wib(2026, 12, 12, 9, 0)),
        ("12/12/26 9.00", wib(2026, 12, 12, 9, 0)),
        ("2026-12-12 09:00", wib(2026, 12, 12, 9, 0)),
        ("12 Desember 2026 jam 9", wib(2026, 12, 12, 9, 0)),
        ("12 Des 2026 pukul 13.30", wib(2026, 12, 12, 13, 30)),
        ("tgl 12/12 jam 9", wib(2026, 12, 12, 9, 0)),
        ("12 desember jam 9 pagi", wib(2026, 12, 12, 9, 0)),
        ("6 desember jam 9", wib(2027, 12, 6, 9, 0)),  # yesterday's date: next year
        ("29 februari jam 9", wib(2028, 2, 29, 9, 0)),  # waits for a leap year
        ("12 agt 2027 jam 9", wib(2027, 8, 12, 9, 0)),
        ("12 Ags 2027 jam 9", wib(2027, 8, 12, 9, 0)),
        ("12 agu 2027 jam 9", wib(2027, 8, 12, 9, 0)),
        ("1 Okt 2027 jam 9", wib(2027, 10, 1, 9, 0)),
        ("1 nop 2027 jam 9", wib(2027, 11, 1, 9, 0)),
        ("1 Mei 2027 jam 9", wib(2027, 5, 1, 9, 0)),
        ("besok jam 9 pagi", wib(2026, 12, 8, 9, 0)),
        ("lusa 14.00", wib(2026, 12, 9, 14, 0)),
        ("hari ini jam 4 sore", wib(2026, 12, 7, 16, 0)),
        ("senin 13.00", wib(2026, 12, 7, 13, 0)),  # today is Monday and 13.00 is still ahead
        ("senin 9.00", wib(2026, 12, 14, 9, 0)),  # today's 09.00 has passed
        ("Senin depan 13.00", wib(2026, 12, 14, 13, 0)),
        ("rabu 10.00", wib(2026, 12, 9, 10, 0)),
        ("rabu depan 10.00", wib(2026, 12, 16, 10, 0)),  # Wednesday of next week, not this week
        ("Jum'at 08.00", wib(2026, 12, 11, 8, 0)),
        ("jumat jam 8", wib(2026, 12, 11, 8, 0)),
        ("hari minggu jam 9", wib(2026, 12, 13, 9, 0)),
        ("ahad depan jam 8", wib(2026, 12, 20, 8, 0)),
        ("minggu depan jam 9", wib(2026, 12, 14, 9, 0)),  # a week from today
        ("jam 7 malam", wib(2026, 12, 7, 19, 0)),
        ("jam 12 siang", wib(2026, 12, 7, 12, 0)),
        ("jam 1 siang", wib(2026, 12, 7, 13, 0)),
        ("jam 3 sore", wib(2026, 12, 7, 15, 0)),
        ("besok jam 1 dini hari", wib(2026, 12, 8, 1, 0)),
        ("besok 09.00 WIB", wib(2026, 12, 8, 9, 0)),
        ("Rabu, 9 Des jam 10", wib(2026, 12, 9, 10, 0)),
        ("12 December 2026 9am", wib(2026, 12, 12, 9, 0)),
        ("December 12 2026 9.30pm", wib(2026, 12, 12, 21, 30)),
    ],
)
def test_parse_datetime(text: str, expected: datetime) -> None:
    result = parse_datetime(text, now=NOW, tz=WIB)
    assert result == expected
    assert result.tzinfo == WIB


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("besok 9 WITA", datetime(2026, 12, 8, 9, 0, tzinfo=WITA)),
        ("Senin, 7 Desember 2026 pukul 19.00 WITA", datetime(2026, 12, 7, 19, 0, tzinfo=WITA)),
        ("besok 09.00 wit", datetime(2026, 12, 8, 9, 0, tzinfo=WIT)),
    ],
)
def test_zone_label_in_text_overrides_tz(text: str, expected: datetime) -> None:
    result = parse_datetime(text, now=NOW, tz=WIB)
    assert result == expected
    assert result.tzinfo == expected.tzinfo
    assert result.utcoffset() == expected.utcoffset()


def test_relative_words_use_the_local_day_of_the_zone() -> None:
    # 23:30 WIB on Monday is already Tuesday 01:30 WIT: "besok" is Wednesday in Papua.
    now = datetime(2026, 12, 7, 23, 30, tzinfo=WIB)
    assert parse_datetime("besok jam 9", now=now, tz=WIT) == datetime(2026, 12, 9, 9, 0, tzinfo=WIT)


def test_default_time_fills_a_date_without_time() -> None:
    result = parse_datetime("besok", now=NOW, tz=WIB, default_time=time(9, 0))
    assert result == wib(2026, 12, 8, 9, 0)


def test_allow_past_accepts_past_times() -> None:
    assert parse_datetime("06/12/2026 09.00", now=NOW, tz=WIB, allow_past=True) == wib(2026, 12, 6, 9, 0)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("halo", "unrecognised"),
        ("", "unrecognised"),
        ("besok jam 9 rapat", "unrecognised"),
        ("31 Februari 2027 jam 9", "invalid_date"),
        ("30/02/2026 09.00", "invalid_date"),
        ("12/13/2026 9.00", "invalid_date"),
        ("29 Februari 2027 jam 9", "invalid_date"),
        ("besok 25.00", "invalid_time"),
        ("besok 09.60", "invalid_time"),
        ("besok jam 15 pagi", "invalid_time"),
        ("06/12/2026 09.00", "in_past"),
        ("hari ini jam 8", "in_past"),
        ("kemarin jam 9", "in_past"),
        ("besok", "missing_time"),
        ("12 Desember 2026", "missing_time"),
        ("Selasa, 7 Desember 2026 jam 9", "weekday_mismatch"),
    ],
)
def test_parse_datetime_errors(text: str, reason: str) -> None:
    with pytest.raises(DateParseError) as info:
        parse_datetime(text, now=NOW, tz=WIB)
    assert info.value.reason == reason


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        parse_datetime("besok jam 9", now=datetime(2026, 12, 7, 10, 0), tz=WIB)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("besok", date(2026, 12, 8)),
        ("minggu depan", date(2026, 12, 14)),
        ("pekan depan", date(2026, 12, 14)),
        ("senin", date(2026, 12, 7)),
        ("senin depan", date(2026, 12, 14)),
        ("sabtu", date(2026, 12, 12)),
        ("12/12", date(2026, 12, 12)),
        ("1 Januari", date(2027, 1, 1)),
        ("12 Des 2026", date(2026, 12, 12)),
        ("besok jam 9", date(2026, 12, 8)),
    ],
)
def test_parse_date(text: str, expected: date) -> None:
    assert parse_date(text, now=NOW, tz=WIB) == expected


@pytest.mark.parametrize(
    ("text", "reason"), [("kemarin", "in_past"), ("jam 9", "unrecognised"), ("30/02", "invalid_date")]
)
def test_parse_date_errors(text: str, reason: str) -> None:
    with pytest.raises(DateParseError) as info:
        parse_date(text, now=NOW, tz=WIB)
    assert info.value.reason == reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jam 7 malam", time(19, 0)),
        ("jam 12 malam", time(0, 0)),
        ("jam 1 malam", time(1, 0)),
        ("jam 11 siang", time(11, 0)),
        ("13.30", time(13, 30)),
        ("pukul 08:15", time(8, 15)),
        ("9am", time(9, 0)),
        ("12 pm", time(12, 0)),
        ("12am", time(0, 0)),
        ("jam 5 petang", time(17, 0)),
    ],
)
def test_parse_time(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"), [("besok 9.00", "unrecognised"), ("24.00", "invalid_time"), ("13pm", "invalid_time")]
)
def test_parse_time_errors(text: str, reason: str) -> None:
    with pytest.raises(DateParseError) as info:
        parse_time(text)
    assert info.value.reason == reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 jam", timedelta(hours=2)),
        ("90 menit", timedelta(minutes=90)),
        ("1,5 jam", timedelta(minutes=90)),
        ("1.5 jam", timedelta(minutes=90)),
        ("1 jam 30 menit", timedelta(minutes=90)),
        ("2j", timedelta(hours=2)),
        ("2h", timedelta(hours=2)),
        ("45m", timedelta(minutes=45)),
        ("setengah jam", timedelta(minutes=30)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "lama", "0 jam", "2", "2 jam lagi", "jam 2"])
def test_parse_duration_errors(text: str) -> None:
    with pytest.raises(DateParseError) as info:
        parse_duration(text)
    assert info.value.reason == "invalid_duration"


@pytest.mark.parametrize(("typed", "lang", "message"), [
    ("31 April", "id", "Tanggal 31 April tidak ada — April hanya 30 hari."),
    ("29/02/2027", "id", "Tanggal 29 Februari 2027 tidak ada — Februari 2027 hanya 28 hari."),
    ("30 Februari", "id", "Februari hanya 28 atau 29 hari"),
    ("Rabu, 10 Desember 2026", "id", "10 Desember 2026 jatuh pada hari Kamis, bukan Rabu."),
    ("Rabu, 10 Desember 2026", "en", "10 December 2026 is a Thursday, not a Wednesday."),
    ("31 April", "en", "31 April does not exist — April has only 30 days."),
])
def test_date_errors_name_the_real_problem(typed: str, lang: str, message: str) -> None:
    from bot.render import date_problem
    from bot.texts import t

    with pytest.raises(DateParseError) as caught:
        parse_date(typed, now=NOW, tz=WIB)
    problem = date_problem(caught.value, "meet.bad.date.")
    assert message in t(problem.message_key, lang, **problem.params)
