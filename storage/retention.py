"""Retention: sent outbox rows older than a configurable age are pruned in small batches.

A pruned row leaves two things behind: its idempotency key (`outbox_pruned_keys`, for
`KEEP_KEYS`, so a planner running again never re-sends it) and, for a broadcast, the count of
its sent messages (`outbox_pruned_counts`, so delivery reports keep their numbers). Rows sent to
groups are kept: features look up their message ids to edit them or to map replies.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.database import Database
from storage.timeutil import to_db

log = logging.getLogger(__name__)

# Longer than any planner's window for one key (agreement expiry warnings: 60 days).
KEEP_KEYS = timedelta(days=120)


@dataclass
class Pruned:
    outbox: int = 0
    keys: int = 0


async def prune(db: Database, now: datetime, *, older_than: timedelta, batch: int = 1000,
                max_batches: int = 200) -> Pruned:
    """Delete sent private-chat rows whose `sent_at` is older than `older_than`, `batch` at a time.

    Each batch is its own short write transaction, with a yield in between, so replies and
    sends are never held up for long; the next pass continues where this one stopped.
    """
    cutoff = to_db(now - older_than)
    done = Pruned()
    for _ in range(max_batches):
        async with db.transaction() as conn:
            rows = list(await conn.execute_fetchall(
                """SELECT id, idem_key, broadcast_id FROM outbox
                   WHERE status = 'sent' AND sent_at < ? AND chat_id > 0 ORDER BY sent_at LIMIT ?""",
                (cutoff, batch)))
            if not rows:
                break
            stamp = to_db(now)
            await conn.executemany(
                "INSERT OR IGNORE INTO outbox_pruned_keys(idem_key, pruned_at) VALUES (?, ?)",
                [(r[1], stamp) for r in rows])
            counts: dict[int, int] = {}
            for r in rows:
                if r[2] is not None:
                    counts[int(r[2])] = counts.get(int(r[2]), 0) + 1
            await conn.executemany(
                """INSERT INTO outbox_pruned_counts(broadcast_id, sent) VALUES (?, ?)
                   ON CONFLICT(broadcast_id) DO UPDATE SET sent = sent + excluded.sent""",
                list(counts.items()))
            await conn.executemany("DELETE FROM outbox WHERE id = ?", [(r[0],) for r in rows])
        done.outbox += len(rows)
        await asyncio.sleep(0)
    async with db.transaction() as conn:
        cur = await conn.execute("DELETE FROM outbox_pruned_keys WHERE pruned_at < ?", (to_db(now - KEEP_KEYS),))
        done.keys = cur.rowcount
    # Handled inbox rows are pruned by the intake itself (`inbox.keep_days`, InboxRepo.prune).
    if done.outbox or done.keys:
        await incremental_vacuum(db)
        log.info("event=retention outbox=%d keys=%d", done.outbox, done.keys)
    return done


async def incremental_vacuum(db: Database, pages: int = 20000) -> None:
    """Give free pages back to the file system when the file was created with auto_vacuum=INCREMENTAL
    (new databases are); an older file reuses them for new rows instead."""
    await db.incremental_vacuum(pages)
