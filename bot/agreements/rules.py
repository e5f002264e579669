"""Rules of kerjasama antar desa: schedule, states, deadlines, trends and how they read.

No Telegram and no SQL here. The evaluation periods come from `bot.periods` (anchored to a day,
clamped to month ends, the last one possibly partial); this module adds what an agreement's
history changes about them:

* An agreement registered late does not ask for evaluations of periods that ended before it was
  registered (`eval_from`).
* An amendment of the end date or the rhythm keeps the periods already opened (asked for) as they
  are. If they still fit the new schedule computed from the start, nothing moves; otherwise the
  schedule is re-anchored on the day after the last opened period and numbered on from it.
* A period falls due at 08.00 on its last day in the forum's zone; one reminder after 3 days; after
  7 days it is late (terlambat), the koordinator and pendamping are told who is missing, and the
  summary goes out with the answers in. A late answer still counts and sends an updated summary.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import mean
from typing import Literal
from zoneinfo import ZoneInfo

from bot.periods import (
    AgreementState,
    Period,
    agreement_state,
    periods,
)
from bot.texts import Html, t
from bot.timefmt import format_date, format_date_short
from storage.agreements import Agreement, Evaluation, EvaluationPeriod, FollowUp

PROMPT_TIME = time(8, 0)
REMIND_AFTER = timedelta(days=3)
LATE_AFTER = timedelta(days=7)
FOLLOWUP_REMINDER_DAYS = (3, 1)
WARNING_DAYS = (90, 30)
# Agreements are planned until this long after their end (the final evaluation and its deadline).
PLAN_AFTER_END = timedelta(days=30)

MAX_TITLE = 150
MAX_SHORT = 300
MAX_LONG = 1500
MAX_PARTIES = 12

RATINGS = (1, 2, 3, 4, 5)
Trend = Literal["naik", "turun", "tetap", "baru"]


# -- schedule ---------------------------------------------------------------------------------
def schedule(agreement: Agreement) -> list[Period]:
    """The agreement's evaluation periods with their global numbers, from `eval_from` on."""
    anchor, end = agreement.schedule_anchor, agreement.end_date
    if anchor > end:
        return []
    return [
        Period(index=agreement.index_offset + p.index, starts=p.starts, ends=p.ends)
        for p in periods(anchor, end, agreement.rhythm)
        if p.ends >= agreement.eval_from
    ]


def reschedule(start: date, end: date, rhythm: str, opened: Sequence[EvaluationPeriod]) -> tuple[date, int]:
    """The (schedule_anchor, index_offset) after a change of start, end or rhythm.

    Periods already opened stay as they were: if they match the schedule computed from the start,
    the anchor stays the start; otherwise the schedule restarts on the day after the last one.
    """
    if not opened:
        return start, 0
    if end >= start:
        fresh = {p.index: p for p in periods(start, end, rhythm)}
        if all((fresh.get(o.period_index) is not None and fresh[o.period_index].starts == o.starts
                and fresh[o.period_index].ends == o.ends) for o in opened):
            return start, 0
    last = max(opened, key=lambda o: o.period_index)
    return last.ends + timedelta(days=1), last.period_index


def earliest_end(start: date, opened: Sequence[EvaluationPeriod]) -> date:
    """An agreement cannot end before the last period that was already evaluated (or its start)."""
    return max([start, *(o.ends for o in opened)])


def at_local(day: date, tz: ZoneInfo, at: time = PROMPT_TIME) -> datetime:
    return datetime.combine(day, at, tzinfo=tz)


def prompt_at(period: Period | EvaluationPeriod, tz: ZoneInfo) -> datetime:
    """When a period's evaluation is asked for: 08.00 on its last day."""
    return at_local(period.ends, tz)


def due_to_open(agreement: Agreement, opened: Iterable[int], now: datetime, tz: ZoneInfo) -> list[Period]:
    """Periods whose prompt time has come and that were not opened yet."""
    done = set(opened)
    return [p for p in schedule(agreement) if p.index not in done and prompt_at(p, tz) <= now]


