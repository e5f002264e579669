"""Indonesian public holidays and cuti bersama (collective leave) days, for warning about meeting dates.

Backed by the ``holidays`` package: category ``public`` holds the national holidays and
``government`` the cuti bersama days decreed each year (SKB 3 Menteri). Islamic dates there are
estimates until the government fixes them, so treat a name as a warning, not a ruling.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays

_LANGUAGES = {"id": "id", "en": "en_US"}
_CATEGORIES = ("public", "government")


@lru_cache(maxsize=64)
def _year(year: int, lang: str) -> dict[date, str]:
    """Compute one year once; the package's own object is lazy and not meant to be shared."""
    table = holidays.country_holidays("ID", years=year, language=_LANGUAGES[lang], categories=_CATEGORIES)
    return dict(table.items())


def holiday_name(d: date, lang: str = "id") -> str | None:
    """Return the holiday or cuti bersama name on ``d`` ("Hari Raya Natal"), or None on a working day."""
    if lang not in _LANGUAGES:
        raise ValueError(f"unsupported language: {lang!r}")
    return _year(d.year, lang).get(d)


def is_holiday(d: date) -> bool:
    """Return whether ``d`` is a public holiday or a cuti bersama day."""
    return holiday_name(d) is not None
