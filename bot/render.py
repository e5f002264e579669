"""How domain things read on a phone: villages, areas, roles, jabatan, profiles. No Telegram here."""

from __future__ import annotations

from bot.dateparse import DateParseError
from bot.errors import InvalidInput
from bot.place_titles import place_name, place_title
from bot.texts import ForReader, Html, t
from bot.timefmt import format_day_month_year, month_name, weekday_name
from storage.models import Member, Region

JABATAN = ("kades", "pj_kades", "sekdes", "pendamping", "kecamatan", "lainnya")


def short_kabupaten(name: str | None) -> str:
    """'Kabupaten Cilacap' -> 'Kab. Cilacap' (buttons are narrow on small phones)."""
    if not name:
        return ""
    return name.replace("Kabupaten ", "Kab. ").replace("Kota Administrasi ", "Kota ")


def village_button(region: Region) -> str:
    """'Sidasari — Kec. Cipari, Kab. Cilacap' (plain text: button labels are not HTML)."""
    return f"{region.name} — Kec. {region.kecamatan}, {short_kabupaten(region.kabupaten)}"


def village_line(region: Region | None, lang: str) -> Html:
    if region is None:
        return t("profile.no_village", lang)
    return t("profile.village_line", lang, village=place_name(region.code, region.name),
             kecamatan=region.kecamatan or "",
             kabupaten=short_kabupaten(region.kabupaten), provinsi=region.provinsi or "")


def scope_label(region: Region, lang: str) -> str:
    """An area as plain text: a kecamatan with its kabupaten, a kabupaten with its province."""
    if region.level == 3:
        return str(t("scope.kecamatan", lang, name=region.name, kabupaten=short_kabupaten(region.kabupaten)))
    if region.level == 2:
        return str(t("scope.kabupaten", lang, name=region.name, provinsi=region.provinsi or ""))
    return str(t("scope.provinsi", lang, name=region.name))


def jabatan_label(key: str, lang: str, village_code: str | None = None) -> str:
    """'Kepala Desa'; with the village known, its local title: 'Lurah', 'Wali Nagari', 'Keuchik'."""
    if key in ("kades", "pj_kades") and village_code is not None:
        head = place_title(village_code).head
        if head != "Kepala Desa":
            return head if key == "kades" else str(t("jabatan.acting", lang, head=head))
    return str(t(f"jabatan.{key}", lang)) if key in JABATAN else key


def role_label(role: str, lang: str) -> str:
    return str(t(f"role.{role}", lang))


def profile_card(member: Member | None, village: Region | None, lang: str, *, name: str | None = None,
                 jabatan: str | None = None) -> Html:
    """Name, jabatan and village; from a saved member or from a form's answers."""
    return t(
        "profile.card", lang,
        name=name if name is not None else (member.full_name if member else ""),
        jabatan=jabatan_label(jabatan if jabatan is not None else (member.jabatan if member else ""), lang,
                              village.code if village is not None else None),
        village=village_line(village, lang),
    )


def date_problem(exc: DateParseError, key_prefix: str) -> InvalidInput:
    """The correction to show for `exc`: names the real problem where it is known
    ("31 April tidak ada — April hanya 30 hari", "10 Desember 2026 jatuh pada hari Kamis,
    bukan Rabu"), else the feature's own text `key_prefix + reason`."""
    days = exc.days_in_month
    if exc.reason == "invalid_date" and exc.day is not None and exc.month is not None and days is not None:
        month, year = exc.month, exc.year

        def month_label(lang: str) -> str:
            return f"{month_name(month, lang)} {year}" if year is not None else month_name(month, lang)

        def days_label(lang: str) -> str:
            if month == 2 and year is None:  # no year typed: a leap year may have 29
                return "28 atau 29" if lang == "id" else "28 or 29"
            return str(days)

        if 1 <= exc.day <= 31:
            return InvalidInput("date.no_such_day", day=exc.day, month=ForReader(month_label),
                                days=ForReader(days_label))
    if exc.reason == "weekday_mismatch" and exc.on is not None and exc.typed_weekday is not None:
        on, typed = exc.on, exc.typed_weekday
        return InvalidInput("date.wrong_weekday", date=ForReader(lambda lang: format_day_month_year(on, lang)),
                            actual=ForReader(lambda lang: weekday_name(on.weekday(), lang)),
                            typed=ForReader(lambda lang: weekday_name(typed, lang)))
    return InvalidInput(f"{key_prefix}{exc.reason}")
