"""The numbers of a monthly forum report, as plain dataclasses.

A section is None when its feature has no data source in this installation (the chart and the
text leave it out); an empty list means the source exists but nothing happened. The helpers
here are pure: rows in, numbers out; `storage/reports.py` fetches the rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.agreements.rules import state_of  # the same rules as /kerjasama
from bot.periods import add_months
from storage.reports import AgreementFull, MeetingCount, ReportRepo


@dataclass(frozen=True)
class MonthCount:
    month: date  # first day of the month
    count: int


@dataclass(frozen=True)
class AttendanceMonth:
    month: date
    meetings: int
    expected: int  # invited members over all meetings of the month
    present: int

    @property
    def rate(self) -> float | None:
        return self.present / self.expected if self.expected else None


@dataclass(frozen=True)
class VillageVisits:
    village: str
    made: int  # visits this village's delegation made to others
    hosted: int  # visits this village received


@dataclass(frozen=True)
class Named:
    label: str
    count: int


@dataclass(frozen=True)
class RatingPoint:
    day: date  # the evaluation period's last day
    rating: float  # average of the parties' ratings for that period
    count: int = 1  # evaluations behind the average


@dataclass(frozen=True)
class AgreementRatings:
    title: str
    points: tuple[RatingPoint, ...]

    @property
    def average(self) -> float | None:
        return sum(p.rating for p in self.points) / len(self.points) if self.points else None


@dataclass(frozen=True)
class Person:
    name: str
    village: str | None = None
    detail: str | None = None  # e.g. the reason a member is unreachable


@dataclass
class MonthlyReport:
    forum_id: int
    forum_name: str
    month: date  # first day of the reported month
    members_active: int = 0
    members_new: int = 0
    joins: list[MonthCount] = field(default_factory=list)  # new members per month, oldest first
    pending: list[Person] = field(default_factory=list)
    unreachable: list[Person] = field(default_factory=list)
    attendance: list[AttendanceMonth] | None = None
    missed_last_three: list[Person] | None = None
    visits: list[VillageVisits] | None = None
    posts_by_bidang: list[Named] | None = None  # label = bidang code
    agreements_by_state: list[Named] | None = None  # label = state code (bot.periods.AgreementState)
    ratings: list[AgreementRatings] | None = None

    @property
    def attendance_this_month(self) -> AttendanceMonth | None:
        if not self.attendance:
            return None
        return next((a for a in self.attendance if a.month == self.month), None)


def months_back(month: date, count: int) -> list[date]:
    """The `count` months ending with `month`, oldest first."""
    first = month.replace(day=1)
    return [add_months(first, -i) for i in range(count - 1, -1, -1)]


def local_month(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date().replace(day=1)


def per_month(moments: Iterable[datetime], months: Sequence[date], tz: ZoneInfo) -> list[MonthCount]:
    """Count moments per local month, for the given months (zeros included)."""
    counts = Counter(local_month(m, tz) for m in moments)
    return [MonthCount(m, counts.get(m, 0)) for m in months]


def top_with_rest(items: Sequence[Named], limit: int, rest_label: str) -> list[Named]:
    """The `limit - 1` largest and one summed "others" bar when there are more than `limit`."""
    ordered = sorted(items, key=lambda n: (-n.count, n.label))
    if len(ordered) <= limit:
        return ordered
    head = ordered[: limit - 1]
    return [*head, Named(rest_label, sum(n.count for n in ordered[limit - 1 :]))]


# -- gathering from storage ----------------------------------------------------------------------
HISTORY_MONTHS = 6


async def monthly_report(repo: ReportRepo, *, forum_id: int, forum_name: str, tz: ZoneInfo,
                         month: date, now: datetime) -> MonthlyReport:
    """The report of `month` (its first day, forum-local) from the data that exists."""
    month = month.replace(day=1)
    months = months_back(month, HISTORY_MONTHS)
    month_end = datetime.combine(add_months(month, 1), time(0), tz).astimezone(UTC)
    since = datetime.combine(months[0], time(0), tz).astimezone(UTC)
    report = MonthlyReport(forum_id=forum_id, forum_name=forum_name, month=month)

    report.members_active = await repo.count_members(forum_id)
    joins = [j for j in await repo.join_times(forum_id, since) if j < month_end]
    report.joins = per_month(joins, months, tz)
    report.members_new = report.joins[-1].count
    report.pending = [Person(r.full_name, r.village) for r in await repo.members(forum_id, ("pending",))]
    report.unreachable = [Person(r.full_name, r.village, r.unreachable_reason)
                          for r in await repo.unreachable_members(forum_id)]

    # Meetings (0003): held meetings up to now within the window, counted per local month.
    until = min(month_end, now)
    held = await repo.held_meetings(forum_id, since, until)
    report.attendance = attendance_per_month(held, months, tz)
    missed = await repo.missed_last_meetings(forum_id, until)
    report.missed_last_three = [Person(m.full_name, m.village) for m in missed] if missed is not None else []

    # Kunjungan kerja (0004): accepted or done visits dated in the month, per village.
    last_day = add_months(month, 1) - timedelta(days=1)
    report.visits = [VillageVisits(v.village, v.made, v.hosted)
                     for v in await repo.visits_per_village(forum_id, month, last_day)]

    # Berbagi pengalaman (0005): published posts written in the month, per bidang code
    # (the chart and the text show the bidang label in the reader's language).
    per_bidang = await repo.posts_per_bidang(forum_id, datetime.combine(month, time(0), tz).astimezone(UTC),
                                             month_end)
    report.posts_by_bidang = [Named(code, n) for code, n in per_bidang.items()]

    # Kerja sama (0006): states as of the month's last day (today for the running month), and the
    # average evaluation rating per agreement and period over the last 12 months.
    as_of = min(last_day, now.astimezone(tz).date())
    agreements = [a for a in await repo.agreements(forum_id) if a.agreement.created_at < month_end]
    report.agreements_by_state = agreement_states(agreements, as_of)
    report.ratings = rating_series(agreements, add_months(month, -11), last_day)
    return report


# Stages before signing, the evaluation states of signed agreements, then the two side states.
STATE_ORDER = ("persiapan", "penawaran", "perumusan", "penandatanganan", "belum_mulai", "aktif", "perlu_evaluasi",
               "terlambat_evaluasi", "akan_berakhir", "berakhir", "ditunda", "dibatalkan")


def agreement_states(agreements: Sequence[AgreementFull], as_of: date) -> list[Named]:
    """How many agreements are in each state (codes, in lifecycle order; empty states left out)."""
    counts: Counter[str] = Counter()
    for full in agreements:
        a = full.agreement
        if a.stage not in ("pelaksanaan", "pelaporan"):  # not signed, suspended or cancelled: its stage
            counts[a.stage] += 1
            continue
        ended = a.status == "ended" and (a.ended_early_on is None or a.ended_early_on <= as_of)
        counts["berakhir" if ended else state_of(a, full.periods, full.evaluations, as_of)] += 1
    return [Named(code, counts[code]) for code in STATE_ORDER if counts[code]]


def rating_series(agreements: Sequence[AgreementFull], first: date, last: date) -> list[AgreementRatings]:
    """Per agreement: the average submitted rating of each period ending within [first, last]."""
    out = []
    for full in agreements:
        per_period: dict[date, list[int]] = {}
        for e in full.evaluations:
            if e.status == "submitted" and e.rating is not None and first <= e.period_end <= last:
                per_period.setdefault(e.period_end, []).append(e.rating)
        points = tuple(RatingPoint(day, sum(r) / len(r), len(r)) for day, r in sorted(per_period.items()))
        if points:
            out.append(AgreementRatings(full.agreement.title, points))
    return out


def attendance_per_month(held: Sequence[MeetingCount], months: Sequence[date], tz: ZoneInfo) -> list[AttendanceMonth]:
    """Meetings, daftar hadir rows and present members per month; unrecorded meetings count only as meetings."""
    out = []
    for month in months:
        inside = [h for h in held if local_month(h.starts_at, tz) == month]
        out.append(AttendanceMonth(month, len(inside), sum(h.recorded for h in inside),
                                   sum(h.present for h in inside)))
    return out
