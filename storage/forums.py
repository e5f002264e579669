"""Forums, their Telegram group and topics, and invite codes."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

import aiosqlite

from storage.database import Handle, joined
from storage.models import Forum, Invite, Role
from storage.timeutil import from_db, to_db

# No 0/O/1/l/I: codes are sometimes read aloud or copied by hand.
_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_invite_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))


def _forum(row: Any) -> Forum:
    d = dict(row)
    d["created_at"] = from_db(d["created_at"])
    return Forum(**d)


def _invite(row: Any) -> Invite:
    d = dict(row)
    d["created_at"] = from_db(d["created_at"])
    d["revoked_at"] = from_db(d["revoked_at"])
    return Invite(**d)


class ForumRepo:
    def __init__(self, db: Handle) -> None:
        self.db = db

    async def create(self, conn: aiosqlite.Connection, *, name: str, scope_code: str, timezone: str,
                     created_by: int, now: datetime, language: str = "id") -> int:
        cur = await conn.execute(
            """INSERT INTO forums(name, scope_code, timezone, language, created_by, created_at)
               VALUES (?, ?, ?, ?, ?, ?)""",
            (name, scope_code, timezone, language, created_by, to_db(now)),
        )
        return int(cur.lastrowid or 0)

    async def get(self, forum_id: int) -> Forum | None:
        row = await self.db.fetchone("SELECT * FROM forums WHERE id = ?", (forum_id,))
        return _forum(row) if row else None

    async def by_group(self, chat_id: int) -> Forum | None:
        row = await self.db.fetchone("SELECT * FROM forums WHERE group_chat_id = ?", (chat_id,))
        return _forum(row) if row else None

    async def of_member(self, user_id: int, roles: tuple[str, ...] | None = None) -> list[Forum]:
        """Forums where the user is an active member (optionally with one of `roles`)."""
        params: list[Any] = [user_id]
        role_clause = ""
        if roles:
            role_clause = f" AND ms.role IN ({','.join('?' for _ in roles)})"
            params.extend(roles)
        rows = await self.db.fetchall(
            f"""SELECT f.* FROM forums f JOIN memberships ms ON ms.forum_id = f.id
                WHERE ms.user_id = ? AND ms.status = 'active'{role_clause} ORDER BY f.name, f.id""",
            params,
        )
        return [_forum(r) for r in rows]

    async def link_group(self, forum_id: int, chat_id: int | None) -> None:
        async with joined(self.db) as tx:
            conn = tx.conn
            # A group belongs to one forum: unlink it elsewhere first.
            if chat_id is not None:
                await conn.execute("UPDATE forums SET group_chat_id = NULL WHERE group_chat_id = ?", (chat_id,))
            await conn.execute("UPDATE forums SET group_chat_id = ? WHERE id = ?", (chat_id, forum_id))

    async def migrate_group(self, conn: aiosqlite.Connection, old_chat_id: int, new_chat_id: int) -> None:
        """Telegram upgraded the group to a supergroup with a new id."""
        await conn.execute("UPDATE forums SET group_chat_id = ? WHERE group_chat_id = ?", (new_chat_id, old_chat_id))

    async def set_topic(self, forum_id: int, feature: str, thread_id: int | None) -> None:
        if thread_id is None:
            await self.db.execute("DELETE FROM forum_topics WHERE forum_id = ? AND feature = ?", (forum_id, feature))
        else:
            await self.db.execute(
                """INSERT INTO forum_topics(forum_id, feature, thread_id) VALUES (?, ?, ?)
                   ON CONFLICT(forum_id, feature) DO UPDATE SET thread_id = excluded.thread_id""",
                (forum_id, feature, thread_id),
            )

    async def topic(self, forum_id: int, feature: str) -> int | None:
        value = await self.db.fetchval(
            "SELECT thread_id FROM forum_topics WHERE forum_id = ? AND feature = ?", (forum_id, feature)
        )
        return int(value) if value is not None else None

    async def topics(self, forum_id: int) -> dict[str, int]:
        rows = await self.db.fetchall("SELECT feature, thread_id FROM forum_topics WHERE forum_id = ?", (forum_id,))
        return {r["feature"]: int(r["thread_id"]) for r in rows}

    # -- invites ---------------------------------------------------------------------------
    async def active_invite(self, forum_id: int) -> Invite | None:
        row = await self.db.fetchone(
            "SELECT * FROM invites WHERE forum_id = ? AND revoked_at IS NULL ORDER BY created_at DESC LIMIT 1",
            (forum_id,),
        )
        return _invite(row) if row else None

    async def new_invite(self, forum_id: int, created_by: int, now: datetime, role: Role = "anggota") -> Invite:
        """Revoke the forum's current invite and issue a new code."""
        code = new_invite_code()
        async with joined(self.db) as tx:
            conn = tx.conn
            await conn.execute(
                "UPDATE invites SET revoked_at = ? WHERE forum_id = ? AND revoked_at IS NULL",
                (to_db(now), forum_id),
            )
            await conn.execute(
                "INSERT INTO invites(code, forum_id, role, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
                (code, forum_id, role, created_by, to_db(now)),
            )
        return Invite(code=code, forum_id=forum_id, role=role, created_by=created_by, created_at=now)

    async def revoke_invites(self, forum_id: int, now: datetime) -> int:
        async with joined(self.db) as tx:
            conn = tx.conn
            cur = await conn.execute(
                "UPDATE invites SET revoked_at = ? WHERE forum_id = ? AND revoked_at IS NULL", (to_db(now), forum_id)
            )
            return cur.rowcount

    async def invite(self, code: str) -> Invite | None:
        row = await self.db.fetchone("SELECT * FROM invites WHERE code = ?", (code,))
        return _invite(row) if row else None
