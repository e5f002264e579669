"""Read-only queries for coordinator reports: exports, the monthly report and the digest.

Every query is scoped to one forum and parameterised. Results are small frozen dataclasses
with UTC datetimes; converting to the forum's zone is the caller's job (bot/reports).
Each feature's section lives below its own heading; sections are added as features land.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.database import Database
from storage.timeutil import from_db, to_db


def _dt(value: str | None) -> datetime | None:
    return from_db(value)


def _req(value: str) -> datetime:
    parsed = from_db(value)
    assert parsed is not None
    return parsed


# -- members -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MemberRow:
    user_id: int
    full_name: str
    jabatan: str
    role: str
    status: str  # active | pending
    village_code: str | None
    village: str | None
    kecamatan: str | None
    kabupaten: str | None
    phone: str | None
    requested_at: datetime
    decided_at: datetime | None
    unreachable_reason: str | None
    unreachable_at: datetime | None


_MEMBER_SQL = """
    SELECT m.user_id, m.full_name, m.jabatan, ms.role, ms.status, m.village_code, v.name AS village,
           kc.name AS kecamatan, kb.name AS kabupaten, m.phone, ms.requested_at, ms.decided_at,
           m.unreachable_reason, m.unreachable_at
    FROM memberships ms
    JOIN members m ON m.user_id = ms.user_id
    LEFT JOIN regions v ON v.code = m.village_code
    LEFT JOIN regions kc ON kc.code = substr(v.code, 1, 8)
    LEFT JOIN regions kb ON kb.code = substr(v.code, 1, 5)
    WHERE ms.forum_id = ? AND ms.status IN ({statuses}) AND m.erased_at IS NULL
    ORDER BY ms.status, coalesce(kc.name, '~'), coalesce(v.name, '~'), m.full_name, m.user_id
"""


def _member_row(r: Any) -> MemberRow:
    return MemberRow(
        user_id=r["user_id"], full_name=r["full_name"], jabatan=r["jabatan"], role=r["role"], status=r["status"],
        village_code=r["village_code"], village=r["village"], kecamatan=r["kecamatan"], kabupaten=r["kabupaten"],
        phone=r["phone"], requested_at=_req(r["requested_at"]), decided_at=_dt(r["decided_at"]),
        unreachable_reason=r["unreachable_reason"], unreachable_at=_dt(r["unreachable_at"]),
    )


class ReportRepo:
    """Read-only report queries over the feature tables of one forum at a time."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def has_table(self, name: str) -> bool:
        value = await self.db.fetchval("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
        return value is not None

    # -- members ---------------------------------------------------------------------------
    async def members(self, forum_id: int, statuses: tuple[str, ...] = ("active",)) -> list[MemberRow]:
        """Members of the forum (active by default) with their village, kecamatan and kabupaten."""
        marks = ",".join("?" for _ in statuses)
        rows = await self.db.fetchall(_MEMBER_SQL.format(statuses=marks), (forum_id, *statuses))
        return [_member_row(r) for r in rows]

    async def join_times(self, forum_id: int, since: datetime) -> list[datetime]:
        """When each active member's membership began (approval, else request), from `since`."""
        rows = await self.db.fetchall(
            """SELECT coalesce(decided_at, requested_at) AS joined FROM memberships
               WHERE forum_id = ? AND status = 'active' AND coalesce(decided_at, requested_at) >= ?""",
            (forum_id, to_db(since)),
        )
        return [_req(r["joined"]) for r in rows]

    # -- the digest ------------------------------------------------------------------------
    async def forum_ids(self) -> list[int]:
        rows = await self.db.fetchall("SELECT id FROM forums ORDER BY id")
        return [r["id"] for r in rows]

    async def outbox_keys(self, prefix: str) -> set[str]:
        """Outbox keys starting with `prefix` (any status): pushes already planned."""
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = await self.db.fetchall("SELECT idem_key FROM outbox WHERE idem_key LIKE ? ESCAPE '\\'",
                                      (escaped + "%",))
        return {r["idem_key"] for r in rows}
