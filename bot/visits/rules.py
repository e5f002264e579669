"""The kunjungan kerja (work visit) state machine: pure rules, no Telegram, no SQL.

    diajukan ──accept(date)──▶ diterima ──complete──▶ selesai
       │  │                      │
       │  └─propose(dates)─▶ tanggal_diusulkan ◀─┐  (propose again: the turn flips)
       │                       │  │  └──────────┘
       │                       │  └─accept(date)─▶ diterima
       ├─reject(reason)─▶ ditolak ◀─reject─┘
       └─cancel(reason)─▶ dibatalkan ◀── cancel from tanggal_diusulkan / diterima

Who may do what:
- only the two parties (the requesting kades and the host kades) act; anyone else is refused;
- while the visit is open (diajukan, tanggal_diusulkan) the side whose turn it is (`awaiting`)
  accepts one of the offered dates or proposes others (1-3); the host may refuse at any time
  while it is open; the requester may withdraw at any time while it is open;
- once accepted (diterima) either side may cancel with a reason, and either side may mark it
  done (selesai) from the visit day on;
- ditolak, selesai and dibatalkan are final.
Every refusal is a named error with a message key, so the user is told exactly why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal, Protocol

from bot.errors import Conflict, InvalidInput, NotPermitted, StaleAction

State = Literal["diajukan", "tanggal_diusulkan", "diterima", "ditolak", "selesai", "dibatalkan"]
Side = Literal["requester", "host"]
Event = Literal["accept", "propose", "reject", "cancel", "complete"]

STATES: tuple[State, ...] = ("diajukan", "tanggal_diusulkan", "diterima", "ditolak", "selesai", "dibatalkan")
OPEN: frozenset[State] = frozenset({"diajukan", "tanggal_diusulkan"})
FINAL: frozenset[State] = frozenset({"ditolak", "selesai", "dibatalkan"})
EVENTS: tuple[Event, ...] = ("accept", "propose", "reject", "cancel", "complete")

MIN_FIRST_DATES = 2  # the request offers two or three dates
MIN_COUNTER_DATES = 1  # a counter-proposal may offer one date
MAX_DATES = 3
MAX_AHEAD = timedelta(days=366)
MAX_PEOPLE = 100
MAX_REASON = 500


class NotAParty(NotPermitted):
    """Someone who is neither the requester nor the host pressed a visit button."""

    message_key = "visit.err.not_party"


class IllegalTransition(Conflict):
    """The visit's state does not allow this step (accepting twice, cancelling a finished visit)."""

    def __init__(self, state: State, event: Event) -> None:
        super().__init__(f"visit.err.{event}_when_{state}")
        self.state = state
        self.event = event


class NotYourTurn(Conflict):
    """The other side must answer the current proposal first."""

    message_key = "visit.err.not_your_turn"


class WrongSide(NotPermitted):
    """The right person for the visit, the wrong role for this step (a host withdrawing, ...)."""


@dataclass(frozen=True)
class Visit:
    """The part of a visit the rules need."""

    state: State
    requester_id: int
    host_id: int
    awaiting: Side | None
    proposed: tuple[date, ...]
    visit_date: date | None = None
    round: int = 1

    def side_of(self, user_id: int) -> Side | None:
        if user_id == self.requester_id:
            return "requester"
        if user_id == self.host_id:
            return "host"
        return None

    def user_of(self, side: Side) -> int:
        return self.requester_id if side == "requester" else self.host_id


class Record(Protocol):
    """A stored visit as the rules read it (storage.visits.VisitRow fits; rules stay free of storage)."""

    @property
    def state(self) -> State: ...
    @property
    def requester_user_id(self) -> int: ...
    @property
    def host_user_id(self) -> int: ...
    @property
    def awaiting(self) -> Side | None: ...
    @property
    def proposed_dates(self) -> tuple[date, ...]: ...
    @property
    def visit_date(self) -> date | None: ...
    @property
    def round(self) -> int: ...


def of(record: Record) -> Visit:
    """The part of a stored visit the rules need."""
    return Visit(state=record.state, requester_id=record.requester_user_id, host_id=record.host_user_id,
                 awaiting=record.awaiting, proposed=record.proposed_dates, visit_date=record.visit_date,
                 round=record.round)


@dataclass(frozen=True)
class Transition:
    """What happened: the new visit, the event, who did it and who must be told."""

    before: Visit
    after: Visit
    event: Event
    actor: Side

    @property
    def notify(self) -> Side:
        return other(self.actor)


def other(side: Side) -> Side:
    return "host" if side == "requester" else "requester"


def new_request(requester_id: int, host_id: int, dates: Sequence[date], today: date) -> Visit:
    """A fresh request (diajukan, the host's turn), after checking the offered dates."""
    if requester_id == host_id:
        raise InvalidInput("visit.err.self")
    return Visit(state="diajukan", requester_id=requester_id, host_id=host_id, awaiting="host",
                 proposed=check_dates(dates, today, minimum=MIN_FIRST_DATES))


