from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest

from bot.periods import (
    Period,
    agreement_state,
    current_period,
    evaluation_due_dates,
    expiry_warning_dates,
    next_due,
    periods,
)


@pytest.mark.parametrize(
    ("start", "end", "rhythm", "expected"),
    [
        # Anchored to the 31st: clamped in short months, back to the 31st afterwards.
        (
            date(2027, 1, 31),
            date(2027, 7, 31),
            "bulanan",
            [
                date(2027, 2, 28),
                date(2027, 3, 31),
                date(2027, 4, 30),
                date(2027, 5, 31),
                date(2027, 6, 30),
                date(2027, 7, 31),
            ],
        ),
        # Leap year February, and a partial last period ending mid-month.
        (
            date(2028, 1, 31),
            date(2028, 5, 15),
            "bulanan",
            [date(2028, 2, 29), date(2028, 3, 31), date(2028, 4, 30), date(2028, 5, 15)],
        ),
        (
            date(2027, 1, 1),
            date(2027, 12, 31),
            "triwulan",
            [date(2027, 4, 1), date(2027, 7, 1), date(2027, 10, 1), date(2027, 12, 31)],
        ),
        # End on a period end: no duplicate.
        (date(2027, 1, 15), date(2027, 7, 15), "triwulan", [date(2027, 4, 15), date(2027, 7, 15)]),
        (date(2027, 8, 31), date(2028, 8, 31), "semester", [date(2028, 2, 29), date(2028, 8, 31)]),
        (
            date(2028, 2, 29),
            date(2031, 3, 1),
            "tahunan",
            [date(2029, 2, 28), date(2030, 2, 28), date(2031, 2, 28), date(2031, 3, 1)],
        ),
        # Shorter than one period: only the final evaluation.
        (date(2027, 1, 1), date(2027, 2, 10), "triwulan", [date(2027, 2, 10)]),
    ],
)
def test_evaluation_due_dates(start: date, end: date, rhythm: str, expected: list[date]) -> None:
    assert evaluation_due_dates(start, end, rhythm) == expected


def test_default_rhythm_is_triwulan() -> None:
    assert evaluation_due_dates(date(2027, 1, 15), date(2027, 7, 15)) == [
        date(2027, 4, 15),
        date(2027, 7, 15),
    ]


@pytest.mark.parametrize("rhythm", ["bulanan", "triwulan", "semester", "tahunan"])
def test_periods_tile_the_agreement(rhythm: str) -> None:
    start, end = date(2027, 1, 31), date(2029, 11, 17)
    result = periods(start, end, rhythm)
    assert result[0].starts == start
    assert result[-1].ends == end
    for before, after in pairwise(result):
        assert after.starts == before.ends + timedelta(days=1)
    assert [p.index for p in result] == list(range(1, len(result) + 1))


@pytest.mark.parametrize(("start", "end"), [(date(2027, 1, 1), date(2026, 12, 31))])
def test_end_before_start_is_refused(start: date, end: date) -> None:
    with pytest.raises(ValueError):
        evaluation_due_dates(start, end, "bulanan")


def test_unknown_rhythm_is_refused() -> None:
    with pytest.raises(ValueError):
        evaluation_due_dates(date(2027, 1, 1), date(2028, 1, 1), "mingguan")


START, END = date(2027, 1, 31), date(2027, 5, 15)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2027, 1, 30), None),
        (date(2027, 1, 31), Period(1, date(2027, 1, 31), date(2027, 2, 28))),
        (date(2027, 2, 28), Period(1, date(2027, 1, 31), date(2027, 2, 28))),
        (date(2027, 3, 1), Period(2, date(2027, 3, 1), date(2027, 3, 31))),
        (date(2027, 5, 15), Period(4, date(2027, 5, 1), date(2027, 5, 15))),
        (date(2027, 5, 16), None),
    ],
)
def test_current_period(today: date, expected: Period | None) -> None:
    assert current_period(START, END, "bulanan", today) == expected


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2027, 1, 1), date(2027, 2, 28)),
        (date(2027, 2, 28), date(2027, 2, 28)),  # due today
        (date(2027, 3, 1), date(2027, 3, 31)),
        (date(2027, 5, 2), date(2027, 5, 15)),
        (date(2027, 5, 16), None),
    ],
)
def test_next_due(today: date, expected: date | None) -> None:
    assert next_due(START, END, "bulanan", today) == expected


A_START, A_END = date(2027, 1, 1), date(2028, 12, 31)


@pytest.mark.parametrize(
    ("today", "due", "overdue", "state"),
    [
        (date(2026, 12, 31), False, False, "belum_mulai"),
        (date(2026, 12, 31), True, True, "belum_mulai"),
        (date(2027, 1, 1), False, False, "aktif"),
        (date(2027, 6, 1), True, False, "perlu_evaluasi"),
        (date(2027, 6, 1), True, True, "terlambat_evaluasi"),
        (date(2028, 10, 2), False, False, "akan_berakhir"),  # 90 days before the end
        (date(2028, 10, 1), False, False, "aktif"),  # 91 days before
        (date(2028, 12, 1), True, False, "perlu_evaluasi"),  # action before calendar news
        (date(2028, 12, 31), False, False, "akan_berakhir"),  # the end date is still active
        (date(2029, 1, 1), False, False, "berakhir"),
        (date(2029, 1, 5), False, True, "terlambat_evaluasi"),  # final evaluation still missing
    ],
)
def test_agreement_state(today: date, due: bool, overdue: bool, state: str) -> None:
    assert agreement_state(A_START, A_END, today, evaluation_due=due, evaluation_overdue=overdue) == state


def test_expiry_warning_dates() -> None:
    assert expiry_warning_dates(date(2028, 12, 31)) == [date(2028, 10, 2), date(2028, 12, 1)]
