"""Pure rules of forum governance: who leads, when a forum is headless, how a vote is counted.

No Telegram, no SQL, no clock but the `now` passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, cast

from bot.permissions import ROLES, Role

Title = Literal["ketua", "wakil_ketua", "sekretaris", "bendahara"]
# Officer titles in the order they are listed (ketua first).
TITLES: tuple[Title, ...] = ("ketua", "wakil_ketua", "sekretaris", "bendahara")

HEADLESS_AFTER = timedelta(days=14)
VOTE_DAYS = timedelta(days=7)
FIRST_REMINDER_AFTER = timedelta(days=2)
REMINDER_EVERY = timedelta(days=7)


@dataclass(frozen=True)
class Leader:
    """An active koordinator (or pendamping) as far as reaching them is concerned."""

    user_id: int
    reachable: bool
    unreachable_since: datetime | None = None


def reachable(leaders: Iterable[Leader]) -> list[Leader]:
    return [leader for leader in leaders if leader.reachable]


def is_last_koordinator(user_id: int, koordinators: Iterable[int]) -> bool:
    """Whether `user_id` is the forum's only active koordinator (so the role cannot be dropped).

    The one predicate for /peran, handover, /keluar and /hapus_data.
    """
    return set(koordinators) == {user_id}


def headless_since(koordinators: Sequence[Leader], last_koordinator_left: datetime | None,
                   forum_created: datetime) -> datetime | None:
    """When the forum lost its last reachable koordinator; None while one is reachable."""
    if reachable(koordinators):
        return None
    moments = [k.unreachable_since for k in koordinators if k.unreachable_since is not None]
    if last_koordinator_left is not None:
        moments.append(last_koordinator_left)
    return max(moments) if moments else forum_created


def is_headless(since: datetime | None, now: datetime) -> bool:
    """Headless: no active, reachable koordinator for 14 days."""
    return since is not None and now - since >= HEADLESS_AFTER


def vote_needed(since: datetime | None, now: datetime, has_reachable_pendamping: bool,
                last_vote_opened: datetime | None) -> bool:
    """A vote card goes out once per headless spell, only when no pendamping can appoint."""
    if not is_headless(since, now) or has_reachable_pendamping:
        return False
    return last_vote_opened is None or (since is not None and last_vote_opened < since)


@dataclass(frozen=True)
class Ballot:
    voter: int
    candidate: int
    cast_at: datetime


def vote_winner(ballots: Iterable[Ballot], eligible: set[int]) -> int | None:
    """The member named by most active members; a tie goes to who reached that count first.

    Only ballots of voters who are still active members, for candidates who still are, count.
    """
    counts: dict[int, list[datetime]] = {}
    for ballot in ballots:
        if ballot.voter in eligible and ballot.candidate in eligible:
            counts.setdefault(ballot.candidate, []).append(ballot.cast_at)
    if not counts:
        return None
    return min(counts, key=lambda c: (-len(counts[c]), max(counts[c]), c))


def first_reminder_at(requested_at: datetime) -> datetime:
    return requested_at + FIRST_REMINDER_AFTER


def next_reminder_at(now: datetime) -> datetime:
    return now + REMINDER_EVERY


def join_role(jabatan: str, invited: str | None) -> Role:
    """The role a join request asks for: a pendamping is one whatever the invite said; otherwise the
    invite's role (an invite may be for a koordinator), else anggota."""
    if jabatan == "pendamping":
        return "pendamping"
    if invited in ROLES:
        return cast(Role, invited)
    return "anggota"
