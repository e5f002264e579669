"""Directory search on real SQLite FTS5: a seeded directory of 300 villages across two forums."""

from __future__ import annotations

import random
from datetime import datetime

import pytest

from bot.clock import FixedClock
from storage.database import Database
from storage.directory import SEARCH_SOURCES, DirectoryRepo, Hit, register_search_source
from storage.forums import ForumRepo
from storage.members import MemberRepo

ME = 1
OUTSIDER = 999_999
FILLER = [
    ("Pengembangan jalan usaha tani dan irigasi tersier", "tani jalan"),
    ("Posyandu aktif dan kelas ibu hamil", "sehat puan"),
    ("Desa wisata alam curug dan homestay warga", "wisata budaya"),
    ("BUMDes unit simpan pinjam dan toko desa", "umkm"),
    ("Pelayanan administrasi kependudukan daring", "layan digital"),
    ("Budidaya ikan nila kolam terpal", "ikan"),
    ("Penggemukan sapi dan kambing", "ternak"),
    ("Sanggar tari dan gamelan anak muda", "budaya"),
    ("Pertanian padi sawah tadah hujan", "tani"),
    ("Pupuk cair dari limbah ternak", "ternak"),
]


async def seed(db: Database, now: datetime) -> dict[str, object]:
    """300 villages of Kab. Cilacap and Banyumas in forum A with profiles; one better village in forum B (not mine)."""
    codes = [r[0] for r in await db.fetchall(
        "SELECT code FROM regions WHERE level = 4 AND code LIKE '33.0%' ORDER BY code LIMIT 302")]
    assert len(codes) == 302
    forums, members = ForumRepo(db), MemberRepo(db)
    async with db.transaction() as conn:
        forum_a = await forums.create(conn, name="Forum A", scope_code="33.01", timezone="Asia/Jakarta",
                                      created_by=ME, now=now)
        forum_b = await forums.create(conn, name="Forum B", scope_code="33.01", timezone="Asia/Jakarta",
                                      created_by=OUTSIDER, now=now)
        for index, code in enumerate(codes[:301]):
            uid = ME if index == 0 else 1000 + index
            await members.upsert(conn, user_id=uid, full_name=f"Kades {index}", jabatan="kades", village_code=code,
                                 language="id", now=now)
            await members.add_membership(conn, forum_id=forum_a, user_id=uid,
                                         role="koordinator" if uid == ME else "anggota", status="active", now=now)
        await members.upsert(conn, user_id=OUTSIDER, full_name="Orang Luar", jabatan="kades",
                             village_code=codes[301], language="id", now=now)
        await members.add_membership(conn, forum_id=forum_b, user_id=OUTSIDER, role="koordinator",
                                     status="active", now=now)
    repo = DirectoryRepo(db)
    rng = random.Random(7)
    special = {
        codes[10]: ("Pertanian padi organik 40 ha dan pupuk kompos", "Sekolah lapang pertanian organik",
                    ["tani", "lingk"]),
        codes[20]: ("Kelompok bertani sayur", "Pasar tani mingguan", ["tani"]),
        codes[30]: ("Pupuk organik cair dari urin kambing", "", ["ternak"]),
        codes[40]: ("Pengelolaan sampah rumah tangga", "Bank sampah Berseri, 300 nasabah", ["lingk", "umkm"]),
        codes[50]: ("Air bersih perpipaan dan homestay", "Desa wisata air terjun", ["wisata", "air"]),
        codes[60]: ("Homestay", "Desa wisata", ["wisata"]),
        codes[301]: ("Pertanian organik terbaik se-Jawa", "Pertanian organik", ["tani"]),  # forum B only
        codes[0]: ("Pertanian organik di desa saya sendiri", "", ["tani"]),  # the asker's own village
    }
    for code in codes:
        if code in special:
            detail, programs, potensi = special[code]
        else:
            detail, tags = rng.choice(FILLER)
            programs, potensi = "", tags.split()
        await repo.save_profile(code, by=ME, now=now, potensi=potensi, detail=detail, programs=programs,
                                kebutuhan=["wisata", "air"] if code == codes[0] else [])
    return {"codes": codes, "forum_a": forum_a}


@pytest.fixture
async def seeded(db: Database, clock: FixedClock) -> dict[str, object]:
    return await seed(db, clock.now())


