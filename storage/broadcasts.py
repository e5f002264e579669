"""Coordinators' broadcasts (siaran): the broadcast, its audience, and its outbox rows.

A broadcast is written together with one outbox row per recipient (and one for the forum's
group), so from then on the dispatcher's durability covers it: a kill -9 mid-way resumes.
Progress and the delivery report are read back from those outbox rows.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from storage.database import Handle, joined
from storage.models import Role
from storage.outbox import Priority, enqueue
from storage.timeutil import from_db, to_db

BroadcastStatus = Literal["scheduled", "sending", "done", "stopped", "cancelled"]
MediaKind = Literal["photo", "document"]


class Audience(BaseModel):
    """Who receives it. No filter chosen = every active member. Kecamatan and roles narrow
    together ("pendamping in Kec. Cipari"); `user_ids` (a re-send) narrows to those people."""

    model_config = ConfigDict(frozen=True)

    kecamatan: tuple[str, ...] = ()
    roles: tuple[Role, ...] = ()
    user_ids: tuple[int, ...] = ()
    members: bool = True
    group: bool = False


class Broadcast(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    forum_id: int
    created_by: int
    text: str
    media_kind: MediaKind | None
    media_file_id: str | None
    audience: Audience
    pin: bool
    status: BroadcastStatus
    scheduled_at: datetime
    recipients: int
    status_chat_id: int | None
    status_message_id: int | None
    progress_at: datetime | None
    reported_at: datetime | None
    created_at: datetime
    finished_at: datetime | None
    resend_of: int | None


class Recipient(BaseModel):
    model_config = ConfigDict(frozen=True)

    user_id: int
    language: str


class Progress(BaseModel):
    sent: int = 0
    failed: int = 0
    waiting: int = 0  # pending or sending
    cancelled: int = 0
    expired: int = 0
    # Sent after a try Telegram may already have delivered (a timeout, a lease take-back).
    possible_duplicates: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.failed + self.waiting + self.cancelled + self.expired

    @property
    def finished(self) -> bool:
        return self.waiting == 0


class Failure(BaseModel):
    """A recipient the broadcast did not reach, with their village for the coordinator's report."""

    user_id: int | None
    full_name: str | None
    village: str | None
    kecamatan: str | None
    reason: str
    unreachable: bool = Field(default=False)


# Reasons that mean "the person must act first" (blocked, never started, deleted account).
UNREACHABLE_REASONS = frozenset({"blocked", "deactivated", "not_started", "chat_not_found", "forbidden", "is_bot"})


def _broadcast(row: Any) -> Broadcast:
    d = dict(row)
    d["audience"] = Audience.model_validate(json.loads(d["audience"]))
    d["pin"] = bool(d["pin"])
    for key in ("scheduled_at", "progress_at", "reported_at", "created_at", "finished_at"):
        d[key] = from_db(d[key])
    return Broadcast(**d)


def member_key(broadcast_id: int, user_id: int) -> str:
    return f"broadcast:{broadcast_id}:user:{user_id}"


def group_key(broadcast_id: int) -> str:
    return f"broadcast:{broadcast_id}:group"


