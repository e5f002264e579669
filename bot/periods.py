"""Evaluation periods of inter-village cooperation agreements (kerjasama antar desa).

Period ends are anchored to the agreement's start day: the k-th evaluation is due k rhythm-lengths
after the start, clamped to the month's last day and computed from the start each time, so a
31 January start with ``bulanan`` is due 28/29 Feb, 31 Mar, 30 Apr, ... and never drifts to the 28th.

Period k runs from the day after evaluation k-1 (or the start date) to evaluation k, inclusive, so
periods tile the agreement without gaps or overlap. If the agreement ends mid-period, the last
(partial) period ends, and is evaluated, on the end date.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Rhythm = Literal["bulanan", "triwulan", "semester", "tahunan"]
RHYTHM_MONTHS: dict[str, int] = {"bulanan": 1, "triwulan": 3, "semester": 6, "tahunan": 12}
DEFAULT_RHYTHM: Rhythm = "triwulan"

AgreementState = Literal[
    "belum_mulai", "aktif", "perlu_evaluasi", "terlambat_evaluasi", "akan_berakhir", "berakhir"
]
EXPIRY_SOON = timedelta(days=90)


@dataclass(frozen=True)
class Period:
    """One evaluation period; ``ends`` is the day its evaluation is due."""

    index: int  # 1-based
    starts: date
    ends: date


def _months(rhythm: str) -> int:
    try:
        return RHYTHM_MONTHS[rhythm]
    except KeyError:
        raise ValueError(f"unknown rhythm: {rhythm!r}") from None


def add_months(start: date, months: int) -> date:
    """Return ``start`` moved by ``months``, clamped to the target month's last day."""
    index = start.year * 12 + start.month - 1 + months
    year, month = index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _check(start: date, end: date) -> None:
    if end < start:
        raise ValueError(f"agreement ends ({end}) before it starts ({start})")


def periods(start: date, end: date, rhythm: str = DEFAULT_RHYTHM) -> list[Period]:
    """Return every evaluation period of the agreement, the last one possibly partial."""
    _check(start, end)
    months = _months(rhythm)
    result: list[Period] = []
    period_start = start
    k = 1
    while period_start <= end:
        # Always from the start date, never from the previous end: no drift after February.
        due = min(add_months(start, k * months), end)
        result.append(Period(index=k, starts=period_start, ends=due))
        period_start = due + timedelta(days=1)
        k += 1
    return result


def evaluation_due_dates(start: date, end: date, rhythm: str = DEFAULT_RHYTHM) -> list[date]:
    """Return the days evaluations are due: each period end, and the end date if the last is partial."""
    return [p.ends for p in periods(start, end, rhythm)]


def current_period(start: date, end: date, rhythm: str, today: date) -> Period | None:
    """Return the period containing ``today``, or None before the start or after the end."""
    if not start <= today <= end:
        _check(start, end)
        return None
    return next(p for p in periods(start, end, rhythm) if p.starts <= today <= p.ends)


def next_due(start: date, end: date, rhythm: str, today: date) -> date | None:
    """Return the first evaluation due on or after ``today``, or None when none is left."""
    return next((d for d in evaluation_due_dates(start, end, rhythm) if d >= today), None)


def agreement_state(
    start: date, end: date, today: date, *, evaluation_due: bool, evaluation_overdue: bool
) -> AgreementState:
    """Return the one state the forum sees for an agreement.

    Precedence, first match wins: ``belum_mulai`` (before start) > ``terlambat_evaluasi`` >
    ``perlu_evaluasi`` > ``berakhir`` (after the end date) > ``akan_berakhir`` (end within 90 days)
    > ``aktif``. Evaluation states come before the calendar ones because they ask for action: an
    agreement past its end whose final evaluation is still missing must not hide behind "berakhir".
    The end date itself is still an active day.
    """
    _check(start, end)
    if today < start:
        return "belum_mulai"
    if evaluation_overdue:
        return "terlambat_evaluasi"
    if evaluation_due:
        return "perlu_evaluasi"
    if today > end:
        return "berakhir"
    if end - today <= EXPIRY_SOON:
        return "akan_berakhir"
    return "aktif"


def expiry_warning_dates(end: date) -> list[date]:
    """Return the days to warn that the agreement is ending: H-90 and H-30."""
    return [end - timedelta(days=90), end - timedelta(days=30)]
