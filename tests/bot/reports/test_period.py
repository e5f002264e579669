from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.reports.period import custom_code, resolve

TODAY = date(2026, 11, 24)
WIB = ZoneInfo("Asia/Jakarta")


def test_presets() -> None:
    assert (resolve("tm", TODAY).start, resolve("tm", TODAY).end) == (date(2026, 11, 1), date(2026, 11, 30))
    assert (resolve("lm", TODAY).start, resolve("lm", TODAY).end) == (date(2026, 10, 1), date(2026, 10, 31))
    assert (resolve("ty", TODAY).start, resolve("ty", TODAY).end) == (date(2026, 1, 1), date(2026, 12, 31))
    assert (resolve("12", TODAY).start, resolve("12", TODAY).end) == (date(2025, 12, 1), date(2026, 11, 30))
    assert resolve("all", TODAY).start is None
    assert resolve("lm", date(2026, 1, 15)).start == date(2025, 12, 1)


def test_custom_codes_and_file_labels() -> None:
    code = custom_code(date(2026, 3, 31), date(2026, 1, 1))  # swapped input is put in order
    assert code == "c20260101-20260331"
    period = resolve(code, TODAY)
    assert period.contains(date(2026, 2, 1)) and not period.contains(date(2026, 4, 1))
    assert period.file_label() == "2026-01-01_2026-03-31"
    assert resolve("tm", TODAY).file_label() == "2026-11"
    assert resolve("ty", TODAY).file_label() == "2026"
    assert resolve("12", TODAY).file_label() == "2025-12_2026-11"
    assert resolve("all", TODAY).file_label() == "semua"
    for bad in ("x", "c2026-01", "c20260331-20260101", "c20261340-20261341"):
        with pytest.raises(ValueError):
            resolve(bad, TODAY)


def test_utc_bounds_follow_the_forum_zone() -> None:
    lo, hi = resolve("tm", TODAY).utc_bounds(WIB)
    assert lo == datetime(2026, 10, 31, 17, 0, tzinfo=UTC)
    assert hi == datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
