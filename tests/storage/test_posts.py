"""PostRepo on real SQLite: Indonesian full-text search, forum isolation, thanks, comments, periods."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FixedClock
from bot.config import load_settings
from bot.services import Services
from storage.database import Database, Tx
from storage.directory import DirectoryRepo, register_search_source
from storage.forums import ForumRepo
from storage.members import MemberRepo
from storage.posts import PostRepo, village_hits
from tests.conftest import SIDASARI_CIPARI, seed_forum

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


async def _forum(db: Database, koordinator: int, name: str) -> int:
    members, forums = MemberRepo(db), ForumRepo(db)
    async with db.transaction() as conn:
        await members.upsert(conn, user_id=koordinator, full_name=f"Kades {koordinator}", jabatan="kades",
                             village_code=SIDASARI_CIPARI, language="id", now=NOW)
        forum_id = await forums.create(conn, name=name, scope_code="33.01.18", timezone="Asia/Jakarta",
                                       created_by=koordinator, now=NOW)
        await members.add_membership(conn, forum_id=forum_id, user_id=koordinator, role="koordinator",
                                     status="active", now=NOW, decided_by=koordinator)
    return forum_id


@pytest.fixture
async def repo(db: Database) -> PostRepo:
    return PostRepo(db)


async def _post(repo: PostRepo, forum_id: int, title: str, story: str, *, bidang: str = "tani",
                kind: str = "berhasil", at: datetime = NOW, author: int = 1) -> int:
    async with repo.db.transaction() as conn:
        return await PostRepo(Tx(conn)).create(forum_id=forum_id, author_user_id=author, village_code=SIDASARI_CIPARI,
                                 title=title, bidang=bidang, kind=kind, story=story, now=at)


async def _ids(repo: PostRepo, forums: list[int], query: str, **kw: str) -> list[int]:
    return [p.id for p in await repo.search(forums, query, limit=20, **kw)]


async def test_indonesian_affixes_find_each_other(db: Database, repo: PostRepo) -> None:
    f = await _forum(db, 1, "Forum A")
    p1 = await _post(repo, f, "Pertanian organik di Sidasari", "Kami mengurangi pupuk kimia sejak tahun lalu.")
    p2 = await _post(repo, f, "Warga mulai bertani jamur", "Kelompok tani muda memanfaatkan gudang desa.")
    p3 = await _post(repo, f, "Jalan desa rusak", "Perbaikan jalan lambat karena anggaran terlambat.", bidang="jalan")
    for query in ("pertanian", "bertani", "tani", "petani", "PERTANIAN", "pértanian"):
        found = await _ids(repo, [f], query)
        assert set(found) == {p1, p2}, (query, found)
    assert await _ids(repo, [f], "pertan") == [p1]  # prefix of the word itself
    assert p3 not in await _ids(repo, [f], "tani")
    assert await _ids(repo, [f], "pupuk kimia") == [p1]  # every word must match
    assert await _ids(repo, [f], "pupuk jalan") == []


async def test_stop_words_only_and_garbage_queries_find_nothing(db: Database, repo: PostRepo) -> None:
    f = await _forum(db, 1, "Forum A")
    await _post(repo, f, "Yang dan di untuk desa", "Cerita tentang yang dan dengan untuk semua.")
    assert await repo.search([f], "yang dan di") == []
    assert await repo.search([f], '"*) OR NEAR(') == []
    assert await repo.search([f], "desa") != []


async def test_forum_isolation_inside_the_index(db: Database, repo: PostRepo) -> None:
    a = await _forum(db, 1, "Forum A")
    b = await _forum(db, 2, "Forum B")
    pa = await _post(repo, a, "Irigasi tetes berhasil", "Air cukup untuk sawah kering.", author=1)
    pb = await _post(repo, b, "Irigasi gagal total", "Pompa rusak di musim kemarau.", author=2)
    assert await _ids(repo, [a], "irigasi") == [pa]
    assert await _ids(repo, [b], "irigasi") == [pb]
    assert set(await _ids(repo, [a, b], "irigasi")) == {pa, pb}
    assert await _ids(repo, [], "irigasi") == []
    assert [p.id for p in await repo.newest([a])] == [pa]


async def test_ranking_title_first_then_newest(db: Database, repo: PostRepo) -> None:
    f = await _forum(db, 1, "Forum A")
    body_old = await _post(repo, f, "Cerita panen", "Kami memakai kompos dari sampah pasar.", at=NOW)
    title = await _post(repo, f, "Kompos sampah pasar", "Cerita lengkap tentang pengolahan.",
                        at=NOW + timedelta(hours=1))
    body_new = await _post(repo, f, "Cerita panen lagi", "Kami memakai kompos dari sampah pasar.",
                           at=NOW + timedelta(hours=2))
    assert await _ids(repo, [f], "kompos") == [title, body_new, body_old]


async def test_filters_and_status(db: Database, repo: PostRepo) -> None:
    f = await _forum(db, 1, "Forum A")
    p1 = await _post(repo, f, "Sampah plastik jadi paving", "Bank sampah desa berjalan baik.", bidang="lingk")
    p2 = await _post(repo, f, "Bank sampah bubar", "Pengurus bank sampah berhenti.", bidang="lingk", kind="gagal")
    p3 = await _post(repo, f, "Wisata sungai bersih dari sampah", "Sampah diangkut tiap pekan.", bidang="wisata")
    assert set(await _ids(repo, [f], "sampah")) == {p1, p2, p3}
    assert set(await _ids(repo, [f], "sampah", bidang="lingk")) == {p1, p2}
    assert await _ids(repo, [f], "sampah", bidang="lingk", kind="gagal") == [p2]
    assert [p.id for p in await repo.newest([f], kind="gagal")] == [p2]
    async with db.transaction() as conn:
        assert await PostRepo(Tx(conn)).set_status(p1, "withdrawn", NOW)
        assert not await PostRepo(Tx(conn)).set_status(p1, "hidden", NOW)  # no longer published
    assert set(await _ids(repo, [f], "sampah")) == {p2, p3}
    post = await repo.get(p2)
    assert post is not None
    async with db.transaction() as conn:
        await PostRepo(Tx(conn)).update_content(post, NOW, title="Bank sampah bangkit lagi", story="Pengurus baru, kas sehat.")
    assert await _ids(repo, [f], "bangkit") == [p2]
    assert await _ids(repo, [f], "berhenti") == []


async def test_thanks_once_bookmarks_and_comments(db: Database, repo: PostRepo) -> None:
    f = await _forum(db, 1, "Forum A")
    p = await _post(repo, f, "Posyandu keliling", "Kader posyandu datang ke dusun terjauh.", bidang="sehat")
    assert await repo.thank(p, 7, NOW) == (True, 1)
    assert await repo.thank(p, 7, NOW) == (False, 1)
    assert await repo.thank(p, 8, NOW) == (True, 2)
    assert await repo.toggle_bookmark(p, 7, NOW) is True
    assert [x.id for x in await repo.bookmarks(7, [f])] == [p]
    assert await repo.toggle_bookmark(p, 7, NOW) is False
    assert await repo.bookmarks(7, [f]) == []
    async with db.transaction() as conn:
        first = await PostRepo(Tx(conn)).add_comment(post_id=p, user_id=1, text="Bagus", source="group", now=NOW,
                                       chat_id=-100, message_id=5)
        again = await PostRepo(Tx(conn)).add_comment(post_id=p, user_id=1, text="Bagus", source="group", now=NOW,
                                       chat_id=-100, message_id=5)
        private = await PostRepo(Tx(conn)).add_comment(post_id=p, user_id=1, text="Lanjut", source="private", now=NOW)
    assert first and private and again is None
    post = await repo.get(p)
    assert post is not None and post.comments_count == 2 and post.thanks_count == 2
    assert [c.text for c in await repo.comments(p)] == ["Bagus", "Lanjut"]


async def test_posts_in_period_and_most_thanked(db: Database, repo: PostRepo) -> None:
    f = await _forum(db, 1, "Forum A")
    old = await _post(repo, f, "Cerita lama sekali", "Ini cerita dari bulan lalu.", at=NOW - timedelta(days=30))
    new = await _post(repo, f, "Cerita minggu ini", "Ini cerita dari minggu ini.", at=NOW - timedelta(days=2))
    await repo.thank(old, 5, NOW - timedelta(days=1))
    await repo.thank(old, 6, NOW - timedelta(days=1))
    await repo.thank(new, 5, NOW - timedelta(days=1))
    week = [p.id for p in await repo.in_period(f, NOW - timedelta(days=7), NOW)]
    assert week == [new]
    top = await repo.most_thanked(f, NOW - timedelta(days=7), NOW)
    assert [(p.id, n) for p, n in top] == [(old, 2), (new, 1)]


async def test_directory_finds_villages_through_their_posts(db: Database, clock: FixedClock) -> None:
    services = Services.build(load_settings(environ={}), db, clock)
    forum_id = await seed_forum(services, koordinator=1001, members={
        1001: ("Budi", "33.01.18.2011"), 1002: ("Sri", "33.01.18.2001")})
    async with db.transaction() as conn:
        await PostRepo(Tx(conn)).create(forum_id=forum_id, author_user_id=1002, village_code="33.01.18.2001",
                          title="Bank sampah dusun", bidang="lingkungan", kind="berhasil",
                          story="Kami mengelola bank sampah bersama ibu-ibu PKK.", now=clock.now())
    register_search_source(village_hits)
    results = await DirectoryRepo(db).search(1001, "bank sampah")
    assert [r.entry.village.code for r in results] == ["33.01.18.2001"]
