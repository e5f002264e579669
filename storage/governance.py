"""Forum governance records: role changes and their history, handovers, join-request reminders, votes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from storage.database import Handle
from storage.timeutil import from_db, to_db


@dataclass(frozen=True)
class LeaderRow:
    user_id: int
    unreachable: bool
    unreachable_at: datetime | None


@dataclass(frozen=True)
class RolePeriod:
    user_id: int
    full_name: str
    kind: str
    value: str
    started_at: datetime
    ended_at: datetime | None
    how: str


@dataclass(frozen=True)
class Handover:
    id: int
    forum_id: int
    from_user: int
    to_user: int
    status: str
    created_at: datetime
    decided_at: datetime | None


@dataclass(frozen=True)
class Vote:
    id: int
    forum_id: int
    opened_at: datetime
    closes_at: datetime
    closed_at: datetime | None
    winner: int | None


@dataclass(frozen=True)
class BallotRow:
    voter: int
    candidate: int
    cast_at: datetime


def _handover(row: Any) -> Handover:
    return Handover(id=row["id"], forum_id=row["forum_id"], from_user=row["from_user"], to_user=row["to_user"],
                    status=row["status"], created_at=from_db(row["created_at"]),  # type: ignore[arg-type]
                    decided_at=from_db(row["decided_at"]))


def _vote(row: Any) -> Vote:
    return Vote(id=row["id"], forum_id=row["forum_id"], opened_at=from_db(row["opened_at"]),  # type: ignore[arg-type]
                closes_at=from_db(row["closes_at"]), closed_at=from_db(row["closed_at"]),  # type: ignore[arg-type]
                winner=row["winner"])


class GovernanceRepo:
    def __init__(self, db: Handle) -> None:
        self.db = db

    # -- who leads ----------------------------------------------------------------------------
    @staticmethod
    async def koordinator_ids(conn: aiosqlite.Connection, forum_id: int) -> list[int]:
        """Active koordinators, read inside the caller's write transaction (no race with a second writer)."""
        async with conn.execute(
            "SELECT user_id FROM memberships WHERE forum_id = ? AND status = 'active' AND role = 'koordinator'",
            (forum_id,),
        ) as cur:
            return [int(r[0]) for r in await cur.fetchall()]

    @staticmethod
    async def role_of(conn: aiosqlite.Connection, forum_id: int, user_id: int) -> tuple[str, str] | None:
        """(role, status) of a membership, read inside the caller's transaction."""
        async with conn.execute("SELECT role, status FROM memberships WHERE forum_id = ? AND user_id = ?",
                                (forum_id, user_id)) as cur:
            row = await cur.fetchone()
        return (str(row[0]), str(row[1])) if row else None

    async def leaders(self, forum_id: int, role: str) -> list[LeaderRow]:
        rows = await self.db.fetchall(
            """SELECT m.user_id, m.unreachable_reason, m.unreachable_at, m.erased_at FROM memberships ms
               JOIN members m ON m.user_id = ms.user_id
               WHERE ms.forum_id = ? AND ms.status = 'active' AND ms.role = ?""",
            (forum_id, role),
        )
        return [LeaderRow(int(r["user_id"]), bool(r["unreachable_reason"] or r["erased_at"]),
                          from_db(r["unreachable_at"])) for r in rows]

    async def last_koordinator_left(self, forum_id: int) -> datetime | None:
        """When a koordinator last stopped being one: role taken, left, erased their data."""
        value = await self.db.fetchval(
            """SELECT max(t) FROM (
                   SELECT max(ended_at) AS t FROM role_history
                   WHERE forum_id = ? AND kind = 'role' AND value = 'koordinator' AND ended_at IS NOT NULL
                   UNION ALL
                   SELECT max(decided_at) FROM memberships
                   WHERE forum_id = ? AND role = 'koordinator' AND status = 'removed')""",
            (forum_id, forum_id),
        )
        return from_db(value)

    async def forums_without_reachable_koordinator(self) -> list[int]:
        """Candidates for the headless check (the pure rule decides; this only narrows)."""
        rows = await self.db.fetchall(
            """SELECT f.id FROM forums f WHERE NOT EXISTS (
                   SELECT 1 FROM memberships ms JOIN members m ON m.user_id = ms.user_id
                   WHERE ms.forum_id = f.id AND ms.status = 'active' AND ms.role = 'koordinator'
                     AND m.unreachable_reason IS NULL AND m.erased_at IS NULL)
               ORDER BY f.id""",
        )
        return [int(r["id"]) for r in rows]

    # -- roles and titles ---------------------------------------------------------------------
    @staticmethod
    async def set_role(conn: aiosqlite.Connection, forum_id: int, user_id: int, role: str) -> None:
        await conn.execute("UPDATE memberships SET role = ? WHERE forum_id = ? AND user_id = ? AND status = 'active'",
                           (role, forum_id, user_id))

    @staticmethod
    async def set_title(conn: aiosqlite.Connection, forum_id: int, user_id: int, title: str | None) -> None:
        await conn.execute("UPDATE memberships SET title = ? WHERE forum_id = ? AND user_id = ?",
                           (title, forum_id, user_id))

    @staticmethod
    async def leave(conn: aiosqlite.Connection, forum_id: int, user_id: int, now: datetime) -> None:
        await conn.execute(
            """UPDATE memberships SET status = 'removed', title = NULL, decided_at = ?, decided_by = user_id
               WHERE forum_id = ? AND user_id = ?""",
            (to_db(now), forum_id, user_id),
        )

    @staticmethod
    async def holders_of_title(conn: aiosqlite.Connection, forum_id: int, title: str) -> list[int]:
        async with conn.execute(
            "SELECT user_id FROM memberships WHERE forum_id = ? AND status = 'active' AND title = ?",
            (forum_id, title),
        ) as cur:
            return [int(r[0]) for r in await cur.fetchall()]

    @staticmethod
    async def start_period(conn: aiosqlite.Connection, *, forum_id: int, user_id: int, kind: str, value: str,
                           now: datetime, by: int | None, how: str) -> None:
        await conn.execute(
            """INSERT INTO role_history(forum_id, user_id, kind, value, started_at, set_by, how)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            (forum_id, user_id, kind, value, to_db(now), by, how),
        )

    @staticmethod
    async def end_period(conn: aiosqlite.Connection, *, forum_id: int, user_id: int, kind: str, value: str,
                         now: datetime, held_since: datetime) -> None:
        """Close the open period; a role held from before history was kept gets one from `held_since`."""
        cur = await conn.execute(
            """UPDATE role_history SET ended_at = ?
               WHERE forum_id = ? AND user_id = ? AND kind = ? AND ended_at IS NULL""",
            (to_db(now), forum_id, user_id, kind),
        )
        if cur.rowcount == 0:
            await conn.execute(
                """INSERT INTO role_history(forum_id, user_id, kind, value, started_at, ended_at, how)
                   VALUES (?, ?, ?, ?, ?, ?, 'joined')""",
                (forum_id, user_id, kind, value, to_db(held_since), to_db(now)),
            )

    async def history(self, forum_id: int, limit: int = 30) -> list[RolePeriod]:
        rows = await self.db.fetchall(
            """SELECT h.*, coalesce(m.full_name, '?') AS full_name FROM role_history h
               LEFT JOIN members m ON m.user_id = h.user_id
               WHERE h.forum_id = ? AND NOT (h.kind = 'role' AND h.value = 'anggota')
               ORDER BY h.started_at DESC, h.id DESC LIMIT ?""",
            (forum_id, limit),
        )
        return [RolePeriod(user_id=r["user_id"], full_name=r["full_name"], kind=r["kind"], value=r["value"],
                           started_at=from_db(r["started_at"]), ended_at=from_db(r["ended_at"]),  # type: ignore[arg-type]
                           how=r["how"]) for r in rows]

    # -- join requests ------------------------------------------------------------------------
    @staticmethod
    async def schedule_reminder(conn: aiosqlite.Connection, forum_id: int, user_ids: Sequence[int],
                                when: datetime | None) -> None:
        for user_id in user_ids:
            await conn.execute(
                "UPDATE memberships SET remind_at = ? WHERE forum_id = ? AND user_id = ? AND status = 'pending'",
                (to_db(when), forum_id, user_id),
            )

    async def due_reminders(self, now: datetime) -> dict[int, list[int]]:
        """Pending requests whose reminder is due, by forum (uses the memberships_remind index)."""
        rows = await self.db.fetchall(
            """SELECT forum_id, user_id FROM memberships
               WHERE status = 'pending' AND remind_at IS NOT NULL AND remind_at <= ?
               ORDER BY forum_id, remind_at""",
            (to_db(now),),
        )
        out: dict[int, list[int]] = {}
        for r in rows:
            out.setdefault(int(r["forum_id"]), []).append(int(r["user_id"]))
        return out

    async def pending_count(self, forum_id: int) -> int:
        return int(await self.db.fetchval(
            "SELECT count(*) FROM memberships WHERE forum_id = ? AND status = 'pending'", (forum_id,)) or 0)

    @staticmethod
    async def cancel_request(conn: aiosqlite.Connection, forum_id: int, user_id: int, now: datetime) -> bool:
        cur = await conn.execute(
            """UPDATE memberships SET status = 'removed', decided_at = ?, decided_by = user_id, remind_at = NULL
               WHERE forum_id = ? AND user_id = ? AND status = 'pending'""",
            (to_db(now), forum_id, user_id),
        )
        return cur.rowcount == 1

    @staticmethod
    async def set_reject_reason(conn: aiosqlite.Connection, forum_id: int, user_id: int, reason: str) -> bool:
        cur = await conn.execute(
            "UPDATE memberships SET reject_reason = ? WHERE forum_id = ? AND user_id = ? AND status = 'rejected'",
            (reason, forum_id, user_id),
        )
        return cur.rowcount == 1

    async def reject_reason(self, forum_id: int, user_id: int) -> str | None:
        value = await self.db.fetchval(
            "SELECT reject_reason FROM memberships WHERE forum_id = ? AND user_id = ?", (forum_id, user_id)
        )
        return str(value) if value else None

    # -- handovers ----------------------------------------------------------------------------
    @staticmethod
    async def offer_handover(conn: aiosqlite.Connection, forum_id: int, from_user: int, to_user: int,
                             now: datetime) -> int:
        # One open offer per forum and outgoing koordinator: a new one replaces the old.
        await conn.execute(
            """UPDATE handovers SET status = 'cancelled', decided_at = ?
               WHERE forum_id = ? AND from_user = ? AND status = 'offered'""",
            (to_db(now), forum_id, from_user),
        )
        cur = await conn.execute(
            "INSERT INTO handovers(forum_id, from_user, to_user, created_at) VALUES (?, ?, ?, ?)",
            (forum_id, from_user, to_user, to_db(now)),
        )
        return int(cur.lastrowid or 0)

    async def handover(self, handover_id: int) -> Handover | None:
        row = await self.db.fetchone("SELECT * FROM handovers WHERE id = ?", (handover_id,))
        return _handover(row) if row else None

    @staticmethod
    async def decide_handover(conn: aiosqlite.Connection, handover_id: int, status: str, now: datetime) -> bool:
        cur = await conn.execute(
            "UPDATE handovers SET status = ?, decided_at = ? WHERE id = ? AND status = 'offered'",
            (status, to_db(now), handover_id),
        )
        return cur.rowcount == 1

    # -- votes --------------------------------------------------------------------------------
    async def last_vote(self, forum_id: int) -> Vote | None:
        row = await self.db.fetchone(
            "SELECT * FROM koordinator_votes WHERE forum_id = ? ORDER BY opened_at DESC, id DESC LIMIT 1",
            (forum_id,),
        )
        return _vote(row) if row else None

    async def vote(self, vote_id: int) -> Vote | None:
        row = await self.db.fetchone("SELECT * FROM koordinator_votes WHERE id = ?", (vote_id,))
        return _vote(row) if row else None

    @staticmethod
    async def open_vote(conn: aiosqlite.Connection, forum_id: int, now: datetime, closes_at: datetime) -> int:
        cur = await conn.execute(
            "INSERT INTO koordinator_votes(forum_id, opened_at, closes_at) VALUES (?, ?, ?)",
            (forum_id, to_db(now), to_db(closes_at)),
        )
        return int(cur.lastrowid or 0)

    async def votes_to_close(self, now: datetime) -> list[Vote]:
        rows = await self.db.fetchall(
            "SELECT * FROM koordinator_votes WHERE closed_at IS NULL AND closes_at <= ? ORDER BY id", (to_db(now),)
        )
        return [_vote(r) for r in rows]

    @staticmethod
    async def cast(conn: aiosqlite.Connection, vote_id: int, voter: int, candidate: int, now: datetime) -> bool:
        cur = await conn.execute(
            """INSERT INTO koordinator_ballots(vote_id, voter, candidate, cast_at)
               SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM koordinator_votes WHERE id = ? AND closed_at IS NULL)
               ON CONFLICT(vote_id, voter) DO UPDATE SET candidate = excluded.candidate, cast_at = excluded.cast_at""",
            (vote_id, voter, candidate, to_db(now), vote_id),
        )
        return cur.rowcount == 1

    async def ballots(self, vote_id: int) -> list[BallotRow]:
        rows = await self.db.fetchall(
            "SELECT voter, candidate, cast_at FROM koordinator_ballots WHERE vote_id = ?", (vote_id,)
        )
        return [BallotRow(int(r["voter"]), int(r["candidate"]), from_db(r["cast_at"])) for r in rows]  # type: ignore[arg-type]

    @staticmethod
    async def close_vote(conn: aiosqlite.Connection, vote_id: int, winner: int | None, now: datetime) -> bool:
        cur = await conn.execute(
            "UPDATE koordinator_votes SET closed_at = ?, winner = ? WHERE id = ? AND closed_at IS NULL",
            (to_db(now), winner, vote_id),
        )
        return cur.rowcount == 1
