"""Benchmark: kades-bot at national scale, figure vs target.

    python bench/national.py [--db /work/natdb.sqlite3] [--small] [--skip-export] [--skip-restart]

Generates (or reuses, with --db) the national dataset through the project's storage layer:
the real region registry (83,762 villages), 7,000 forums (one of 3,000 members, one of 400),
80,000 members, 100,000 posts (indexed for /cari by PostRepo.create), 50,000 meetings with
673,000 RSVPs, 10,000 agreements and 2,000,000 sent outbox rows over the last 60 days.
Deterministic (fixed seed). `--small` is a 1/100 smoke run for CI.

Then measures: restart to the first getUpdates (the real `python -m bot run` process against
the Telegram double), each planner pass (first pass after an upgrade, idle, the 1st of the
month), the queries behind /anggota (400 and 3,000 members), /agenda, /laporan, /cari
(pages 1-3), the all-time xlsx export of the largest forum in the render worker (time, peak
RSS, other users' query p95 meanwhile), retention, DB and outbox size after it.
The machine is shared (2 cores, other engineers' tests): CPU figures are noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import ROOT, bot_env, percentile, rss_mib, spawn
from bench.search import BIDANG, KINDS, sentences
from bot.clock import FixedClock
from bot.config import Settings
from bot.meetings.pushes import plan_meetings
from bot.posts.pushes import plan_posts
from bot.reports.digest import plan_digest
from bot.reports.monthly import monthly_report
from bot.reports.worker import ExportRequest, RenderWorker
from bot.services import Services
from bot.telegram_double import TelegramDouble
from scheduler.agreements import plan_agreements
from storage.database import Database, Tx
from storage.meetings import MeetingRepo
from storage.posts import PostRepo
from storage.retention import prune

NOW = datetime(2026, 12, 15, 3, 0, tzinfo=UTC)  # mid-month, a Tuesday: nothing is due
SEED = 20261215
FULL = {"forums": 7000, "members": 80_000, "posts": 100_000, "meetings": 50_000, "rsvps": 673_000,
        "agreements": 10_000, "outbox": 2_000_000}


@dataclass
class Row:
    name: str
    figure: float | None
    target: float | None
    unit: str
    note: str = ""

    def met(self) -> bool | None:
        if self.target is None or self.figure is None:
            return None
        return self.figure <= self.target


ROWS: list[Row] = []
COMMIT = ""


def report(name: str, figure: float | None, target: float | None, unit: str, note: str = "") -> None:
    row = Row(name, figure, target, unit, note)
    ROWS.append(row)
    mark = {True: "ok", False: "MISS", None: "-"}[row.met()]
    shown = "n/a" if figure is None else f"{figure:,.1f}"
    goal = "" if target is None else f"<= {target:,.0f}"
    print(f"  {name:<46} {shown:>10} {unit:<4} {goal:>10}  {mark:<4} {note}", flush=True)


def zone_for(code: str) -> str:
    province = int(code[:2])
    if province >= 81:
        return "Asia/Jayapura"
    if province in (51, 52, 53, 63, 64, 65) or 71 <= province <= 76:
        return "Asia/Makassar"
    return "Asia/Jakarta"


# -- generation -------------------------------------------------------------------------------
async def generate(db: Database, scale: dict[str, int], rng: random.Random) -> None:
    from storage.regions import RegionRepo

    t0 = time.perf_counter()
    await RegionRepo(db).ensure_loaded()
    villages = [r[0] for r in await db.fetchall("SELECT code FROM regions WHERE level = 4 ORDER BY code")]
    kecamatans = sorted({v[:8] for v in villages})
    stamp = (NOW - timedelta(days=400)).isoformat(timespec="seconds")
    n_forums, n_members = scale["forums"], scale["members"]
    big, mid = max(3000 * n_members // FULL["members"], 30), max(400 * n_members // FULL["members"], 10)
    # forum 1: 3,000 members; forum 2: 400; the rest share what is left, at least 2 each.
    sizes = [big, mid] + [0] * (n_forums - 2)
    rest = n_members - big - mid
    for i in range(2, n_forums):
        sizes[i] = 2
    for _ in range(rest - 2 * (n_forums - 2)):
        sizes[rng.randrange(2, n_forums)] += 1
    forums, members, memberships = [], [], []
    user = 10_000
    forum_members: list[list[int]] = []
    for f in range(1, n_forums + 1):
        kec = kecamatans[(f * 7919) % len(kecamatans)]
        ids = []
        for i in range(sizes[f - 1]):
            user += 1
            village = villages[(user * 104729) % len(villages)]
            members.append((user, f"Kades {user}", "kades", village, "id", stamp, stamp))
            memberships.append((f, user, "koordinator" if i == 0 else "anggota", "active", stamp, stamp, village))
            ids.append(user)
        forum_members.append(ids)
        forums.append((f, f"Forum Kades {f}", kec, zone_for(kec), ids[0], stamp))
    async with db.transaction() as conn:
        await conn.executemany("INSERT INTO forums(id, name, scope_code, timezone, created_by, created_at) "
                               "VALUES (?, ?, ?, ?, ?, ?)", forums)
        await conn.executemany("INSERT INTO members(user_id, full_name, jabatan, village_code, language, created_at, "
                               "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)", members)
        # The village approved in the forum (the trust migration's column), verified.
        await conn.executemany("INSERT INTO memberships(forum_id, user_id, role, status, requested_at, decided_at, "
                               "village_code, village_verified) VALUES (?, ?, ?, ?, ?, ?, ?, 1)", memberships)
    print(f"  forums and members in {time.perf_counter() - t0:.0f} s", flush=True)

    # Posts through PostRepo.create (it also fills the search index); the big forum gets 5 %.
    sents = sentences()
    made = 0
    while made < scale["posts"]:
        async with db.transaction() as conn:
            for _ in range(min(5000, scale["posts"] - made)):
                f = 1 if rng.random() < 0.05 else rng.randrange(1, n_forums + 1)
                author = rng.choice(forum_members[f - 1])
                words = rng.choice(sents).split()
                title = " ".join(words[:rng.randrange(4, 9)]).strip(".,;:")[:120] or "Cerita"
                story = " ".join(rng.choice(sents) for _ in range(rng.randrange(2, 6)))
                created = NOW - timedelta(minutes=rng.randrange(0, 600 * 24 * 60))
                await PostRepo(Tx(conn)).create(forum_id=f, author_user_id=author, village_code=None, title=title,
                                  bidang=rng.choice(BIDANG), kind=rng.choice(KINDS), story=story, now=created)
                made += 1
    print(f"  posts in {time.perf_counter() - t0:.0f} s", flush=True)

    # Meetings (7 a forum, the big forum 200) over the last 20 months and the next 2; RSVPs.
    meetings, rsvps = [], []
    per_rsvp = 8.0 * scale["rsvps"] / FULL["rsvps"] * FULL["meetings"] / scale["meetings"]
    for m in range(1, scale["meetings"] + 1):
        f = 1 if m % 250 == 0 else rng.randrange(1, n_forums + 1)
        starts = NOW + timedelta(days=rng.randrange(-600, 60), hours=rng.randrange(0, 8))
        status = "cancelled" if rng.random() < 0.05 else "scheduled"
        meetings.append((m, f, f"Pertemuan rutin {m}", starts.isoformat(timespec="seconds"), 120, "WIB", "none",
                         status, stamp, forum_members[f - 1][0], stamp, stamp))
        people = forum_members[f - 1]
        # The big forum's meetings draw hundreds; the small forums' a handful (673,000 in all).
        k = min(len(people), rng.randrange(len(people) // 3, len(people) // 3 * 2) if f == 1
                else max(1, int(rng.expovariate(1 / per_rsvp))))
        for uid in rng.sample(people, k):
            rsvps.append((m, uid, rng.choice(("yes", "yes", "no", "maybe")), stamp))
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO meetings(id, forum_id, title, starts_at, duration_minutes, timezone, place_kind, status, "
            "announced_at, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", meetings)
        await conn.executemany("INSERT INTO meeting_rsvps(meeting_id, user_id, answer, answered_at) "
                               "VALUES (?, ?, ?, ?)", rsvps)
    print(f"  {len(meetings):,} meetings, {len(rsvps):,} RSVPs in {time.perf_counter() - t0:.0f} s", flush=True)

    # Agreements between two villages of a forum; registered now, so past periods are not asked.
    agreements, parties = [], []
    for a in range(1, scale["agreements"] + 1):
        f = rng.randrange(1, n_forums + 1)
        start = NOW.date() - timedelta(days=rng.randrange(0, 700))
        end = NOW.date() + timedelta(days=rng.randrange(100, 1100))
        agreements.append((a, f, f"Kerja sama {a}", start.isoformat(), end.isoformat(), "triwulan",
                           start.isoformat(), NOW.date().isoformat(), forum_members[f - 1][0], stamp, stamp))
        for pos, uid in enumerate(forum_members[f - 1][:2], start=1):
            parties.append((a, pos, "desa", members[uid - 10_001][3], f"Desa {uid}"))
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO agreements(id, forum_id, title, start_date, end_date, rhythm, schedule_anchor, eval_from, "
            "created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", agreements)
        await conn.executemany("INSERT INTO agreement_parties(agreement_id, position, kind, village_code, name) "
                               "VALUES (?, ?, ?, ?, ?)", parties)

    # Sent pushes of the last 60 days, ~400 bytes of JSON each, like reminders and digests.
    filler = json.dumps({"text": "Pengingat pertemuan rutin " + "x" * 300, "parse_mode": "HTML"})
    total, batch = scale["outbox"], 100_000
    for first in range(0, total, batch):
        rows = []
        for i in range(first, min(first + batch, total)):
            uid = 10_001 + (i * 7) % n_members
            # Rows are written in the order they are sent, as in production.
            sent = (NOW - timedelta(seconds=60 * 86400 * (total - i) // total)).isoformat(timespec="seconds")
            rows.append((f"bench:{i}:u{uid}", uid, filler, 1, sent, sent, "sent", sent, i, sent))
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO outbox(idem_key, chat_id, payload, priority, due_at, next_try_at, status, sent_at, "
                "message_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        print(f"  outbox {min(first + batch, total):,}", end="\r", flush=True)
    print(f"\n  generated in {time.perf_counter() - t0:.0f} s", flush=True)
    await db.execute("INSERT INTO posts_fts(posts_fts) VALUES ('optimize')")
    await db.optimize()


# -- measuring --------------------------------------------------------------------------------
def cpu() -> float:
    return time.process_time()


async def timed(fn: Callable[[], Awaitable[Any]]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process, all threads)."""
    w, c = time.perf_counter(), cpu()
    await fn()
    return time.perf_counter() - w, cpu() - c


