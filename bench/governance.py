"""Benchmark: the governance planner (join-request reminders, headless-forum votes) on a large install.

    python bench/governance.py [--forums 2000] [--members 40] [--pending 10]

Builds `--forums` forums, each with a koordinator, `--members` active anggota and `--pending`
waiting join requests (about 100,000 memberships by default), in a real SQLite file. Then times
one planner run (what the delivery engine does every minute):
  - when nothing is due (the common case): must only touch the due index;
  - when every forum's requests are due at once (2 days after a mass onboarding): one reminder
    per koordinator per forum, written to the outbox;
and, as a same-work baseline, a scan that reads every pending membership and filters in Python.
Also checks that the due query uses the partial index (EXPLAIN QUERY PLAN). Prints figures vs
targets and the commit; exit 1 when a target is missed. Figures are noisy on a shared machine.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import commit
from bot.clock import FixedClock
from bot.config import load_settings
from bot.members import governance
from bot.services import Services
from storage.database import Database
from storage.timeutil import to_db

START = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
TARGET_IDLE_MS = 20.0
TARGET_DUE_MS = 5000.0



async def seed(db: Database, forums: int, members: int, pending: int) -> None:
    now = to_db(START)
    remind = to_db(START + timedelta(days=2))
    await db.executemany("INSERT INTO regions(code, level, name, parent) VALUES (?, ?, ?, ?)",
                         [("33", 1, "Jawa Tengah", None), ("33.01", 2, "Kabupaten Cilacap", "33"),
                          ("33.01.18", 3, "Cipari", "33.01"), ("33.01.18.2011", 4, "Sidasari", "33.01.18")])
    user = 10_000
    member_rows, forum_rows, ms_rows = [], [], []
    for f in range(1, forums + 1):
        forum_rows.append((f, f"Forum {f}", "33.01.18", "Asia/Jakarta", f, now))
        for index in range(1 + members + pending):
            user += 1
            member_rows.append((user, f"Kades {user}", "kades", "33.01.18.2011", "id", now, now))
            if index == 0:
                ms_rows.append((f, user, "koordinator", "active", now, None))
            elif index <= members:
                ms_rows.append((f, user, "anggota", "active", now, None))
            else:
                ms_rows.append((f, user, "anggota", "pending", now, remind))
    await db.executemany("INSERT INTO forums(id, name, scope_code, timezone, created_by, created_at) "
                         "VALUES (?, ?, ?, ?, ?, ?)", forum_rows)
    await db.executemany("INSERT INTO members(user_id, full_name, jabatan, village_code, language, created_at, "
                         "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)", member_rows)
    await db.executemany("INSERT INTO memberships(forum_id, user_id, role, status, requested_at, remind_at) "
                         "VALUES (?, ?, ?, ?, ?, ?)", ms_rows)
    await db.execute("ANALYZE")


async def timed(fn: object, *args: object) -> float:
    began = time.perf_counter()
    await fn(*args)  # type: ignore[operator]
    return (time.perf_counter() - began) * 1000


async def main(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "bench.sqlite3")
        await db.open()
        await seed(db, args.forums, args.members, args.pending)
        total = await db.fetchval("SELECT count(*) FROM memberships")
        services = Services.build(load_settings(None, environ={"KADES_STORAGE__PATH": str(Path(tmp) / "x")}),
                                  db, FixedClock(START))
        plan = await db.fetchall(
            "EXPLAIN QUERY PLAN SELECT forum_id, user_id FROM memberships "
            "WHERE status = 'pending' AND remind_at IS NOT NULL AND remind_at <= ? ORDER BY forum_id, remind_at",
            (to_db(START),))
        plan_text = " | ".join(str(r["detail"]) for r in plan)
        uses_index = "memberships_remind" in plan_text

        idle = sorted([await timed(governance.plan_request_reminders, services, START + timedelta(hours=h))
                       for h in range(20)])

        async def scan_all(now: datetime) -> None:  # the same selection without the index
            rows = await db.fetchall("SELECT forum_id, user_id, remind_at FROM memberships WHERE status = 'pending'")
            [r for r in rows if r["remind_at"] and r["remind_at"] <= to_db(now)]

        scan = sorted([await timed(scan_all, START + timedelta(hours=h)) for h in range(20)])
        votes = sorted([await timed(governance.plan_votes, services, START + timedelta(hours=h))
                        for h in range(5)])
        due_at = START + timedelta(days=2, hours=1)
        due = await timed(governance.plan_request_reminders, services, due_at)
        queued = await db.fetchval("SELECT count(*) FROM outbox WHERE idem_key LIKE 'gov:jrem:%'")
        again = await timed(governance.plan_request_reminders, services, due_at)
        await db.close()

    p50 = idle[len(idle) // 2]
    print(f"commit {commit()}: {args.forums} forums, {total} memberships "
          f"({args.forums * args.pending} pending); shared 2-core machine, figures are noisy")
    print(f"due query plan: {plan_text} -> {'index' if uses_index else 'NO INDEX'}")
    print(f"planner, nothing due: p50 {p50:.2f} ms, max {idle[-1]:.2f} ms (target <= {TARGET_IDLE_MS:.0f} ms); "
          f"same selection by scanning pending rows: p50 {scan[len(scan) // 2]:.2f} ms")
    print(f"headless check (plan_votes), no headless forum: p50 {votes[len(votes) // 2]:.2f} ms")
    print(f"planner, all {args.forums} forums due at once: {due:.0f} ms for {queued} reminders "
          f"(target <= {TARGET_DUE_MS:.0f} ms); rerun right after: {again:.2f} ms")
    ok = uses_index and p50 <= TARGET_IDLE_MS and due <= TARGET_DUE_MS and queued == args.forums
    print("OK" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--forums", type=int, default=2000)
    parser.add_argument("--members", type=int, default=40)
    parser.add_argument("--pending", type=int, default=10)
    sys.exit(asyncio.run(main(parser.parse_args())))
