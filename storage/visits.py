"""Kunjungan kerja (work visits): requests, their transitions, reports and host notes.

Every change is a compare-and-set on `version` inside the caller's transaction, so two presses
that cross (the host accepts while the requester withdraws) cannot both win: the second
gets `False` and is told the visit changed.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from storage.database import Handle, Tx
from storage.timeutil import from_db, to_db

# The stored vocabulary (the same literals as bot.visits.rules, which owns what they mean).
State = Literal["diajukan", "tanggal_diusulkan", "diterima", "ditolak", "selesai", "dibatalkan"]
Side = Literal["requester", "host"]


class VisitRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    forum_id: int
    requester_user_id: int
    requester_village: str
    host_user_id: int
    host_village: str
    purpose: str
    bidang: tuple[str, ...]
    people: int
    message: str
    state: State
    awaiting: Side | None
    proposed_dates: tuple[date, ...]
    round: int
    visit_date: date | None
    reason: str | None
    closed_by: int | None
    version: int
    host_note: str | None
    host_note_at: datetime | None
    created_at: datetime
    updated_at: datetime
    accepted_at: datetime | None
    closed_at: datetime | None

    def user_of_side(self, side: Side) -> int:
        return self.requester_user_id if side == "requester" else self.host_user_id


class VisitReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    visit_id: int
    author_user_id: int
    learned: str
    will_apply: str
    photos: tuple[str, ...]
    created_at: datetime
    published_at: datetime | None
    post_id: int | None


@dataclass(frozen=True)
class ForumSummary:
    total: int
    by_state: dict[str, int]
    by_bidang: list[tuple[str, int]]
    top_hosts: list[tuple[str, int]]  # (village code, visits hosted: accepted or done)


def _visit(row: Any) -> VisitRow:
    d = dict(row)
    d["bidang"] = tuple(d["bidang"].split()) if d["bidang"] else ()
    d["proposed_dates"] = tuple(date.fromisoformat(x) for x in json.loads(d["proposed_dates"]))
    d["visit_date"] = date.fromisoformat(d["visit_date"]) if d["visit_date"] else None
    for key in ("host_note_at", "created_at", "updated_at", "accepted_at", "closed_at"):
        d[key] = from_db(d[key])
    return VisitRow(**d)


def _report(row: Any) -> VisitReport:
    d = dict(row)
    d["photos"] = tuple(json.loads(d["photos"]))
    d["created_at"] = from_db(d["created_at"])
    d["published_at"] = from_db(d["published_at"])
    return VisitReport(**d)


def _dates(days: Sequence[date]) -> str:
    return json.dumps([d.isoformat() for d in days])


@dataclass(frozen=True)
class Change:
    """A visit's fields after a transition (plain values from bot.visits.rules)."""

    event: str
    state: State
    awaiting: Side | None
    proposed: tuple[date, ...]
    round: int
    visit_date: date | None
    closes: bool  # the state is final: record who closed it and when