def check_dates(dates: Sequence[date], today: date, *, minimum: int = MIN_COUNTER_DATES) -> tuple[date, ...]:
    """Offered dates: minimum..3, distinct, after today, within a year; returned sorted."""
    unique = sorted(set(dates))
    if len(unique) != len(dates):
        raise InvalidInput("visit.err.date_duplicate")
    if not minimum <= len(unique) <= MAX_DATES:
        raise InvalidInput("visit.err.date_count", minimum=minimum, maximum=MAX_DATES)
    for day in unique:
        check_date(day, today)
    return tuple(unique)


def check_date(day: date, today: date) -> date:
    """One offered date: from tomorrow on, at most a year ahead."""
    if day <= today:
        raise InvalidInput("visit.err.date_past")
    if day - today > MAX_AHEAD:
        raise InvalidInput("visit.err.date_far")
    return day


def check_people(value: int) -> int:
    if not 1 <= value <= MAX_PEOPLE:
        raise InvalidInput("visit.err.people", maximum=MAX_PEOPLE)
    return value


def _party(visit: Visit, user_id: int) -> Side:
    side = visit.side_of(user_id)
    if side is None:
        raise NotAParty()
    return side


def _require(visit: Visit, event: Event, allowed: frozenset[State]) -> None:
    if visit.state not in allowed:
        raise IllegalTransition(visit.state, event)


def precheck(visit: Visit, user_id: int, event: Event) -> Side:
    """Who is acting, or the reason this person may not start `event` now (before asking for dates/reasons)."""
    side = _party(visit, user_id)
    if event in ("accept", "propose"):
        _require(visit, event, OPEN)
        if visit.awaiting != side:
            raise NotYourTurn()
    elif event == "reject":
        _require(visit, event, OPEN)
        if side != "host":
            raise WrongSide("visit.err.only_host_rejects")
    elif event == "cancel":
        _require(visit, event, OPEN | {"diterima"})
        if visit.state in OPEN and side == "host":
            raise WrongSide("visit.err.host_use_reject")
    else:
        _require(visit, event, frozenset({"diterima"}))
    return side


def accept(visit: Visit, user_id: int, day: date, today: date) -> Transition:
    """The side whose turn it is fixes one of the offered dates."""
    side = precheck(visit, user_id, "accept")
    if day not in visit.proposed:
        raise InvalidInput("visit.err.date_not_offered")
    if day <= today:
        raise InvalidInput("visit.err.date_gone")
    after = replace(visit, state="diterima", awaiting=None, visit_date=day)
    return Transition(visit, after, "accept", side)


def propose(visit: Visit, user_id: int, dates: Sequence[date], today: date) -> Transition:
    """The side whose turn it is offers other dates; then it is the other side's turn."""
    side = precheck(visit, user_id, "propose")
    offered = check_dates(dates, today)
    after = replace(visit, state="tanggal_diusulkan", awaiting=other(side), proposed=offered,
                    round=visit.round + 1)
    return Transition(visit, after, "propose", side)


def reject(visit: Visit, user_id: int, reason: str) -> Transition:
    """The host declines an open request, with a reason."""
    side = precheck(visit, user_id, "reject")
    _check_reason(reason)
    return Transition(visit, replace(visit, state="ditolak", awaiting=None), "reject", side)


def cancel(visit: Visit, user_id: int, reason: str) -> Transition:
    """Call the visit off: the requester while it is open, either side once accepted."""
    side = precheck(visit, user_id, "cancel")
    _check_reason(reason)
    return Transition(visit, replace(visit, state="dibatalkan", awaiting=None), "cancel", side)


def end_for_erasure(visit: Visit, user_id: int) -> Transition:
    """One side erased their data: an open or accepted visit is called off (the other side is told)."""
    side = visit.side_of(user_id)
    if side is None:
        raise NotAParty()
    if visit.state not in OPEN | {"diterima"}:
        raise StaleAction()
    return Transition(visit, replace(visit, state="dibatalkan", awaiting=None), "cancel", side)


def complete(visit: Visit, user_id: int, today: date) -> Transition:
    """Mark an accepted visit as done, from its day on."""
    side = precheck(visit, user_id, "complete")
    if visit.visit_date is None or today < visit.visit_date:
        raise InvalidInput("visit.err.too_early")
    return Transition(visit, replace(visit, state="selesai"), "complete", side)


def _check_reason(reason: str) -> None:
    text = reason.strip()
    if not text:
        raise InvalidInput("visit.err.reason_empty")
    if len(text) > MAX_REASON:
        raise InvalidInput("visit.err.reason_long", maximum=MAX_REASON)


def may(visit: Visit, user_id: int, event: Event, today: date) -> bool:
    """Whether `event` is currently possible for this user (to choose which buttons to show)."""
    side = visit.side_of(user_id)
    if side is None:
        return False
    if event in ("accept", "propose"):
        return visit.state in OPEN and visit.awaiting == side
    if event == "reject":
        return visit.state in OPEN and side == "host"
    if event == "cancel":
        return visit.state == "diterima" or (visit.state in OPEN and side == "requester")
    return visit.state == "diterima" and visit.visit_date is not None and today >= visit.visit_date


# Reminders: how long before the visit day, and when an unanswered turn gets a nudge.
REMINDER_OFFSETS: tuple[tuple[str, int], ...] = (("h-7", 7), ("h-1", 1))
NUDGE_AFTER = timedelta(days=3)
WAITING_NOTICE_AFTER = timedelta(days=7)
