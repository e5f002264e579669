"""The outbox: every push the bot makes on its own, written with the change that causes it.

Features call `enqueue()` inside their own transaction (pass its connection), then
`services.delivery.wake()` after the commit. The idempotency key is UNIQUE, so scheduling
the same push twice is a no-op. The dispatcher (scheduler/) sends what is due.
"""

from __future__ import annotations

import html
import json
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Any, Concatenate, Literal, ParamSpec, TypeVar

import aiosqlite

from storage.database import Database
from storage.timeutil import from_db, to_db

P = ParamSpec("P")
R = TypeVar("R")


class Priority(IntEnum):
    INTERACTIVE = 0  # notifications caused by someone's action (approval, visit request)
    REMINDER = 1  # scheduled reminders and prompts
    BULK = 2  # broadcasts and digests


async def enqueue(
    conn: aiosqlite.Connection,
    *,
    key: str,
    chat_id: int,
    text: str | None = None,
    due_at: datetime,
    now: datetime,
    priority: Priority = Priority.INTERACTIVE,
    reply_markup: dict[str, Any] | None = None,
    thread_id: int | None = None,
    method: str = "sendMessage",
    params: dict[str, Any] | None = None,
    expires_at: datetime | None = None,
    urgent: bool = False,
    forum_id: int | None = None,
    member_user_id: int | None = None,
    broadcast_id: int | None = None,
) -> bool:
    """Queue one push; returns False when a push with this key already exists.

    `text` is HTML (parse_mode=HTML). `params` carries other Bot API parameters
    (e.g. document/photo file_id and caption for sendDocument/sendPhoto), plus `pin: true`
    to pin the sent message (the dispatcher strips it and calls pinChatMessage).
    A key whose earlier push was cancelled (`cancel_prefix`) is queued again with the new
    content: a meeting moved back keeps its keys. Pending or sent keys are never re-sent.
    """
    payload: dict[str, Any] = dict(params or {})
    if text is not None:
        payload.setdefault("caption" if method in ("sendPhoto", "sendDocument") else "text", text)
        payload.setdefault("parse_mode", "HTML")
    if reply_markup is not None:
        payload["reply_markup"] = reply_markup
    cur = await conn.execute(
        """INSERT INTO outbox(idem_key, chat_id, thread_id, method, payload, priority, urgent, forum_id,
                              member_user_id, broadcast_id, due_at, expires_at, next_try_at, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(idem_key) DO UPDATE SET
               chat_id = excluded.chat_id, thread_id = excluded.thread_id, method = excluded.method,
               payload = excluded.payload, priority = excluded.priority, urgent = excluded.urgent,
               forum_id = excluded.forum_id, member_user_id = excluded.member_user_id,
               broadcast_id = excluded.broadcast_id, due_at = excluded.due_at,
               expires_at = excluded.expires_at, next_try_at = excluded.next_try_at, status = 'pending',
               attempts = 0, last_error = NULL, sent_at = NULL, message_id = NULL
           WHERE outbox.status = 'cancelled'""",
        (key, chat_id, thread_id, method, json.dumps(payload, ensure_ascii=False), int(priority), int(urgent),
         forum_id, member_user_id, broadcast_id, to_db(due_at), to_db(expires_at), to_db(due_at), to_db(now)),
    )
    return cur.rowcount == 1


async def cancel_to_member(conn: aiosqlite.Connection, user_id: int, *, forum_id: int | None = None) -> int:
    """Cancel pending pushes to one person (of one forum only, when given): they left or were erased."""
    forum_clause = " AND forum_id = ?" if forum_id is not None else ""
    params: tuple[Any, ...] = (user_id, user_id, forum_id) if forum_id is not None else (user_id, user_id)
    cur = await conn.execute(
        f"""UPDATE outbox SET status = 'cancelled'
            WHERE status = 'pending' AND (member_user_id = ? OR chat_id = ?){forum_clause}""",
        params,
    )
    return cur.rowcount


