"""Meeting rules (pertemuan rutin): RSVP tallies and checks, reminder plans, host rotation, clashes.

Plain values in, plain values out: no Telegram and no SQL, so every rule is tested with an
injected `now`.

Reminder codes (configurable per forum and per meeting):

    n7 n3 n1     nudge H-7 / H-3 / H-1 — only to those who have not answered yet
    c3 c1        H-3 / H-1 — to those coming (Hadir) or undecided (Mungkin)
    c2h c1h c30  2 hours / 1 hour / 30 minutes before — to Hadir and Mungkin

Nobody who answered Tidak hadir is ever reminded. "H-1" is the same clock time one day before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal, Protocol, TypeVar

from bot.errors import InvalidInput
from bot.numbers_id import count_from_text


class _HasSeries(Protocol):
    @property
    def series_id(self) -> int | None: ...


SeriesT = TypeVar("SeriesT", bound=_HasSeries)

Answer = Literal["yes", "no", "maybe"]
ANSWERS: tuple[Answer, ...] = ("yes", "no", "maybe")
Audience = Literal["pending", "coming"]

MAX_TITLE = 150
MAX_ITEM = 300
MAX_AGENDA_ITEMS = 20
MAX_DOCUMENTS = 10
MAX_ADDRESS = 300
MAX_URL = 500
MAX_REASON = 300
MAX_DECISIONS = 30
MAX_ACTIONS = 30
MAX_PARTY = 50
MAX_OCCURRENCES = 52
MAX_SERIES_DAYS = 2 * 366

# A tally edit of one announcement at most this often; RSVPs in between are coalesced.
TALLY_EDIT_EVERY = timedelta(seconds=5)
# The next host village is told this long ahead (or at once when the meeting is sooner).
HOST_NOTICE_BEFORE = timedelta(days=14)


@dataclass(frozen=True)
class ReminderKind:
    code: str
    before: timedelta
    audience: Audience


REMINDERS: dict[str, ReminderKind] = {
    k.code: k
    for k in (
        ReminderKind("n7", timedelta(days=7), "pending"),
        ReminderKind("n3", timedelta(days=3), "pending"),
        ReminderKind("n1", timedelta(days=1), "pending"),
        ReminderKind("c3", timedelta(days=3), "coming"),
        ReminderKind("c1", timedelta(days=1), "coming"),
        ReminderKind("c2h", timedelta(hours=2), "coming"),
        ReminderKind("c1h", timedelta(hours=1), "coming"),
        ReminderKind("c30", timedelta(minutes=30), "coming"),
    )
}
DEFAULT_REMINDERS: tuple[str, ...] = ("n3", "c1", "c2h")


def clean_codes(codes: Iterable[str]) -> list[str]:
    """Known reminder codes, in the catalog's order, without repeats."""
    wanted = set(codes)
    return [code for code in REMINDERS if code in wanted]


def reminder_applies(code: str, answer: Answer | None) -> bool:
    """Whether reminder `code` goes to someone whose answer is `answer` (None: not answered)."""
    kind = REMINDERS[code]
    if kind.audience == "pending":
        return answer is None
    return answer in ("yes", "maybe")


def reminder_plan(starts_at: datetime, codes: Iterable[str], answer: Answer | None,
                  now: datetime) -> list[tuple[str, datetime]]:
    """The reminders one invitee should get: (code, due time), only those still ahead of `now`."""
    out = []
    for code in clean_codes(codes):
        due = starts_at - REMINDERS[code].before
        if due > now and reminder_applies(code, answer):
            out.append((code, due))
    return sorted(out, key=lambda item: item[1])


# -- RSVP ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tally:
    yes: int
    maybe: int
    no: int
    pending: int
    people: int  # people coming: the sum of party sizes of Hadir

    @property
    def invited(self) -> int:
        return self.yes + self.maybe + self.no + self.pending


def tally(answers: Mapping[int, tuple[Answer, int]], invitees: Iterable[int]) -> Tally:
    """Count answers of the invitees (answers of people no longer invited are ignored)."""
    counts = {"yes": 0, "maybe": 0, "no": 0}
    people = pending = 0
    for user_id in set(invitees):
        got = answers.get(user_id)
        if got is None:
            pending += 1
            continue
        answer, party = got
        counts[answer] += 1
        if answer == "yes":
            people += party
    return Tally(counts["yes"], counts["maybe"], counts["no"], pending, people)


class RsvpRefused(InvalidInput):
    """The answer cannot be taken now (meeting cancelled, started, past the deadline, full)."""


