from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage.broadcasts import BroadcastRepo
from storage.database import Database
from storage.outbox import OutboxRepo, enqueue
from storage.retention import KEEP_KEYS, prune
from storage.timeutil import to_db

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


async def _sent(db: Database, key: str, chat_id: int, sent_at: datetime, broadcast_id: int | None = None) -> None:
    async with db.transaction() as conn:
        await enqueue(conn, key=key, chat_id=chat_id, text="Halo", due_at=sent_at, now=sent_at,
                      broadcast_id=broadcast_id)
        await conn.execute("UPDATE outbox SET status = 'sent', sent_at = ?, message_id = 1 WHERE idem_key = ?",
                           (to_db(sent_at), key))


async def test_old_sent_private_rows_are_pruned_keeping_keys_and_broadcast_counts(db: Database) -> None:
    old, recent = NOW - timedelta(days=31), NOW - timedelta(days=29)
    for uid in range(1, 6):
        await _sent(db, f"bc:7:u{uid}", uid, old, broadcast_id=7)
    await _sent(db, "bc:7:u6", 6, recent, broadcast_id=7)
    await _sent(db, "group:post", -100, old)  # group messages are looked up later: kept
    async with db.transaction() as conn:  # an old failure stays for the delivery report
        await enqueue(conn, key="bc:7:u9", chat_id=9, text="Halo", due_at=old, now=old, broadcast_id=7)
        await conn.execute("UPDATE outbox SET status = 'failed' WHERE idem_key = 'bc:7:u9'")
    before = await BroadcastRepo(db).progress(7)

    done = await prune(db, NOW, older_than=timedelta(days=30), batch=2)

    assert done.outbox == 5
    assert await OutboxRepo(db).counts() == {"sent": 2, "failed": 1}
    assert await OutboxRepo(db).by_key("group:post") is not None
    assert await BroadcastRepo(db).progress(7) == before
    async with db.transaction() as conn:  # a planner queueing a pruned key again sends nothing
        assert not await enqueue(conn, key="bc:7:u1", chat_id=1, text="Halo", due_at=NOW, now=NOW)
        assert await enqueue(conn, key="bc:8:u1", chat_id=1, text="Halo", due_at=NOW, now=NOW)
    assert await OutboxRepo(db).by_key("bc:7:u1") is None

    # Kept keys go after KEEP_KEYS; a second pass finds nothing more to prune.
    later = await prune(db, NOW + KEEP_KEYS + timedelta(days=1), older_than=timedelta(days=3650))
    assert later.keys == 5 and later.outbox == 0


async def test_new_database_gives_pages_back(tmp_path: Path) -> None:
    async with Database(tmp_path / "n.sqlite3") as db:
        assert await db.fetchval("PRAGMA auto_vacuum") == 2  # incremental
        for uid in range(1, 400):
            await _sent(db, f"k{uid}", uid, NOW - timedelta(days=40))
            await db.execute("UPDATE outbox SET payload = ? WHERE idem_key = ?", ("x" * 2000, f"k{uid}"))
        pages = await db.fetchval("PRAGMA page_count")
        await prune(db, NOW, older_than=timedelta(days=30))
        assert await db.fetchval("PRAGMA freelist_count") == 0
        assert await db.fetchval("PRAGMA page_count") < pages
