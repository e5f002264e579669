"""Rules of kerja sama antardesa: schedule, rescheduling, states, deadlines, trend and summary."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.agreements import rules
from storage.agreements import Agreement, Evaluation, EvaluationPeriod, FollowUp, Party

WIB = ZoneInfo("Asia/Jakarta")
WITA = ZoneInfo("Asia/Makassar")
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def agreement(start: date, end: date, rhythm: str = "triwulan", *, eval_from: date | None = None,
              anchor: date | None = None, offset: int = 0, villages: int = 2, third: int = 0) -> Agreement:
    names = ["Sidasari", "Cipari", "Mulyadadi", "Kutasari"]
    parties = [Party(agreement_id=1, position=i + 1, kind="desa", village_code=f"33.01.18.200{i}", name=names[i])
               for i in range(villages)]
    parties += [Party(agreement_id=1, position=villages + j + 1, kind="pihak_ketiga", village_code=None,
                      name=f"PT Mitra {j}") for j in range(third)]
    return Agreement(
        id=1, forum_id=1, title="Air Bersih", bidang="air", objective=None, scope=None, funding_source=None,
        funding_amount=None, legal_basis=None, executing_body=None, start_date=start, end_date=end, rhythm=rhythm,
        schedule_anchor=anchor or start, index_offset=offset, eval_from=eval_from or start,
        document_file_id=None, document_kind=None, status="active", ended_early_on=None, end_reason=None,
        lapse_accepted_for=None, created_by=1, created_at=EPOCH, updated_at=EPOCH, parties=tuple(parties),
    )


def opened(index: int, starts: date, ends: date, *, overdue: bool = False) -> EvaluationPeriod:
    return EvaluationPeriod(agreement_id=1, forum_id=1, period_index=index, starts=starts, ends=ends,
                            opened_at=EPOCH, overdue_at=EPOCH if overdue else None, summarized_count=0)


def evaluation(index: int, position: int, rating: int | None, *, status: str = "submitted",
               **fields: Any) -> Evaluation:
    values: dict[str, Any] = dict(
        id=index * 10 + position, agreement_id=1, forum_id=1, period_index=index, period_start=date(2027, 1, 1),
        period_end=date(2027, 3, 31), party_position=position, village_code=None, user_id=None, rating=rating,
        went_well=None, kendala=None, photo_file_id=None, status=status,
        submitted_at=EPOCH if status == "submitted" else None, updated_at=EPOCH,
    )
    values.update(fields)
    return Evaluation(**values)


# -- period arithmetic through the agreement's schedule -------------------------------------
def ends(a: Agreement) -> list[date]:
    return [p.ends for p in rules.schedule(a)]


def test_monthly_on_the_31st_clamps_and_returns_to_the_31st() -> None:
    a = agreement(date(2027, 1, 31), date(2027, 6, 30), "bulanan")
    assert ends(a) == [date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30), date(2027, 5, 31),
                       date(2027, 6, 30)]


def test_leap_year_february() -> None:
    a = agreement(date(2028, 1, 31), date(2028, 3, 31), "bulanan")
    assert ends(a)[0] == date(2028, 2, 29)
    b = agreement(date(2027, 11, 29), date(2028, 2, 29), "triwulan")
    assert ends(b) == [date(2028, 2, 29)]


def test_quarter_ends_from_a_quarter_start() -> None:
    a = agreement(date(2027, 1, 1), date(2027, 12, 31), "triwulan")
    periods = rules.schedule(a)
    assert [(p.starts, p.ends) for p in periods] == [
        (date(2027, 1, 1), date(2027, 4, 1)),
        (date(2027, 4, 2), date(2027, 7, 1)),
        (date(2027, 7, 2), date(2027, 10, 1)),
        (date(2027, 10, 2), date(2027, 12, 31)),  # the last, partial period ends on the end date
    ]


def test_starting_mid_month_and_ending_mid_period() -> None:
    a = agreement(date(2027, 3, 15), date(2027, 11, 20), "semester")
    periods = rules.schedule(a)
    assert [p.ends for p in periods] == [date(2027, 9, 15), date(2027, 11, 20)]
    assert periods[1].starts == date(2027, 9, 16)


def test_yearly_from_29_february() -> None:
    a = agreement(date(2028, 2, 29), date(2031, 1, 1), "tahunan")
    assert ends(a) == [date(2029, 2, 28), date(2030, 2, 28), date(2031, 1, 1)]


def test_periods_before_registration_are_not_evaluated() -> None:
    a = agreement(date(2026, 1, 1), date(2027, 12, 31), "triwulan", eval_from=date(2026, 11, 24))
    periods = rules.schedule(a)
    assert periods[0].index == 4 and periods[0].ends == date(2027, 1, 1)


def test_due_to_open_at_eight_in_the_forum_zone() -> None:
    a = agreement(date(2027, 1, 1), date(2027, 12, 31), "triwulan")
    before = datetime(2027, 4, 1, 7, 59, tzinfo=WITA)
    at = datetime(2027, 4, 1, 8, 0, tzinfo=WITA)
    assert rules.due_to_open(a, [], before, WITA) == []
    assert [p.index for p in rules.due_to_open(a, [], at, WITA)] == [1]
    assert rules.due_to_open(a, [1], at, WITA) == []


# -- rescheduling after amendments ----------------------------------------------------------
def test_extending_keeps_the_rhythm_when_opened_periods_still_fit() -> None:
    first = opened(1, date(2027, 1, 1), date(2027, 4, 1))
    anchor, offset = rules.reschedule(date(2027, 1, 1), date(2028, 12, 31), "triwulan", [first])
    assert (anchor, offset) == (date(2027, 1, 1), 0)


def test_changing_the_rhythm_reanchors_after_the_last_opened_period() -> None:
    first = opened(1, date(2027, 1, 1), date(2027, 4, 1))
    anchor, offset = rules.reschedule(date(2027, 1, 1), date(2027, 12, 31), "bulanan", [first])
    assert (anchor, offset) == (date(2027, 4, 2), 1)
    a = agreement(date(2027, 1, 1), date(2027, 12, 31), "bulanan", anchor=anchor, offset=offset)
    periods = rules.schedule(a)
    assert (periods[0].index, periods[0].starts, periods[0].ends) == (2, date(2027, 4, 2), date(2027, 5, 2))
    assert periods[-1].ends == date(2027, 12, 31)


def test_renewing_after_a_partial_last_period_continues_numbering() -> None:
    periods = [opened(1, date(2027, 1, 1), date(2027, 7, 1)), opened(2, date(2027, 7, 2), date(2027, 9, 30))]
    anchor, offset = rules.reschedule(date(2027, 1, 1), date(2028, 9, 30), "semester", periods)
    assert (anchor, offset) == (date(2027, 10, 1), 2)
    a = agreement(date(2027, 1, 1), date(2028, 9, 30), "semester", anchor=anchor, offset=offset)
    assert [(p.index, p.ends) for p in rules.schedule(a)] == [(3, date(2028, 4, 1)), (4, date(2028, 9, 30))]


def test_ending_early_makes_the_current_period_the_last() -> None:
    first = opened(1, date(2027, 1, 1), date(2027, 4, 1))
    anchor, offset = rules.reschedule(date(2027, 1, 1), date(2027, 5, 20), "triwulan", [first])
    a = agreement(date(2027, 1, 1), date(2027, 5, 20), "triwulan", anchor=anchor, offset=offset)
    assert [(p.index, p.starts, p.ends) for p in rules.schedule(a)] == [
        (1, date(2027, 1, 1), date(2027, 4, 1)), (2, date(2027, 4, 2), date(2027, 5, 20))]
    assert rules.earliest_end(date(2027, 1, 1), [first]) == date(2027, 4, 1)


def test_nothing_opened_recomputes_from_the_start() -> None:
    assert rules.reschedule(date(2027, 1, 1), date(2027, 6, 1), "bulanan", []) == (date(2027, 1, 1), 0)


# -- states ---------------------------------------------------------------------------------
def test_states() -> None:
    a = agreement(date(2027, 1, 1), date(2028, 12, 31), "triwulan")
    p1 = opened(1, date(2027, 1, 1), date(2027, 4, 1))
    today = date(2027, 4, 3)
    assert rules.state_of(a, [], [], date(2026, 12, 1)) == "belum_mulai"
    assert rules.state_of(a, [], [], today) == "aktif"
    assert rules.state_of(a, [p1], [evaluation(1, 1, 4)], today) == "perlu_evaluasi"
    late = opened(1, date(2027, 1, 1), date(2027, 4, 1), overdue=True)
    assert rules.state_of(a, [late], [evaluation(1, 1, 4)], today) == "terlambat_evaluasi"
    both = [evaluation(1, 1, 4), evaluation(1, 2, 3)]
    assert rules.state_of(a, [late], both, today) == "aktif"
    drafts = [evaluation(1, 1, 4), evaluation(1, 2, 3, status="draft")]
    assert rules.state_of(a, [p1], drafts, today) == "perlu_evaluasi"
    assert rules.state_of(a, [p1], both, date(2028, 11, 1)) == "akan_berakhir"
    assert rules.state_of(a, [p1], both, date(2029, 1, 1)) == "berakhir"


def test_third_parties_do_not_evaluate() -> None:
    a = agreement(date(2027, 1, 1), date(2027, 12, 31), villages=2, third=1)
    assert rules.missing_positions(a, [evaluation(1, 1, 5)]) == [2]
    assert rules.missing_positions(a, [evaluation(1, 1, 5), evaluation(1, 2, 5)]) == []


@pytest.mark.parametrize(("today", "expected"), [
    (date(2027, 10, 1), None),
    (date(2027, 10, 2), 90),
    (date(2027, 12, 1), 30),
    (date(2027, 12, 31), 30),
    (date(2028, 1, 1), None),
])
def test_expiry_warning(today: date, expected: int | None) -> None:
    assert rules.expiry_warning(date(2027, 12, 31), today) == expected


def test_followup_reminders_only_ahead() -> None:
    now = datetime(2027, 2, 12, 9, 0, tzinfo=WIB)
    times = rules.followup_reminder_times(date(2027, 2, 15), WIB, now)
    assert times == [(1, datetime(2027, 2, 14, 8, 0, tzinfo=WIB))]
    assert len(rules.followup_reminder_times(date(2027, 3, 15), WIB, now)) == 2


# -- trend and summary ----------------------------------------------------------------------
def test_trend() -> None:
    evaluations = [evaluation(1, 1, 2), evaluation(1, 2, 3), evaluation(2, 1, 4), evaluation(2, 2, 4),
                   evaluation(3, 1, 4), evaluation(3, 2, 4, status="draft")]
    averages = rules.period_averages(evaluations)
    assert averages == {1: 2.5, 2: 4.0, 3: 4.0}
    assert rules.trend(averages, 1) == "baru"
    assert rules.trend(averages, 2) == "naik"
    assert rules.trend(averages, 3) == "tetap"
    assert rules.trend({1: 4.0, 2: 3.0}, 2) == "turun"
    assert rules.party_previous_rating(evaluations, 1, 3) == 4


def test_summary_with_several_parties_side_by_side() -> None:
    a = agreement(date(2027, 1, 1), date(2028, 12, 31), villages=3)
    period = opened(2, date(2027, 4, 2), date(2027, 7, 1))
    evaluations = [
        evaluation(1, 1, 3), evaluation(1, 2, 2),
        evaluation(2, 1, 4, went_well="Pipa <b>baru</b> terpasang", kendala="Debit air turun"),
        evaluation(2, 2, 2, went_well="Iuran warga lancar"),
    ]
    followup = FollowUp(id=1, agreement_id=1, forum_id=1, evaluation_id=21, period_index=2,
                        description="Perbaiki pompa", owner_position=2, owner_name="Cipari",
                        due_date=date(2027, 8, 1), done_at=None, done_by=None, created_by=1, created_at=EPOCH)
    text = rules.render_summary(rules.SummaryInput(agreement=a, period=period, evaluations=evaluations,
                                                   open_followups=[followup], today=date(2027, 7, 2)), "id")
    assert "Periode 2" in text
    assert "<b>Sidasari</b>: ★★★★☆ 4/5 ↑" in text
    assert "<b>Cipari</b>: ★★☆☆☆ 2/5 →" in text
    assert "<b>Mulyadadi</b>: belum mengisi" in text
    assert "Pipa &lt;b&gt;baru&lt;/b&gt; terpasang" in text  # typed HTML is escaped
    assert "Debit air turun" in text and "Iuran warga lancar" in text
    assert "P1: 2,5 → P2: 3,0" in text and "naik" in text
    assert "Perbaiki pompa" in text and "Cipari" in text
    assert "Belum mengisi: Mulyadadi" in text
    items = rules.agenda_items(rules.SummaryInput(agreement=a, period=period, evaluations=evaluations,
                                                  open_followups=[followup], today=date(2027, 7, 2)), "id")
    assert items[0] == "Tinjau hasil evaluasi periode 2 (rata-rata 3,0)"
    assert items[1] == "Sidasari: nilai 4/5 — berjalan baik: Pipa <b>baru</b> terpasang; kendala: Debit air turun"
    assert items[3] == "Mulyadadi: evaluasi belum diisi"
    assert items[4].startswith("Tindak lanjut: Perbaiki pompa (Cipari")
    assert items[-1] == "Rencana aksi untuk periode berikutnya"
    capped = rules.agenda_items(rules.SummaryInput(agreement=a, period=period, evaluations=evaluations,
                                                   open_followups=[followup] * 30, today=date(2027, 7, 2)),
                                "id", max_items=20, max_length=40)
    assert len(capped) == 20 and capped[-1] == "Rencana aksi untuk periode berikutnya"
    assert all(len(item) <= 40 for item in capped)


def test_prompt_deadlines() -> None:
    period = opened(1, date(2027, 1, 1), date(2027, 4, 1))
    assert rules.prompt_at(period, WIB) == datetime(2027, 4, 1, 8, 0, tzinfo=WIB)
    assert rules.REMIND_AFTER == timedelta(days=3) and rules.LATE_AFTER == timedelta(days=7)
