from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.timefmt import (
    RupiahParseError,
    format_date,
    format_date_short,
    format_datetime,
    format_relative_day,
    format_rupiah,
    format_time,
    parse_rupiah,
    zone_for_province,
    zone_for_region,
    zone_from_label,
    zone_label,
)


@pytest.mark.parametrize(
    ("code", "zone"),
    [
        ("11", "Asia/Jakarta"),  # Aceh
        ("19", "Asia/Jakarta"),  # Bangka Belitung
        ("21", "Asia/Jakarta"),  # Kepulauan Riau
        ("31", "Asia/Jakarta"),
        ("36", "Asia/Jakarta"),  # Banten
        ("61", "Asia/Pontianak"),
        ("62", "Asia/Pontianak"),
        ("51", "Asia/Makassar"),  # Bali
        ("53", "Asia/Makassar"),  # NTT
        ("63", "Asia/Makassar"),
        ("65", "Asia/Makassar"),  # Kalimantan Utara
        ("76", "Asia/Makassar"),  # Sulawesi Barat
        ("81", "Asia/Jayapura"),
        ("82", "Asia/Jayapura"),
        ("96", "Asia/Jayapura"),  # Papua Barat Daya
    ],
)
def test_zone_for_province(code: str, zone: str) -> None:
    assert zone_for_province(code) == ZoneInfo(zone)


@pytest.mark.parametrize("code", ["", "10", "20", "37", "66", "77", "90", "97", "xx"])
def test_zone_for_unknown_province_raises(code: str) -> None:
    with pytest.raises(ValueError):
        zone_for_province(code)


@pytest.mark.parametrize(
    ("code", "zone"),
    [("33.01.18.2011", "Asia/Jakarta"), ("73.71", "Asia/Makassar"), ("91.01.01.2001", "Asia/Jayapura")],
)
def test_zone_for_region(code: str, zone: str) -> None:
    assert zone_for_region(code) == ZoneInfo(zone)


@pytest.mark.parametrize(
    ("zone", "label"),
    [("Asia/Jakarta", "WIB"), ("Asia/Pontianak", "WIB"), ("Asia/Makassar", "WITA"), ("Asia/Jayapura", "WIT")],
)
def test_zone_label(zone: str, label: str) -> None:
    assert zone_label(ZoneInfo(zone)) == label


def test_zone_label_rejects_foreign_zone() -> None:
    with pytest.raises(ValueError):
        zone_label(ZoneInfo("Europe/Berlin"))


@pytest.mark.parametrize(
    ("label", "zone"),
    [("wib", "Asia/Jakarta"), ("WITA", "Asia/Makassar"), (" Wit ", "Asia/Jayapura")],
)
def test_zone_from_label(label: str, zone: str) -> None:
    assert zone_from_label(label) == ZoneInfo(zone)


def test_zone_from_unknown_label_raises() -> None:
    with pytest.raises(ValueError):
        zone_from_label("WET")


# 01:00 UTC is 09:00 in Makassar.
MEETING_UTC = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "lang", "expected"),
    [
        ("Asia/Makassar", "id", "Senin, 7 Desember 2026 pukul 09.00 WITA"),
        ("Asia/Makassar", "en", "Monday, 7 December 2026 at 09:00 WITA"),
        ("Asia/Jakarta", "id", "Senin, 7 Desember 2026 pukul 08.00 WIB"),
        ("Asia/Jayapura", "id", "Senin, 7 Desember 2026 pukul 10.00 WIT"),
    ],
)
def test_format_datetime(zone: str, lang: str, expected: str) -> None:
    assert format_datetime(MEETING_UTC, ZoneInfo(zone), lang) == expected


def test_format_datetime_crosses_midnight_into_local_day() -> None:
    # 20:30 UTC on the 6th is already the 7th in Jayapura.
    dt = datetime(2026, 12, 6, 20, 30, tzinfo=UTC)
    assert format_datetime(dt, ZoneInfo("Asia/Jayapura")) == "Senin, 7 Desember 2026 pukul 05.30 WIT"


def test_format_datetime_rejects_naive() -> None:
    with pytest.raises(ValueError):
        format_datetime(datetime(2026, 12, 7, 9, 0), ZoneInfo("Asia/Jakarta"))


@pytest.mark.parametrize(("lang", "expected"), [("id", "09.00 WITA"), ("en", "09:00 WITA")])
def test_format_time(lang: str, expected: str) -> None:
    assert format_time(MEETING_UTC, ZoneInfo("Asia/Makassar"), lang) == expected


@pytest.mark.parametrize(
    ("d", "lang", "long", "short"),
    [
        (date(2026, 12, 7), "id", "Senin, 7 Desember 2026", "7 Des 2026"),
        (date(2026, 12, 7), "en", "Monday, 7 December 2026", "7 Dec 2026"),
        (date(2026, 8, 17), "id", "Senin, 17 Agustus 2026", "17 Agu 2026"),
        (date(2027, 1, 1), "id", "Jumat, 1 Januari 2027", "1 Jan 2027"),
    ],
)
def test_format_date(d: date, lang: str, long: str, short: str) -> None:
    assert format_date(d, lang) == long
    assert format_date_short(d, lang) == short


TODAY = date(2026, 12, 7)


@pytest.mark.parametrize(
    ("offset", "lang", "expected"),
    [
        (0, "id", "hari ini"),
        (1, "id", "besok"),
        (2, "id", "lusa"),
        (3, "id", "3 hari lagi"),
        (-1, "id", "kemarin"),
        (-5, "id", "5 hari yang lalu"),
        (0, "en", "today"),
        (1, "en", "tomorrow"),
        (2, "en", "in 2 days"),
        (-1, "en", "yesterday"),
        (-3, "en", "3 days ago"),
    ],
)
def test_format_relative_day(offset: int, lang: str, expected: str) -> None:
    target = date.fromordinal(TODAY.toordinal() + offset)
    assert format_relative_day(target, TODAY, lang) == expected


@pytest.mark.parametrize(
    ("amount", "expected"),
    [(1_500_000, "Rp1.500.000"), (-1_500, "-Rp1.500"), (0, "Rp0"), (999, "Rp999"), (1_000, "Rp1.000")],
)
def test_format_rupiah(amount: int, expected: str) -> None:
    assert format_rupiah(amount) == expected


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("Rp1.500.000", 1_500_000),
        ("1500000", 1_500_000),
        ("1,5 juta", 1_500_000),
        ("1.5jt", 1_500_000),
        ("2 miliar", 2_000_000_000),
        ("2 milyar", 2_000_000_000),
        ("750 ribu", 750_000),
        ("750rb", 750_000),
        ("Rp 25.000.000,00", 25_000_000),
        ("Rp. 25.000,-", 25_000),
        ("IDR 1.000", 1_000),
        ("-Rp1.500", -1_500),
        ("1.500 juta", 1_500_000_000),
    ],
)
def test_parse_rupiah(text: str, amount: int) -> None:
    assert parse_rupiah(text) == amount


@pytest.mark.parametrize(
    "text", ["", "Rp", "abc", "1.5", "1.50000", "12 apel", "1,2,3", "Rp1.500,50", "satu juta"]
)
def test_parse_rupiah_rejects_garbage(text: str) -> None:
    with pytest.raises(RupiahParseError):
        parse_rupiah(text)


@pytest.mark.parametrize("amount", [0, 7, 1_500_000, -25_000, 2_000_000_000])
def test_rupiah_round_trip(amount: int) -> None:
    assert parse_rupiah(format_rupiah(amount)) == amount