class BroadcastRepo:
    """On the Database each write is its own unit; bound to a Tx (`tx.broadcasts`) it joins the caller's."""

    def __init__(self, db: Handle) -> None:
        self.db = db

    # -- audience --------------------------------------------------------------------------
    async def recipients(self, forum_id: int, audience: Audience, *, sender: int | None = None) -> list[Recipient]:
        """Active, not-erased members of this forum (never another forum's) matching the audience;
        the sender has seen the preview and is left out."""
        if not audience.members:
            return []
        clauses = ["ms.forum_id = ?", "ms.status = 'active'", "m.erased_at IS NULL", "m.user_id != ?"]
        params: list[Any] = [forum_id, sender if sender is not None else 0]
        if audience.kecamatan:
            clauses.append(f"substr(ms.village_code, 1, 8) IN ({','.join('?' for _ in audience.kecamatan)})")
            params.extend(audience.kecamatan)
        if audience.roles:
            clauses.append(f"ms.role IN ({','.join('?' for _ in audience.roles)})")
            params.extend(audience.roles)
        if audience.user_ids:
            clauses.append(f"m.user_id IN ({','.join('?' for _ in audience.user_ids)})")
            params.extend(audience.user_ids)
        rows = await self.db.fetchall(
            f"""SELECT m.user_id, m.language FROM memberships ms JOIN members m ON m.user_id = ms.user_id
                WHERE {' AND '.join(clauses)} ORDER BY m.user_id""",
            params,
        )
        return [Recipient(user_id=r["user_id"], language=r["language"]) for r in rows]

    async def kecamatan_of_forum(self, forum_id: int) -> list[tuple[str, str]]:
        """(code, name) of the kecamatan where the forum's active members' villages are."""
        rows = await self.db.fetchall(
            """SELECT DISTINCT kc.code, kc.name FROM memberships ms
               JOIN regions kc ON kc.code = substr(ms.village_code, 1, 8)
               WHERE ms.forum_id = ? AND ms.status = 'active' ORDER BY kc.name""",
            (forum_id,),
        )
        return [(r["code"], r["name"]) for r in rows]

    # -- writing ---------------------------------------------------------------------------
    async def create(
        self,
        *,
        forum_id: int,
        created_by: int,
        text: str,
        audience: Audience,
        scheduled_at: datetime,
        now: datetime,
        render: dict[str, str],
        group_chat_id: int | None,
        group_thread_id: int | None = None,
        group_language: str = "id",
        media_kind: MediaKind | None = None,
        media_file_id: str | None = None,
        pin: bool = False,
        resend_of: int | None = None,
    ) -> Broadcast:
        """Store the broadcast and queue one push per recipient in the same transaction.

        `render` maps a language to the finished HTML each recipient gets (caption for media).
        """
        recipients = await self.recipients(forum_id, audience, sender=created_by)
        status: BroadcastStatus = "sending" if scheduled_at <= now else "scheduled"
        method = {"photo": "sendPhoto", "document": "sendDocument", None: "sendMessage"}[media_kind]
        media: dict[str, Any] = {media_kind: media_file_id} if media_kind else {}
        async with joined(self.db) as tx:
            conn = tx.conn
            cur = await conn.execute(
                """INSERT INTO broadcasts(forum_id, created_by, text, media_kind, media_file_id, audience, pin,
                                          status, scheduled_at, created_at, resend_of)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (forum_id, created_by, text, media_kind, media_file_id, audience.model_dump_json(), int(pin),
                 status, to_db(scheduled_at), to_db(now), resend_of),
            )
            broadcast_id = int(cur.lastrowid or 0)
            count = 0
            for person in recipients:
                body = render.get(person.language) or render["id"]
                count += await enqueue(
                    conn, key=member_key(broadcast_id, person.user_id), chat_id=person.user_id, text=body,
                    due_at=scheduled_at, now=now, priority=Priority.BULK, method=method, params=media,
                    forum_id=forum_id, member_user_id=person.user_id, broadcast_id=broadcast_id,
                )
            if audience.group and group_chat_id is not None:
                body = render.get(group_language) or render["id"]
                count += await enqueue(
                    conn, key=group_key(broadcast_id), chat_id=group_chat_id, text=body, due_at=scheduled_at,
                    now=now, priority=Priority.BULK, method=method, params={**media, "pin": pin},
                    thread_id=group_thread_id, forum_id=forum_id, broadcast_id=broadcast_id,
                )
            await conn.execute("UPDATE broadcasts SET recipients = ? WHERE id = ?", (count, broadcast_id))
            found = await BroadcastRepo(tx).get(broadcast_id)  # sees this unit's writes
            assert found is not None
            return found

    async def set_status_message(self, broadcast_id: int, chat_id: int, message_id: int) -> None:
        await self.db.execute(
            "UPDATE broadcasts SET status_chat_id = ?, status_message_id = ? WHERE id = ?",
            (chat_id, message_id, broadcast_id),
        )

    async def start_sending(self, broadcast_id: int) -> bool:
        """A scheduled broadcast's time came; False when it was cancelled meanwhile."""
        async with joined(self.db) as tx:
            conn = tx.conn
            cur = await conn.execute(
                "UPDATE broadcasts SET status = 'sending' WHERE id = ? AND status = 'scheduled'", (broadcast_id,)
            )
            return cur.rowcount == 1

    async def touch_progress(self, broadcast_id: int, now: datetime) -> None:
        await self.db.execute("UPDATE broadcasts SET progress_at = ? WHERE id = ?", (to_db(now), broadcast_id))

    async def finish(self, broadcast_id: int, now: datetime) -> bool:
        """Sending is over (everything answered); False when someone else finished it first."""
        async with joined(self.db) as tx:
            conn = tx.conn
            cur = await conn.execute(
                "UPDATE broadcasts SET status = 'done', finished_at = ? WHERE id = ? AND status = 'sending'",
                (to_db(now), broadcast_id),
            )
            return cur.rowcount == 1

    async def report_queued(self, broadcast_id: int, now: datetime) -> bool:
        """Mark the report as queued (in the unit that queues it); False if it already was."""
        async with joined(self.db) as tx:
            conn = tx.conn
            cur = await conn.execute(
                "UPDATE broadcasts SET reported_at = ? WHERE id = ? AND reported_at IS NULL",
                (to_db(now), broadcast_id),
            )
            return cur.rowcount == 1

    async def stop(self, broadcast_id: int, now: datetime) -> int:
        """Hentikan: cancel what has not gone out yet; returns how many pushes were cancelled."""
        async with joined(self.db) as tx:
            conn = tx.conn
            cur = await conn.execute(
                "UPDATE outbox SET status = 'cancelled' WHERE broadcast_id = ? AND status = 'pending'",
                (broadcast_id,),
            )
            await conn.execute(
                "UPDATE broadcasts SET status = 'stopped', finished_at = ? WHERE id = ? "
                "AND status IN ('sending', 'scheduled')",
                (to_db(now), broadcast_id),
            )
            return cur.rowcount

    async def cancel_scheduled(self, broadcast_id: int, now: datetime) -> bool:
        """Cancel a scheduled broadcast before it starts; False when it already started or ended."""
        async with joined(self.db) as tx:
            conn = tx.conn
            cur = await conn.execute(
                "UPDATE broadcasts SET status = 'cancelled', finished_at = ? WHERE id = ? AND status = 'scheduled'",
                (to_db(now), broadcast_id),
            )
            if cur.rowcount != 1:
                return False
            await conn.execute(
                "UPDATE outbox SET status = 'cancelled' WHERE broadcast_id = ? AND status = 'pending'",
                (broadcast_id,),
            )
            return True

    # -- reading ---------------------------------------------------------------------------
    async def get(self, broadcast_id: int) -> Broadcast | None:
        row = await self.db.fetchone("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
        return _broadcast(row) if row else None

    async def of_forum(self, forum_id: int, *, limit: int = 10) -> list[Broadcast]:
        rows = await self.db.fetchall(
            "SELECT * FROM broadcasts WHERE forum_id = ? ORDER BY scheduled_at DESC, id DESC LIMIT ?",
            (forum_id, limit),
        )
        return [_broadcast(r) for r in rows]

    async def needing_attention(self, now: datetime) -> list[Broadcast]:
        """Broadcasts whose progress message or report may need work: sending, or due to start."""
        rows = await self.db.fetchall(
            "SELECT * FROM broadcasts WHERE status = 'sending' OR (status = 'scheduled' AND scheduled_at <= ?) "
            "OR (status IN ('done', 'stopped') AND reported_at IS NULL) ORDER BY id",
            (to_db(now),),
        )
        return [_broadcast(r) for r in rows]

    async def progress(self, broadcast_id: int) -> Progress:
        rows = await self.db.fetchall(
            "SELECT status, count(*) AS n, sum(maybe_sent) AS maybe FROM outbox WHERE broadcast_id = ? "
            "GROUP BY status", (broadcast_id,)
        )
        counts = {r["status"]: r["n"] for r in rows}
        maybe = sum(int(r["maybe"] or 0) for r in rows if r["status"] == "sent")
        pruned = await self.db.fetchval("SELECT sent FROM outbox_pruned_counts WHERE broadcast_id = ?",
                                        (broadcast_id,))  # sent rows removed by retention
        return Progress(sent=counts.get("sent", 0) + int(pruned or 0), failed=counts.get("failed", 0),
                        waiting=counts.get("pending", 0) + counts.get("sending", 0),
                        cancelled=counts.get("cancelled", 0), expired=counts.get("expired", 0),
                        possible_duplicates=maybe)

    async def not_delivered(self, broadcast_id: int) -> list[Failure]:
        """Failed, cancelled and expired recipients with name and village (members only see none of it)."""
        rows = await self.db.fetchall(
            """SELECT o.member_user_id, o.status, o.last_error, o.chat_id, m.full_name,
                      v.name AS village, kc.name AS kecamatan
               FROM outbox o
               LEFT JOIN members m ON m.user_id = o.member_user_id
               LEFT JOIN regions v ON v.code = m.village_code
               LEFT JOIN regions kc ON kc.code = substr(m.village_code, 1, 8)
               WHERE o.broadcast_id = ? AND o.status IN ('failed', 'cancelled', 'expired')
               ORDER BY coalesce(kc.name, '~'), coalesce(v.name, '~'), m.full_name""",
            (broadcast_id,),
        )
        out = []
        for r in rows:
            reason = (r["last_error"] or "") if r["status"] == "failed" else r["status"]
            out.append(Failure(user_id=r["member_user_id"], full_name=r["full_name"], village=r["village"],
                               kecamatan=r["kecamatan"], reason=reason,
                               unreachable=reason in UNREACHABLE_REASONS))
        return out

    async def failed_members(self, broadcast_id: int) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT member_user_id FROM outbox WHERE broadcast_id = ? AND status = 'failed' "
            "AND member_user_id IS NOT NULL ORDER BY member_user_id",
            (broadcast_id,),
        )
        return [r[0] for r in rows]
