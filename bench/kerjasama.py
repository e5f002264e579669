"""Benchmark: loading and showing one kerja sama record (issue #17) in a hard case.

    python bench/kerjasama.py [--parties 12] [--events 2000] [--periods 60] [--runs 40]

Builds, in a real SQLite file, one agreement with `--parties` parties (one a third party), a long
timeline (`--events`), `--periods` evaluation periods with an evaluation per village party, a follow-up
per period and party pair, funding lines, a team of 15, an offer per partner and 20 period reports.
Then times, over `--runs`:
  - `KerjasamaRepo.full(agreement_id)` (what the record view, the reports and the .docx builder load);
  - `views.record(...)` (the pure view: every clause and the latest timeline entries, for the reader);
and, as a same-work baseline, the same SELECTs as plain rows without models. Prints figures vs targets
and the commit; exit 1 when a target is missed. Figures are noisy on a shared machine.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import commit
from bot.access import PartyStanding
from bot.agreements import views
from storage.database import Database
from storage.kerjasama import KerjasamaRepo
from storage.timeutil import to_db

START = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
TARGET_LOAD_MS = 150.0
TARGET_VIEW_MS = 150.0



async def seed(db: Database, parties: int, events: int, periods: int) -> int:
    now = to_db(START)
    codes = [f"33.01.18.{2001 + i:04d}" for i in range(parties - 1)]
    await db.executemany("INSERT OR IGNORE INTO regions(code, level, name, parent) VALUES (?, 4, ?, NULL)",
                         [(code, f"Desa {i}") for i, code in enumerate(codes)])
    await db.execute("INSERT OR IGNORE INTO regions(code, level, name, parent) VALUES ('33.01.18', 3, 'Cipari', NULL)")
    await db.execute("INSERT INTO forums(id, name, scope_code, timezone, created_by, created_at) "
                     "VALUES (1, 'Forum', '33.01.18', 'Asia/Jakarta', 1, ?)", (now,))
    agreement_id = await db.execute(
        """INSERT INTO agreements(forum_id, title, bidang, objective, scope, start_date, end_date, rhythm,
               schedule_anchor, eval_from, created_by, created_at, updated_at, kind, stage, initiator_position,
               implementation_terms, change_terms, dispute_terms, executing_kind, executing_body, bidang_uu)
           VALUES (1, 'Air bersih', 'air', 'Tujuan', 'Lingkup', '2022-01-01', '2031-12-31', 'bulanan',
               '2022-01-01', '2022-01-01', 1, ?, ?, 'pihak_ketiga', 'pelaksanaan', 1, 'Tata cara', 'Perubahan',
               'Perselisihan', 'bkad', 'BKAD', 'pelayanan')""", (now, now))
    rows = [(agreement_id, i + 1, "desa", code, f"Desa {i}", "Hak dan kewajiban " * 5, None)
            for i, code in enumerate(codes)]
    rows.append((agreement_id, parties, "pihak_ketiga", None, "PT Tirta Jaya", "Hak", "pt"))
    await db.executemany("INSERT INTO agreement_parties(agreement_id, position, kind, village_code, name, "
                         "rights_obligations, third_party_kind) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    await db.executemany(
        "INSERT INTO agreement_funding(agreement_id, party_position, source, source_name, amount) VALUES (?, ?, ?, ?, ?)",
        [(agreement_id, p, source, None if source == "apb_desa" else "CSR", 10_000_000)
         for p in range(1, parties + 1) for source in ("apb_desa", "lain")])
    await db.executemany("INSERT INTO agreement_team(agreement_id, position, name, role, village_name) "
                         "VALUES (?, ?, ?, 'Anggota', 'Desa 1')", [(agreement_id, i, f"Orang {i}") for i in range(1, 16)])
    await db.executemany("INSERT INTO agreement_offers(agreement_id, party_position, channel, sent_at, sent_by, answer) "
                         "VALUES (?, ?, 'bot', ?, 1, 'terima')", [(agreement_id, p, now) for p in range(2, parties + 1)])
    value = {"stage": "pelaksanaan", "resumed": "pelaksanaan", "offer_sent": "bot", "offer_answered": "terima"}
    kinds = ("amended", "stage", "offer_sent", "offer_answered", "reported", "suspended", "resumed", "renewed")
    await db.executemany(
        "INSERT INTO agreement_events(agreement_id, at, by_user, kind, field, old_value, new_value, note, party_position) "
        "VALUES (?, ?, 1, ?, 'scope', '2026-01-01', ?, 'catatan', ?)",
        [(agreement_id, to_db(START + timedelta(minutes=i)), kinds[i % len(kinds)],
          value.get(kinds[i % len(kinds)], "2027-01-01"),
          (i % parties) + 1 if kinds[i % len(kinds)].startswith("offer") else None) for i in range(events)])
    first = date(2022, 1, 1)
    for index in range(1, periods + 1):
        starts, ends = first + timedelta(days=30 * (index - 1)), first + timedelta(days=30 * index - 1)
        await db.execute("INSERT INTO agreement_periods(agreement_id, forum_id, period_index, starts, ends, opened_at) "
                         "VALUES (?, 1, ?, ?, ?, ?)", (agreement_id, index, starts.isoformat(), ends.isoformat(), now))
        for p in range(1, parties):
            evaluation_id = await db.execute(
                """INSERT INTO agreement_evaluations(agreement_id, forum_id, period_index, period_start, period_end,
                       party_position, rating, went_well, status, submitted_at, updated_at)
                   VALUES (?, 1, ?, ?, ?, ?, 4, 'lancar', 'submitted', ?, ?)""",
                (agreement_id, index, starts.isoformat(), ends.isoformat(), p, now, now))
            if p % 3 == 0:
                await db.execute(
                    """INSERT INTO agreement_followups(agreement_id, forum_id, evaluation_id, period_index, description,
                           owner_position, owner_name, due_date, created_by, created_at)
                       VALUES (?, 1, ?, ?, 'Perbaiki', ?, 'Desa', ?, 1, ?)""",
                    (agreement_id, evaluation_id, index, p, ends.isoformat(), now))
    await db.executemany("INSERT INTO agreement_reports(agreement_id, forum_id, period_start, period_end, done, "
                         "next_steps, created_by, created_at) VALUES (?, 1, '2026-01-01', '2026-03-31', 'Selesai', "
                         "'Lanjut', 1, ?)", [(agreement_id, now)] * 20)
    return agreement_id


async def baseline(db: Database, agreement_id: int) -> int:
    """The same SELECTs as `full`, rows only (no models)."""
    total = 0
    for sql in ("SELECT * FROM agreements WHERE id = ?",
                "SELECT * FROM agreement_parties WHERE agreement_id IN (?) ORDER BY agreement_id, position",
                "SELECT * FROM agreement_funding WHERE agreement_id = ? ORDER BY party_position, source, id",
                "SELECT * FROM agreement_team WHERE agreement_id = ? ORDER BY position",
                "SELECT * FROM agreement_offers WHERE agreement_id = ? ORDER BY party_position",
                "SELECT * FROM agreement_reports WHERE agreement_id = ? ORDER BY period_end, id",
                "SELECT * FROM agreement_events WHERE agreement_id = ? ORDER BY at, id",
                "SELECT * FROM agreement_periods WHERE agreement_id = ? ORDER BY period_index",
                "SELECT * FROM agreement_evaluations WHERE agreement_id = ? ORDER BY period_index, party_position",
                """SELECT f.* FROM agreement_followups f JOIN agreement_evaluations e ON e.id = f.evaluation_id
                   WHERE f.agreement_id = ? AND e.status = 'submitted' ORDER BY f.due_date, f.id"""):
        total += len(await db.fetchall(sql, (agreement_id,)))
    return total


def p50(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


async def main(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "bench.sqlite3")
        await db.open()
        try:
            agreement_id = await seed(db, args.parties, args.events, args.periods)
            repo = KerjasamaRepo(db)
            loads, renders, raws = [], [], []
            standing = PartyStanding("koordinator", None, False)
            zone = ZoneInfo("Asia/Jakarta")
            rows = 0
            text = ""
            for _ in range(args.runs):
                began = time.perf_counter()
                record = await repo.full(agreement_id)
                loads.append((time.perf_counter() - began) * 1000)
                assert record is not None
                began = time.perf_counter()
                text = views.record(record, standing, "id", zone).text
                renders.append((time.perf_counter() - began) * 1000)
                began = time.perf_counter()
                rows = await baseline(db, agreement_id)
                raws.append((time.perf_counter() - began) * 1000)
        finally:
            await db.close()
    load, view, raw = p50(loads), p50(renders), p50(raws)
    ok = load <= TARGET_LOAD_MS and view <= TARGET_VIEW_MS
    print(f"commit {commit()}: 1 agreement, {args.parties} parties, {args.events} timeline events, "
          f"{args.periods} periods, {rows} rows in all; {args.runs} runs (noisy: shared machine)")
    print(f"KerjasamaRepo.full: p50 {load:.1f} ms, max {max(loads):.1f} ms (target <= {TARGET_LOAD_MS:.0f} ms); "
          f"same SELECTs as plain rows: p50 {raw:.1f} ms")
    print(f"views.record (latest {views.TIMELINE_SHOWN} timeline entries, {len(text):,} chars): p50 {view:.1f} ms (target <= {TARGET_VIEW_MS:.0f} ms)")
    print("OK" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--parties", type=int, default=12)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--periods", type=int, default=60)
    parser.add_argument("--runs", type=int, default=40)
    sys.exit(asyncio.run(main(parser.parse_args())))
