"""The outbox: every push the bot makes on its own, written with the change that causes it.

Features call `enqueue()` inside their own transaction (pass its connection), then
`services.delivery.wake()` after the commit. The idempotency key is UNIQUE, so scheduling
the same push twice is a no-op. The dispatcher (scheduler/) sends what is due.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import IntEnum
from typing import Any

import aiosqlite

from storage.timeutil import to_db


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
    (e.g. document/photo file_id and caption for sendDocument/sendPhoto, or pin: true).
    """
    payload: dict[str, Any] = dict(params or {})
    if text is not None:
        payload.setdefault("caption" if method in ("sendPhoto", "sendDocument") else "text", text)
        payload.setdefault("parse_mode", "HTML")
    if reply_markup is not None:
        payload["reply_markup"] = reply_markup
    cur = await conn.execute(
        """INSERT INTO outbox(idem_key, chat_id, thread_id, method, payload, priority, urgent, forum_id,
                              member_user_id, broadcast_id, due_at, expires_at, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(idem_key) DO NOTHING""",
        (key, chat_id, thread_id, method, json.dumps(payload, ensure_ascii=False), int(priority), int(urgent),
         forum_id, member_user_id, broadcast_id, to_db(due_at), to_db(expires_at), to_db(now)),
    )
    return cur.rowcount == 1


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
