"""Every query behind the hot commands and the planner passes uses an index that fits it.

The statements are not listed by hand: the test runs the commands (/anggota, /agenda, /laporan,
/cari, /kerjasama) and every planner through the real bot, records what SQLite was asked, and runs
EXPLAIN QUERY PLAN on each against the schema without statistics (the planner's own guesses, as on
a fresh national file). A full scan of a table that grows with the country fails the test.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

from bot.agreements.musyawarah import plan_musyawarah
from bot.meetings.pushes import plan_meetings
from bot.posts.pushes import plan_posts
from bot.reports.digest import plan_digest
from scheduler.agreements import plan_agreements
from storage.outbox import OutboxRepo
from tests.conftest import BotHarness, seed_forum

# Tables that grow with the country (the national dataset has 10^4-10^6 rows in each).
BIG = {"outbox", "members", "memberships", "meetings", "meeting_rsvps", "posts", "post_thanks",
       "post_comments", "agreements", "agreement_parties", "agreement_periods", "agreement_evaluations",
       "regions", "forums", "visits", "broadcasts", "planner_due", "report_digest_runs", "post_digest_runs",
       "musyawarah", "musyawarah_delegates"}
SIDASARI = "33.01.18.2003"


def _full_scans(db_file: Path, statements: list[str]) -> list[tuple[str, str]]:
    copy = db_file.with_name("plans.sqlite3")
    shutil.copy(db_file, copy)
    conn = sqlite3.connect(copy)
    conn.execute("PRAGMA wal_checkpoint")
    conn.execute("DROP TABLE IF EXISTS sqlite_stat1")
    conn.close()
    conn = sqlite3.connect(copy)
    bad = []
    for sql in statements:
        try:
            plan = conn.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
        except sqlite3.Error:
            continue  # statements of a transaction context (e.g. temp objects) are not planned alone
        for row in plan:
            detail = str(row[3])
            match = re.match(r"SCAN (\w+)(?: AS \w+)?$", detail) or re.match(r"SCAN (\w+) USING (?!.*INDEX)", detail)
            if match and match.group(1) in BIG:
                bad.append((detail, sql))
    conn.close()
    return bad


async def test_hot_queries_use_fitting_indexes(bot: BotHarness, tmp_path: Path) -> None:
    services = bot.services
    await seed_forum(services, koordinator=1001, members={1001: ("Budi Santoso", SIDASARI)})
    seen: list[str] = []

    def trace(sql: str) -> None:
        if sql.lstrip().upper().startswith(("SELECT", "WITH", "UPDATE", "DELETE", "INSERT")):
            seen.append(sql)

    for conn in (services.db.reader, services.db.writer):
        await conn.set_trace_callback(trace)
    budi = bot.person(1001, "Budi")
    for command in ("/anggota", "/agenda", "/cari irigasi", "/kerjasama", "/laporan"):
        await budi.say(command)
    now = bot.clock.now()
    for planner in (plan_agreements, plan_digest, plan_posts, plan_meetings, plan_musyawarah):
        await planner(services, now)
    await OutboxRepo(services.db).ready(now, limit=10)
    await OutboxRepo(services.db).next_due()
    for conn in (services.db.reader, services.db.writer):
        await conn.set_trace_callback(None)
    assert len(seen) > 20
    bad = _full_scans(services.db.path, seen)
    assert not bad, "\n".join(f"{detail}: {sql[:300]}" for detail, sql in bad)