async def restart_to_first_poll(db_path: Path) -> float:
    async with TelegramDouble(token="777000:NATIONAL", enforce_limits=False) as double:
        first: list[float] = []
        original = double._methods["getupdates"]

        async def spy(params: Any) -> Any:
            if not first:
                first.append(time.perf_counter())
            return await original(params)

        double._methods["getupdates"] = spy
        env = bot_env(double.api_base_url, double.file_base_url, double.token, db_path)
        started = time.perf_counter()
        proc = await spawn(["-m", "bot", "run"], env)
        try:
            async with asyncio.timeout(300):
                while not first:
                    if proc.returncode is not None:
                        err = await proc.stderr.read() if proc.stderr else b""
                        raise RuntimeError(f"bot exited: {err.decode()[-2000:]}")
                    await asyncio.sleep(0.01)
            return first[0] - started
        finally:
            proc.terminate()
            await proc.wait()


async def p95_of(fn: Callable[[], Awaitable[Any]], n: int) -> float:
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        await fn()
        samples.append(time.perf_counter() - t0)
    return percentile(samples, 95) * 1000


async def measure(db: Database, db_path: Path, args: argparse.Namespace, fresh: bool) -> None:
    settings = Settings.model_validate({"storage": {"path": str(db_path)}})
    clock = FixedClock(NOW)
    services = Services.build(settings, db, clock)
    print("\n  figure                                          value unit     target  met")

    if not args.skip_restart:
        await db.close()
        restart = await restart_to_first_poll(db_path)
        await db.open()
        report("restart -> first getUpdates", restart, 5.0, "s")

    planners: dict[str, Callable[[Services, datetime], Awaitable[None]]] = {
        "agreements": plan_agreements, "monthly digest": plan_digest, "posts digest": plan_posts,
        "meetings": plan_meetings}
    for name, fn in planners.items():
        wall, used = await timed(lambda fn=fn: fn(services, NOW))  # type: ignore[misc]
        label = "first pass (all items due)" if fresh else "pass at start"
        report(f"planner {name}: {label}", used * 1000, None, "ms", f"wall {wall * 1000:,.0f} ms")
    for name, fn in planners.items():
        samples = []
        for _ in range(5):
            _, used = await timed(lambda fn=fn: fn(services, NOW + timedelta(minutes=1)))  # type: ignore[misc]
            samples.append(used)
        report(f"planner {name}: idle pass CPU", min(samples) * 1000, 50, "ms", f"max {max(samples) * 1000:.0f}")

    # The 1st of a month not planned yet (reruns of --db move on a month).
    last = await db.fetchval("SELECT max(month) FROM report_digest_runs")
    month = date(2026, 12, 1)  # reports on November, sent on the 1st of December... or later
    if last and str(last) >= "2026-11":
        y, m = map(int, str(last).split("-"))
        month = date(y + (m // 12), m % 12 + 1, 1)  # the month after the last one reported on
    month = date(month.year + (month.month // 12), month.month % 12 + 1, 1)  # its digest goes out on this 1st
    first = datetime(month.year, month.month, 1, 2, 0, tzinfo=UTC)  # after 07.00 WIB/WITA/WIT
    rows_before = await db.fetchval("SELECT count(*) FROM report_digest_runs")
    wall, used = await timed(lambda: plan_digest(services, first))
    planned = await db.fetchval("SELECT count(*) FROM report_digest_runs") - rows_before
    report("month-start digest, all forums (wall)", wall, 60, "s", f"{planned:,} forums, CPU {used:.0f} s")

    # Commands' queries.
    async def anggota(forum_id: int) -> None:
        await services.members.in_forum(forum_id)
        await services.members.membership(forum_id, 10_001)

    for forum_id, label in ((2, "400"), (1, "3,000")):
        size = await db.fetchval("SELECT count(*) FROM memberships WHERE forum_id = ?", (forum_id,))
        report(f"/anggota queries, {label}-member forum p95", await p95_of(lambda f=forum_id: anggota(f), 30), 50,  # type: ignore[misc]
               "ms", f"{size:,} members")
    meetings = MeetingRepo(db)
    report("/agenda query p95 (largest forum)", await p95_of(lambda: meetings.upcoming([1], NOW, limit=15), 50), 50,
           "ms")
    tz = ZoneInfo("Asia/Jakarta")
    report("/laporan queries p95 (largest forum)", await p95_of(
        lambda: monthly_report(services_repo(db), forum_id=1, forum_name="Forum Kades 1", tz=tz,
                               month=date(2026, 11, 1), now=NOW), 20), 50, "ms")
    posts = PostRepo(db)
    all_forums = [r[0] for r in await db.fetchall("SELECT id FROM forums ORDER BY id LIMIT 20")]
    samples = []
    for query in ("desa", "air bersih", "pertanian", "kelompok tani", "bumdes", "jalan", "sampah", "wisata"):
        for page in range(3):
            t0 = time.perf_counter()
            await posts.search(all_forums, query, limit=6, offset=page * 5)
            samples.append(time.perf_counter() - t0)
    report("/cari p95, 20 forums incl. largest, pages 1-3", percentile(samples, 95) * 1000, 50, "ms",
           f"{len(samples)} searches")

    if not args.skip_export:
        await export_largest(db, db_path, services)

    # Retention, then sizes.
    t0 = time.perf_counter()
    pruned = 0
    while True:
        done = await prune(db, NOW, older_than=timedelta(days=settings.storage.retention_days))
        pruned += done.outbox
        if done.outbox == 0:
            break
    report("retention pass(es) (wall)", time.perf_counter() - t0, None, "s", f"{pruned:,} rows pruned")
    count = await db.fetchval("SELECT count(*) FROM outbox")
    outbox_bytes = await table_bytes(db, "outbox")
    report("outbox after retention", outbox_bytes / 2**20 if outbox_bytes else None, None, "MiB", f"{count:,} rows")
    report("database file", await asyncio.to_thread(os.path.getsize, db_path) / 2**20, None, "MiB",
           "existing files reuse freed pages; new files shrink")


def services_repo(db: Database) -> Any:
    from storage.reports import ReportRepo

    return ReportRepo(db)


async def table_bytes(db: Database, name: str) -> int | None:
    try:
        value = await db.fetchval("SELECT sum(pgsize) FROM dbstat WHERE name = ? OR name LIKE ?",
                                  (name, f"sqlite_autoindex_{name}%"))
        idx = await db.fetchval("SELECT sum(pgsize) FROM dbstat WHERE name IN "
                                "(SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?)", (name,))
        return int(value or 0) + int(idx or 0)
    except Exception:
        return None


async def export_largest(db: Database, db_path: Path, services: Services) -> None:
    """The largest forum's all-time export (every table, xlsx) in a fresh worker, while another
    user's /anggota queries run in the bot process."""
    worker = RenderWorker()
    request = ExportRequest(db_path=str(db_path), forum_id=1, code="all", period_code="all", today=NOW.date(),
                            zone="Asia/Jakarta", fmt="x", stem="kades-forum-1")

    async def other_user() -> None:
        await services.members.in_forum(2)

    before = [await p95_of(other_user, 1) for _ in range(40)]
    done = asyncio.Event()
    during: list[float] = []

    async def load() -> None:
        while not done.is_set():
            during.append(await p95_of(other_user, 1))
            await asyncio.sleep(0.02)

    t0 = time.perf_counter()
    task = asyncio.create_task(load())
    try:
        result = await worker.run("export", request)
    finally:
        done.set()
        await task
    elapsed = time.perf_counter() - t0
    peak = max((rss_mib(pid)[1] for pid in worker.pids()), default=float("nan"))
    worker.shutdown()
    rows = sum(n for _, n in result.tables)
    size = sum(len(c) for _, c, _ in result.files)
    report("export largest forum, all time, xlsx (wall)", elapsed, 15, "s", f"{rows:,} rows, {size / 2**20:.1f} MiB")
    report("export worker peak RSS", peak, 250, "MiB", "the worker process's VmHWM")
    base, load_p95 = percentile(before, 95), percentile(during, 95)
    report("other users' query p95 during export", load_p95, base * 1.1 if base else None, "ms",
           f"before {base:.1f} ms ({len(during)} samples)")


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=None, help="reuse (or create) the dataset at this path")
    parser.add_argument("--small", action="store_true", help="1/100 of the national size (CI smoke)")
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--skip-restart", action="store_true")
    args = parser.parse_args()
    scale = {k: max(v // 100, 20) for k, v in FULL.items()} if args.small else FULL
    print(f"national benchmark on {COMMIT or '?'} ({'small' if args.small else 'national'} scale, "
          f"{os.cpu_count()} CPUs, shared machine: CPU figures are noisy)")
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "national.sqlite3"
        fresh = not path.exists()
        db = Database(path)
        await db.open()
        try:
            if fresh:
                print(f"generating {path} ...", flush=True)
                await generate(db, scale, random.Random(SEED))
            await measure(db, path, args, fresh)
        finally:
            await db.close()
    judged = [r for r in ROWS if r.met() is not None]
    met = sum(1 for r in judged if r.met())
    print(f"national: {met} of {len(judged)} targets met")
    return 0


if __name__ == "__main__":
    COMMIT = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=ROOT).stdout.strip()
    sys.exit(asyncio.run(main()))
