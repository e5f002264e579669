"""Benchmark: the posts use cases' write path (bot/posts/service.py) on a populated database.

    python bench/posts.py [--posts 20000] [--thanks 5000] [--runs 300]

Builds `--posts` posts in one forum with a linked group, one of them thanked by `--thanks`
members (the hard case for the counter and the thanks index), then
times, through the same service functions the handlers call:
  - thank: a new member thanks the most-thanked post, pressed in private chat (the group card's
    counter edit is queued in the same transaction),
  - thank again: the same member presses again (read-only),
  - publish: a post with two attachments, its card and attachment pushes in one transaction,
  - comment: a private comment and the push to the author.
The storage part alone, ours against the old code's way (same work: one thanks row in one
transaction, no access check, no card push): `PostRepo.thank` in a unit of work (check, insert,
increment, read the count) vs the old INSERT … ON CONFLICT DO NOTHING plus increment.
Prints p50/p95 per case and fails (exit 1) when a p95 is over 25 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import percentile
from bot.clock import FixedClock
from bot.config import load_settings
from bot.posts import service
from bot.services import Services
from storage.database import Database, Tx
from storage.posts import PostRepo
from storage.regions import RegionRepo
from storage.timeutil import to_db

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
GROUP = -100777
TARGET_P95_MS = 25.0
STORY = "Kami mengelola bank sampah bersama ibu-ibu PKK dan karang taruna setiap minggu. " * 6


async def build(services: Services, n_posts: int, n_thanks: int) -> tuple[int, int, list[int]]:
    db = services.db
    now = services.clock.now()
    members = list(range(10_000, 10_000 + n_thanks + 1_000))
    async with db.transaction() as conn:
        for user_id in [1, *members]:
            await services.members.upsert(conn, user_id=user_id, full_name=f"Kades {user_id}", jabatan="kades",
                                          village_code="33.01.18.2011", language="id", now=now)
        forum_id = await services.forums.create(conn, name="Forum Bench", scope_code="33.01.18",
                                                timezone="Asia/Jakarta", created_by=1, now=now)
        for user_id in [1, *members]:
            await services.members.add_membership(conn, forum_id=forum_id, user_id=user_id,
                                                  role="koordinator" if user_id == 1 else "anggota",
                                                  status="active", now=now, decided_by=1)
    await services.forums.link_group(forum_id, GROUP)
    async with db.transaction() as conn:
        repo = PostRepo(Tx(conn))
        for i in range(n_posts):
            last = await repo.create(forum_id=forum_id, author_user_id=1, village_code=None, title=f"Cerita nomor {i}",
                                     bidang="lingk", kind="berhasil", story=STORY, now=now)
        await conn.executemany("INSERT INTO post_thanks(post_id, user_id, created_at) VALUES (?, ?, ?)",
                               [(last, u, to_db(now)) for u in members[:n_thanks]])
        await conn.execute("UPDATE posts SET thanks_count = ? WHERE id = ?", (n_thanks, last))
        # The card was sent: thanks pressed elsewhere edit it through the outbox.
        await conn.execute(
            """INSERT INTO outbox(idem_key, chat_id, method, payload, status, message_id, due_at, next_try_at,
                                  created_at) VALUES (?, ?, 'sendMessage', '{}', 'sent', 99, ?, ?, ?)""",
            (f"post:{last}:card", GROUP, to_db(now), to_db(now), to_db(now)))
    return forum_id, last, members[n_thanks:]


async def timed(runs: int, fn: object) -> list[float]:
    out = []
    for i in range(runs):
        start = time.perf_counter()
        await fn(i)  # type: ignore[operator]
        out.append(time.perf_counter() - start)
    return out


def commit_of_checkout() -> str:
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[1]).stdout.strip()


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--thanks", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    commit = commit_of_checkout()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "bench.sqlite3")
        await db.open()
        try:
            results, runs = await run(db, args)
        finally:
            await db.close()
    return report(results, runs, args, commit)


async def run(db: Database, args: argparse.Namespace) -> tuple[dict[str, list[float]], int]:
    await RegionRepo(db).ensure_loaded()  # forums and villages point into the registry
    services = Services.build(load_settings(environ={}), db, FixedClock(NOW))
    forum_id, popular, fresh = await build(services, args.posts, args.thanks)
    runs = min(args.runs, len(fresh) // 3)

    async def thank(i: int) -> None:
        done = await service.thank(services, popular, fresh[i], pressed_on=None)
        assert done.outcome == "added"

    async def thank_again(i: int) -> None:
        assert (await service.thank(services, popular, fresh[i], pressed_on=None)).outcome == "again"

    async def baseline(i: int) -> None:
        async with db.transaction() as conn:
            cur = await conn.execute("INSERT INTO post_thanks(post_id, user_id, created_at) VALUES (?, ?, ?) "
                                     "ON CONFLICT DO NOTHING", (popular, fresh[runs + i], to_db(NOW)))
            if cur.rowcount == 1:
                await conn.execute("UPDATE posts SET thanks_count = thanks_count + 1 WHERE id = ?", (popular,))

    async def repo_thank(i: int) -> None:
        async with db.write() as tx:
            added, _ = await PostRepo(tx).thank(popular, fresh[2 * runs + i], NOW)
            assert added

    async def publish(i: int) -> None:
        await service.publish_post(services, user_id=1, forum_id=forum_id, title=f"Cerita bench {i}",
                                   bidang="lingk", kind="pelajaran", story_parts=[STORY],
                                   attachments=[("photo", f"AgAC{i}a", None), ("document", f"BQAC{i}", "a.pdf")])

    async def comment(i: int) -> None:
        await service.comment(services, popular, fresh[i], f"Tanggapan nomor {i}: sangat bermanfaat.")

    results = {
        "thank (new, card edit queued)": await timed(runs, thank),
        "thank again (no change)": await timed(runs, thank_again),
        "storage only: PostRepo.thank (ours)": await timed(runs, repo_thank),
        "storage only: insert + increment": await timed(runs, baseline),
        "publish (card + 2 attachments)": await timed(runs, publish),
        "comment (+ push to author)": await timed(runs, comment),
    }
    return results, runs


def report(results: dict[str, list[float]], runs: int, args: argparse.Namespace, commit: str) -> int:
    print(f"commit {commit}: {args.posts:,} posts, the hard post thanked {args.thanks:,} times, {runs} runs")
    failed = False
    for name, values in results.items():
        p50, p95 = percentile(values, 50) * 1000, percentile(values, 95) * 1000
        target = "" if name.startswith("storage") else f"  (target p95 <= {TARGET_P95_MS:.0f} ms)"
        failed |= not name.startswith("storage") and p95 > TARGET_P95_MS
        print(f"  {name:34s} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms{target}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
