"""Migration 0007 on a real older database: approved villages are taken from the profiles, and only
a village someone else approved counts as verified."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from storage.database import Database, load_migrations
from storage.members import MemberRepo

NOW = "2026-11-24T03:00:00+00:00"


async def test_upgrading_keeps_each_members_village_as_approved(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        for migration in load_migrations():
            if migration.version > 6:
                break
            conn.executescript(migration.sql)
            conn.execute(f"PRAGMA user_version={migration.version}")
        conn.executemany("INSERT INTO regions(code, level, name, parent) VALUES (?, 4, ?, NULL)",
                         [("33.01.18.2011", "Sidasari"), ("33.01.18.2001", "Caruy")])
        conn.execute("INSERT INTO forums(id, name, scope_code, timezone, created_by, created_at) "
                     "VALUES (1, 'Forum', '33.01.18.2011', 'Asia/Jakarta', 1001, ?)", (NOW,))
        conn.executemany("INSERT INTO members(user_id, full_name, jabatan, village_code, created_at, updated_at) "
                         "VALUES (?, ?, 'kades', ?, ?, ?)",
                         [(1001, "Budi", "33.01.18.2011", NOW, NOW), (1002, "Sri", "33.01.18.2001", NOW, NOW)])
        conn.executemany("INSERT INTO memberships(forum_id, user_id, role, status, requested_at, decided_by) "
                         "VALUES (1, ?, ?, 'active', ?, 1001)", [(1001, "koordinator", NOW), (1002, "anggota", NOW)])
    db = Database(path)
    await db.open()
    try:
        assert await db.schema_version() == len(load_migrations())
        repo = MemberRepo(db)
        budi, sri = await repo.membership(1, 1001), await repo.membership(1, 1002)
        assert budi is not None and budi.village_code == "33.01.18.2011" and not budi.village_verified  # self
        assert sri is not None and sri.village_code == "33.01.18.2001" and sri.village_verified
        assert await repo.verified_in("33.01.18.2001") == [1002]
    finally:
        await db.close()