def check_rsvp(*, cancelled: bool, starts_at: datetime, deadline: datetime | None, now: datetime,
               answer: Answer, party_size: int, people_others: int, max_attendees: int | None) -> None:
    """Refuse an answer that breaks a rule; `people_others` = people coming apart from this member.

    Anyone may still say Tidak hadir after the deadline (until the start): it frees a seat.
    """
    if cancelled:
        raise RsvpRefused("meet.rsvp.cancelled")
    if now >= starts_at:
        raise RsvpRefused("meet.rsvp.started")
    if answer != "no" and deadline is not None and now > deadline:
        raise RsvpRefused("meet.rsvp.deadline")
    if not 1 <= party_size <= MAX_PARTY:
        raise RsvpRefused("meet.rsvp.bad_party", max=MAX_PARTY)
    if answer == "yes" and max_attendees is not None and people_others + party_size > max_attendees:
        left = max(max_attendees - people_others, 0)
        raise RsvpRefused("meet.rsvp.full", max=max_attendees, left=left)


# -- hosts -----------------------------------------------------------------------------------
def host_for(rotation: Sequence[str], seq: int) -> str | None:
    """The host village of occurrence `seq` (1-based) in turn order."""
    if not rotation:
        return None
    return rotation[(seq - 1) % len(rotation)]


@dataclass(frozen=True)
class Turn:
    meeting_id: int
    starts_at: datetime
    host: str | None


def swap_partner(turns: Sequence[Turn], meeting_id: int, other_village: str, now: datetime) -> Turn | None:
    """The other village's nearest upcoming turn in the series (to exchange with), if any."""
    candidates = [t for t in turns if t.meeting_id != meeting_id and t.host == other_village and t.starts_at > now]
    return min(candidates, key=lambda t: t.starts_at) if candidates else None


# -- dates -----------------------------------------------------------------------------------
def nth_weekday_of(day: date) -> tuple[int, int]:
    """(nth, weekday) of a date: the 2nd Tuesday is (2, 1); a fifth weekday is the last (-1)."""
    nth = (day.day - 1) // 7 + 1
    return (-1 if nth == 5 else nth), day.weekday()


def overlaps(a_start: datetime, a_minutes: int, b_start: datetime, b_minutes: int) -> bool:
    """Whether two meetings share any time (touching end and start is not a clash)."""
    return a_start < b_start + timedelta(minutes=b_minutes) and b_start < a_start + timedelta(minutes=a_minutes)


# -- typed input -----------------------------------------------------------------------------
_URL = re.compile(r"^https?://[^\s<>\"]+\.[^\s<>\"]+$", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str, *, max_length: int, min_length: int = 1, single_line: bool = False) -> str:
    """Trim typed text; refuse it politely when empty or too long (nothing is cut silently)."""
    value = _CONTROL.sub("", text).strip()
    if single_line:
        value = " ".join(value.split())
    if len(value) < min_length:
        raise InvalidInput("meet.bad.too_short", min=min_length)
    if len(value) > max_length:
        raise InvalidInput("meet.bad.too_long", max=max_length, length=len(value))
    return value


def clean_url(text: str) -> str | None:
    """An online meeting link (http/https), or None when the text is not one."""
    value = text.strip()
    if len(value) <= MAX_URL and _URL.match(value):
        return value
    return None


def agenda_items(text: str) -> list[str]:
    """Several agenda items from one message: one per line, list markers removed."""
    items = []
    for line in text.splitlines():
        line = re.sub(r"^\s*(?:[-•*]|\d+[.)])\s*", "", line).strip()
        if line:
            items.append(clean_text(line, max_length=MAX_ITEM))
    if not items:
        raise InvalidInput("meet.bad.too_short", min=1)
    return items


def party_from_text(text: str) -> int:
    """How many come, as typed: "7", "7 orang", "tujuh"."""
    value = count_from_text(text)
    if value is None or not 1 <= value <= MAX_PARTY:
        raise InvalidInput("meet.rsvp.bad_party", max=MAX_PARTY)
    return value


def by_series(meetings: Sequence[SeriesT]) -> list[list[SeriesT]]:
    """Group upcoming meetings so a series reads as one line: each group is one series (or one
    single meeting), soonest first, in the order of each group's first meeting."""
    groups: dict[object, list[SeriesT]] = {}
    for meeting in meetings:
        key: object = ("series", meeting.series_id) if meeting.series_id is not None else ("one", id(meeting))
        groups.setdefault(key, []).append(meeting)
    return list(groups.values())
