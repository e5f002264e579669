"""Time zones of Indonesian regions and Indonesian/English formatting of dates, times and money.

Storage holds UTC; everything here converts to the reader's zone only when rendering.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Literal
from zoneinfo import ZoneInfo

from babel.dates import format_date as _babel_format_date

Lang = Literal["id", "en"]
ZoneLabel = Literal["WIB", "WITA", "WIT"]

JAKARTA = ZoneInfo("Asia/Jakarta")
PONTIANAK = ZoneInfo("Asia/Pontianak")
MAKASSAR = ZoneInfo("Asia/Makassar")
JAYAPURA = ZoneInfo("Asia/Jayapura")


class RupiahParseError(ValueError):
    """The text is not an amount of rupiah we can read (message key: ``rupiah_tidak_dikenali``)."""


# Kemendagri province codes. Kalbar and Kalteng keep their own tz name (same offset as Jakarta)
# so the zone stays faithful to the tz database; every label still reads WIB.
_PROVINCE_ZONES: dict[str, ZoneInfo] = {
    **{code: JAKARTA for code in ("11", "12", "13", "14", "15", "16", "17", "18", "19", "21")},
    **{code: JAKARTA for code in ("31", "32", "33", "34", "35", "36")},
    "51": MAKASSAR,
    "52": MAKASSAR,
    "53": MAKASSAR,
    "61": PONTIANAK,
    "62": PONTIANAK,
    **{code: MAKASSAR for code in ("63", "64", "65")},
    **{code: MAKASSAR for code in ("71", "72", "73", "74", "75", "76")},
    "81": JAYAPURA,
    "82": JAYAPURA,
    **{code: JAYAPURA for code in ("91", "92", "93", "94", "95", "96")},
}

_LABEL_ZONES: dict[str, ZoneInfo] = {"WIB": JAKARTA, "WITA": MAKASSAR, "WIT": JAYAPURA}
_OFFSET_LABELS: dict[timedelta, ZoneLabel] = {
    timedelta(hours=7): "WIB",
    timedelta(hours=8): "WITA",
    timedelta(hours=9): "WIT",
}


def zone_for_province(province_code: str) -> ZoneInfo:
    """Return the zone of a province given its two-digit Kemendagri code ("33" = Jawa Tengah)."""
    try:
        return _PROVINCE_ZONES[province_code.strip()]
    except KeyError:
        raise ValueError(f"unknown province code: {province_code!r}") from None


def zone_for_region(region_code: str) -> ZoneInfo:
    """Return the zone of any region code ("33", "33.01", "33.01.18.2011"); the province decides."""
    return zone_for_province(region_code.strip()[:2])


def member_zone(timezone: str | None, village_code: str | None) -> ZoneInfo:
    """A member's own zone: chosen, else their village's, else WIB."""
    if timezone:
        return ZoneInfo(timezone)
    if village_code:
        return zone_for_region(village_code)
    return ZoneInfo("Asia/Jakarta")


def zone_label(tz: ZoneInfo) -> ZoneLabel:
    """Return WIB, WITA or WIT for a zone, judged by its UTC offset (Asia/Pontianak is WIB)."""
    # Indonesia has no DST, so the offset at any instant is the offset.
    offset = datetime(2000, 1, 1, tzinfo=tz).utcoffset()
    if offset is None or offset not in _OFFSET_LABELS:
        raise ValueError(f"zone {tz} is not an Indonesian zone")
    return _OFFSET_LABELS[offset]


def zone_from_label(label: str) -> ZoneInfo:
    """Return the zone for "WIB", "WITA" or "WIT" (any case)."""
    try:
        return _LABEL_ZONES[label.strip().upper()]
    except KeyError:
        raise ValueError(f"unknown zone label: {label!r}") from None


def _locale(lang: str) -> str:
    if lang not in ("id", "en"):
        raise ValueError(f"unsupported language: {lang!r}")
    return lang


def format_date(d: date, lang: str = "id") -> str:
    """Return "Senin, 7 Desember 2026" / "Monday, 7 December 2026"."""
    return _babel_format_date(d, "EEEE, d MMMM y", locale=_locale(lang))


def format_day_month_year(d: date, lang: str = "id") -> str:
    """Return "10 Desember 2026" / "10 December 2026" (no weekday)."""
    return _babel_format_date(d, "d MMMM y", locale=_locale(lang))


def month_name(month: int, lang: str = "id") -> str:
    """Return "April" / "Agustus" / "August"."""
    return _babel_format_date(date(2000, month, 1), "MMMM", locale=_locale(lang))


def weekday_name(weekday: int, lang: str = "id") -> str:
    """Return "Senin" for 0 ... "Minggu" for 6 (English: "Monday" ...)."""
    return _babel_format_date(date(2024, 1, 1 + weekday), "EEEE", locale=_locale(lang))


def format_date_short(d: date, lang: str = "id") -> str:
    """Return "7 Des 2026" / "7 Dec 2026"."""
    return _babel_format_date(d, "d MMM y", locale=_locale(lang))


def _require_aware(dt: datetime) -> None:
    if dt.tzinfo is None or dt.utcoffset() is None:
        # A naive datetime would be read in the server's zone, which is never what a forum means.
        raise ValueError("datetime must be timezone-aware")


def format_time(dt: datetime, tz: ZoneInfo, lang: str = "id") -> str:
    """Return "09.00 WITA" (Indonesian uses a dot) / "09:00 WITA"."""
    _require_aware(dt)
    local = dt.astimezone(tz)
    sep = "." if _locale(lang) == "id" else ":"
    return f"{local.hour:02d}{sep}{local.minute:02d} {zone_label(tz)}"


def format_datetime(dt: datetime, tz: ZoneInfo, lang: str = "id") -> str:
    """Return "Senin, 7 Desember 2026 pukul 09.00 WITA" for an aware datetime shown in ``tz``."""
    _require_aware(dt)
    local = dt.astimezone(tz)
    joiner = "pukul" if _locale(lang) == "id" else "at"
    return f"{format_date(local.date(), lang)} {joiner} {format_time(local, tz, lang)}"


def format_relative_day(target_date: date, today: date, lang: str = "id") -> str:
    """Return how far ``target_date`` is from ``today``: "hari ini", "besok", "lusa", "3 hari lagi", "kemarin"."""
    days = (target_date - today).days
    if _locale(lang) == "id":
        named = {0: "hari ini", 1: "besok", 2: "lusa", -1: "kemarin", -2: "kemarin lusa"}
        if days in named:
            return named[days]
        return f"{days} hari lagi" if days > 0 else f"{-days} hari yang lalu"
    named_en = {0: "today", 1: "tomorrow", -1: "yesterday"}
    if days in named_en:
        return named_en[days]
    return f"in {days} days" if days > 0 else f"{-days} days ago"


def format_rupiah(amount: int) -> str:
    """Return "Rp1.500.000" (dots group thousands, no decimals; negative is "-Rp1.500")."""
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp{abs(amount):,}".replace(",", ".")


_MULTIPLIERS: dict[str, int] = {
    "rb": 1_000,
    "ribu": 1_000,
    "k": 1_000,
    "jt": 1_000_000,
    "juta": 1_000_000,
    "m": 1_000_000_000,
    "miliar": 1_000_000_000,
    "milyar": 1_000_000_000,
    "t": 1_000_000_000_000,
    "triliun": 1_000_000_000_000,
}
_RUPIAH_RE = re.compile(
    r"^(?P<sign>-)?\s*(?:rp\.?|idr)?\s*(?P<sign2>-)?\s*(?P<num>\d[\d.,]*)\s*(?P<mult>[a-z]+)?\s*(?:,-|\.-)?$"
)
_GROUPED_DOTS = re.compile(r"^\d{1,3}(\.\d{3})+$")
_GROUPED_COMMAS = re.compile(r"^\d{1,3}(,\d{3}){2,}$")


def _parse_number(num: str, has_multiplier: bool) -> Decimal:
    """Read an Indonesian number: dots group thousands, a comma marks decimals."""
    if "." in num and "," in num:
        # "25.000.000,00": Indonesian grouping plus decimals.
        intpart, _, frac = num.rpartition(",")
        if not _GROUPED_DOTS.match(intpart) or not frac.isdigit():
            raise RupiahParseError(num)
        return Decimal(intpart.replace(".", "") + "." + frac)
    if "." in num:
        if _GROUPED_DOTS.match(num):
            return Decimal(num.replace(".", ""))
        # "1.5jt": a dot not followed by groups of three can only be a decimal point,
        # and we only trust that reading when a multiplier says the amount is large.
        if has_multiplier and re.fullmatch(r"\d+\.\d+", num):
            return Decimal(num)
        raise RupiahParseError(num)
    if "," in num:
        if _GROUPED_COMMAS.match(num):
            return Decimal(num.replace(",", ""))  # "1,500,000" typed the English way
        if re.fullmatch(r"\d+,\d+", num):
            return Decimal(num.replace(",", "."))
        raise RupiahParseError(num)
    return Decimal(num)


def parse_rupiah(text: str) -> int:
    """Read an amount typed by a person: "Rp1.500.000", "1,5 juta", "1.5jt", "750 ribu", "Rp 25.000.000,00"."""
    cleaned = " ".join(text.strip().lower().split())
    match = _RUPIAH_RE.match(cleaned)
    if not match:
        raise RupiahParseError(f"not an amount: {text!r}")
    mult_word = match["mult"]
    multiplier = 1
    if mult_word is not None:
        if mult_word not in _MULTIPLIERS:
            raise RupiahParseError(f"unknown multiplier: {mult_word!r}")
        multiplier = _MULTIPLIERS[mult_word]
    try:
        value = _parse_number(match["num"], mult_word is not None) * multiplier
    except InvalidOperation:
        raise RupiahParseError(f"not an amount: {text!r}") from None
    except RupiahParseError:
        raise RupiahParseError(f"not an amount: {text!r}") from None
    if value != value.to_integral_value():
        # Rupiah has no sen in practice; a fractional rupiah is a typo, not an amount.
        raise RupiahParseError(f"fractional rupiah: {text!r}")
    sign = -1 if (match["sign"] or match["sign2"]) else 1
    return sign * int(value)
