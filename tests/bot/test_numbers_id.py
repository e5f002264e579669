from __future__ import annotations

import pytest

from bot.numbers_id import count_from_text


@pytest.mark.parametrize(("typed", "count"), [
    ("30", 30), ("30 orang", 30), ("30orang", 30), (" 7 org ", 7), ("sekitar 12 orang", 12),
    ("tiga puluh", 30), ("tiga puluh lima orang", 35), ("sebelas", 11), ("dua belas", 12),
    ("seratus dua", 102), ("lima", 5), ("1.200", 1200),
])
def test_counts_as_people_write_them(typed: str, count: int) -> None:
    assert count_from_text(typed) == count


@pytest.mark.parametrize("typed", ["", "banyak", "30 atau 40", "tiga kambing", "-3", "orang"])
def test_no_clear_number(typed: str) -> None:
    assert count_from_text(typed) is None
