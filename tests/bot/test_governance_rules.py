"""Pure governance rules: the last-koordinator predicate, headless forums, the vote count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.members import rules

T0 = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)


def test_last_koordinator_predicate() -> None:
    assert rules.is_last_koordinator(1, [1])
    assert not rules.is_last_koordinator(1, [1, 2])
    assert not rules.is_last_koordinator(3, [1])  # not a koordinator at all
    assert not rules.is_last_koordinator(1, [])


def test_headless_since_counts_from_when_the_last_reachable_koordinator_went_away() -> None:
    blocked = rules.Leader(1, reachable=False, unreachable_since=T0 + timedelta(days=3))
    assert rules.headless_since([rules.Leader(2, reachable=True), blocked], None, T0) is None
    assert rules.headless_since([blocked], T0 + timedelta(days=1), T0) == T0 + timedelta(days=3)
    assert rules.headless_since([], T0 + timedelta(days=5), T0) == T0 + timedelta(days=5)
    assert rules.headless_since([], None, T0) == T0


def test_headless_after_14_days_and_one_vote_per_headless_spell() -> None:
    since = T0
    assert not rules.is_headless(since, T0 + timedelta(days=13, hours=23))
    assert rules.is_headless(since, T0 + timedelta(days=14))
    now = T0 + timedelta(days=15)
    assert rules.vote_needed(since, now, has_reachable_pendamping=False, last_vote_opened=None)
    assert not rules.vote_needed(since, now, has_reachable_pendamping=True, last_vote_opened=None)
    assert not rules.vote_needed(since, now, has_reachable_pendamping=False, last_vote_opened=T0 + timedelta(days=14))
    # An old vote from an earlier spell does not stop a new one.
    assert rules.vote_needed(since, now, has_reachable_pendamping=False, last_vote_opened=T0 - timedelta(days=90))


def test_vote_winner_most_named_ties_to_who_got_there_first_and_only_active_members_count() -> None:
    b = rules.Ballot
    ballots = [b(1, 10, T0), b(2, 10, T0 + timedelta(hours=5)), b(3, 11, T0 + timedelta(hours=1)),
               b(4, 11, T0 + timedelta(hours=2))]
    assert rules.vote_winner(ballots, {1, 2, 3, 4, 10, 11}) == 11  # 2-2: 11 reached two votes first
    assert rules.vote_winner(ballots, {1, 2, 3, 10, 11}) == 10  # voter 4 left the forum
    assert rules.vote_winner(ballots, {1, 2, 3, 4, 10}) == 10  # candidate 11 left
    assert rules.vote_winner([], {1}) is None
