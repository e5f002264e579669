"""/ekspor, /laporan and the monthly digest through the real bot and the Telegram double."""

from __future__ import annotations

import io
import os
import zipfile
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pytest

from bot.agreements import service
from bot.reports.charts import PNG_SIGNATURE
from bot.reports.digest import plan_digest
from bot.reports.worker import WORKER, WORKER_NICENESS
from bot.reports.xlsx import DATE_FORMAT
from bot.telegram_double import SentMessage
from storage.agreements import AgreementRepo, NewParty
from storage.database import Tx
from storage.outbox import OutboxRepo
from storage.posts import PostRepo
from tests.conftest import SIDASARI_CIPARI, BotHarness, Person, seed_forum

CARUY = "33.01.18.2001"
KOORD, ANGGOTA, PENDAMPING, STRANGER = 1001, 1002, 1003, 1099


async def _forum(bot: BotHarness, **kwargs: object) -> int:
    return await seed_forum(bot.services, koordinator=KOORD, members={
        KOORD: ("Budi Santoso", SIDASARI_CIPARI), ANGGOTA: ("Sri <i>Wahyuni</i>", CARUY),
        PENDAMPING: ("Ahmad Fauzi", CARUY),
    }, roles={PENDAMPING: "pendamping"}, **kwargs)  # type: ignore[arg-type]


async def _pending(bot: BotHarness, forum_id: int, user_id: int, name: str) -> None:
    now = bot.clock.now()
    async with bot.services.db.transaction() as conn:
        await bot.services.members.upsert(conn, user_id=user_id, full_name=name, jabatan="sekdes",
                                          village_code=CARUY, language="id", now=now)
        await bot.services.members.add_membership(conn, forum_id=forum_id, user_id=user_id, role="anggota",
                                                  status="pending", now=now)


