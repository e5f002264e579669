"""A database indexed by an older stemmer is re-indexed once, on start, by the current one."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.search_id import INDEX_VERSION
from storage import search_index
from storage.database import Database, Tx
from storage.forums import ForumRepo
from storage.members import MemberRepo
from storage.posts import PostRepo
from tests.conftest import SIDASARI_CIPARI

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


async def _ids(repo: PostRepo, forum_id: int, query: str) -> list[int]:
    return [p.id for p in await repo.search([forum_id], query, limit=20)]


async def test_posts_indexed_by_the_old_stemmer_are_reindexed(db: Database) -> None:
    repo = PostRepo(db)
    async with db.transaction() as conn:
        await MemberRepo(db).upsert(conn, user_id=1, full_name="Kades 1", jabatan="kades",
                                    village_code=SIDASARI_CIPARI, language="id", now=NOW)
        forum_id = await ForumRepo(db).create(conn, name="Forum A", scope_code="33.01.18",
                                              timezone="Asia/Jakarta", created_by=1, now=NOW)
        published = await PostRepo(Tx(conn)).create(forum_id=forum_id, author_user_id=1, village_code=None,
                                      title="Tim yang dibentuk warga", bidang="air", kind="berhasil",
                                      story="Bendungan kecil untuk sawah.", now=NOW)
        hidden = await PostRepo(Tx(conn)).create(forum_id=forum_id, author_user_id=1, village_code=None,
                                   title="Dibentuk lagi", bidang="air", kind="berhasil", story="Draf.",
                                   now=NOW, status="hidden")
    # What the rules-only stemmer wrote (its over-cuts, not the roots), before versions were recorded.
    await db.execute("UPDATE posts_fts SET title = 'tim dibentuk warga ntuk', body = 'bendungan kecil sawah "
                     "ndung ndungan' WHERE rowid = ?", (published,))
    await db.execute("DELETE FROM data_versions WHERE name = 'posts_search'")
    assert await _ids(repo, forum_id, "bentuk") == []
    assert await _ids(repo, forum_id, "pembentukan") == []

    assert await search_index.ensure_current(db) == 1

    assert await _ids(repo, forum_id, "bentuk") == [published]
    assert await _ids(repo, forum_id, "pembentukan") == [published]
    assert await _ids(repo, forum_id, "bendung") == [published]
    assert hidden not in await _ids(repo, forum_id, "dibentuk")
    assert await db.fetchval("SELECT count(*) FROM posts_fts") == 1
    assert await search_index.recorded_version(db) == INDEX_VERSION
    assert await search_index.ensure_current(db) == 0  # once


async def test_reindex_goes_in_batches_and_resumes_after_a_stop(db: Database) -> None:
    repo = PostRepo(db)
    async with db.transaction() as conn:
        await MemberRepo(db).upsert(conn, user_id=1, full_name="Kades 1", jabatan="kades",
                                    village_code=SIDASARI_CIPARI, language="id", now=NOW)
        forum_id = await ForumRepo(db).create(conn, name="Forum A", scope_code="33.01.18",
                                              timezone="Asia/Jakarta", created_by=1, now=NOW)
        ids = [await PostRepo(Tx(conn)).create(forum_id=forum_id, author_user_id=1, village_code=None,
                                 title=f"Tim yang dibentuk warga {i}", bidang="air", kind="berhasil",
                                 story="Cerita.", now=NOW) for i in range(3)]
    await db.execute("UPDATE posts_fts SET title = 'tim dibentuk warga ntuk'")
    await db.execute("DELETE FROM data_versions WHERE name = 'posts_search'")
    # A start that stopped after the first post: progress says so, the version is not recorded yet.
    await db.execute("INSERT INTO data_versions(name, version, updated_at) VALUES (?, ?, datetime('now'))",
                     (search_index.PROGRESS, f"{INDEX_VERSION}:{ids[0]}"))
    assert await search_index.ensure_current(db, batch=1) == 2  # continues after ids[0]
    assert sorted(await _ids(repo, forum_id, "bentuk")) == ids[1:]
    assert await search_index.recorded_version(db) == INDEX_VERSION
    assert await db.fetchval("SELECT count(*) FROM data_versions WHERE name = ?", (search_index.PROGRESS,)) == 0