def next_plan_at(agreement: Agreement, opened: Sequence[EvaluationPeriod], evaluations: Iterable[Evaluation],
                 tz: ZoneInfo, now: datetime) -> datetime | None:
    """The earliest moment after `now` at which the planner has something to do for this agreement
    (a period to open, a reminder, a late notice, an expiry warning); None: nothing until it changes.

    Answers, amendments and renewals reset the planner's time (schema triggers), so only what the
    clock alone brings is computed here.
    """
    candidates: list[datetime] = []
    done = {p.period_index for p in opened}
    candidates += [prompt_at(p, tz) for p in schedule(agreement) if p.index not in done]
    answered = list(evaluations)
    for period in opened:
        if missing_positions(agreement, [e for e in answered if e.period_index == period.period_index]):
            candidates += [period.opened_at + REMIND_AFTER, period.opened_at + LATE_AFTER]
    if agreement.status == "active" and agreement.lapse_accepted_for != agreement.end_date:
        candidates += [at_local(agreement.end_date - timedelta(days=days), tz, time(0, 0)) for days in WARNING_DAYS]
    ahead = [at for at in candidates if at > now]
    return min(ahead) if ahead else None


def next_evaluation(agreement: Agreement, today: date) -> date | None:
    return next((p.ends for p in schedule(agreement) if p.ends >= today), None)


# -- state ------------------------------------------------------------------------------------
def village_positions(agreement: Agreement) -> set[int]:
    return {p.position for p in agreement.villages}


def missing_positions(agreement: Agreement, evaluations: Iterable[Evaluation]) -> list[int]:
    """The village parties that have not submitted this period's evaluation, in order."""
    answered = {e.party_position for e in evaluations if e.status == "submitted"}
    return sorted(village_positions(agreement) - answered)


def state_of(agreement: Agreement, opened: Sequence[EvaluationPeriod], evaluations: Sequence[Evaluation],
             today: date) -> AgreementState:
    """The agreement's state for lists: see `bot.periods.agreement_state` for the precedence."""
    due = overdue = False
    for period in opened:
        missing = missing_positions(agreement, [e for e in evaluations if e.period_index == period.period_index])
        if missing:
            due = True
            overdue = overdue or period.overdue_at is not None
    return agreement_state(agreement.start_date, agreement.end_date, today, evaluation_due=due,
                           evaluation_overdue=overdue)


def expiry_warning(end: date, today: date) -> int | None:
    """Which warning (90 or 30 days before the end) is in force today, if any."""
    if today > end:
        return None
    for days in sorted(WARNING_DAYS):
        if today >= end - timedelta(days=days):
            return days
    return None


def followup_reminder_times(due: date, tz: ZoneInfo, now: datetime) -> list[tuple[int, datetime]]:
    """(days before, when) of the reminders still ahead for a follow-up due on `due`."""
    out = []
    for days in FOLLOWUP_REMINDER_DAYS:
        at = at_local(due - timedelta(days=days), tz)
        if at > now:
            out.append((days, at))
    return out


# -- trend ------------------------------------------------------------------------------------
def period_averages(evaluations: Iterable[Evaluation]) -> dict[int, float]:
    """Average rating of each period over the submitted evaluations."""
    ratings: dict[int, list[int]] = {}
    for e in evaluations:
        if e.status == "submitted" and e.rating is not None:
            ratings.setdefault(e.period_index, []).append(e.rating)
    return {index: mean(values) for index, values in sorted(ratings.items())}


def trend_between(previous: float | None, current: float | None) -> Trend:
    if previous is None or current is None:
        return "baru"
    if current > previous + 0.05:
        return "naik"
    if current < previous - 0.05:
        return "turun"
    return "tetap"


def trend(averages: dict[int, float], index: int) -> Trend:
    """The period's average against the last earlier period that has one."""
    earlier = [i for i in averages if i < index]
    return trend_between(averages[max(earlier)] if earlier else None, averages.get(index))


def party_previous_rating(evaluations: Iterable[Evaluation], position: int, index: int) -> int | None:
    earlier = [e for e in evaluations if e.party_position == position and e.period_index < index
               and e.status == "submitted" and e.rating is not None]
    return max(earlier, key=lambda e: e.period_index).rating if earlier else None


# -- rendering --------------------------------------------------------------------------------
_TREND_MARK = {"naik": "↑", "turun": "↓", "tetap": "→", "baru": ""}


def format_average(value: float, lang: str) -> str:
    text = f"{value:.1f}"
    return text.replace(".", ",") if lang == "id" else text


def stars(rating: int) -> str:
    return "★" * rating + "☆" * (5 - rating)


def state_label(state: str, lang: str) -> str:
    return str(t(f"agr.state.{state}", lang))


def rhythm_label(rhythm: str, lang: str) -> str:
    return str(t(f"agr.rhythm.{rhythm}", lang))


def period_line(index: int, starts: date, ends: date, lang: str) -> Html:
    return t("agr.period_line", lang, index=index, starts=format_date_short(starts, lang),
             ends=format_date_short(ends, lang))


