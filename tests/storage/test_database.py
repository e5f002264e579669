from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage.database import Database, DatabaseError, load_migrations
from storage.regions import RegionRepo


async def test_migrations_apply_once_and_track_user_version(tmp_path: Path) -> None:
    db = Database(tmp_path / "a" / "kades.sqlite3")
    await db.open()
    assert (tmp_path / "a").is_dir()
    assert await db.schema_version() == len(load_migrations())
    assert await db.migrate() == []
    assert await db.fetchval("PRAGMA journal_mode") == "wal"
    assert await db.fetchval("PRAGMA foreign_keys") == 1
    await db.close()


async def test_a_newer_database_refuses_to_start(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version={len(load_migrations()) + 5}")
    db = Database(path)
    with pytest.raises(DatabaseError, match="newer than this kades-bot"):
        await db.open()
    await db.close()


async def test_failed_transaction_rolls_back(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO drafts(user_id, flow, step, data, updated_at) VALUES (1, 'f', 's', '{}', 'x')")
            raise RuntimeError("boom")
    assert await db.fetchval("SELECT count(*) FROM drafts") == 0


async def test_backup_is_a_consistent_copy_while_open(db: Database, tmp_path: Path) -> None:
    await db.execute("INSERT INTO drafts(user_id, flow, step, data, updated_at) VALUES (7, 'f', 's', '{}', 'x')")
    target = tmp_path / "backup" / "copy.sqlite3"
    await db.backup(target)
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT user_id FROM drafts").fetchall() == [(7,)]
        assert copy.execute("SELECT count(*) FROM regions").fetchone()[0] > 90_000
        assert copy.execute("PRAGMA user_version").fetchone()[0] == len(load_migrations())


async def test_registry_search(db: Database) -> None:
    regions = RegionRepo(db)
    assert await regions.ensure_loaded() == 0  # already loaded in the template
    both = await regions.search("sidasari")
    assert {r.kecamatan for r in both} == {"Cipari", "Sampang"}
    narrowed = await regions.search("desa sidasari cipari")
    assert [r.code for r in narrowed] == ["33.01.18.2011"]
    assert narrowed[0].kabupaten == "Kabupaten Cilacap" and narrowed[0].provinsi == "Jawa Tengah"
    assert [r.name for r in await regions.search("33.01.18.2011")] == ["Sidasari"]
    assert await regions.search("ab") == []
    assert await regions.search("'; DROP TABLE regions; --") == []
    assert await regions.count() > 90_000
    kecamatan = await regions.search("cipari", levels=(3,))
    assert [r.code for r in kecamatan] == ["33.01.18"]
    scoped = await regions.search("sidasari", within="33.01.17")
    assert [r.kecamatan for r in scoped] == ["Sampang"]
