"""Migration 0012 on a real older database: existing agreements land in stage 'pelaksanaan' with every
value, party, evaluation and history row kept; one with a third party becomes a pihak_ketiga kind."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

from storage.database import Database, load_migrations
from storage.kerjasama import KerjasamaRepo

NOW = "2026-11-24T03:00:00+00:00"
LATER = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


def _old_database(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        for migration in load_migrations():
            if migration.version > 11:
                break
            conn.executescript(migration.sql)
            conn.execute(f"PRAGMA user_version={migration.version}")
        conn.executemany("INSERT INTO regions(code, level, name, parent) VALUES (?, 4, ?, NULL)",
                         [("33.01.18.2011", "Sidasari"), ("33.01.18.2001", "Caruy")])
        conn.execute("INSERT INTO forums(id, name, scope_code, timezone, created_by, created_at) "
                     "VALUES (1, 'Forum', '33.01.18.2011', 'Asia/Jakarta', 1001, ?)", (NOW,))
        rows = [(1, "Air bersih bersama", "air", 25_000_000, "BKAD Sidasari-Caruy"),
                (2, "Pelatihan dengan kampus", "didik", None, None)]
        for agreement_id, title, bidang, amount, body in rows:
            conn.execute(
                """INSERT INTO agreements(id, forum_id, title, bidang, objective, scope, funding_source,
                       funding_amount, legal_basis, executing_body, start_date, end_date, rhythm, schedule_anchor,
                       index_offset, eval_from, document_file_id, document_kind, status, created_by, created_at,
                       updated_at)
                   VALUES (?, 1, ?, ?, 'tujuan', 'lingkup', 'APB Desa', ?, 'Peraturan Bersama Nomor 1', ?,
                       '2026-01-01', '2027-12-31', 'triwulan', '2026-01-01', 0, '2026-01-01', 'FILE1', 'document',
                       'active', 1001, ?, ?)""",
                (agreement_id, title, bidang, amount, body, NOW, NOW))
        conn.executemany(
            "INSERT INTO agreement_parties(agreement_id, position, kind, village_code, name, rights_obligations) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(1, 1, "desa", "33.01.18.2011", "Sidasari", "menyediakan lahan"),
             (1, 2, "desa", "33.01.18.2001", "Caruy", None),
             (2, 1, "desa", "33.01.18.2011", "Sidasari", None),
             (2, 2, "pihak_ketiga", None, "Universitas Jenderal Soedirman", "mengirim mahasiswa")])
        conn.execute(
            """INSERT INTO agreement_events(id, agreement_id, at, by_user, kind, field, old_value, new_value, note)
               VALUES (7, 1, ?, 1001, 'renewed', NULL, 'Kamis, 31 Desember 2026', 'Jumat, 31 Desember 2027',
                       'diperpanjang')""", (NOW,))
        conn.execute(
            """INSERT INTO agreement_evaluations(id, agreement_id, forum_id, period_index, period_start, period_end,
                   party_position, village_code, user_id, rating, went_well, status, submitted_at, updated_at)
               VALUES (3, 1, 1, 1, '2026-01-01', '2026-03-31', 2, '33.01.18.2001', 1002, 4, 'lancar', 'submitted',
                       ?, ?)""", (NOW, NOW))


async def test_existing_agreements_move_into_pelaksanaan_with_nothing_lost(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    _old_database(path)
    db = Database(path)
    await db.open()
    try:
        assert await db.schema_version() == len(load_migrations())
        repo = KerjasamaRepo(db)
        water = await repo.full(1)
        campus = await repo.full(2)
        assert water is not None and campus is not None
        a = water.agreement
        assert (a.stage, a.kind, a.status) == ("pelaksanaan", "antar_desa", "active")
        assert (a.title, a.bidang, a.objective, a.scope, a.funding_source, a.funding_amount) == (
            "Air bersih bersama", "air", "tujuan", "lingkup", "APB Desa", 25_000_000)
        assert (a.legal_basis, a.executing_body, a.document_file_id) == (
            "Peraturan Bersama Nomor 1", "BKAD Sidasari-Caruy", "FILE1")
        assert (a.start_date, a.end_date) == (date(2026, 1, 1), date(2027, 12, 31))
        assert [(p.name, p.rights_obligations) for p in water.parties] == [
            ("Sidasari", "menyediakan lahan"), ("Caruy", None)]
        assert water.total_funding == 25_000_000 and water.funding == ()
        [event] = water.timeline
        assert (event.id, event.kind, event.old_value, event.new_value, event.note, event.party_position) == (
            7, "renewed", "Kamis, 31 Desember 2026", "Jumat, 31 Desember 2027", "diperpanjang", None)
        [evaluation] = water.evaluations
        assert (evaluation.rating, evaluation.went_well, evaluation.status) == (4, "lancar", "submitted")
        assert campus.agreement.kind == "pihak_ketiga" and campus.agreement.stage == "pelaksanaan"
        assert campus.third_parties[0].name == "Universitas Jenderal Soedirman"
        assert campus.total_funding is None
        # The widened timeline takes the new kinds.
        await repo.event(1, "stage", LATER, by_user=1001, field="stage", old_value="pelaksanaan",
                         new_value="ditunda")
        again = await repo.full(1)
        assert again is not None and [e.kind for e in again.timeline] == ["renewed", "stage"]
    finally:
        await db.close()
