"""Meeting use cases on a real SQLite file, against a same-work raw-SQL baseline.

    python bench/meetings.py [--members 400] [--answers 200]

1. announce: one meeting announced to a forum of N members inside one unit of work (group post,
   N private announcements, every member's reminders, the koordinator's attendance prompt).
   Baseline: the same number of outbox rows with the same payload sizes written by one
   `executemany` in one transaction (no rendering, no per-row upsert logic).
2. rsvp: N sequential answers through `bot.meetings.service.rsvp` (access check, the forum's
   member list, set_rsvp, cancel and replan that member's reminders, the coalesced group tally),
   each its own transaction. Baseline: the same writes per answer as raw SQL in one transaction.

Hard case: every member answers, the group announcement is already sent, so every answer
also rewrites the waiting tally edit. CPU-bound figures; on a shared machine they are noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import ROOT, percentile
from bot.clock import FixedClock
from bot.config import load_settings
from bot.meetings import service
from bot.meetings.pushes import announce, announce_key, push_context
from bot.services import Services
from storage.database import Database
from storage.regions import RegionRepo
from storage.timeutil import to_db

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
GROUP = -100123


async def _forum(services: Services, db: Database, n: int) -> tuple[int, list[int]]:
    villages = [r[0] for r in await db.fetchall(
        "SELECT code FROM regions WHERE level = 4 AND code LIKE '33.01.%' ORDER BY code LIMIT ?", (n,))]
    users = list(range(10_001, 10_001 + n))
    async with db.transaction() as conn:
        for i, uid in enumerate(users):
            await services.members.upsert(conn, user_id=uid, full_name=f"Kades {uid}", jabatan="kades",
                                          village_code=villages[i % len(villages)], language="id", now=NOW)
        forum_id = await services.forums.create(conn, name="Forum Kades Cilacap", scope_code="33.01",
                                                timezone="Asia/Jakarta", created_by=users[0], now=NOW)
        for i, uid in enumerate(users):
            await services.members.add_membership(conn, forum_id=forum_id, user_id=uid,
                                                  role="koordinator" if i == 0 else "anggota",
                                                  status="active", now=NOW, decided_by=users[0])
    await services.forums.link_group(forum_id, GROUP)
    return forum_id, users


async def _new_meeting(services: Services, forum_id: int, by: int, title: str) -> int:
    async with services.write() as tx:
        return await tx.meetings.create(forum_id=forum_id, title=title, starts_at=NOW + timedelta(days=10),
                                        duration_minutes=120, timezone="Asia/Jakarta", place_kind="village",
                                        host_village_code=await services.db.fetchval(
                                            "SELECT village_code FROM members WHERE user_id = ?", (by,)),
                                        agenda=["Laporan BUMDes", "Gotong royong"], created_by=by, now=NOW)


async def bench_announce(services: Services, db: Database, forum_id: int, by: int) -> tuple[float, float, int]:
    mid = await _new_meeting(services, forum_id, by, "Rapat rutin Desember")
    ctx = await push_context(services, forum_id)
    before = await db.fetchval("SELECT count(*) FROM outbox")
    t0 = time.perf_counter()
    async with services.write() as tx:
        meeting = await tx.meetings.get(mid)
        assert meeting is not None
        await announce(tx, ctx, meeting)
    ours = time.perf_counter() - t0
    rows = await db.fetchall("SELECT * FROM outbox WHERE idem_key LIKE ? ORDER BY id", (f"meeting:{mid}:%",))
    assert len(rows) == await db.fetchval("SELECT count(*) FROM outbox") - before
    # Baseline: the same rows (same sizes), fresh keys, one executemany in one transaction.
    copies = [(f"base:{r['idem_key']}", r["chat_id"], r["thread_id"], r["method"], r["payload"], r["priority"],
               r["urgent"], r["forum_id"], r["member_user_id"], r["due_at"], r["expires_at"], r["due_at"],
               r["created_at"]) for r in rows]
    t0 = time.perf_counter()
    async with db.transaction() as conn:
        await conn.executemany(
            """INSERT INTO outbox(idem_key, chat_id, thread_id, method, payload, priority, urgent, forum_id,
                   member_user_id, due_at, expires_at, next_try_at, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", copies)
    base = time.perf_counter() - t0
    return ours, base, len(rows)


async def bench_rsvp(services: Services, db: Database, forum_id: int, users: list[int],
                     answers: int) -> tuple[list[float], list[float]]:
    mid = await _new_meeting(services, forum_id, users[0], "Rapat koordinasi")
    ctx = await push_context(services, forum_id)
    async with services.write() as tx:
        meeting = await tx.meetings.get(mid)
        assert meeting is not None
        await announce(tx, ctx, meeting)
    # The group announcement went out: answers now edit its tally (the hard case).
    async with db.transaction() as conn:
        await conn.execute("UPDATE outbox SET status = 'sent', message_id = 777 WHERE idem_key = ?",
                           (announce_key(mid),))
    ours = []
    for i in range(answers):
        uid = users[i % len(users)]
        t0 = time.perf_counter()
        await service.rsvp(services, mid, uid, ("yes", "no", "maybe")[i % 3], party_size=1 + i % 3)
        ours.append(time.perf_counter() - t0)
    base = []
    payload = json.dumps({"text": "x" * 400, "parse_mode": "HTML"})
    for i in range(answers):
        uid = users[i % len(users)]
        t0 = time.perf_counter()
        async with db.transaction() as conn:
            await conn.execute(
                """INSERT INTO meeting_rsvps(meeting_id, user_id, answer, party_size, reason, via, answered_at)
                   VALUES (?, ?, 'yes', 2, NULL, 'private', ?) ON CONFLICT(meeting_id, user_id) DO UPDATE SET
                   answer = 'no', revision = meeting_rsvps.revision + 1""", (mid, uid, to_db(NOW)))
            await conn.execute("UPDATE meetings SET tally_version = tally_version + 1 WHERE id = ?", (mid,))
            await conn.execute("UPDATE outbox SET status = 'cancelled' WHERE idem_key LIKE ? AND status = 'pending'",
                               (f"base:rem:{mid}:{uid}:%",))
            for code in ("h1", "h0", "j1"):
                await conn.execute(
                    """INSERT INTO outbox(idem_key, chat_id, method, payload, priority, due_at, next_try_at,
                           created_at) VALUES (?, ?, 'sendMessage', ?, 1, ?, ?, ?)""",
                    (f"base:rem:{mid}:{uid}:{i}:{code}", uid, payload, to_db(NOW), to_db(NOW), to_db(NOW)))
            await conn.execute("UPDATE outbox SET payload = ? WHERE idem_key = ?", (payload, f"base:tally:{mid}"))
        base.append(time.perf_counter() - t0)
    return ours, base


async def main(args: argparse.Namespace, commit: str) -> int:
    print(f"bench/meetings.py on commit {commit}: forum of {args.members} members, {args.answers} answers")
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "bench.sqlite3")
        await db.open()
        try:
            await RegionRepo(db).ensure_loaded()
            services = Services.build(load_settings(environ={}), db, FixedClock(NOW))
            forum_id, users = await _forum(services, db, args.members)
            ours, base, rows = await bench_announce(services, db, forum_id, users[0])
            print(f"  announce ({rows} outbox rows): {ours * 1000:,.0f} ms; same rows raw executemany "
                  f"{base * 1000:,.0f} ms ({ours / base:,.1f}x)")
            mine, raw = await bench_rsvp(services, db, forum_id, users, args.answers)
            print(f"  rsvp use case: p50 {percentile(mine, 50) * 1000:.1f} ms, p95 {percentile(mine, 95) * 1000:.1f} ms; "
                  f"same writes raw SQL: p50 {percentile(raw, 50) * 1000:.1f} ms, p95 {percentile(raw, 95) * 1000:.1f} ms")
        finally:
            await db.close()
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=400)
    parser.add_argument("--answers", type=int, default=200)
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    raise SystemExit(asyncio.run(main(parser.parse_args(), head.stdout.strip())))