async def test_koordinator_exports_the_member_directory_as_xlsx(bot: BotHarness) -> None:
    forum_id = await _forum(bot)
    await _pending(bot, forum_id, 1010, "Dewi Lestari")
    async with bot.services.db.transaction() as conn:
        await bot.services.members.mark_unreachable(conn, ANGGOTA, "blocked", bot.clock.now())
    await bot.services.members.update(KOORD, bot.clock.now(), phone="+6281234567890")
    budi = bot.person(KOORD, "Budi")
    menu = await budi.say("/ekspor")
    assert "Ekspor data" in menu.text and "Forum Kades Cipari" in menu.text
    formats = await budi.press(menu, "Direktori anggota")  # no period: the directory is the current state
    assert "keadaan saat ini" in formats.text
    building = await budi.press(formats, "Excel")
    assert "Menyiapkan" in building.text
    document = await budi.next()
    assert document.kind == "document"
    assert document.file_name == "kades-forum-cipari-anggota.xlsx"
    assert "Anggota: 4 baris" in document.text
    wb = openpyxl.load_workbook(io.BytesIO(document.file_bytes or b""))
    assert wb.sheetnames == ["Anggota"]
    ws = wb["Anggota"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["Nama", "Jabatan", "Peran", "Status"]
    assert "Tanggal bergabung" in header and "No. HP" in header
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {"Budi Santoso", "Sri <i>Wahyuni</i>", "Ahmad Fauzi", "Dewi Lestari"}
    budi_row = rows["Budi Santoso"]
    assert budi_row["Peran"] == "Koordinator" and budi_row["Jabatan"] == "Kepala Desa"
    assert budi_row["Desa/Kelurahan"] == "Sidasari" and budi_row["Kecamatan"] == "Cipari"
    assert budi_row["Kabupaten/Kota"] == "Kabupaten Cilacap" and budi_row["Kode wilayah"] == SIDASARI_CIPARI
    assert budi_row["No. HP"] == "+6281234567890"
    assert budi_row["Tanggal bergabung"] == datetime(2026, 11, 24)  # a real date
    joined_col = header.index("Tanggal bergabung") + 1
    assert ws.cell(row=2, column=joined_col).is_date
    assert ws.cell(row=2, column=joined_col).number_format == DATE_FORMAT
    assert rows["Sri <i>Wahyuni</i>"]["Dapat dihubungi bot"] == "Tidak"
    assert rows["Sri <i>Wahyuni</i>"]["Keterangan"] == "Memblokir bot"
    assert rows["Dewi Lestari"]["Status"] == "Menunggu persetujuan"
    assert rows["Ahmad Fauzi"]["Peran"] == "Pendamping"
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:L5"
    # The file was built in the worker, which yields the CPU to the bot (a lower priority).
    assert WORKER.pids() and all(
        os.getpriority(os.PRIO_PROCESS, pid) == min(os.getpriority(os.PRIO_PROCESS, 0) + WORKER_NICENESS, 19)
        for pid in WORKER.pids())


async def test_pendamping_exports_csv(bot: BotHarness) -> None:
    await _forum(bot)
    ahmad = bot.person(PENDAMPING, "Ahmad")
    menu = await ahmad.say("/ekspor")
    formats = await ahmad.press(menu, "Direktori anggota")
    await ahmad.press(formats, "CSV")
    document = await ahmad.next()
    assert document.file_name == "kades-forum-cipari-anggota.csv"
    content = (document.file_bytes or b"").decode("utf-8-sig")
    assert content.splitlines()[0].startswith("Nama;Jabatan;Peran;Status")
    assert "Ahmad Fauzi" in content and "2026-11-24" in content


async def test_anggota_stranger_and_groups_are_refused(bot: BotHarness) -> None:
    forum_id = await _forum(bot, group_chat_id=-100555)
    sri = bot.person(ANGGOTA, "Sri")
    assert "hanya untuk koordinator atau pendamping" in (await sri.say("/ekspor")).text  # pendamping may too
    assert "hanya untuk koordinator" in (await sri.say("/laporan")).text
    stranger = bot.person(STRANGER, "Orang")
    assert "belum menjadi anggota" in (await stranger.say("/ekspor")).text
    assert "belum menjadi anggota" in (await stranger.say("/laporan")).text
    group = bot.double.group(-100555, "Forum", bot_status="administrator")
    budi = bot.person(KOORD, "Budi")
    answer = await budi.say("/ekspor", chat=group)
    assert "chat pribadi" in answer.text
    assert all(m.kind == "text" for m in bot.double.sent(-100555))
    # A forged button naming the forum is checked on the server.
    menu = await budi.say("/ekspor")
    cq = await bot.double.press_button(sri.user, menu, f"r:f:{forum_id}:m:all:x", force=True)
    alert = await bot.double.wait_for_answer(cq)
    assert not [m for m in bot.double.sent(ANGGOTA) if m.kind == "document"]
    assert alert["show_alert"] and "koordinator" in str(alert["text"])


async def test_no_data_of_another_forum(bot: BotHarness) -> None:
    await _forum(bot)
    other = await seed_forum(bot.services, koordinator=2001, name="Forum Kades Sampang",
                             members={2001: ("Rahmat", "33.01.17.2004"), 2002: ("Rahasia Orang Lain", CARUY)})
    budi = bot.person(KOORD, "Budi")
    menu = await budi.say("/ekspor")
    cq = await bot.double.press_button(budi.user, menu, f"r:f:{other}:m:all:x", force=True)
    await bot.double.wait_for_answer(cq)
    assert not [m for m in bot.double.sent(KOORD) if m.kind == "document"]
    formats = await budi.press(menu, "Direktori anggota")
    await budi.press(formats, "Excel")
    document = await bot.double.wait_for(KOORD, lambda m: m.kind == "document", timeout=15)
    assert b"Rahasia" not in (document.file_bytes or b"")


async def test_stale_and_malformed_buttons(bot: BotHarness) -> None:
    forum_id = await _forum(bot)
    budi = bot.person(KOORD, "Budi")
    menu = await budi.say("/ekspor")
    presses = []
    for data in (f"r:w:{forum_id}:zz", f"r:f:{forum_id}:m:all:q", f"r:f:{forum_id}:m:bogus:x",
                 f"r:m:{forum_id}:209912", f"r:m:{forum_id}:abc", "r:w:notanumber:m"):
        presses.append(await bot.double.press_button(budi.user, menu, data, force=True))
    answers = [await bot.double.wait_for_answer(cq) for cq in presses]
    assert len(bot.double.answered_callbacks) == 6 and all("tidak berlaku" in str(a["text"]) for a in answers)
    assert not [m for m in bot.double.sent(KOORD) if m.kind in ("document", "photo")]


async def test_laporan_sends_a_chart_and_the_numbers(bot: BotHarness) -> None:
    forum_id = await _forum(bot)
    await _pending(bot, forum_id, 1010, "Dewi Lestari")
    budi = bot.person(KOORD, "Budi")
    await budi.send("/laporan")
    photo = await budi.next()
    assert photo.kind == "photo" and (photo.file_bytes or b"")[:8] == PNG_SIGNATURE
    assert "November 2026" in photo.text
    text = await budi.next()
    assert "Laporan bulanan" in text.text
    assert "Anggota aktif: 3 (baru bulan ini: 3)" in text.text
    assert "Permintaan bergabung menunggu: 1" in text.text
    assert "Oktober 2026" in text.button_texts()[0] and len(text.button_texts()) == 1  # no future month
    older = await budi.press(text, "Oktober 2026")
    assert older.kind == "photo" and "Oktober 2026" in older.text
    again = await budi.next()
    assert "baru bulan ini: 0" in again.text and any("November 2026" in b for b in again.button_texts())


async def test_export_keeps_the_bot_answering_others(bot: BotHarness) -> None:
    await _forum(bot)
    budi = bot.person(KOORD, "Budi")
    ahmad = bot.person(PENDAMPING, "Ahmad")
    menu = await budi.say("/ekspor")
    formats = await budi.press(menu, "Direktori anggota")
    await bot.double.press_button(budi.user, formats, formats.callback_for("Excel"))
    assert "Anggota" in (await ahmad.say("/anggota")).text


async def test_monthly_digest_is_planned_once_per_koordinator_and_sent(bot: BotHarness) -> None:
    forum_id = await _forum(bot)
    budi = bot.person(KOORD, "Budi")  # has started the bot before the digest can go out
    await _pending(bot, forum_id, 1010, "Dewi <Lestari>")
    async with bot.services.db.transaction() as conn:
        await bot.services.members.mark_unreachable(conn, ANGGOTA, "blocked", bot.clock.now())
    services = bot.services
    outbox = OutboxRepo(services.db)
    key = f"report:digest:{forum_id}:2026-11:to:{KOORD}"

    # 1 Dec 06:59 WIB: not yet.
    bot.clock.set(datetime(2026, 11, 30, 23, 59, tzinfo=UTC))
    await plan_digest(services, bot.clock.now())
    assert await outbox.by_key(key) is None
    # 07:00 WIB on the 1st: one row per koordinator, and running again changes nothing.
    bot.clock.set(datetime(2026, 12, 1, 0, 0, tzinfo=UTC))
    await plan_digest(services, bot.clock.now())
    await plan_digest(services, bot.clock.now() + timedelta(hours=5))
    rows = await services.db.fetchall("SELECT * FROM outbox WHERE idem_key LIKE 'report:digest:%'")
    assert [r["idem_key"] for r in rows] == [key]
    assert rows[0]["chat_id"] == KOORD and rows[0]["priority"] == 2
    services.delivery.wake()
    digest = await budi.next(timeout=20)
    assert "Ringkasan bulanan" in digest.text and "November 2026" in digest.text
    assert "Sri <i>Wahyuni</i> (Caruy) — memblokir bot" in digest.text
    assert "Dewi <Lestari> (Caruy)" in digest.text
    # After sending, later runs still do not queue it again.
    await plan_digest(services, bot.clock.now() + timedelta(days=1))
    assert (await services.db.fetchval("SELECT count(*) FROM outbox WHERE idem_key LIKE 'report:digest:%'")) == 1
    # The chart button renders the chart as the answer to the press.
    photo = await budi.press(digest, "Lihat grafik")
    assert photo.kind == "photo" and (photo.file_bytes or b"")[:8] == PNG_SIGNATURE
    # After the catch-up window nothing new; next month a new key.
    await plan_digest(services, datetime(2026, 12, 4, 0, 0, tzinfo=UTC))
    assert (await services.db.fetchval("SELECT count(*) FROM outbox WHERE idem_key LIKE 'report:digest:%'")) == 1
    await plan_digest(services, datetime(2027, 1, 1, 0, 0, tzinfo=UTC))
    assert await outbox.by_key(f"report:digest:{forum_id}:2026-12:to:{KOORD}") is not None


async def test_digest_not_for_non_coordinators_and_zone_aware(bot: BotHarness) -> None:
    forum_id = await _forum(bot)
    await bot.services.db.execute("UPDATE forums SET timezone = 'Asia/Jayapura' WHERE id = ?", (forum_id,))
    # 1 Dec 07:00 WIT = 30 Nov 22:00 UTC.
    await plan_digest(bot.services, datetime(2026, 11, 30, 21, 59, tzinfo=UTC))
    assert not await bot.services.db.fetchval("SELECT count(*) FROM outbox WHERE idem_key LIKE 'report:%'")
    await plan_digest(bot.services, datetime(2026, 11, 30, 22, 0, tzinfo=UTC))
    rows = await bot.services.db.fetchall("SELECT chat_id FROM outbox WHERE idem_key LIKE 'report:%'")
    assert [r["chat_id"] for r in rows] == [KOORD]


async def test_typed_period_form_with_bad_input(bot: BotHarness) -> None:
    forum_id = await _forum(bot)
    budi = bot.person(KOORD, "Budi")
    menu = await budi.say("/ekspor")
    await bot.double.press_button(budi.user, menu, f"r:c:{forum_id}:m", force=True)
    ask = await budi.next()
    assert "tanggal <b>awal</b>" in ask.html
    assert "tidak saya kenali" in (await budi.say("kemarin lusa entah")).text
    assert "tidak saya kenali" in (await budi.say("x" * 5000)).text
    assert "hanya 28 hari" in (await budi.say("31 Februari 2026")).text
    draft = await bot.services.drafts.get(KOORD)
    assert draft is not None and draft.flow == "re" and draft.step == "start"
    confirm = await budi.say("1 Januari 2026")
    assert "1 Januari 2026" in confirm.text
    to_ask = await _press_on(budi, confirm, "Benar")
    assert "tanggal <b>akhir</b>" in to_ask.html
    confirm = await budi.say("31/03/2026")
    review = await _press_on(budi, confirm, "Benar")
    assert "Tanggal awal:</b> 1 Jan 2026" in review.html and "Tanggal akhir:</b> 31 Mar 2026" in review.html
    # Ubah: the last day becomes the end of February.
    again = await _press_on(budi, review, "Ubah tanggal akhir")
    assert "tanggal <b>akhir</b>" in again.html
    confirm = await budi.say("28/02/2026")
    review = await _press_on(budi, confirm, "Benar")
    assert "Tanggal akhir:</b> 28 Feb 2026" in review.html
    formats = await budi.press(review, "Lanjut")
    assert "Pilih format" in formats.text
    assert any("c20260101-20260228" in d for d in formats.callback_data())
    assert await bot.services.drafts.get(KOORD) is None


async def test_a_typed_period_begun_before_the_upgrade_is_dropped(bot: BotHarness) -> None:
    await _forum(bot)
    budi = bot.person(KOORD, "Budi")
    await bot.services.drafts.save(KOORD, "rep_export", "to", {"forum": 1, "src": "m", "start": "2026-01-01"},
                                   bot.clock.now())
    reply = await budi.say("31/03/2026")
    assert "/ekspor" in reply.text and "diulang" in reply.text
    assert await bot.services.drafts.get(KOORD) is None


async def _press_on(person: Person, message: SentMessage, label: str) -> SentMessage:
    """Press a button; the bot's answer (skipping the edit that only removes the pressed buttons)."""
    before = message.text  # the double edits its message objects in place
    got = await person.press(message, label)
    return await person.next() if got.edited and got.text == before else got


async def test_double_press_builds_one_file(bot: BotHarness) -> None:
    await _forum(bot)
    budi = bot.person(KOORD, "Budi")
    menu = await budi.say("/ekspor")
    formats = await budi.press(menu, "Direktori anggota")
    data = formats.callback_for("Excel")
    await bot.double.press_button(budi.user, formats, data)
    await bot.double.press_button(budi.user, formats, data, force=True)
    await bot.double.wait_for(KOORD, lambda m: m.kind == "document", timeout=15)
    await bot.double.wait_idle()
    assert len([m for m in bot.double.sent(KOORD) if m.kind == "document"]) == 1
    assert any("sudah diproses" in str(a["text"]) for a in bot.double.answered_callbacks.values())


async def test_a_large_export_does_not_hold_up_other_users(bot: BotHarness) -> None:
    forum_id = await _forum(bot)
    now = bot.clock.now()
    async with bot.services.db.transaction() as conn:
        for i in range(4000):
            user_id = 500_000 + i
            await bot.services.members.upsert(conn, user_id=user_id, full_name=f"Anggota {i}", jabatan="kades",
                                              village_code=CARUY, language="id", now=now)
            await bot.services.members.add_membership(conn, forum_id=forum_id, user_id=user_id, role="anggota",
                                                      status="active", now=now, decided_by=KOORD)
    other = await seed_forum(bot.services, koordinator=3001, name="Forum Lain", members={3001: ("Lain", CARUY)})
    assert other
    budi = bot.person(KOORD, "Budi")
    menu = await budi.say("/ekspor")
    formats = await budi.press(menu, "Direktori anggota")
    await bot.double.press_button(budi.user, formats, formats.callback_for("Excel"))
    lain = bot.person(3001, "Lain")
    profile = await lain.say("/profil")
    assert "Lain" in profile.text
    document = await bot.double.wait_for(KOORD, lambda m: m.kind == "document", timeout=60)
    # The other user was answered while the file was still being built.
    assert profile.date <= document.date
    assert bot.double.sent().index(profile) < bot.double.sent().index(document)
    wb = openpyxl.load_workbook(io.BytesIO(document.file_bytes or b""), read_only=True)
    assert sum(1 for _ in wb["Anggota"].iter_rows()) == 4004  # write-only files carry no dimension


async def _file_ready(bot: BotHarness) -> None:
    """After the file(s): the progress message turns into "siap" (edited in place)."""
    ready = await bot.double.wait_for(KOORD, lambda m: "siap" in (m.text or ""), timeout=15)
    assert ready.text.startswith("✅")


async def _meetings(bot: BotHarness, forum_id: int) -> dict[str, int]:
    """Sep, Oct, Nov meetings with a daftar hadir (Sri absent from all three), a cancelled one in
    November, one in December still to come; minutes and a tindak lanjut for November."""
    now = bot.clock.now()
    ids: dict[str, int] = {}
    async with bot.services.write() as tx:
        for name, when, present in (
            ("sep", datetime(2026, 9, 10, 2, 0, tzinfo=UTC), {KOORD: True, ANGGOTA: False, PENDAMPING: True}),
            ("oct", datetime(2026, 10, 8, 2, 0, tzinfo=UTC), {KOORD: True, ANGGOTA: False, PENDAMPING: False}),
            ("nov", datetime(2026, 11, 5, 2, 0, tzinfo=UTC), {KOORD: True, ANGGOTA: False, PENDAMPING: True}),
            ("cancelled", datetime(2026, 11, 19, 2, 0, tzinfo=UTC), None),
            ("dec", datetime(2026, 12, 3, 2, 0, tzinfo=UTC), None),
        ):
            meeting_id = await tx.meetings.create(
                forum_id=forum_id, title=f"Pertemuan rutin {name}", starts_at=when, duration_minutes=120,
                timezone="Asia/Jakarta", place_kind="village", host_village_code=SIDASARI_CIPARI, created_by=KOORD,
                now=now)
            ids[name] = meeting_id
            await tx.meetings.set_rsvp(meeting_id=meeting_id, user_id=KOORD, answer="yes", party_size=2,
                                       reason=None, via="private", now=now)
            await tx.meetings.set_rsvp(meeting_id=meeting_id, user_id=ANGGOTA, answer="no", party_size=1,
                                       reason="Musrenbang desa", via="private", now=now)
            if present is not None:
                await tx.meetings.record_attendance(
                    meeting_id, [(uid, None, flag) for uid, flag in present.items()], KOORD, now)
        await tx.conn.execute("UPDATE meetings SET status = 'cancelled', cancel_reason = 'Banjir' WHERE id = ?",
                           (ids["cancelled"],))
        await tx.meetings.save_minutes(ids["nov"], ["Gotong royong 1 Desember", "=SUM(A1)"], "Catatan",
                                       KOORD, now)
        await tx.meetings.add_action(meeting_id=ids["nov"], forum_id=forum_id, text="Data BUMDes",
                                     owner_user_id=ANGGOTA, due_date=date(2026, 11, 30), now=now)
    return ids


async def test_export_all_data_for_this_year_with_meetings(bot: BotHarness) -> None:
    forum_id = await _forum(bot)
    ids = await _meetings(bot, forum_id)
    budi = bot.person(KOORD, "Budi")
    menu = await budi.say("/ekspor")
    assert menu.button_texts()[:2] == ["👥 Direktori anggota", "🗓 Pertemuan & kehadiran"]
    assert menu.button_texts()[-1] == "📦 Semua data"
    periods = await budi.press(menu, "Semua data")
    assert "periode" in periods.text
    formats = await budi.press(periods, "Tahun ini")
    assert "2026" in formats.text and formats.button_texts() == ["📊 Excel (.xlsx)", "🗜 CSV (zip)",
                                                                  "📄 CSV per tabel"]
    await budi.press(formats, "Excel")
    document = await bot.double.wait_for(KOORD, lambda m: m.kind == "document", timeout=15)
    assert document.file_name == "kades-forum-cipari-2026.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(document.file_bytes or b""))
    assert wb.sheetnames[:4] == ["Anggota", "Pertemuan", "Daftar hadir", "Tindak lanjut pertemuan"]
    assert "Kunjungan kerja" in wb.sheetnames  # present with its header even when nothing happened
    ws = wb["Pertemuan"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["No.", "Judul", "Tanggal", "Mulai"]
    rows = {r[1]: dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert list(rows) == [f"Pertemuan rutin {n}" for n in ("sep", "oct", "nov", "cancelled", "dec")]
    nov = rows["Pertemuan rutin nov"]
    assert nov["Tanggal"] == datetime(2026, 11, 5) and nov["Mulai"] == datetime(2026, 11, 5, 9, 0)  # WIB
    assert nov["Tempat"] == "Desa Sidasari" and nov["Durasi (menit)"] == 120
    assert nov["Konfirmasi hadir"] == 1 and nov["Jumlah orang (konfirmasi)"] == 2
    assert nov["Tercatat di daftar hadir"] == 3 and nov["Hadir"] == 2
    assert abs(nov["Tingkat kehadiran"] - 2 / 3) < 1e-9
    assert nov["Keputusan"] == "1. Gotong royong 1 Desember\n2. =SUM(A1)"
    assert rows["Pertemuan rutin cancelled"]["Status"] == "Dibatalkan (Banjir)"
    assert rows["Pertemuan rutin dec"]["Tingkat kehadiran"] is None
    rate_cell = ws.cell(row=4, column=header.index("Tingkat kehadiran") + 1)
    assert rate_cell.number_format == "0%" and rate_cell.data_type == "n"
    assert ws.cell(row=4, column=4).is_date
    hadir = wb["Daftar hadir"]
    lines = list(hadir.iter_rows(min_row=2, values_only=True))
    assert len(lines) == 9
    sri = next(r for r in lines if r[3] == "Sri <i>Wahyuni</i>" and r[0] == ids["nov"])
    assert sri[4] == "Caruy" and sri[5] == "Tidak" and sri[6] == "Tidak hadir" and sri[7] == "Musrenbang desa"
    actions = list(wb["Tindak lanjut pertemuan"].iter_rows(min_row=2, values_only=True))
    assert len(actions) == 1
    assert actions[0][3:8] == ("Data BUMDes", "Sri <i>Wahyuni</i>", "Caruy", datetime(2026, 11, 30), "Terbuka")


async def test_export_last_month_as_csv_zip_and_per_table(bot: BotHarness) -> None:
    forum_id = await _forum(bot)
    await _meetings(bot, forum_id)
    budi = bot.person(KOORD, "Budi")
    menu = await budi.say("/ekspor")
    periods = await budi.press(menu, "Semua data")
    formats = await budi.press(periods, "Bulan lalu")
    await budi.press(formats, "CSV (zip)")
    document = await bot.double.wait_for(KOORD, lambda m: m.kind == "document", timeout=15)
    await _file_ready(bot)
    assert document.file_name == "kades-forum-cipari-2026-10-csv.zip"

    archive = zipfile.ZipFile(io.BytesIO(document.file_bytes or b""))
    names = sorted(archive.namelist())
    assert {"kades-forum-cipari-2026-10-anggota.csv", "kades-forum-cipari-2026-10-daftar-hadir.csv",
            "kades-forum-cipari-2026-10-pertemuan.csv",
            "kades-forum-cipari-2026-10-tindak-lanjut-pertemuan.csv"} <= set(names)
    meetings_csv = archive.read("kades-forum-cipari-2026-10-pertemuan.csv").decode("utf-8-sig")
    assert "Pertemuan rutin oct" in meetings_csv and "Pertemuan rutin nov" not in meetings_csv
    menu = await budi.say("/ekspor")
    periods = await budi.press(menu, "Pertemuan")
    formats = await budi.press(periods, "Bulan ini")
    await budi.press(formats, "CSV per tabel")
    documents = []
    for _ in range(3):
        documents.append(await bot.double.wait_for(KOORD, lambda m: m.kind == "document", timeout=15))
    await _file_ready(bot)
    assert [d.file_name for d in documents] == [
        "kades-forum-cipari-pertemuan-2026-11-pertemuan.csv", "kades-forum-cipari-pertemuan-2026-11-daftar-hadir.csv",
        "kades-forum-cipari-pertemuan-2026-11-tindak-lanjut-pertemuan.csv"]
    assert "Daftar hadir: 3 baris" in documents[1].text


async def test_laporan_with_meetings_shows_attendance_and_who_missed_three(bot: BotHarness) -> None:
    forum_id = await _forum(bot)
    await _meetings(bot, forum_id)
    budi = bot.person(KOORD, "Budi")
    await budi.send("/laporan")
    photo = await budi.next()
    assert photo.kind == "photo"
    text = await budi.next()
    assert "Pertemuan: 1, kehadiran 67%" in text.text
    assert "Absen 3 pertemuan terakhir: Sri <i>Wahyuni</i> (Caruy)" in text.text
    # In September only one meeting with a daftar hadir existed: no "missed three" yet.
    older = await budi.press(text, "Oktober 2026")
    assert older.kind == "photo"
    october = await budi.next()
    september_photo = await budi.press(october, "September 2026")
    assert september_photo.kind == "photo"
    september = await budi.next()
    assert "Pertemuan: 1, kehadiran 67%" in september.text and "Absen" not in september.text


async def _visits(bot: BotHarness, forum_id: int) -> None:
    """Kunjungan kerja: two in November (done, accepted), one refused, one in October, one elsewhere."""
    now = bot.clock.now()
    other = await seed_forum(bot.services, koordinator=2001, name="Forum Lain",
                             members={2001: ("Rahmat", "33.01.17.2004"), 2002: ("Rahasia", CARUY)})
    plan = (
        (forum_id, KOORD, SIDASARI_CIPARI, ANGGOTA, CARUY, "selesai", "2026-11-10", ["tani", "air"], None),
        (forum_id, ANGGOTA, CARUY, KOORD, SIDASARI_CIPARI, "diterima", "2026-11-28", ["wisata"], None),
        (forum_id, PENDAMPING, CARUY, KOORD, SIDASARI_CIPARI, "ditolak", None, ["umkm"], "Sibuk <panen>"),
        (forum_id, KOORD, SIDASARI_CIPARI, ANGGOTA, CARUY, "selesai", "2026-10-05", ["tani"], None),
        (other, 2001, "33.01.17.2004", 2002, CARUY, "selesai", "2026-11-12", ["tani"], None),
    )
    async with bot.services.write() as tx:
        for forum, req, req_village, host, host_village, state, day, bidang, reason in plan:
            visit_id = await tx.visits.create(
                forum_id=forum, requester_user_id=req, requester_village=req_village, host_user_id=host,
                host_village=host_village, purpose=f"Belajar {bidang[0]}", bidang=bidang, people=5, message="",
                state=state, awaiting=None, proposed=(), round=1, now=now)  # type: ignore[arg-type]
            await tx.conn.execute("UPDATE visits SET visit_date = ?, reason = ? WHERE id = ?", (day, reason, visit_id))
            if day == "2026-11-10":
                await tx.visits.save_report(visit_id=visit_id, author_user_id=req, learned="Irigasi tetes",
                                            will_apply="Uji coba di 2 dusun", photos=[], now=now)


async def test_export_visits_this_month(bot: BotHarness) -> None:
    forum_id = await _forum(bot)
    await _visits(bot, forum_id)
    budi = bot.person(KOORD, "Budi")
    menu = await budi.say("/ekspor")
    assert "🚌 Kunjungan kerja" in menu.button_texts()
    periods = await budi.press(menu, "Kunjungan kerja")
    formats = await budi.press(periods, "Bulan ini")
    await budi.press(formats, "Excel")
    document = await bot.double.wait_for(KOORD, lambda m: m.kind == "document", timeout=15)
    assert document.file_name == "kades-forum-cipari-kunjungan-2026-11.xlsx"
    ws = openpyxl.load_workbook(io.BytesIO(document.file_bytes or b""))["Kunjungan kerja"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert [r["Status"] for r in rows] == ["Selesai", "Ditolak", "Diterima"]  # by day (asked on the 24th)
    done = rows[0]
    assert done["Desa pengunjung"] == "Sidasari" and done["Desa tuan rumah"] == "Caruy"
    assert done["Kecamatan pengunjung"] == "Cipari" and done["Pengaju"] == "Budi Santoso"
    assert done["Bidang"] == "Pertanian, Air bersih dan sanitasi" and done["Jumlah orang"] == 5
    assert done["Tanggal kunjungan"] == datetime(2026, 11, 10)
    assert done["Yang dipelajari"] == "Irigasi tetes" and done["Laporan dibagikan"] == "Tidak"
    assert rows[1]["Alasan ditolak/dibatalkan"] == "Sibuk <panen>" and rows[1]["Tanggal kunjungan"] is None
    assert rows[1]["Diajukan pada"] == datetime(2026, 11, 24, 10, 0)
    assert "Rahasia" not in str(rows)


async def test_laporan_counts_visits_made_and_hosted(bot: BotHarness) -> None:
    forum_id = await _forum(bot)
    await _visits(bot, forum_id)
    from zoneinfo import ZoneInfo

    from bot.reports.monthly import monthly_report
    from storage.reports import ReportRepo

    report = await monthly_report(ReportRepo(bot.services.db), forum_id=forum_id, forum_name="F",
                                  tz=ZoneInfo("Asia/Jakarta"), month=date(2026, 11, 1), now=bot.clock.now())
    assert {(v.village, v.made, v.hosted) for v in report.visits or []} == {("Sidasari", 1, 1), ("Caruy", 1, 1)}
    budi = bot.person(KOORD, "Budi")
    await budi.send("/laporan")
    assert (await budi.next()).kind == "photo"
    text = await budi.next()
    assert "Kunjungan kerja: 2" in text.text


async def _posts(bot: BotHarness, forum_id: int) -> None:
    other = await seed_forum(bot.services, koordinator=2001, name="Forum Lain",
                             members={2001: ("Rahmat", "33.01.17.2004")})
    plan = (
        (forum_id, KOORD, SIDASARI_CIPARI, "Irigasi tetes", "tani", "berhasil", datetime(2026, 11, 3, 2, 0, tzinfo=UTC),
         "published", [("photo", "AgACfake1", None)]),
        (forum_id, ANGGOTA, CARUY, "Gagal panen <b>", "tani", "gagal", datetime(2026, 11, 20, 2, 0, tzinfo=UTC),
         "published", []),
        (forum_id, ANGGOTA, CARUY, "Sampah plastik", "lingk", "pelajaran", datetime(2026, 11, 21, 2, 0, tzinfo=UTC),
         "hidden", []),
        (forum_id, KOORD, SIDASARI_CIPARI, "Wisata air", "wisata", "berhasil", datetime(2026, 10, 31, 18, 0, tzinfo=UTC),
         "published", []),  # 1 November 01.00 WIB
        (other, 2001, "33.01.17.2004", "Rahasia lain", "tani", "berhasil", datetime(2026, 11, 5, tzinfo=UTC),
         "published", []),
    )
    async with bot.services.db.transaction() as conn:
        for forum, author, village, title, bidang, kind, when, status, attachments in plan:
            await PostRepo(Tx(conn)).create(forum_id=forum, author_user_id=author, village_code=village, title=title,
                              bidang=bidang, kind=kind, story=f"Cerita {title}", now=when, attachments=attachments,
                              status=status)  # type: ignore[arg-type]


async def test_export_posts_and_report_posts_per_bidang(bot: BotHarness) -> None:
    forum_id = await _forum(bot)
    await _posts(bot, forum_id)
    budi = bot.person(KOORD, "Budi")
    menu = await budi.say("/ekspor")
    periods = await budi.press(menu, "Berbagi pengalaman")
    formats = await budi.press(periods, "Bulan ini")
    await budi.press(formats, "Excel")
    document = await bot.double.wait_for(KOORD, lambda m: m.kind == "document", timeout=15)
    await _file_ready(bot)
    assert document.file_name == "kades-forum-cipari-berbagi-2026-11.xlsx"
    ws = openpyxl.load_workbook(io.BytesIO(document.file_bytes or b""))["Berbagi pengalaman"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert [r["Judul"] for r in rows] == ["Wisata air", "Irigasi tetes", "Gagal panen <b>", "Sampah plastik"]
    assert rows[0]["Tanggal"] == datetime(2026, 11, 1) and rows[0]["Dibuat"] == datetime(2026, 11, 1, 1, 0)
    assert rows[1]["Jenis"] == "Berhasil" and rows[1]["Bidang"] == "Pertanian" and rows[1]["Lampiran"] == 1
    assert rows[1]["Penulis"] == "Budi Santoso" and rows[1]["Desa/Kelurahan"] == "Sidasari"
    assert rows[3]["Status"] == "Disembunyikan koordinator"
    assert "Rahasia" not in str(rows)
    await budi.send("/laporan")
    assert (await budi.next()).kind == "photo"
    text = await budi.next()
    # Published posts only: Pertanian 2, Pariwisata 1 (the hidden one is not counted).
    assert "Berbagi pengalaman: 3 cerita (terbanyak: Pertanian)" in text.text


async def _agreements(bot: BotHarness, forum_id: int) -> None:
    """Water cooperation (Sidasari-Caruy, monthly) with two evaluated periods, one late follow-up;
    an old road agreement with a third party that ended early; one in another forum."""
    now = bot.clock.now()
    repo = AgreementRepo(bot.services.db)
    other = await seed_forum(bot.services, koordinator=2001, name="Forum Lain",
                             members={2001: ("Rahmat", "33.01.17.2004")})
    async with bot.services.db.transaction() as conn:
        water = await repo.create(
            conn, forum_id=forum_id, title="Pengelolaan air bersih", bidang="air", objective="Air bersih",
            scope="Dua desa", funding_source="Dana Desa", funding_amount=150_000_000, legal_basis="Perbup 1/2026",
            executing_body="BKAD", start_date=date(2026, 7, 1), end_date=date(2027, 6, 30), rhythm="bulanan",
            eval_from=date(2026, 7, 1), document_file_id=None, document_kind=None, created_by=KOORD, now=now,
            parties=[NewParty(kind="desa", name="Sidasari", village_code=SIDASARI_CIPARI),
                     NewParty(kind="desa", name="Caruy", village_code=CARUY)])
        road = await repo.create(
            conn, forum_id=forum_id, title="Jalan usaha tani", bidang="jalan", objective=None, scope=None,
            funding_source=None, funding_amount=None, legal_basis=None, executing_body=None,
            start_date=date(2025, 1, 1), end_date=date(2025, 12, 31), rhythm="tahunan", eval_from=date(2025, 1, 1),
            document_file_id=None, document_kind=None, created_by=KOORD, now=now,
            parties=[NewParty(kind="desa", name="Sidasari", village_code=SIDASARI_CIPARI),
                     NewParty(kind="pihak_ketiga", name="CV Maju")])
        await conn.execute("UPDATE agreements SET status = 'ended', ended_early_on = '2025-10-01', "
                           "end_reason = 'Dana habis' WHERE id = ?", (road,))
        await repo.create(
            conn, forum_id=other, title="Rahasia lain", bidang=None, objective=None, scope=None, funding_source=None,
            funding_amount=None, legal_basis=None, executing_body=None, start_date=date(2026, 1, 1),
            end_date=date(2027, 1, 1), rhythm="triwulan", eval_from=date(2026, 1, 1), document_file_id=None,
            document_kind=None, created_by=2001, now=now, parties=[NewParty(kind="desa", name="X", village_code=CARUY)])
        for index, starts, ends in ((3, date(2026, 9, 2), date(2026, 10, 1)), (4, date(2026, 10, 2), date(2026, 11, 1))):
            await repo.open_period(conn, agreement_id=water, forum_id=forum_id, index=index, starts=starts, ends=ends,
                                   now=now)
    agreement = await repo.get(water)
    assert agreement is not None
    for index, ratings in ((3, (4, 5)), (4, (3, 4))):
        period = await repo.period(water, index)
        assert period is not None
        for position, rating in zip((1, 2), ratings, strict=True):
            evaluation = await repo.save_answer(agreement=agreement, period=period, position=position, user_id=KOORD,
                                                now=now, rating=rating, went_well="Pipa terpasang", kendala="Debit turun")
            async with bot.services.db.transaction() as conn:
                assert await repo.submit(conn, evaluation.id, KOORD, now)
    evaluation = await repo.evaluation(water, 4, 2)
    assert evaluation is not None
    await repo.add_followup(agreement=agreement, evaluation=evaluation, description="Perbaiki pompa",
                            owner_position=2, owner_name="Caruy", due_date=date(2026, 11, 15), created_by=KOORD,
                            now=now)
    await service.report(bot.services, water, KOORD, period_start=date(2026, 10, 2), period_end=date(2026, 11, 1),
                         done="Pipa 2 km terpasang", next_steps="Bak penampung")


async def test_export_agreements_with_evaluations_and_followups(bot: BotHarness) -> None:
    forum_id = await _forum(bot)
    await _agreements(bot, forum_id)
    budi = bot.person(KOORD, "Budi")
    menu = await budi.say("/ekspor")
    assert menu.button_texts() == ["👥 Direktori anggota", "🗓 Pertemuan & kehadiran", "🚌 Kunjungan kerja",
                                   "📝 Berbagi pengalaman", "🤝 Kerja sama & evaluasi", "📦 Semua data"]
    periods = await budi.press(menu, "Kerja sama")
    formats = await budi.press(periods, "Bulan ini")
    await budi.press(formats, "Excel")
    document = await bot.double.wait_for(KOORD, lambda m: m.kind == "document", timeout=15)
    await _file_ready(bot)
    assert document.file_name == "kades-forum-cipari-kerjasama-2026-11.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(document.file_bytes or b""))
    assert wb.sheetnames == ["Kerja sama", "Evaluasi", "Tindak lanjut kerja sama", "Laporan kerja sama"]
    ws = wb["Kerja sama"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert [r["Judul"] for r in rows] == ["Pengelolaan air bersih"]  # the ended road does not overlap November
    water = rows[0]
    assert water["Para pihak"] == "Sidasari; Caruy" and water["Bidang"] == "Air bersih dan sanitasi"
    assert water["Nilai"] == 150_000_000 and water["Mulai"] == datetime(2026, 7, 1)
    assert water["Status"] == "Aktif" and water["Ritme evaluasi"] == "Bulanan"
    assert water["Jumlah evaluasi"] == 2 and water["Rata-rata nilai"] == 3.5 and water["Tindak lanjut terbuka"] == 1
    assert water["Jenis kerja sama"] == "Antardesa" and water["Tahap"] == "Pelaksanaan"
    assert water["Jumlah pendanaan"] == 150_000_000 and water["Pendanaan per pihak"] is None  # recorded before 0012
    [report] = list(wb["Laporan kerja sama"].iter_rows(min_row=2, values_only=True))
    assert report[1:6] == ("Pengelolaan air bersih", datetime(2026, 10, 2), datetime(2026, 11, 1),
                           "Pipa 2 km terpasang", "Bak penampung") and report[6] == 3.5
    money = ws.cell(row=2, column=header.index("Nilai") + 1)
    assert money.data_type == "n" and money.number_format == '"Rp"#,##0'
    assert ws.cell(row=2, column=header.index("Mulai") + 1).is_date
    evaluations = list(wb["Evaluasi"].iter_rows(min_row=2, values_only=True))
    assert [(e[2], e[5], e[6]) for e in evaluations] == [(4, "Sidasari", 3), (4, "Caruy", 4)]
    assert evaluations[0][4] == datetime(2026, 11, 1) and evaluations[0][9] == datetime(2026, 11, 24, 10, 0)
    followups = list(wb["Tindak lanjut kerja sama"].iter_rows(min_row=2, values_only=True))
    assert followups[0][3:7] == ("Perbaiki pompa", "Caruy", datetime(2026, 11, 15), "Terlambat")
    assert b"Rahasia" not in (document.file_bytes or b"")
    # All time: the ended agreement is there with its early end.
    menu = await budi.say("/ekspor")
    periods = await budi.press(menu, "Kerja sama")
    formats = await budi.press(periods, "Semua waktu")
    await budi.press(formats, "Excel")
    document = await bot.double.wait_for(KOORD, lambda m: m.kind == "document", timeout=15)
    await _file_ready(bot)
    ws = openpyxl.load_workbook(io.BytesIO(document.file_bytes or b""))["Kerja sama"]
    road = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[1] == "Jalan usaha tani")
    assert road[3] == "Sidasari; CV Maju" and road[13] == "Berakhir" and road[14] == datetime(2025, 10, 1)


async def test_laporan_with_agreements_states_and_ratings(bot: BotHarness) -> None:
    forum_id = await _forum(bot)
    await _agreements(bot, forum_id)
    budi = bot.person(KOORD, "Budi")
    await budi.send("/laporan")
    text = await bot.double.wait_for(KOORD, lambda m: "Kerja sama: aktif 1" in m.text)
    photos = [m for m in bot.double.sent(KOORD) if m.kind == "photo"]
    # Joins, agreements and ratings: three panels, two per page, sent as one album.
    assert len(photos) == 2 and all((p.file_bytes or b"")[:8] == PNG_SIGNATURE for p in photos)
    assert "Laporan" in photos[0].text or photos[0].text  # the album's caption is on its first photo
    assert "Kerja sama: aktif 1, berakhir 1" in text.text
    assert "Rata-rata nilai evaluasi: 3,5 (2 evaluasi)" in text.text


async def test_all_time_export_includes_the_announced_meeting_and_opens_in_indonesian_excel(bot: BotHarness) -> None:
    """'Semua waktu' reaches the December meeting still to come, as 'Bulan ini' reaches November's."""
    forum_id = await _forum(bot)
    await _meetings(bot, forum_id)
    budi = bot.person(KOORD, "Budi")
    menu = await budi.say("/ekspor")
    periods = await budi.press(menu, "Pertemuan")
    formats = await budi.press(periods, "Semua")
    await budi.press(formats, "CSV per tabel")
    document = await bot.double.wait_for(
        KOORD, lambda m: m.kind == "document" and (m.file_name or "").endswith("-pertemuan.csv"), timeout=15)
    meetings_csv = (document.file_bytes or b"").decode("utf-8-sig")
    assert "Pertemuan rutin dec" in meetings_csv and "Pertemuan rutin sep" in meetings_csv
    assert meetings_csv.splitlines()[0].count(";") >= 3  # semicolons: one click in Indonesian Excel


async def test_an_export_too_big_for_one_file_goes_per_year(bot: BotHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    from handlers import reports as reports_handlers

    monkeypatch.setattr(reports_handlers, "SPLIT_ABOVE", 1)  # every file counts as too big
    forum_id = await _forum(bot)
    await _meetings(bot, forum_id)
    budi = bot.person(KOORD, "Budi")
    menu = await budi.say("/ekspor")
    periods = await budi.press(menu, "Pertemuan")
    formats = await budi.press(periods, "Semua")
    await budi.press(formats, "Excel")
    notice = await bot.double.wait_for(KOORD, lambda m: "per tahun" in m.text)
    assert "2026 sampai 2027" in notice.text
    await bot.double.wait_for(KOORD, lambda m: "siap" in m.text.lower())
    files = [m.file_name for m in bot.double.sent(KOORD) if m.kind == "document"]
    assert files == ["kades-forum-cipari-pertemuan-2026-01-01_2026-12-31.xlsx"]  # 2027 has no meetings yet
