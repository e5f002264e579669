"""Benchmark: /cari over 100,000 generated Indonesian posts (FTS5 + bot.search_id).

    /work/venv/bin/python bench/search.py [--posts 100000] [--forums 50] [--runs 200]

Posts are built from the sentences of the seed articles in /work/shared/seeds/ (real
Indonesian on the project's subject), plus a village name per post (the rare words).
The posts are spread over `--forums` forums. We time what /cari does in the database:
saving the search row and fetching the first page (PAGE_SIZE + 1 rows, ranked), for
  - a member of 2 forums (a pendamping; about 2/50 of the posts), and
  - a member of every forum (the worst case: all 100,000 posts in scope),
with common words, rare words, multi-word queries and a bidang filter. Prints p50/p95/max
per group and fails (exit 1) when a p95 is over 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.search_id import content_words
from storage.database import Database, Tx
from storage.posts import PostRepo

SEEDS = Path("/work/shared/seeds")
BIDANG = ("tani", "ikan", "ternak", "wisata", "umkm", "didik", "sehat", "air", "jalan", "energi", "lingk",
          "aman", "layan", "puan", "budaya", "digital")
VILLAGES = ("Sidasari", "Mekarsari", "Bhuana Jaya", "Karangreja", "Tambakreja", "Bangunreja", "Sukamaju",
            "Cipari", "Kedungreja", "Gunungsari", "Wanasari", "Sidamulya", "Karanganyar", "Mulyadadi")
START = datetime(2025, 1, 1, tzinfo=UTC)
KINDS = ("berhasil", "gagal", "pelajaran", "pertanyaan")  # bot.posts.KINDS
PAGE_SIZE = 5  # bot.posts.PAGE_SIZE


def sentences() -> list[str]:
    out: list[str] = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for piece in re.split(r"(?<=[.!?])\s+|\n+", text):
            piece = piece.strip()
            if len(piece.split()) >= 5:
                out.append(piece)
    return out


def rare_names(rng: random.Random, n: int) -> list[str]:
    """Made-up but Indonesian-looking village names: each appears in only a few posts."""
    heads = ("Sida", "Karang", "Tambak", "Mekar", "Suka", "Wana", "Gunung", "Kali", "Banjar", "Tegal", "Sumber",
             "Rejo", "Mulya", "Jati", "Harja", "Purwa", "Cinta", "Margo", "Lemah", "Pasir")
    tails = ("sari", "reja", "mulya", "jaya", "wangi", "agung", "asri", "makmur", "rahayu", "luhur", "mekar",
             "kerta", "dadi", "tengah", "kidul", "lor", "wetan", "kulon", "baru", "indah")
    return [f"{rng.choice(heads)}{rng.choice(tails)}{rng.randrange(10, 99)}" for _ in range(n)]


async def build(db: Database, n_posts: int, n_forums: int, rng: random.Random) -> tuple[list[str], list[str]]:
    sents = sentences()
    names = rare_names(rng, n_posts // 3)
    now = START
    async with db.transaction() as conn:
        await conn.execute("INSERT OR IGNORE INTO regions(code, level, name) VALUES ('33', 1, 'Jawa Tengah')")
        for f in range(1, n_forums + 1):
            await conn.execute(
                "INSERT INTO forums(id, name, scope_code, timezone, created_by, created_at) VALUES (?, ?, '33', "
                "'Asia/Jakarta', 1, ?)", (f, f"Forum {f}", now.isoformat()))
        for u in range(1, n_forums * 20 + 1):
            await conn.execute(
                "INSERT INTO members(user_id, full_name, jabatan, language, created_at, updated_at) "
                "VALUES (?, ?, 'kades', 'id', ?, ?)", (u, f"Kades {u}", now.isoformat(), now.isoformat()))
    batch = 5000
    made = 0
    used_rare: list[str] = []
    while made < n_posts:
        async with db.transaction() as conn:
            for _ in range(min(batch, n_posts - made)):
                forum = rng.randrange(1, n_forums + 1)
                author = (forum - 1) * 20 + rng.randrange(1, 21)
                title_words = rng.choice(sents).split()
                start = rng.randrange(0, max(1, len(title_words) - 6))
                title = " ".join(title_words[start:start + rng.randrange(4, 9)]).strip(".,;:")[:120] or "Cerita"
                rare = rng.choice(names)
                used_rare.append(rare)
                body = " ".join(rng.choice(sents) for _ in range(rng.randrange(3, 8)))
                story = f"Pengalaman Desa {rng.choice(VILLAGES)} bersama Desa {rare}. {body}"
                now += timedelta(minutes=5)
                await PostRepo(Tx(conn)).create(forum_id=forum, author_user_id=author, village_code=None, title=title,
                                  bidang=rng.choice(BIDANG), kind=rng.choice(KINDS), story=story, now=now)
                made += 1
        print(f"  built {made:,} posts", end="\r", flush=True)
    print()
    await db.execute("INSERT INTO posts_fts(posts_fts) VALUES ('optimize')")
    return common_words(sents), rng.sample(used_rare, 40)


def common_words(sents: list[str]) -> list[str]:
    counts: dict[str, int] = {}
    for s in sents:
        for w in set(content_words(s)):
            counts[w] = counts.get(w, 0) + 1
    return [w for w, _ in sorted(counts.items(), key=lambda kv: -kv[1])[:12] if len(w) > 3]


def vocabulary(rng: random.Random, rows: list[Any]) -> tuple[list[str], list[str]]:
    """Common and rare words of an existing benchmark database."""
    rare = [m.group(1) for r in rows if (m := re.search(r"bersama Desa (\w+)\.", r[0]))]
    return common_words(sentences()), rare[:40]


async def timed(repo: PostRepo, forums: list[int], query: str, **kw: str) -> tuple[float, int]:
    t0 = time.perf_counter()
    await repo.save_search(1, query, None, START)
    found = await repo.search(forums, query, limit=PAGE_SIZE + 1, **kw)
    return (time.perf_counter() - t0) * 1000, len(found)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--forums", type=int, default=50)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--db", type=Path, default=None, help="keep the database here (reused when it exists)")
    args = parser.parse_args()
    rng = random.Random(20261124)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "bench.sqlite3"
        db = Database(path)
        await db.open()
        t0 = time.perf_counter()
        if await db.fetchval("SELECT count(*) FROM posts") and args.db:
            print("reusing", path)
            common, rare = vocabulary(rng, await db.fetchall("SELECT story FROM posts ORDER BY random() LIMIT 200"))
        else:
            common, rare = await build(db, args.posts, args.forums, rng)
        print(f"built {args.posts:,} posts in {args.forums} forums in {time.perf_counter() - t0:.1f} s; "
              f"database {path.stat().st_size / 1e6:.0f} MB")
        repo = PostRepo(db)
        everyone = list(range(1, args.forums + 1))
        pendamping = [3, 17]
        multi = [f"{a} {b}" for a, b in zip(common[::2], common[1::2], strict=False)]
        affix = ["pertanian", "bertani", "pemberdayaan", "pengelolaan", "kerjasama", "pembangunan"]
        groups = {
            "common word, 2 forums": (pendamping, common, {}),
            "rare word, 2 forums": (pendamping, rare, {}),
            "two common words, 2 forums": (pendamping, multi, {}),
            "affixed words, 2 forums": (pendamping, affix, {}),
            "common word + bidang, 2 forums": (pendamping, common, {"bidang": "tani"}),
            "common word, all 50 forums (100%)": (everyone, common, {}),
            "rare word, all 50 forums": (everyone, rare, {}),
            "two common words, all forums": (everyone, multi, {}),
            "common word + kind, all forums": (everyone, common, {"kind": "gagal"}),
        }
        print(f"common words: {', '.join(common[:8])}, ...; rare words e.g. {', '.join(rare[:3])}")
        print(f"{'query group':40} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'hits/page':>10}")
        worst = 0.0
        for label, (forums, words, kw) in groups.items():
            for w in words[:3]:  # warm the page cache like a running bot
                await timed(repo, forums, w, **kw)
            times, hits = [], []
            for i in range(args.runs):
                ms, n = await timed(repo, forums, words[i % len(words)], **kw)
                times.append(ms)
                hits.append(n)
            p95 = pct(times, 95)
            worst = max(worst, p95)
            print(f"{label:40} {statistics.median(times):8.2f} {p95:8.2f} {max(times):8.2f} "
                  f"{statistics.mean(hits):10.1f}")
        await db.close()
    print(f"worst p95: {worst:.2f} ms (target <= 50 ms): {'OK' if worst <= 50 else 'TOO SLOW'}")
    return 0 if worst <= 50 else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
