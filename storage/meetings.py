"""Meetings: series, occurrences, RSVPs, attendance (daftar hadir), minutes (notulen), action items.

Built on the Database, reads see the last commit; built on a unit of work's Tx (`tx.meetings`),
reads see the transaction's own writes and the writers run in it, so a state change and the
pushes it causes (outbox) commit together. Reports build on
`meetings_in_period`, `attendance_in_period` and `actions_in_period`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from storage.database import Handle, Tx
from storage.timeutil import from_db, to_db

Answer = Literal["yes", "no", "maybe"]
PlaceKind = Literal["village", "address", "location", "online", "none"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Series(_Model):
    id: int
    forum_id: int
    rule: dict[str, Any]
    first_start_at: datetime
    timezone: str
    host_rotation: list[str]
    created_by: int
    created_at: datetime
    cancelled_at: datetime | None = None


class Meeting(_Model):
    id: int
    forum_id: int
    series_id: int | None
    seq: int | None
    original_start_at: datetime | None
    title: str
    starts_at: datetime
    duration_minutes: int
    timezone: str
    place_kind: PlaceKind
    host_village_code: str | None
    address: str | None
    latitude: float | None
    longitude: float | None
    online_url: str | None
    agenda: list[str]
    documents: list[dict[str, str]]
    max_attendees: int | None
    rsvp_deadline: datetime | None
    reminders: list[str] | None
    status: Literal["scheduled", "cancelled"]
    version: int
    announced_at: datetime | None
    tally_version: int
    tally_queued: int
    tally_edit_due: datetime | None
    host_notified_at: datetime | None
    attendance_at: datetime | None
    attendance_by: int | None
    created_by: int
    created_at: datetime
    updated_at: datetime
    cancelled_at: datetime | None
    cancel_reason: str | None

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"


class Rsvp(_Model):
    meeting_id: int
    user_id: int
    answer: Answer
    party_size: int
    reason: str | None
    revision: int
    via: Literal["private", "group"]
    answered_at: datetime


class Attendance(_Model):
    meeting_id: int
    user_id: int
    village_code: str | None
    present: bool
    recorded_by: int
    recorded_at: datetime


class Minutes(_Model):
    meeting_id: int
    decisions: list[str]
    notes: str | None
    posted_by: int
    posted_at: datetime


class ActionItem(_Model):
    id: int
    meeting_id: int
    forum_id: int
    text: str
    owner_user_id: int
    due_date: date
    status: Literal["open", "done"]
    done_at: datetime | None
    done_by: int | None
    created_at: datetime


class HostSwap(_Model):
    id: int
    meeting_id: int
    other_meeting_id: int | None
    from_village: str
    to_village: str
    requested_by: int
    status: Literal["pending", "accepted", "declined", "void"]
    decided_by: int | None
    created_at: datetime
    decided_at: datetime | None


class MeetingAttendance(_Model):
    """A past meeting with its daftar hadir counts (for /pertemuan and reports)."""

    meeting: Meeting
    recorded: int  # members on the daftar hadir (0 when not recorded)
    present: int
    said_yes: int

    @property
    def rate(self) -> float | None:
        return self.present / self.recorded if self.recorded else None


_TIMES = ("first_start_at", "created_at", "cancelled_at", "original_start_at", "starts_at", "rsvp_deadline",
          "announced_at", "tally_edit_due", "host_notified_at", "attendance_at", "updated_at", "answered_at",
          "recorded_at", "posted_at", "done_at", "decided_at")
_JSON = ("rule", "host_rotation", "agenda", "documents", "reminders", "decisions")


def _row(row: Any) -> dict[str, Any]:
    d = dict(row)
    for key in _TIMES:
        if key in d:
            d[key] = from_db(d[key])
    for key in _JSON:
        if key in d and d[key] is not None:
            d[key] = json.loads(d[key])
    if "due_date" in d and d["due_date"] is not None:
        d["due_date"] = date.fromisoformat(d["due_date"])
    return d


def _meeting(row: Any) -> Meeting:
    return Meeting(**_row(row))


_MEETING_FIELDS = frozenset({
    "title", "starts_at", "duration_minutes", "timezone", "place_kind", "host_village_code", "address",
    "latitude", "longitude", "online_url", "agenda", "documents", "max_attendees", "rsvp_deadline",
    "reminders", "status", "announced_at", "host_notified_at", "original_start_at", "cancel_reason",
    "cancelled_at", "tally_queued", "tally_edit_due",
})


def _db_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return to_db(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


class MeetingRepo:
    """Reads through the handle it is built on; the writers below run inside a unit of work
    (`tx.meetings`), so a change and the pushes it causes commit together."""

    def __init__(self, db: Handle) -> None:
        self.db = db

    @property
    def _tx(self) -> Tx:
        if not isinstance(self.db, Tx):
            raise TypeError("meeting writes run inside a unit of work (services.write())")
        return self.db

    async def bump_tally(self, meeting_id: int) -> None:
        """Mark the RSVP tally as changed."""
        await self._tx.execute("UPDATE meetings SET tally_version = tally_version + 1 WHERE id = ?", (meeting_id,))

    # -- settings --------------------------------------------------------------------------
    async def forum_reminders(self, forum_id: int) -> list[str] | None:
        value = await self.db.fetchval("SELECT reminders FROM meeting_settings WHERE forum_id = ?", (forum_id,))
        return list(json.loads(value)) if value is not None else None

    async def set_forum_reminders(self, forum_id: int, codes: Sequence[str], by: int, now: datetime) -> None:
        await self.db.execute(
            """INSERT INTO meeting_settings(forum_id, reminders, updated_by, updated_at) VALUES (?, ?, ?, ?)
               ON CONFLICT(forum_id) DO UPDATE SET reminders = excluded.reminders,
                   updated_by = excluded.updated_by, updated_at = excluded.updated_at""",
            (forum_id, json.dumps(list(codes)), by, to_db(now)),
        )

    # -- series and meetings ---------------------------------------------------------------
    async def create_series(self, *, forum_id: int, rule: dict[str, Any],
                            first_start_at: datetime, timezone: str, host_rotation: Sequence[str],
                            created_by: int, now: datetime) -> int:
        return await self._tx.execute(
            """INSERT INTO meeting_series(forum_id, rule, first_start_at, timezone, host_rotation, created_by,
                                          created_at) VALUES (?, ?, ?, ?, ?, ?, ?)""",
            (forum_id, json.dumps(rule), to_db(first_start_at), timezone, json.dumps(list(host_rotation)),
             created_by, to_db(now)),
        )

    async def create(self, *, forum_id: int, title: str, starts_at: datetime,
                     duration_minutes: int, timezone: str, place_kind: str, created_by: int, now: datetime,
                     series_id: int | None = None, seq: int | None = None, host_village_code: str | None = None,
                     address: str | None = None, latitude: float | None = None, longitude: float | None = None,
                     online_url: str | None = None, agenda: Sequence[str] = (),
                     documents: Sequence[dict[str, str]] = (), reminders: Sequence[str] | None = None,
                     max_attendees: int | None = None, rsvp_deadline: datetime | None = None) -> int:
        return await self._tx.execute(
            """INSERT INTO meetings(forum_id, series_id, seq, original_start_at, title, starts_at, duration_minutes,
                   timezone, place_kind, host_village_code, address, latitude, longitude, online_url, agenda,
                   documents, reminders, max_attendees, rsvp_deadline, created_by, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (forum_id, series_id, seq, to_db(starts_at) if series_id else None, title, to_db(starts_at),
             duration_minutes, timezone, place_kind, host_village_code, address, latitude, longitude, online_url,
             json.dumps(list(agenda), ensure_ascii=False), json.dumps(list(documents), ensure_ascii=False),
             json.dumps(list(reminders)) if reminders is not None else None, max_attendees, to_db(rsvp_deadline),
             created_by, to_db(now), to_db(now)),
        )

    async def get(self, meeting_id: int) -> Meeting | None:
        row = await self.db.fetchone("SELECT * FROM meetings WHERE id = ?", (meeting_id,))
        return _meeting(row) if row else None

    async def series(self, series_id: int) -> Series | None:
        row = await self.db.fetchone("SELECT * FROM meeting_series WHERE id = ?", (series_id,))
        return Series(**_row(row)) if row else None

    async def series_meetings(self, series_id: int) -> list[Meeting]:
        rows = await self.db.fetchall("SELECT * FROM meetings WHERE series_id = ? ORDER BY seq", (series_id,))
        return [_meeting(r) for r in rows]

    async def update(self, meeting_id: int, now: datetime, *, bump_version: bool = False,
                     **fields: Any) -> None:
        unknown = set(fields) - _MEETING_FIELDS
        if unknown:
            raise ValueError(f"not editable: {sorted(unknown)}")
        assignments = "".join(f"{name} = ?, " for name in fields)  # names come from _MEETING_FIELDS only
        bump = "version = version + 1, " if bump_version else ""
        await self._tx.execute(
            f"UPDATE meetings SET {assignments}{bump}updated_at = ? WHERE id = ?",
            (*(_db_value(v) for v in fields.values()), to_db(now), meeting_id),
        )

    async def set_series_rotation(self, series_id: int, rotation: Sequence[str]) -> None:
        await self._tx.execute("UPDATE meeting_series SET host_rotation = ? WHERE id = ?",
                           (json.dumps(list(rotation)), series_id))

    async def cancel_series(self, series_id: int, now: datetime) -> None:
        await self._tx.execute("UPDATE meeting_series SET cancelled_at = ? WHERE id = ?", (to_db(now), series_id))

    async def upcoming(self, forum_ids: Iterable[int], now: datetime, *, limit: int = 20,
                       include_cancelled: bool = False) -> list[Meeting]:
        """Meetings not yet over, soonest first."""
        ids = list(forum_ids)
        if not ids:
            return []
        marks = ",".join("?" for _ in ids)
        status = "" if include_cancelled else " AND status = 'scheduled'"
        rows = await self.db.fetchall(
            f"""SELECT * FROM meetings WHERE forum_id IN ({marks}){status}
                AND datetime(starts_at, '+' || duration_minutes || ' minutes') > datetime(?)
                ORDER BY starts_at, id LIMIT ?""",
            (*ids, to_db(now), limit),
        )
        return [_meeting(r) for r in rows]

    async def past(self, forum_id: int, now: datetime, *, limit: int = 10) -> list[Meeting]:
        """Meetings that have started, latest first (cancelled ones left out)."""
        rows = await self.db.fetchall(
            """SELECT * FROM meetings WHERE forum_id = ? AND status = 'scheduled' AND starts_at <= ?
               ORDER BY starts_at DESC, id DESC LIMIT ?""",
            (forum_id, to_db(now), limit),
        )
        return [_meeting(r) for r in rows]

    async def between(self, forum_id: int, start: datetime, end: datetime) -> list[Meeting]:
        """Scheduled meetings of a forum starting in [start, end)."""
        rows = await self.db.fetchall(
            """SELECT * FROM meetings WHERE forum_id = ? AND status = 'scheduled' AND starts_at >= ?
               AND starts_at < ? ORDER BY starts_at, id""",
            (forum_id, to_db(start), to_db(end)),
        )
        return [_meeting(r) for r in rows]

    async def invitees(self, forum_id: int) -> list[int]:
        """Who is invited to the forum's meetings: its active, not erased members (for the tally)."""
        rows = await self.db.fetchall(
            """SELECT ms.user_id FROM memberships ms JOIN members m ON m.user_id = ms.user_id
               WHERE ms.forum_id = ? AND ms.status = 'active' AND m.erased_at IS NULL""", (forum_id,))
        return [int(r[0]) for r in rows]

    # -- RSVP ------------------------------------------------------------------------------
    async def rsvps(self, meeting_id: int) -> list[Rsvp]:
        rows = await self.db.fetchall("SELECT * FROM meeting_rsvps WHERE meeting_id = ? ORDER BY answered_at",
                                      (meeting_id,))
        return [Rsvp(**_row(r)) for r in rows]

    async def rsvp(self, meeting_id: int, user_id: int) -> Rsvp | None:
        row = await self.db.fetchone("SELECT * FROM meeting_rsvps WHERE meeting_id = ? AND user_id = ?",
                                     (meeting_id, user_id))
        return Rsvp(**_row(row)) if row else None

    async def answers_of(self, user_id: int, meeting_ids: Sequence[int]) -> dict[int, Rsvp]:
        if not meeting_ids:
            return {}
        marks = ",".join("?" for _ in meeting_ids)
        rows = await self.db.fetchall(
            f"SELECT * FROM meeting_rsvps WHERE user_id = ? AND meeting_id IN ({marks})", (user_id, *meeting_ids))
        return {int(r["meeting_id"]): Rsvp(**_row(r)) for r in rows}

    async def set_rsvp(self, *, meeting_id: int, user_id: int, answer: str, party_size: int,
                       reason: str | None, via: str, now: datetime) -> int:
        """Record (or change) an answer; returns its revision. Bumps the meeting's tally version."""
        await self._tx.execute(
            """INSERT INTO meeting_rsvps(meeting_id, user_id, answer, party_size, reason, via, answered_at)
               VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(meeting_id, user_id) DO UPDATE SET answer = excluded.answer,
                   party_size = excluded.party_size, reason = excluded.reason, via = excluded.via,
                   answered_at = excluded.answered_at, revision = meeting_rsvps.revision + 1""",
            (meeting_id, user_id, answer, party_size, reason, via, to_db(now)),
        )
        await self._tx.execute("UPDATE meetings SET tally_version = tally_version + 1 WHERE id = ?", (meeting_id,))
        revision = await self._tx.fetchval("SELECT revision FROM meeting_rsvps WHERE meeting_id = ? AND user_id = ?",
                                           (meeting_id, user_id))
        return int(revision) if revision is not None else 1

    async def set_rsvp_reason(self, meeting_id: int, user_id: int, reason: str | None) -> bool:
        count = await self._tx.execute_count("UPDATE meeting_rsvps SET reason = ? WHERE meeting_id = ? AND user_id = ?",
                                 (reason, meeting_id, user_id))
        return count == 1

    # -- attendance, minutes, actions ------------------------------------------------------
    async def record_attendance(self, meeting_id: int,
                                rows: Sequence[tuple[int, str | None, bool]], by: int, now: datetime) -> None:
        """Replace the daftar hadir: (user_id, village_code, present) for every member listed."""
        await self._tx.execute("DELETE FROM meeting_attendance WHERE meeting_id = ?", (meeting_id,))
        await self._tx.executemany(
            """INSERT INTO meeting_attendance(meeting_id, user_id, village_code, present, recorded_by, recorded_at)
               VALUES (?, ?, ?, ?, ?, ?)""",
            [(meeting_id, uid, village, int(present), by, to_db(now)) for uid, village, present in rows],
        )
        await self._tx.execute("UPDATE meetings SET attendance_at = ?, attendance_by = ? WHERE id = ?",
                           (to_db(now), by, meeting_id))

    async def attendance(self, meeting_id: int) -> list[Attendance]:
        rows = await self.db.fetchall("SELECT * FROM meeting_attendance WHERE meeting_id = ?", (meeting_id,))
        return [Attendance(**_row(r)) for r in rows]

    async def save_minutes(self, meeting_id: int, decisions: Sequence[str],
                           notes: str | None, by: int, now: datetime) -> None:
        await self._tx.execute(
            """INSERT INTO meeting_minutes(meeting_id, decisions, notes, posted_by, posted_at) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT(meeting_id) DO UPDATE SET decisions = excluded.decisions, notes = excluded.notes,
                   posted_by = excluded.posted_by, posted_at = excluded.posted_at""",
            (meeting_id, json.dumps(list(decisions), ensure_ascii=False), notes, by, to_db(now)),
        )

    async def minutes(self, meeting_id: int) -> Minutes | None:
        row = await self.db.fetchone("SELECT * FROM meeting_minutes WHERE meeting_id = ?", (meeting_id,))
        return Minutes(**_row(row)) if row else None

    async def add_action(self, *, meeting_id: int, forum_id: int, text: str,
                         owner_user_id: int, due_date: date, now: datetime) -> int:
        return await self._tx.execute(
            """INSERT INTO meeting_actions(meeting_id, forum_id, text, owner_user_id, due_date, created_at)
               VALUES (?, ?, ?, ?, ?, ?)""",
            (meeting_id, forum_id, text, owner_user_id, due_date.isoformat(), to_db(now)),
        )

    async def action(self, action_id: int) -> ActionItem | None:
        row = await self.db.fetchone("SELECT * FROM meeting_actions WHERE id = ?", (action_id,))
        return ActionItem(**_row(row)) if row else None

    async def actions(self, meeting_id: int) -> list[ActionItem]:
        rows = await self.db.fetchall("SELECT * FROM meeting_actions WHERE meeting_id = ? ORDER BY due_date, id",
                                      (meeting_id,))
        return [ActionItem(**_row(r)) for r in rows]

    async def open_actions(self, forum_id: int) -> list[ActionItem]:
        rows = await self.db.fetchall(
            "SELECT * FROM meeting_actions WHERE forum_id = ? AND status = 'open' ORDER BY due_date, id", (forum_id,))
        return [ActionItem(**_row(r)) for r in rows]

    async def actions_of(self, owner_user_id: int, *, status: str = "open") -> list[ActionItem]:
        rows = await self.db.fetchall(
            "SELECT * FROM meeting_actions WHERE owner_user_id = ? AND status = ? ORDER BY due_date, id",
            (owner_user_id, status))
        return [ActionItem(**_row(r)) for r in rows]

    async def mark_action_done(self, action_id: int, by: int, now: datetime) -> bool:
        count = await self._tx.execute_count(
            "UPDATE meeting_actions SET status = 'done', done_at = ?, done_by = ? WHERE id = ? AND status = 'open'",
            (to_db(now), by, action_id))
        return count == 1

    # -- host swaps ------------------------------------------------------------------------
    async def create_swap(self, *, meeting_id: int, other_meeting_id: int | None,
                          from_village: str, to_village: str, requested_by: int, now: datetime) -> int:
        await self._tx.execute(
            "UPDATE meeting_host_swaps SET status = 'void' WHERE meeting_id = ? AND status = 'pending'", (meeting_id,))
        return await self._tx.execute(
            """INSERT INTO meeting_host_swaps(meeting_id, other_meeting_id, from_village, to_village, requested_by,
                   created_at) VALUES (?, ?, ?, ?, ?, ?)""",
            (meeting_id, other_meeting_id, from_village, to_village, requested_by, to_db(now)))

    async def swap(self, swap_id: int) -> HostSwap | None:
        row = await self.db.fetchone("SELECT * FROM meeting_host_swaps WHERE id = ?", (swap_id,))
        return HostSwap(**_row(row)) if row else None

    async def decide_swap(self, swap_id: int, accept: bool, by: int, now: datetime) -> bool:
        count = await self._tx.execute_count(
            """UPDATE meeting_host_swaps SET status = ?, decided_by = ?, decided_at = ?
               WHERE id = ? AND status = 'pending'""",
            ("accepted" if accept else "declined", by, to_db(now), swap_id))
        return count == 1

    # -- what the planner looks for ----------------------------------------------------------
    async def unannounced_due(self, now: datetime) -> list[Meeting]:
        """Series occurrences not announced yet whose previous occurrence has started (or is gone)."""
        rows = await self.db.fetchall(
            """SELECT m.* FROM meetings m
               WHERE m.status = 'scheduled' AND m.announced_at IS NULL AND m.series_id IS NOT NULL
                 AND m.starts_at > ?
                 AND NOT EXISTS (SELECT 1 FROM meetings p WHERE p.series_id = m.series_id AND p.seq < m.seq
                                 AND p.status = 'scheduled' AND p.starts_at > ?)
               ORDER BY m.starts_at""",
            (to_db(now), to_db(now)))
        return [_meeting(r) for r in rows]

    async def host_notice_due(self, now: datetime, before: timedelta) -> list[Meeting]:
        rows = await self.db.fetchall(
            """SELECT * FROM meetings WHERE status = 'scheduled' AND host_village_code IS NOT NULL
               AND series_id IS NOT NULL AND host_notified_at IS NULL AND starts_at > ? AND starts_at <= ?""",
            (to_db(now), to_db(now + before)))
        return [_meeting(r) for r in rows]

    async def stale_tallies(self, now: datetime) -> list[Meeting]:
        rows = await self.db.fetchall(
            """SELECT * FROM meetings WHERE tally_version > tally_queued AND announced_at IS NOT NULL
               AND starts_at > ?""", (to_db(now - timedelta(days=1)),))
        return [_meeting(r) for r in rows]

    # -- the outbox rows of our own pushes -----------------------------------------------------
    async def sent_message(self, key: str) -> tuple[int, int | None, int] | None:
        """(chat_id, thread_id, message_id) of a sent outbox push, e.g. the group announcement."""
        row = await self.db.fetchone(
            "SELECT chat_id, thread_id, message_id FROM outbox WHERE idem_key = ? AND status = 'sent'", (key,))
        if row is None or row["message_id"] is None:
            return None
        return int(row["chat_id"]), row["thread_id"], int(row["message_id"])

    async def outbox_status(self, key: str) -> str | None:
        status = await self.db.fetchval("SELECT status FROM outbox WHERE idem_key = ?", (key,))
        return str(status) if status is not None else None

    async def replace_pending_payload(self, key: str, payload: dict[str, Any],
                                      now: datetime) -> bool:
        """Coalesce: give a push that is not due yet newer content (the latest tally).

        Only rows due after `now` qualify: the dispatcher may already hold a due row in memory
        between reading and claiming it, so changing that row's payload could be lost.
        """
        count = await self._tx.execute_count(
            """UPDATE outbox SET payload = ? WHERE idem_key = ? AND status = 'pending' AND due_at > ?
               AND coalesce(next_try_at, due_at) > ?""",
            (json.dumps(payload, ensure_ascii=False), key, to_db(now), to_db(now)))
        return count == 1

    # -- reports ---------------------------------------------------------------------------
    async def meetings_in_period(self, forum_id: int, start: datetime, end: datetime) -> list[MeetingAttendance]:
        """Held (not cancelled) meetings starting in [start, end) with their attendance counts."""
        rows = await self.db.fetchall(
            """SELECT m.*,
                  (SELECT count(*) FROM meeting_attendance a WHERE a.meeting_id = m.id) AS att_recorded,
                  (SELECT count(*) FROM meeting_attendance a WHERE a.meeting_id = m.id AND a.present = 1)
                      AS att_present,
                  (SELECT count(*) FROM meeting_rsvps r WHERE r.meeting_id = m.id AND r.answer = 'yes') AS att_yes
               FROM meetings m WHERE m.forum_id = ? AND m.status = 'scheduled' AND m.starts_at >= ?
                 AND m.starts_at < ? ORDER BY m.starts_at, m.id""",
            (forum_id, to_db(start), to_db(end)))
        out = []
        for row in rows:
            d = dict(row)
            counts = (d.pop("att_recorded"), d.pop("att_present"), d.pop("att_yes"))
            out.append(MeetingAttendance(meeting=_meeting(d), recorded=counts[0], present=counts[1],
                                         said_yes=counts[2]))
        return out

    async def attendance_in_period(self, forum_id: int, start: datetime, end: datetime) -> list[Attendance]:
        """Every daftar hadir row of the forum's meetings starting in [start, end)."""
        rows = await self.db.fetchall(
            """SELECT a.* FROM meeting_attendance a JOIN meetings m ON m.id = a.meeting_id
               WHERE m.forum_id = ? AND m.starts_at >= ? AND m.starts_at < ? ORDER BY m.starts_at, a.user_id""",
            (forum_id, to_db(start), to_db(end)))
        return [Attendance(**_row(r)) for r in rows]

    async def actions_in_period(self, forum_id: int, start: datetime, end: datetime) -> list[ActionItem]:
        """Action items from the forum's meetings starting in [start, end)."""
        rows = await self.db.fetchall(
            """SELECT x.* FROM meeting_actions x JOIN meetings m ON m.id = x.meeting_id
               WHERE x.forum_id = ? AND m.starts_at >= ? AND m.starts_at < ? ORDER BY x.due_date, x.id""",
            (forum_id, to_db(start), to_db(end)))
        return [ActionItem(**_row(r)) for r in rows]
