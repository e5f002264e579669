from __future__ import annotations

from datetime import date

import pytest

from bot.holidays_id import holiday_name, is_holiday


@pytest.mark.parametrize(
    ("d", "lang", "name"),
    [
        (date(2026, 12, 25), "id", "Hari Raya Natal"),
        (date(2026, 12, 25), "en", "Christmas Day"),
        (date(2026, 8, 17), "id", "Hari Kemerdekaan Republik Indonesia"),
        (date(2027, 1, 1), "id", "Tahun Baru Masehi"),
        (date(2026, 12, 24), "id", "Cuti Bersama Hari Raya Natal"),  # collective leave
        (date(2026, 12, 24), "en", "Christmas Joint Holiday"),
        (date(2026, 12, 7), "id", None),  # an ordinary Monday
    ],
)
def test_holiday_name(d: date, lang: str, name: str | None) -> None:
    assert holiday_name(d, lang) == name


@pytest.mark.parametrize(("d", "expected"), [(date(2026, 6, 1), True), (date(2026, 6, 2), False)])
def test_is_holiday(d: date, expected: bool) -> None:
    assert is_holiday(d) is expected


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError):
        holiday_name(date(2026, 12, 25), "jv")
