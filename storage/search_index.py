"""Keeps the post search index (posts_fts) built by the current bot.search_id.

posts_fts holds bot.search_id.index_text output, so when the stemmer changes what it writes
(INDEX_VERSION) the stored rows are stale: a query's readings would miss posts indexed the old
way. On start, a database whose recorded version differs is re-indexed in one transaction
(published posts only, as PostRepo indexes them) and the new version recorded.
"""

from __future__ import annotations

import logging

from bot.search_id import INDEX_VERSION
from storage.database import Database
from storage.posts import PostRepo

log = logging.getLogger(__name__)
NAME = "posts_search"


async def recorded_version(db: Database) -> str | None:
    value = await db.fetchval("SELECT version FROM data_versions WHERE name = ?", (NAME,))
    return str(value) if value is not None else None


async def ensure_current(db: Database) -> int:
    """Re-index every published post when the index was built by another stemmer version;
    returns how many posts were re-indexed (0 when already current)."""
    if await recorded_version(db) == INDEX_VERSION:
        return 0
    async with db.transaction() as conn:
        async with conn.execute(
                "SELECT id, forum_id, title, story, bidang, kind FROM posts WHERE status = 'published'") as cur:
            posts = list(await cur.fetchall())
        await conn.execute("DELETE FROM posts_fts")
        for post_id, forum_id, title, story, bidang, kind in posts:
            await PostRepo._index(conn, post_id, forum_id, title, story, bidang, kind)
        await conn.execute(
            "INSERT INTO data_versions(name, version, updated_at) VALUES (?, ?, datetime('now')) "
            "ON CONFLICT(name) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at",
            (NAME, INDEX_VERSION))
    log.info("event=posts_reindexed posts=%d version=%s", len(posts), INDEX_VERSION)
    return len(posts)