def party_name(agreement: Agreement, position: int | None, fallback: str = "-") -> str:
    party = agreement.party(position) if position is not None else None
    return party.name if party else fallback


def followup_line(agreement: Agreement, item: FollowUp, lang: str, today: date) -> str:
    mark = "✅" if item.done_at else ("⚠️" if item.due_date < today else "•")
    return str(t("agr.followup_line", lang, mark=mark, text=item.description, owner=item.owner_name,
                 due=format_date_short(item.due_date, lang)))


@dataclass(frozen=True)
class SummaryInput:
    agreement: Agreement
    period: EvaluationPeriod
    evaluations: Sequence[Evaluation]  # every evaluation of the agreement (all periods)
    open_followups: Sequence[FollowUp]
    today: date


def render_summary(data: SummaryInput, lang: str) -> str:
    """The evaluation summary of one period: each party's rating and notes, trend, open follow-ups."""
    a, period = data.agreement, data.period
    current = {e.party_position: e for e in data.evaluations
               if e.period_index == period.period_index and e.status == "submitted"}
    averages = period_averages(data.evaluations)
    lines = [str(t("agr.sum.title", lang, title=a.title)),
             str(period_line(period.period_index, period.starts, period.ends, lang)), ""]
    for party in a.villages:
        evaluation = current.get(party.position)
        if evaluation is None or evaluation.rating is None:
            lines.append(str(t("agr.sum.party_missing", lang, party=party.name)))
            continue
        previous = party_previous_rating(data.evaluations, party.position, period.period_index)
        change = _TREND_MARK[trend_between(previous, evaluation.rating)]
        lines.append(str(t("agr.sum.party", lang, party=party.name, stars=stars(evaluation.rating),
                           rating=evaluation.rating, change=change)))
        if evaluation.went_well:
            lines.append(str(t("agr.sum.went_well", lang, text=evaluation.went_well)))
        if evaluation.kendala:
            lines.append(str(t("agr.sum.kendala", lang, text=evaluation.kendala)))
        if evaluation.photo_file_id:
            lines.append(str(t("agr.sum.photo", lang)))
    lines.append("")
    if period.period_index in averages:
        history = [f"P{i}: {format_average(v, lang)}" for i, v in averages.items() if i <= period.period_index]
        lines.append(str(t("agr.sum.trend", lang, history=" → ".join(history),
                           trend=str(t(f"agr.trend.{trend(averages, period.period_index)}", lang)))))
    if data.open_followups:
        lines.append(str(t("agr.sum.followups", lang)))
        lines.extend(followup_line(a, f, lang, data.today) for f in data.open_followups)
    else:
        lines.append(str(t("agr.sum.no_followups", lang)))
    missing = [party.name for party in a.villages if party.position not in current]
    if missing:
        lines.append("")
        lines.append(str(t("agr.sum.still_missing", lang, parties=", ".join(missing))))
    return "\n".join(lines)


def agenda_items(data: SummaryInput, lang: str, *, max_items: int = 20, max_length: int = 300) -> list[str]:
    """The summary as agenda items of an aksi-refleksi meeting (plain text, one point each)."""
    a, period = data.agreement, data.period
    current = {e.party_position: e for e in data.evaluations
               if e.period_index == period.period_index and e.status == "submitted"}
    averages = period_averages(data.evaluations)
    items = [str(t("agr.agenda.review", lang, index=period.period_index,
                   average=format_average(averages[period.period_index], lang)
                   if period.period_index in averages else "-"))]
    for party in a.villages:
        e = current.get(party.position)
        if e is None or e.rating is None:
            items.append(str(t("agr.agenda.party_missing", lang, party=party.name)))
        else:
            items.append(str(t("agr.agenda.party", lang, party=party.name, rating=e.rating,
                               went_well=e.went_well or "-", kendala=e.kendala or "-")))
    for f in data.open_followups:
        items.append(str(t("agr.agenda.followup", lang, text=f.description, owner=f.owner_name,
                           due=format_date_short(f.due_date, lang))))
    items.append(str(t("agr.agenda.next", lang)))

    plain = [html.unescape(item) for item in items]
    plain = [item if len(item) <= max_length else item[: max_length - 1] + "…" for item in plain]
    if len(plain) > max_items:
        plain = [*plain[: max_items - 1], plain[-1]]
    return plain


def format_period_dates(period: Period | EvaluationPeriod, lang: str) -> str:
    return f"{format_date(period.starts, lang)} – {format_date(period.ends, lang)}"
