"""Conversations in progress, one per user, so a restart mid-form loses nothing."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import aiosqlite

from storage.database import Handle
from storage.models import Draft
from storage.timeutil import to_db


class DraftRepo:
    """Bound to the Database or to a unit of work (`tx.drafts`): a form's save drops its draft
    in the same transaction as its result, so a second Simpan finds no form."""

    def __init__(self, db: Handle) -> None:
        self.db = db

    async def get(self, user_id: int) -> Draft | None:
        row = await self.db.fetchone("SELECT * FROM drafts WHERE user_id = ?", (user_id,))
        if row is None:
            return None
        return Draft(user_id=row["user_id"], flow=row["flow"], step=row["step"], data=json.loads(row["data"]),
                     updated_at=datetime.fromisoformat(row["updated_at"]))

    async def save(self, user_id: int, flow: str, step: str, data: dict[str, Any], now: datetime) -> Draft:
        await self.db.execute(
            """INSERT INTO drafts(user_id, flow, step, data, updated_at) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT(user_id) DO UPDATE SET flow = excluded.flow, step = excluded.step,
                   data = excluded.data, updated_at = excluded.updated_at""",
            (user_id, flow, step, json.dumps(data, ensure_ascii=False), to_db(now)),
        )
        return Draft(user_id=user_id, flow=flow, step=step, data=data, updated_at=now)

    @staticmethod
    async def delete(conn: aiosqlite.Connection, user_id: int) -> None:
        """Drop the draft inside a caller's transaction (the form's result is saved in the same one)."""
        await conn.execute("DELETE FROM drafts WHERE user_id = ?", (user_id,))

    async def clear(self, user_id: int) -> bool:
        """Drop the user's draft; whether there was one."""
        existed = await self.db.fetchval("SELECT 1 FROM drafts WHERE user_id = ?", (user_id,))
        if existed:
            await self.db.execute("DELETE FROM drafts WHERE user_id = ?", (user_id,))
        return bool(existed)
