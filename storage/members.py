"""Members (a person, tied to a village) and their memberships in forums."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiosqlite

from storage.database import Database
from storage.inbox import InboxRepo
from storage.models import Member, MemberInForum, Membership, Region, Role, VillageChange
from storage.timeutil import from_db, to_db

_MEMBER_COLUMNS = (
    "user_id, full_name, jabatan, village_code, phone, language, timezone, "
    "unreachable_reason, unreachable_at, erased_at, created_at, updated_at"
)
_MEMBER_KEYS = tuple(_MEMBER_COLUMNS.split(", "))


def _member(row: Any) -> Member:
    d = dict(row)
    for key in ("unreachable_at", "erased_at", "created_at", "updated_at"):
        d[key] = from_db(d[key])
    return Member(**d)


def _membership(row: Any) -> Membership:
    d = dict(row)
    for key in ("requested_at", "decided_at"):
        d[key] = from_db(d[key])
    d["village_verified"] = bool(d.get("village_verified"))
    return Membership(**d)


def _change(row: Any) -> VillageChange:
    d = dict(row)
    for key in ("requested_at", "decided_at"):
        d[key] = from_db(d[key])
    return VillageChange(**d)


class MemberRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- members ---------------------------------------------------------------------------
    async def get(self, user_id: int) -> Member | None:
        row = await self.db.fetchone(f"SELECT {_MEMBER_COLUMNS} FROM members WHERE user_id = ?", (user_id,))
        return _member(row) if row else None

    async def upsert(self, conn: aiosqlite.Connection, *, user_id: int, full_name: str, jabatan: str,
                     village_code: str, language: str, now: datetime, phone: str | None = None) -> None:
        await conn.execute(
            """INSERT INTO members(user_id, full_name, jabatan, village_code, phone, language, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(user_id) DO UPDATE SET full_name = excluded.full_name, jabatan = excluded.jabatan,
                   village_code = excluded.village_code, phone = coalesce(excluded.phone, members.phone),
                   erased_at = NULL, updated_at = excluded.updated_at""",
            (user_id, full_name, jabatan, village_code, phone, language, to_db(now), to_db(now)),
        )

    _EDITABLE = frozenset({"full_name", "jabatan", "village_code", "phone", "language", "timezone"})

    async def update(self, user_id: int, now: datetime, **fields: Any) -> None:
        unknown = set(fields) - self._EDITABLE
        if unknown:
            raise ValueError(f"not editable: {sorted(unknown)}")
        assignments = ", ".join(f"{name} = ?" for name in fields)  # names come from _EDITABLE only
        await self.db.execute(
            f"UPDATE members SET {assignments}, updated_at = ? WHERE user_id = ?",
            (*fields.values(), to_db(now), user_id),
        )

    async def mark_unreachable(self, conn: aiosqlite.Connection, user_id: int, reason: str, now: datetime) -> None:
        await conn.execute(
            "UPDATE members SET unreachable_reason = ?, unreachable_at = ? WHERE user_id = ?",
            (reason, to_db(now), user_id),
        )

    async def mark_reachable(self, user_id: int) -> None:
        """The member wrote to the bot again, so private messages work again."""
        await self.db.execute(
            "UPDATE members SET unreachable_reason = NULL, unreachable_at = NULL "
            "WHERE user_id = ? AND unreachable_reason IS NOT NULL",
            (user_id,),
        )

    async def erase(self, user_id: int, now: datetime, erased_name: str) -> None:
        """Erase personal data (UU 27/2022 PDP): the row stays so forum records keep their shape."""
        async with self.db.transaction() as conn:
            await self.erase_in(conn, user_id, now, erased_name)

    async def erase_in(self, conn: aiosqlite.Connection, user_id: int, now: datetime, erased_name: str) -> None:
        """`erase` inside the caller's transaction (with the pushes and visits it ends)."""
        await conn.execute(
            """UPDATE members SET full_name = ?, phone = NULL, village_code = NULL, timezone = NULL,
                   erased_at = ?, updated_at = ? WHERE user_id = ?""",
            (erased_name, to_db(now), to_db(now), user_id),
        )
        await conn.execute(
            "UPDATE memberships SET status = 'removed', decided_at = ? WHERE user_id = ? AND status != 'removed'",
            (to_db(now), user_id),
        )
        await conn.execute("UPDATE memberships SET village_code = NULL, village_verified = 0 WHERE user_id = ?",
                           (user_id,))
        await conn.execute(
            "UPDATE village_changes SET status = 'cancelled', decided_at = ? WHERE user_id = ? AND status = 'pending'",
            (to_db(now), user_id),
        )
        await conn.execute("UPDATE invites SET revoked_at = ? WHERE created_by = ? AND revoked_at IS NULL",
                           (to_db(now), user_id))
        await conn.execute("DELETE FROM drafts WHERE user_id = ?", (user_id,))
        await InboxRepo.erase_person(conn, user_id)  # the updates they sent, as received

    # -- memberships -----------------------------------------------------------------------
    async def membership(self, forum_id: int, user_id: int) -> Membership | None:
        row = await self.db.fetchone(
            "SELECT * FROM memberships WHERE forum_id = ? AND user_id = ?", (forum_id, user_id)
        )
        return _membership(row) if row else None

    async def memberships_of(self, user_id: int, statuses: tuple[str, ...] = ("active",)) -> list[Membership]:
        marks = ",".join("?" for _ in statuses)
        rows = await self.db.fetchall(
            f"SELECT * FROM memberships WHERE user_id = ? AND status IN ({marks}) ORDER BY forum_id",
            (user_id, *statuses),
        )
        return [_membership(r) for r in rows]

    async def add_membership(self, conn: aiosqlite.Connection, *, forum_id: int, user_id: int, role: Role,
                             status: str, now: datetime, decided_by: int | None = None) -> None:
        # The village is the profile's at this moment; it is "verified" only when someone else decided.
        verified = int(status == "active" and decided_by is not None and decided_by != user_id)
        await conn.execute(
            """INSERT INTO memberships(forum_id, user_id, role, status, requested_at, decided_at, decided_by,
                                       village_code, village_verified)
               VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT village_code FROM members WHERE user_id = ?), ?)
               ON CONFLICT(forum_id, user_id) DO UPDATE SET role = excluded.role, status = excluded.status,
                   requested_at = excluded.requested_at, decided_at = excluded.decided_at,
                   decided_by = excluded.decided_by, village_code = excluded.village_code,
                   village_verified = excluded.village_verified""",
            (forum_id, user_id, role, status, to_db(now), to_db(now) if decided_by else None, decided_by,
             user_id, verified),
        )

    async def decide(self, conn: aiosqlite.Connection, *, forum_id: int, user_id: int, approve: bool,
                     by: int, now: datetime) -> bool:
        """Approve or reject a pending request; False when it was no longer pending (decided already).

        Approving also approves the village the applicant showed the koordinator (the profile's).
        """
        cur = await conn.execute(
            """UPDATE memberships SET status = ?, decided_at = ?, decided_by = ?,
                   village_code = (SELECT village_code FROM members WHERE user_id = ?),
                   village_verified = ?
               WHERE forum_id = ? AND user_id = ? AND status = 'pending'""",
            ("active" if approve else "rejected", to_db(now), by, user_id, int(approve and by != user_id),
             forum_id, user_id),
        )
        return cur.rowcount == 1

    async def set_status(self, forum_id: int, user_id: int, status: str, now: datetime,
                         by: int | None = None) -> None:
        await self.db.execute(
            "UPDATE memberships SET status = ?, decided_at = ?, decided_by = ? WHERE forum_id = ? AND user_id = ?",
            (status, to_db(now), by, forum_id, user_id),
        )

    async def set_status_in(self, conn: aiosqlite.Connection, forum_id: int, user_id: int, status: str,
                            now: datetime, by: int | None = None) -> None:
        await conn.execute(
            "UPDATE memberships SET status = ?, decided_at = ?, decided_by = ? WHERE forum_id = ? AND user_id = ?",
            (status, to_db(now), by, forum_id, user_id),
        )

    async def set_role(self, forum_id: int, user_id: int, role: Role) -> None:
        await self.db.execute(
            "UPDATE memberships SET role = ? WHERE forum_id = ? AND user_id = ?", (role, forum_id, user_id)
        )

    async def in_forum(self, forum_id: int, *, statuses: tuple[str, ...] = ("active",),
                       roles: tuple[str, ...] | None = None) -> list[MemberInForum]:
        """Members of a forum with their village names, ordered by kecamatan, village, name."""
        marks = ",".join("?" for _ in statuses)
        params: list[Any] = [forum_id, *statuses]
        role_clause = ""
        if roles:
            role_clause = f" AND ms.role IN ({','.join('?' for _ in roles)})"
            params.extend(roles)
        rows = await self.db.fetchall(
            f"""SELECT m.*, ms.forum_id AS ms_forum_id, ms.role AS ms_role, ms.status AS ms_status,
                       ms.requested_at AS ms_requested_at, ms.decided_at AS ms_decided_at,
                       ms.decided_by AS ms_decided_by, ms.village_code AS ms_village_code,
                       ms.village_verified AS ms_village_verified, ms.title AS ms_title,
                       v.code AS v_code, v.level AS v_level, v.name AS v_name, v.parent AS v_parent,
                       kc.name AS v_kecamatan, kb.name AS v_kabupaten, pv.name AS v_provinsi
                FROM memberships ms
                JOIN members m ON m.user_id = ms.user_id
                LEFT JOIN regions v ON v.code = ms.village_code
                LEFT JOIN regions kc ON kc.code = substr(v.code, 1, 8)
                LEFT JOIN regions kb ON kb.code = substr(v.code, 1, 5)
                LEFT JOIN regions pv ON pv.code = substr(v.code, 1, 2)
                WHERE ms.forum_id = ? AND ms.status IN ({marks}){role_clause}
                ORDER BY coalesce(kc.name, '~'), coalesce(v.name, '~'), m.full_name""",
            params,
        )
        out = []
        # Column lists once per call, not per row: a national forum has 3,000 members.
        member_keys = _MEMBER_KEYS
        ms_keys = [k for k in rows[0].keys() if k.startswith("ms_")] if rows else []
        for row in rows:
            d = dict(row)
            # In a forum a member's village is the one approved there (see MemberInForum).
            member = _member({k: d[k] for k in member_keys} | {"village_code": d["ms_village_code"]})
            membership = _membership({k[3:]: d[k] for k in ms_keys} | {"user_id": d["user_id"]})
            village = None
            if d["v_code"]:
                village = Region(code=d["v_code"], level=d["v_level"], name=d["v_name"], parent=d["v_parent"],
                                 kecamatan=d["v_kecamatan"], kabupaten=d["v_kabupaten"],
                                 provinsi=d["v_provinsi"])
            out.append(MemberInForum(member=member, membership=membership, village=village))
        return out

    async def coordinators(self, forum_id: int) -> list[Member]:
        rows = await self.db.fetchall(
            f"""SELECT {', '.join('m.' + c for c in _MEMBER_COLUMNS.split(', '))} FROM memberships ms
                JOIN members m ON m.user_id = ms.user_id
                WHERE ms.forum_id = ? AND ms.status = 'active' AND ms.role = 'koordinator'
                ORDER BY m.user_id""",
            (forum_id,),
        )
        return [_member(r) for r in rows]

    # -- villages approved per forum ---------------------------------------------------------
    async def set_village(self, conn: aiosqlite.Connection, *, forum_id: int, user_id: int, code: str,
                          verified: bool) -> None:
        await conn.execute(
            "UPDATE memberships SET village_code = ?, village_verified = ? WHERE forum_id = ? AND user_id = ?",
            (code, int(verified), forum_id, user_id),
        )

    async def set_profile_village(self, conn: aiosqlite.Connection, user_id: int, code: str, now: datetime) -> None:
        """The profile's village (shown, and taken into the next forum joined); rights never read it."""
        await conn.execute("UPDATE members SET village_code = ?, updated_at = ? WHERE user_id = ?",
                           (code, to_db(now), user_id))

    async def verified_in(self, village_code: str) -> list[int]:
        """Users whose claim to the village someone else approved, in a forum where they are active."""
        rows = await self.db.fetchall(
            """SELECT DISTINCT user_id FROM memberships
               WHERE village_code = ? AND village_verified = 1 AND status = 'active' ORDER BY user_id""",
            (village_code,),
        )
        return [int(r["user_id"]) for r in rows]

    async def forums_with_village(self, village_code: str) -> list[int]:
        """Forums where an active member's claim to this village was verified there (the village's forums).

        A forum whose only claimant approved himself does not count: anyone can make one.
        """
        rows = await self.db.fetchall(
            """SELECT DISTINCT forum_id FROM memberships
               WHERE village_code = ? AND status = 'active' AND village_verified = 1 ORDER BY forum_id""",
            (village_code,),
        )
        return [int(r["forum_id"]) for r in rows]

    async def add_village_change(self, conn: aiosqlite.Connection, *, forum_id: int, user_id: int,
                                 old_code: str | None, new_code: str, now: datetime) -> int:
        """A pending change for one forum; an earlier pending one there is replaced (cancelled)."""
        await conn.execute(
            """UPDATE village_changes SET status = 'cancelled', decided_at = ?
               WHERE forum_id = ? AND user_id = ? AND status = 'pending'""",
            (to_db(now), forum_id, user_id),
        )
        cur = await conn.execute(
            """INSERT INTO village_changes(forum_id, user_id, old_code, new_code, requested_at)
               VALUES (?, ?, ?, ?, ?)""",
            (forum_id, user_id, old_code, new_code, to_db(now)),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    async def village_change(self, change_id: int) -> VillageChange | None:
        row = await self.db.fetchone("SELECT * FROM village_changes WHERE id = ?", (change_id,))
        return _change(row) if row else None

    async def pending_village_changes(self, user_id: int) -> list[VillageChange]:
        rows = await self.db.fetchall(
            "SELECT * FROM village_changes WHERE user_id = ? AND status = 'pending' ORDER BY forum_id", (user_id,)
        )
        return [_change(r) for r in rows]

    async def decide_village_change(self, conn: aiosqlite.Connection, change_id: int, *, approve: bool, by: int,
                                    now: datetime) -> bool:
        """Mark a pending change decided; False when it was no longer pending."""
        cur = await conn.execute(
            """UPDATE village_changes SET status = ?, decided_by = ?, decided_at = ?
               WHERE id = ? AND status = 'pending'""",
            ("approved" if approve else "rejected", by, to_db(now), change_id),
        )
        return cur.rowcount == 1
