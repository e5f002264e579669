"""Meeting rules with plain values: reminder plans, tallies, RSVP checks, hosts, typed input."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.errors import InvalidInput
from bot.meetings.rules import (
    DEFAULT_REMINDERS,
    RsvpRefused,
    Turn,
    agenda_items,
    check_rsvp,
    clean_codes,
    clean_text,
    clean_url,
    host_for,
    nth_weekday_of,
    overlaps,
    reminder_plan,
    swap_partner,
    tally,
)

START = datetime(2026, 12, 12, 2, 0, tzinfo=UTC)  # 09.00 WIB
NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def test_default_plan_nudges_only_those_without_answer() -> None:
    assert reminder_plan(START, DEFAULT_REMINDERS, None, NOW) == [("n3", START - timedelta(days=3))]


def test_default_plan_for_coming_and_maybe_is_h1_and_two_hours() -> None:
    expected = [("c1", START - timedelta(days=1)), ("c2h", START - timedelta(hours=2))]
    assert reminder_plan(START, DEFAULT_REMINDERS, "yes", NOW) == expected
    assert reminder_plan(START, DEFAULT_REMINDERS, "maybe", NOW) == expected


def test_not_attending_is_never_reminded() -> None:
    every = list(clean_codes(["n7", "n3", "n1", "c3", "c1", "c2h", "c1h", "c30"]))
    assert reminder_plan(START, every, "no", NOW) == []


def test_reminders_already_past_are_not_planned() -> None:
    late = START - timedelta(hours=5)
    assert reminder_plan(START, DEFAULT_REMINDERS, "yes", late) == [("c2h", START - timedelta(hours=2))]


def test_unknown_codes_are_dropped_and_order_is_fixed() -> None:
    assert clean_codes(["c2h", "bogus", "n3", "n3"]) == ["n3", "c2h"]


def test_tally_counts_people_and_ignores_non_invitees() -> None:
    answers = {1: ("yes", 3), 2: ("no", 1), 3: ("maybe", 1), 99: ("yes", 5)}
    counts = tally(answers, [1, 2, 3, 4, 5])  # type: ignore[arg-type]
    assert (counts.yes, counts.no, counts.maybe, counts.pending, counts.people) == (1, 1, 1, 2, 3)
    assert counts.invited == 5


def _check(**kw: object) -> None:
    base: dict[str, object] = dict(cancelled=False, starts_at=START, deadline=None, now=NOW, answer="yes",
                                   party_size=1, people_others=0, max_attendees=None)
    base.update(kw)
    check_rsvp(**base)  # type: ignore[arg-type]


def test_rsvp_refused_when_started_cancelled_or_past_deadline() -> None:
    with pytest.raises(RsvpRefused) as exc:
        _check(now=START)
    assert exc.value.message_key == "meet.rsvp.started"
    with pytest.raises(RsvpRefused) as exc:
        _check(cancelled=True)
    assert exc.value.message_key == "meet.rsvp.cancelled"
    with pytest.raises(RsvpRefused) as exc:
        _check(deadline=NOW - timedelta(minutes=1))
    assert exc.value.message_key == "meet.rsvp.deadline"
    _check(deadline=NOW - timedelta(minutes=1), answer="no")  # freeing a seat is always allowed


def test_rsvp_capacity_counts_people() -> None:
    _check(max_attendees=10, people_others=7, party_size=3)
    with pytest.raises(RsvpRefused) as exc:
        _check(max_attendees=10, people_others=8, party_size=3)
    assert exc.value.params == {"max": 10, "left": 2}
    _check(max_attendees=10, people_others=10, answer="maybe")


def test_host_rotation_and_swap_partner() -> None:
    rotation = ["A", "B", "C"]
    assert [host_for(rotation, n) for n in range(1, 6)] == ["A", "B", "C", "A", "B"]
    assert host_for([], 1) is None
    turns = [Turn(1, START, "A"), Turn(2, START + timedelta(days=30), "B"), Turn(3, START + timedelta(days=60), "C"),
             Turn(4, START + timedelta(days=90), "B")]
    partner = swap_partner(turns, 1, "B", NOW)
    assert partner is not None and partner.meeting_id == 2
    assert swap_partner(turns, 1, "Z", NOW) is None


def test_nth_weekday_of_and_fifth_is_last() -> None:
    assert nth_weekday_of(date(2026, 12, 7)) == (1, 0)  # first Monday
    assert nth_weekday_of(date(2026, 12, 15)) == (3, 1)  # third Tuesday
    assert nth_weekday_of(date(2026, 11, 30)) == (-1, 0)  # fifth Monday -> last Monday


def test_overlaps() -> None:
    assert overlaps(START, 120, START + timedelta(hours=1), 60)
    assert not overlaps(START, 120, START + timedelta(hours=2), 60)


def test_typed_input_limits() -> None:
    with pytest.raises(InvalidInput) as exc:
        clean_text("x" * 5000, max_length=150)
    assert exc.value.params == {"max": 150, "length": 5000}
    with pytest.raises(InvalidInput):
        clean_text("   ", max_length=150)
    assert clean_text("  <b>Rapat</b>\x00  ", max_length=50) == "<b>Rapat</b>"
    assert agenda_items("1. Laporan\n- Rencana\n\n• Lain-lain") == ["Laporan", "Rencana", "Lain-lain"]
    assert clean_url("https://meet.google.com/abc-defg-hij") == "https://meet.google.com/abc-defg-hij"
    assert clean_url("Balai desa") is None