class VisitRepo:
    """Read through `services.visits`-style handles; write through a unit of work (`tx.visits`)."""

    def __init__(self, db: Handle) -> None:
        self.db = db

    def _writer(self) -> Tx:
        """Writes belong to a unit of work (`tx.visits`), so they commit with their pushes."""
        if not isinstance(self.db, Tx):
            raise TypeError("VisitRepo writes go through a unit of work: services.write() -> tx.visits")
        return self.db

    async def create(self, *, forum_id: int, requester_user_id: int, requester_village: str, host_user_id: int,
                     host_village: str, purpose: str, bidang: Sequence[str], people: int, message: str,
                     state: State, awaiting: Side | None, proposed: Sequence[date], round: int,
                     now: datetime) -> int:
        tx = self._writer()
        visit_id = await tx.execute(
            """INSERT INTO visits(forum_id, requester_user_id, requester_village, host_user_id, host_village, purpose,
                                  bidang, people, message, state, awaiting, proposed_dates, round, created_at,
                                  updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (forum_id, requester_user_id, requester_village, host_user_id, host_village, purpose, " ".join(bidang),
             people, message, state, awaiting, _dates(proposed), round, to_db(now), to_db(now)),
        )
        await tx.executemany("INSERT INTO visit_bidang(visit_id, code) VALUES (?, ?)",
                             [(visit_id, code) for code in bidang])
        await self._event(visit_id, now, requester_user_id, "request", None, state, _dates(proposed))
        return visit_id

    async def apply(self, row: VisitRow, change: Change, *, actor: int, now: datetime,
                    reason: str | None = None) -> bool:
        """Write a transition if nobody changed the visit since `row` was read; False otherwise."""
        fields: dict[str, Any] = {
            "state": change.state, "awaiting": change.awaiting, "proposed_dates": _dates(change.proposed),
            "round": change.round, "visit_date": change.visit_date.isoformat() if change.visit_date else None,
            "updated_at": to_db(now),
        }
        if change.event == "accept":
            fields["accepted_at"] = to_db(now)
        if change.closes:
            fields["closed_at"] = to_db(now)
            fields["closed_by"] = actor
        if reason is not None:
            fields["reason"] = reason
        assignments = ", ".join(f"{name} = ?" for name in fields)  # names are literals above
        changed = await self._writer().fetchone(
            f"UPDATE visits SET {assignments}, version = version + 1 WHERE id = ? AND version = ? RETURNING id",
            (*fields.values(), row.id, row.version),
        )
        if changed is None:
            return False
        detail = reason if reason is not None else _dates(change.proposed if change.event == "propose" else
                                                          ([change.visit_date] if change.visit_date else []))
        await self._event(row.id, now, actor, change.event, row.state, change.state, detail)
        return True

    async def _event(self, visit_id: int, now: datetime, actor: int | None, event: str,
                     from_state: str | None, to_state: str, detail: str | None) -> None:
        await self._writer().execute(
            """INSERT INTO visit_events(visit_id, at, actor, event, from_state, to_state, detail)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            (visit_id, to_db(now), actor, event, from_state, to_state, detail),
        )

    async def get(self, visit_id: int) -> VisitRow | None:
        row = await self.db.fetchone("SELECT * FROM visits WHERE id = ?", (visit_id,))
        return _visit(row) if row else None

    async def events(self, visit_id: int) -> list[dict[str, Any]]:
        rows = await self.db.fetchall("SELECT * FROM visit_events WHERE visit_id = ? ORDER BY id", (visit_id,))
        return [dict(r) for r in rows]

    async def open_between(self, requester_user_id: int, host_village: str) -> VisitRow | None:
        """An open or accepted, not yet done, request from this person to this village."""
        row = await self.db.fetchone(
            """SELECT * FROM visits WHERE requester_user_id = ? AND host_village = ?
               AND state IN ('diajukan', 'tanggal_diusulkan', 'diterima') ORDER BY id DESC LIMIT 1""",
            (requester_user_id, host_village),
        )
        return _visit(row) if row else None

    async def open_from_village_to(self, requester_village: str, host_user_id: int) -> VisitRow | None:
        """An open request in the other direction (their village to this person): a crossing request."""
        row = await self.db.fetchone(
            """SELECT * FROM visits WHERE requester_village = ? AND host_user_id = ?
               AND state IN ('diajukan', 'tanggal_diusulkan') ORDER BY id DESC LIMIT 1""",
            (requester_village, host_user_id),
        )
        return _visit(row) if row else None

    async def of_user(self, user_id: int, *, limit: int = 200) -> list[VisitRow]:
        rows = await self.db.fetchall(
            """SELECT * FROM visits WHERE requester_user_id = ? OR host_user_id = ?
               ORDER BY coalesce(visit_date, substr(created_at, 1, 10)) DESC, id DESC LIMIT ?""",
            (user_id, user_id, limit),
        )
        return [_visit(r) for r in rows]

    async def between_forum_members(self, forum_id: int, *, limit: int = 1000) -> list[VisitRow]:
        """Visits arranged in this forum or between two of its active members' villages."""
        rows = await self.db.fetchall(
            """SELECT v.* FROM visits v
               WHERE v.forum_id = ?
                  OR (EXISTS (SELECT 1 FROM memberships ms
                              WHERE ms.forum_id = ? AND ms.status = 'active' AND ms.village_code = v.requester_village)
                      AND EXISTS (SELECT 1 FROM memberships ms
                                  WHERE ms.forum_id = ? AND ms.status = 'active' AND ms.village_code = v.host_village))
               ORDER BY coalesce(v.visit_date, substr(v.created_at, 1, 10)) DESC, v.id DESC LIMIT ?""",
            (forum_id, forum_id, forum_id, limit),
        )
        return [_visit(r) for r in rows]

    async def in_period(self, forum_id: int, start: date, end: date) -> list[VisitRow]:
        """Visits of a forum whose day (or, before a day is fixed, whose request) falls in [start, end).

        For reports: accepted/done visits count by their visit day, open/refused ones by the day asked.
        """
        rows = await self.db.fetchall(
            """SELECT * FROM visits WHERE forum_id = ?
               AND coalesce(visit_date, substr(created_at, 1, 10)) >= ?
               AND coalesce(visit_date, substr(created_at, 1, 10)) < ?
               ORDER BY coalesce(visit_date, substr(created_at, 1, 10)), id""",
            (forum_id, start.isoformat(), end.isoformat()),
        )
        return [_visit(r) for r in rows]

    @staticmethod
    def summarise(visits: Sequence[VisitRow], *, top: int = 5) -> ForumSummary:
        by_state: Counter[str] = Counter(v.state for v in visits)
        by_bidang = Counter(code for v in visits for code in v.bidang)
        hosts = Counter(v.host_village for v in visits if v.state in ("diterima", "selesai"))
        return ForumSummary(len(visits), dict(by_state), by_bidang.most_common(), hosts.most_common(top))

    # -- after the visit -----------------------------------------------------------------------
    async def set_host_note(self, visit_id: int, note: str, now: datetime) -> None:
        await self._writer().execute("UPDATE visits SET host_note = ?, host_note_at = ? WHERE id = ?",
                                     (note, to_db(now), visit_id))

    async def save_report(self, *, visit_id: int, author_user_id: int, learned: str, will_apply: str,
                          photos: Sequence[str], now: datetime) -> None:
        await self._writer().execute(
            """INSERT INTO visit_reports(visit_id, author_user_id, learned, will_apply, photos, created_at)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT(visit_id) DO UPDATE SET learned = excluded.learned, will_apply = excluded.will_apply,
                   photos = excluded.photos, created_at = excluded.created_at""",
            (visit_id, author_user_id, learned, will_apply, json.dumps(list(photos)), to_db(now)),
        )

    async def report(self, visit_id: int) -> VisitReport | None:
        row = await self.db.fetchone("SELECT * FROM visit_reports WHERE visit_id = ?", (visit_id,))
        return _report(row) if row else None

    async def set_post_id(self, visit_id: int, post_id: int) -> None:
        await self._writer().execute("UPDATE visit_reports SET post_id = ? WHERE visit_id = ?", (post_id, visit_id))

    async def unpublish(self, visit_id: int) -> None:
        """Undo a claimed publication whose post could not be created."""
        await self._writer().execute("UPDATE visit_reports SET published_at = NULL WHERE visit_id = ?", (visit_id,))

    async def mark_published(self, visit_id: int, now: datetime) -> bool:
        """Record the publication once; False when it was already published (a double tap)."""
        claimed = await self._writer().fetchone(
            "UPDATE visit_reports SET published_at = ? WHERE visit_id = ? AND published_at IS NULL RETURNING visit_id",
            (to_db(now), visit_id),
        )
        return claimed is not None