async def test_both_words_rank_above_one_word(db: Database, seeded: dict[str, object]) -> None:
    codes = seeded["codes"]
    assert isinstance(codes, list)
    results = await DirectoryRepo(db).search(ME, "pertanian organik", limit=10)
    assert results[0].entry.village.code == codes[10]  # matches both words, in tags and programmes
    assert results[0].matched == 2
    assert {r.entry.village.code for r in results[1:]}.isdisjoint({codes[0], codes[301]})
    assert all(r.matched <= 2 for r in results)
    assert [r.matched for r in results] == sorted((r.matched for r in results), reverse=True)
    # one-word matches follow: the organic-fertiliser village and farming villages
    later = [r.entry.village.code for r in results]
    assert codes[30] in later or len(results) == 10


async def test_own_village_and_other_forums_are_never_listed(db: Database, seeded: dict[str, object]) -> None:
    codes = seeded["codes"]
    assert isinstance(codes, list)
    found = {r.entry.village.code for r in await DirectoryRepo(db).search(ME, "pertanian organik", limit=400)}
    assert codes[0] not in found and codes[301] not in found
    outsider = await DirectoryRepo(db).search(OUTSIDER, "pertanian organik")
    assert outsider == []  # alone in forum B


async def test_stems_find_related_words(db: Database, seeded: dict[str, object]) -> None:
    codes = seeded["codes"]
    assert isinstance(codes, list)
    found = [r.entry.village.code for r in await DirectoryRepo(db).search(ME, "bertani", limit=400)]
    assert codes[10] in found and codes[20] in found  # "pertanian" and "bertani" share the stem "tani"
    results = await DirectoryRepo(db).search(ME, "bank sampah")
    assert results[0].entry.village.code == codes[40]
    assert results[0].profile is not None and "Bank sampah" in results[0].profile.programs


async def test_bidang_labels_are_searchable_in_both_languages(db: Database, seeded: dict[str, object]) -> None:
    codes = seeded["codes"]
    assert isinstance(codes, list)
    tourism = [r.entry.village.code for r in await DirectoryRepo(db).search(ME, "tourism", limit=400)]
    assert codes[50] in tourism and codes[60] in tourism
    clean_water = await DirectoryRepo(db).search(ME, "air bersih")
    assert clean_water[0].entry.village.code == codes[50]


async def test_garbage_queries_return_nothing(db: Database, seeded: dict[str, object]) -> None:
    repo = DirectoryRepo(db)
    assert await repo.search(ME, "") == []
    assert await repo.search(ME, "dan yang di") == []  # stop words only
    assert await repo.search(ME, '"*) OR NEAR(') == []  # FTS syntax is neutralised
    assert await repo.search(ME, "<b>zzzqqq</b>") == []


async def test_suggestions_match_needs_to_potensi(db: Database, seeded: dict[str, object]) -> None:
    codes = seeded["codes"]
    assert isinstance(codes, list)
    results = await DirectoryRepo(db).suggest(ME, ["wisata", "air"])
    assert results[0].entry.village.code == codes[50]  # covers both needs
    assert results[0].matched == 2
    assert all(r.matched >= 1 for r in results)
    assert codes[301] not in {r.entry.village.code for r in results}


async def test_profile_edits_reindex(db: Database, seeded: dict[str, object], clock: FixedClock) -> None:
    codes = seeded["codes"]
    assert isinstance(codes, list)
    repo = DirectoryRepo(db)
    await repo.save_profile(codes[40], by=ME, now=clock.now(), programs="Kebun kopi robusta")
    assert codes[40] not in {r.entry.village.code for r in await repo.search(ME, "bank sampah", limit=400)
                             if r.matched == 2}
    assert (await repo.search(ME, "kopi robusta"))[0].entry.village.code == codes[40]
    profile = await repo.profile(codes[40])
    assert profile is not None and profile.potensi == ("umkm", "lingk") and profile.detail.startswith("Pengelolaan")


async def test_another_source_can_be_added(db: Database, seeded: dict[str, object]) -> None:
    codes = seeded["codes"]
    assert isinstance(codes, list)

    async def fake_posts(db: Database, terms: list[str], villages: object) -> list[Hit]:
        return [Hit(codes[99], -50.0, 2, "post", "Cerita: gagal panen organik")] if "organik" in terms else []

    register_search_source(fake_posts)
    try:
        results = await DirectoryRepo(db).search(ME, "pertanian organik", limit=3)
        assert codes[99] in {r.entry.village.code for r in results}
        assert "post" in next(r for r in results if r.entry.village.code == codes[99]).sources
    finally:
        SEARCH_SOURCES.remove(fake_posts)