def _replace_strings(value: Any, old: Sequence[str], new: str) -> Any:
    if isinstance(value, str):
        for variant in old:
            value = value.replace(variant, new)
        return value
    if isinstance(value, list):
        return [_replace_strings(v, old, new) for v in value]
    if isinstance(value, dict):
        return {k: _replace_strings(v, old, new) for k, v in value.items()}
    return value


async def scrub_name(conn: aiosqlite.Connection, name: str, replacement: str) -> tuple[int, int]:
    """Erase a person's name from every stored push: pending ones carrying it are cancelled, and the name
    is replaced in all of them (sent ones too, so the database keeps no copy). Returns (cancelled, scrubbed).
    """
    variants = sorted({name, html.escape(name, quote=False), html.escape(name)}, key=len, reverse=True)
    cancelled = scrubbed = 0
    for variant in variants:
        escaped = variant.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = await conn.execute_fetchall(
            "SELECT id, status, payload FROM outbox WHERE payload LIKE ? ESCAPE '\\'", (f"%{escaped}%",))
        for row_id, status, payload in rows:
            cleaned = _replace_strings(json.loads(payload), variants, replacement)
            new_status = "cancelled" if status == "pending" else status
            await conn.execute("UPDATE outbox SET payload = ?, status = ? WHERE id = ?",
                               (json.dumps(cleaned, ensure_ascii=False), new_status, row_id))
            cancelled += status == "pending"
            scrubbed += 1
    return cancelled, scrubbed


async def is_pending(conn: aiosqlite.Connection, key: str) -> bool:
    """Whether the push with this key is still waiting to be sent (inside the caller's transaction)."""
    rows = await conn.execute_fetchall(
        "SELECT 1 FROM outbox WHERE idem_key = ? AND status = 'pending'", (key,))
    return bool(list(rows))


async def cancel_prefix(conn: aiosqlite.Connection, key_prefix: str) -> int:
    """Cancel pending pushes whose key starts with the prefix (a meeting moved: old reminders go)."""
    escaped = key_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    cur = await conn.execute(
        "UPDATE outbox SET status = 'cancelled' WHERE status = 'pending' AND idem_key LIKE ? ESCAPE '\\'",
        (escaped + "%",),
    )
    return cur.rowcount


def inline_keyboard(rows: list[list[tuple[str, str]]]) -> dict[str, Any]:
    """A reply_markup dict for the outbox from (label, callback_data) rows."""
    return {"inline_keyboard": [[{"text": label, "callback_data": data} for label, data in row] for row in rows]}


# -- the dispatcher's side ---------------------------------------------------------------------

