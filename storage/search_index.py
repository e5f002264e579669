"""Keeps the post search index (posts_fts) built by the current bot.search_id.

posts_fts holds bot.search_id.index_text output, so when the stemmer changes what it writes
(INDEX_VERSION) the stored rows are stale: a query's readings would miss posts indexed the old
way. After start, a database whose recorded version differs is re-indexed in the background,
`batch` posts per short transaction (published posts only, as PostRepo indexes them), so a national
database (100,000 posts: about 80 s of work) never delays the first poll. Progress is recorded
after every batch, so a restart continues where it stopped; until the end a query may still miss
a post indexed the old way, never more than before. Then the new version is recorded.
"""

from __future__ import annotations

import asyncio
import logging

from bot.search_id import INDEX_VERSION
from storage.database import Database, Tx
from storage.posts import index_post

log = logging.getLogger(__name__)
NAME = "posts_search"
PROGRESS = "posts_search_progress"  # "<INDEX_VERSION>:<last post id re-indexed>"


async def recorded_version(db: Database) -> str | None:
    value = await db.fetchval("SELECT version FROM data_versions WHERE name = ?", (NAME,))
    return str(value) if value is not None else None


async def ensure_current(db: Database, *, batch: int = 500) -> int:
    """Re-index every published post when the index was built by another stemmer version;
    returns how many posts were re-indexed (0 when already current)."""
    if await recorded_version(db) == INDEX_VERSION:
        return 0
    progress = await db.fetchval("SELECT version FROM data_versions WHERE name = ?", (PROGRESS,))
    version, _, last = str(progress or "").partition(":")
    after = int(last) if version == INDEX_VERSION and last.isdigit() else 0
    total = 0
    while True:
        async with db.transaction() as conn:
            async with conn.execute(
                    """SELECT id, forum_id, title, story, bidang, kind, status FROM posts
                       WHERE id > ? ORDER BY id LIMIT ?""", (after, batch)) as cur:
                posts = list(await cur.fetchall())
            if not posts:
                await _record(conn, NAME, INDEX_VERSION)
                await conn.execute("DELETE FROM data_versions WHERE name = ?", (PROGRESS,))
                break
            for post_id, forum_id, title, story, bidang, kind, status in posts:
                if status == "published":
                    await index_post(Tx(conn), post_id, forum_id, title, story, bidang, kind)
                    total += 1
                else:  # a row left from an older index for a post that is no longer shown
                    await conn.execute("DELETE FROM posts_fts WHERE rowid = ?", (post_id,))
            after = int(posts[-1][0])
            await _record(conn, PROGRESS, f"{INDEX_VERSION}:{after}")
        await asyncio.sleep(0)  # let replies and sends through between batches
    log.info("event=posts_reindexed posts=%d version=%s", total, INDEX_VERSION)
    return total


async def _record(conn: object, name: str, version: str) -> None:
    await conn.execute(  # type: ignore[attr-defined]
        "INSERT INTO data_versions(name, version, updated_at) VALUES (?, ?, datetime('now')) "
        "ON CONFLICT(name) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at",
        (name, version))
