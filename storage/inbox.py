"""The inbox: every update Telegram delivered, stored before Telegram is told it arrived.

The intake (scheduler/intake.py) writes a batch here and only then confirms it (the next
getUpdates offset, or the webhook's HTTP 200). Workers handle rows in order per `chat_key`;
the handler's own write transaction marks its row 'applied' (storage.database.HANDLING_UPDATE),
and the worker marks it 'done' after the reply went out. At start, 'new' rows are handled
again and 'applied' rows get their reply derived again (see scheduler/intake.py).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import aiosqlite

from storage.database import Handle, joined
from storage.timeutil import to_db

InboxStatus = Literal["new", "applied", "done", "dropped"]


@dataclass(frozen=True, slots=True)
class IncomingUpdate:
    """One update as the intake sees it: its id, whose queue it joins, and the raw JSON."""

    update_id: int
    chat_key: int
    user_id: int | None
    raw: dict[str, Any]
    status: InboxStatus = "new"


def chat_key_of(raw: dict[str, Any]) -> tuple[int, int | None]:
    """(ordering key, sender id) of a raw update: the sender, else the chat, else 0."""
    user_id: int | None = None
    chat_id: int | None = None
    for kind, body in raw.items():
        if kind == "update_id" or not isinstance(body, dict):
            continue
        sender = body.get("from") or body.get("user")
        if isinstance(sender, dict) and isinstance(sender.get("id"), int):
            user_id = sender["id"]
        chat = body.get("chat")
        if chat is None and isinstance(body.get("message"), dict):
            chat = body["message"].get("chat")
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            chat_id = chat["id"]
        break
    key = user_id if user_id is not None else chat_id if chat_id is not None else 0
    return key, user_id


class InboxRepo:
    def __init__(self, db: Handle) -> None:
        self.db = db

    async def store(self, updates: Sequence[IncomingUpdate], now: datetime) -> set[int]:
        """Write a batch in one transaction; returns the ids that were new (a re-delivery is ignored)."""
        if not updates:
            return set()
        async with joined(self.db) as tx:
            conn = tx.conn
            return await self.store_in(conn, updates, now)

    @staticmethod
    async def store_in(conn: aiosqlite.Connection, updates: Sequence[IncomingUpdate], now: datetime) -> set[int]:
        """One lookup and one batched insert: the intake's cost per update must stay small."""
        ids = [u.update_id for u in updates]
        known = {r[0] for r in await conn.execute_fetchall(
            f"SELECT update_id FROM inbox WHERE update_id IN ({','.join('?' for _ in ids)})", ids)}
        fresh = [u for u in updates if u.update_id not in known]
        received = to_db(now)
        # A dropped update is never handled: only its id is kept (less personal data, less work).
        await conn.executemany(
            "INSERT INTO inbox(update_id, chat_key, user_id, raw, status, received_at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(update_id) DO NOTHING",
            [(u.update_id, u.chat_key, u.user_id,
              "{}" if u.status == "dropped" else json.dumps(u.raw, ensure_ascii=False), u.status, received)
             for u in fresh],
        )
        return {u.update_id for u in fresh}

    async def open_rows(self) -> list[IncomingUpdate]:
        """Rows not finished at the last stop, oldest first (replayed at start)."""
        rows = await self.db.fetchall(
            "SELECT update_id, chat_key, user_id, raw, status FROM inbox WHERE status IN ('new', 'applied') "
            "ORDER BY update_id"
        )
        return [IncomingUpdate(r["update_id"], r["chat_key"], r["user_id"], json.loads(r["raw"]), r["status"])
                for r in rows]

    async def mark_done(self, update_ids: Sequence[int], now: datetime) -> None:
        if not update_ids:
            return
        async with joined(self.db) as tx:
            conn = tx.conn
            await conn.executemany(
                "UPDATE inbox SET status = 'done', handled_at = ? WHERE update_id = ? AND status IN ('new', 'applied')",
                [(to_db(now), uid) for uid in update_ids],
            )

    async def status(self, update_id: int) -> str | None:
        value = await self.db.fetchval("SELECT status FROM inbox WHERE update_id = ?", (update_id,))
        return str(value) if value is not None else None

    async def counts(self) -> dict[str, int]:
        rows = await self.db.fetchall("SELECT status, count(*) AS n FROM inbox GROUP BY status")
        return {r["status"]: r["n"] for r in rows}

    async def prune(self, now: datetime, keep: timedelta, *, batch: int = 1000) -> int:
        """Forget handled rows older than `keep` (Telegram re-delivers nothing that old), `batch`
        rows per short transaction so replies are never held up behind a week of updates."""
        cutoff, total = to_db(now - keep), 0
        while True:
            async with joined(self.db) as tx:
                conn = tx.conn
                cur = await conn.execute(
                    """DELETE FROM inbox WHERE update_id IN (SELECT update_id FROM inbox
                       WHERE received_at < ? AND status IN ('done', 'dropped') LIMIT ?)""", (cutoff, batch))
            total += cur.rowcount
            if cur.rowcount < batch:
                return total
            await asyncio.sleep(0)

    @staticmethod
    async def erase_person(conn: aiosqlite.Connection, user_id: int) -> int:
        """/hapus_data: remove every stored update this person sent (inside the caller's transaction).

        Rows still open are kept until handled: the /hapus_data update itself is one of them.
        """
        cur = await conn.execute(
            "DELETE FROM inbox WHERE (user_id = ? OR chat_key = ?) AND status IN ('done', 'dropped')",
            (user_id, user_id),
        )
        return cur.rowcount


class BotStateRepo:
    """Small named values the bot keeps about itself (the generated webhook secret)."""

    def __init__(self, db: Handle) -> None:
        self.db = db

    async def get(self, key: str) -> str | None:
        value = await self.db.fetchval("SELECT value FROM bot_state WHERE key = ?", (key,))
        return str(value) if value is not None else None

    async def get_or_create(self, key: str, make: Any) -> str:
        """The stored value, or `make()` stored now (first start)."""
        async with joined(self.db) as tx:
            conn = tx.conn
            await conn.execute("INSERT INTO bot_state(key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING",
                               (key, str(make())))
            rows = list(await conn.execute_fetchall("SELECT value FROM bot_state WHERE key = ?", (key,)))
        return str(rows[0][0])