Status = Literal["pending", "sending", "sent", "failed", "cancelled", "expired"]
_ROW_COLUMNS = (
    "id, idem_key, chat_id, thread_id, method, payload, priority, urgent, forum_id, member_user_id, "
    "broadcast_id, due_at, expires_at, attempts"
)


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One push as the dispatcher sees it."""

    id: int
    idem_key: str
    chat_id: int
    thread_id: int | None
    method: str
    payload: dict[str, Any]
    priority: int
    urgent: bool
    forum_id: int | None
    member_user_id: int | None
    broadcast_id: int | None
    due_at: datetime
    expires_at: datetime | None
    attempts: int


def _row(r: Any) -> OutboxRow:
    return OutboxRow(
        id=r["id"], idem_key=r["idem_key"], chat_id=r["chat_id"], thread_id=r["thread_id"], method=r["method"],
        payload=json.loads(r["payload"]), priority=r["priority"], urgent=bool(r["urgent"]), forum_id=r["forum_id"],
        member_user_id=r["member_user_id"], broadcast_id=r["broadcast_id"], due_at=_dt(r["due_at"]),
        expires_at=from_db(r["expires_at"]), attempts=r["attempts"],
    )


def _dt(value: str) -> datetime:
    parsed = from_db(value)
    assert parsed is not None
    return parsed


@dataclass(frozen=True, slots=True)
class Sent:
    row_id: int
    message_id: int | None
    sent_at: datetime


class OutboxRepo:
    """Queries and state changes the dispatcher needs; every write is one short transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def recover_in_flight(self) -> int:
        """Rows left 'sending' by a killed process go back to pending (they may be sent twice)."""
        async with self.db.transaction() as conn:
            cur = await conn.execute("UPDATE outbox SET status = 'pending' WHERE status = 'sending'")
            return cur.rowcount

    async def ready(self, now: datetime, *, limit: int, exclude_chats: Iterable[int] = ()) -> list[OutboxRow]:
        """Pending rows that may be sent now: interactive first, then reminders, then bulk; oldest first."""
        excluded = list(exclude_chats)
        clause = f" AND chat_id NOT IN ({','.join('?' for _ in excluded)})" if excluded else ""
        out: list[OutboxRow] = []
        for priority in (Priority.INTERACTIVE, Priority.REMINDER, Priority.BULK):
            if len(out) >= limit:
                break
            rows = await self.db.fetchall(
                f"""SELECT {_ROW_COLUMNS} FROM outbox
                    WHERE status = 'pending' AND priority = ? AND next_try_at <= ?{clause}
                    ORDER BY next_try_at, id LIMIT ?""",
                (int(priority), to_db(now), *excluded, limit - len(out)),
            )
            out.extend(_row(r) for r in rows)
        return out

    async def next_due(self) -> datetime | None:
        """When the earliest pending row becomes sendable (None: nothing pending)."""
        value = await self.db.fetchval("SELECT min(next_try_at) FROM outbox WHERE status = 'pending'")
        return from_db(value)

    async def claim(self, ids: Sequence[int], now: datetime | None = None) -> set[int]:
        """Move rows to 'sending'; returns those still pending (a cancel may have won the race)."""
        if not ids:
            return set()
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                f"UPDATE outbox SET status = 'sending', claimed_at = ? WHERE status = 'pending' AND id IN "
                f"({','.join('?' for _ in ids)}) RETURNING id",
                (to_db(now), *ids),
            )
            return {r[0] for r in await cur.fetchall()}

    async def mark_sent(self, sent: Sequence[Sent]) -> None:
        """Telegram confirmed these; one transaction for the whole batch (group commit)."""
        async with self.db.transaction() as conn:
            await conn.executemany(
                "UPDATE outbox SET status = 'sent', sent_at = ?, message_id = ?, last_error = NULL WHERE id = ?",
                [(to_db(s.sent_at), s.message_id, s.row_id) for s in sent],
            )

    async def retry_later(self, row_id: int, *, at: datetime, error: str, count_attempt: bool,
                          maybe_sent: bool = False) -> None:
        """Back to pending for `at`; `maybe_sent`: Telegram may have delivered it (a timeout)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET status = 'pending', next_try_at = ?, last_error = ?, attempts = attempts + ?, "
                "maybe_sent = max(maybe_sent, ?) WHERE id = ? AND status = 'sending'",
                (to_db(at), error, int(count_attempt), int(maybe_sent), row_id),
            )

    async def reclaim_stale(self, claimed_before: datetime, in_flight: Iterable[int]) -> int:
        """Rows 'sending' since before the lease with no send in flight go back to pending.

        Their send was answered but the answer could not be recorded (database locked, disk
        full), so Telegram may have delivered them: they are marked as possible duplicates.
        """
        busy = list(in_flight)
        clause = f" AND id NOT IN ({','.join('?' for _ in busy)})" if busy else ""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE outbox SET status = 'pending', maybe_sent = 1 "
                f"WHERE status = 'sending' AND (claimed_at IS NULL OR claimed_at < ?){clause}",
                (to_db(claimed_before), *busy),
            )
            return cur.rowcount

    async def possible_duplicates(self, broadcast_id: int | None = None) -> int:
        """Rows sent after a try that may already have been delivered (reports and logs)."""
        if broadcast_id is None:
            value = await self.db.fetchval("SELECT count(*) FROM outbox WHERE maybe_sent = 1 AND status = 'sent'")
        else:
            value = await self.db.fetchval(
                "SELECT count(*) FROM outbox WHERE maybe_sent = 1 AND status = 'sent' AND broadcast_id = ?",
                (broadcast_id,))
        return int(value or 0)

    async def fail(self, row_id: int, *, error: str, attempts_delta: int = 1,
                   unreachable_user: int | None = None, now: datetime | None = None) -> None:
        """A dead row; when the recipient cannot be reached, the member is marked unreachable."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET status = 'failed', last_error = ?, attempts = attempts + ? WHERE id = ?",
                (error, attempts_delta, row_id),
            )
            if unreachable_user is not None and now is not None:
                await conn.execute(
                    "UPDATE members SET unreachable_reason = ?, unreachable_at = ? WHERE user_id = ?",
                    (error, to_db(now), unreachable_user),
                )

    async def expire(self, row_ids: Sequence[int]) -> None:
        if not row_ids:
            return
        async with self.db.transaction() as conn:
            await conn.execute(
                f"UPDATE outbox SET status = 'expired' WHERE status = 'pending' AND id IN "
                f"({','.join('?' for _ in row_ids)})",
                tuple(row_ids),
            )

    async def defer(self, until: Sequence[tuple[int, datetime]]) -> None:
        """Push rows to a later time (quiet hours) without counting an attempt."""
        if not until:
            return
        async with self.db.transaction() as conn:
            await conn.executemany(
                "UPDATE outbox SET next_try_at = ? WHERE id = ? AND status = 'pending'",
                [(to_db(at), row_id) for row_id, at in until],
            )

    async def migrate_chat(self, old_chat_id: int, new_chat_id: int) -> int:
        """A group became a supergroup: move the forum and every unsent row to the new id."""
        async with self.db.transaction() as conn:
            await conn.execute("UPDATE forums SET group_chat_id = ? WHERE group_chat_id = ?",
                               (new_chat_id, old_chat_id))
            cur = await conn.execute(
                "UPDATE outbox SET chat_id = ? WHERE chat_id = ? AND status IN ('pending', 'sending')",
                (new_chat_id, old_chat_id),
            )
            return cur.rowcount

    async def drop_thread(self, row_id: int) -> None:
        """The forum topic was deleted: send to the group's main thread instead."""
        await self.db.execute("UPDATE outbox SET thread_id = NULL WHERE id = ?", (row_id,))

    async def forum_timezones(self, forum_ids: Iterable[int]) -> dict[int, str]:
        ids = list(set(forum_ids))
        if not ids:
            return {}
        rows = await self.db.fetchall(
            f"SELECT id, timezone FROM forums WHERE id IN ({','.join('?' for _ in ids)})", ids
        )
        return {r["id"]: r["timezone"] for r in rows}

    async def get(self, row_id: int) -> dict[str, Any] | None:
        """One row as a plain dict (reports and tests)."""
        row = await self.db.fetchone("SELECT * FROM outbox WHERE id = ?", (row_id,))
        return dict(row) if row else None

    async def by_key(self, key: str) -> dict[str, Any] | None:
        row = await self.db.fetchone("SELECT * FROM outbox WHERE idem_key = ?", (key,))
        return dict(row) if row else None

    async def counts(self) -> dict[str, int]:
        rows = await self.db.fetchall("SELECT status, count(*) AS n FROM outbox GROUP BY status")
        return {r["status"]: r["n"] for r in rows}


def _bound(fn: Callable[Concatenate[aiosqlite.Connection, P], Awaitable[R]],
           conn: aiosqlite.Connection) -> Callable[P, Awaitable[R]]:
    async def call(*args: P.args, **kwargs: P.kwargs) -> R:
        return await fn(conn, *args, **kwargs)

    return call


class TxOutbox:
    """The outbox writers bound to one unit of work (`tx.outbox.enqueue(key=..., ...)`), so the
    pushes a change causes commit or roll back with it. Same functions, same arguments, no conn."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.enqueue = _bound(enqueue, conn)
        self.cancel_prefix = _bound(cancel_prefix, conn)
        self.cancel_to_member = _bound(cancel_to_member, conn)
        self.is_pending = _bound(is_pending, conn)
        self.scrub_name = _bound(scrub_name, conn)
