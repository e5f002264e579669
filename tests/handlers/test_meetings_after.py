"""After the meeting: attendance, minutes with action items, /pertemuan; bad input and permissions."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot import forms
from bot.meetings.forms import NewMeeting
from storage.meetings import MeetingRepo
from tests.conftest import BotHarness
from tests.handlers.meeting_helpers import answers, create_meeting, deliver, forum_with_members, outbox_rows

WIB = ZoneInfo("Asia/Jakarta")


async def test_attendance_minutes_and_action_items(bot: BotHarness) -> None:
    forum_id, budi, (sri, joko) = await forum_with_members(bot)
    await create_meeting(bot, budi)
    await deliver(bot)
    await sri.press(await sri.next(), "Hadir")
    await joko.press(await joko.next(), "Tidak hadir")
    repo = MeetingRepo(bot.services.db)
    meeting = (await repo.upcoming([forum_id], bot.clock.now()))[0]
    # The koordinator is asked when the meeting ends.
    bot.clock.set(datetime(2026, 12, 12, 11, 0, tzinfo=WIB))
    await deliver(bot)
    prompt = await bot.double.wait_for(budi.id, lambda m: "Catat daftar hadir" in m.text)
    await bot.double.press_button(budi.user, prompt, prompt.callback_for("Daftar hadir"))
    sheet = await bot.double.wait_for(budi.id, lambda m: "Daftar hadir:" in m.text)
    assert "Hadir: 1 dari 3" in sheet.text  # default: those who said Hadir
    assert any(label.startswith("✅ Kades 1") for label in sheet.button_texts())
    # Joko came after all; Budi ticks him.
    await bot.double.press_button(budi.user, sheet, sheet.callback_for("Kades 2"))
    sheet = await bot.double.wait_for(budi.id, lambda m: "Hadir: 2 dari 3" in m.text)
    await bot.double.press_button(budi.user, sheet, sheet.callback_for("Simpan daftar hadir"))
    saved = await bot.double.wait_for(budi.id, lambda m: "disimpan: 2 dari 3" in m.text)
    attendance = {a.user_id: a.present for a in await repo.attendance(meeting.id)}
    assert attendance == {budi.id: False, sri.id: True, joko.id: True}
    # Minutes: decisions, one action item for Sri due 20 Dec.
    await bot.double.press_button(budi.user, saved, saved.callback_for("Notulen"))
    ask = await bot.double.wait_for(budi.id, lambda m: "keputusan rapat" in m.text)
    reply = await budi.say("Iuran BKAD Rp50.000 per desa\nPertemuan Januari di Caruy")
    assert "Pertemuan Januari di Caruy" in reply.text
    await budi.press(reply, "Selesai")
    reply = await budi.next()
    assert "Tindak lanjut" in reply.text
    reply = await budi.say("Susun proposal BKAD")
    reply = await budi.press(reply, "Kades 1")
    reply = await budi.next()
    assert "batas waktu" in reply.text.lower()
    reply = await budi.say("31 Februari 2027")
    assert "31 Februari 2027 tidak ada — Februari 2027 hanya 28 hari" in reply.text
    reply = await budi.say("20 Desember 2026")
    assert "ke-1 dicatat" in reply.text and "ketik satu tugas" in reply.text  # one message: noted, and the next
    reply = await budi.press(reply, "Tidak ada lagi")
    confirm = await budi.next()
    assert "Susun proposal BKAD — Kades 1" in confirm.text
    await budi.press(confirm, "Simpan dan kirim notulen")
    del ask
    [item] = await repo.actions(meeting.id)
    assert (item.owner_user_id, item.due_date, item.status) == (sri.id, date(2026, 12, 20), "open")
    due = {r["idem_key"].rsplit(":", 1)[1]: datetime.fromisoformat(r["due_at"])
           for r in await outbox_rows(bot, f"maction:{item.id}:due:")}
    assert due == {"h3": datetime(2026, 12, 17, 9, tzinfo=WIB), "h1": datetime(2026, 12, 19, 9, tzinfo=WIB),
                   "h0": datetime(2026, 12, 20, 9, tzinfo=WIB)}
    await deliver(bot)
    assigned = await bot.double.wait_for(sri.id, lambda m: "penanggung jawab" in m.text)
    minutes = await bot.double.wait_for(joko.id, lambda m: "Notulen" in m.text)
    assert "Iuran BKAD" in minutes.text
    # Only the owner (or koordinator) marks it done; then its reminders are gone.
    forged = await bot.double.press_button(joko.user, assigned, assigned.callback_for("Tandai selesai"), force=True)
    assert "penanggung jawab" in (await answers(bot, forged))[0]
    await bot.double.press_button(sri.user, assigned, assigned.callback_for("Tandai selesai"))
    await bot.double.wait_for(sri.id, lambda m: "Ditandai selesai" in m.text)
    assert (await repo.action(item.id)).status == "done"  # type: ignore[union-attr]
    assert await outbox_rows(bot, f"maction:{item.id}:due:") == []
    # /pertemuan: attendance rate and minutes.
    await sri.send("/pertemuan")
    past = await bot.double.wait_for(sri.id, lambda m: "Pertemuan yang lalu" in m.text)
    assert "Kehadiran 2/3 (67%)" in past.text and "notulen ada" in past.text
    held = await repo.meetings_in_period(forum_id, datetime(2026, 12, 1, tzinfo=WIB), datetime(2027, 1, 1, tzinfo=WIB))
    assert [(h.present, h.recorded, h.said_yes) for h in held] == [(2, 3, 1)]


async def test_only_koordinator_records_attendance(bot: BotHarness) -> None:
    forum_id, budi, (sri, _) = await forum_with_members(bot)
    await create_meeting(bot, budi)
    await deliver(bot)
    invite = await sri.next()
    meeting = (await MeetingRepo(bot.services.db).upcoming([forum_id], bot.clock.now()))[0]
    bot.clock.set(datetime(2026, 12, 12, 11, 0, tzinfo=WIB))
    for action in ("att", "min", "mg", "cx"):
        cq = await bot.double.press_button(sri.user, invite, f"m:{action}:{meeting.id}", force=True)
        assert "hanya untuk koordinator" in (await answers(bot, cq))[0]
    stranger = bot.person(9999, "Orang Luar")
    cq = await bot.double.press_button(stranger.user, invite, invite.callback_for("Hadir"), force=True)
    assert "bukan anggota" in (await answers(bot, cq))[0]
    cq = await bot.double.press_button(sri.user, invite, "m:r:99999:y", force=True)
    assert "tidak ditemukan" in (await answers(bot, cq))[0]
    cq = await bot.double.press_button(sri.user, invite, "m:r:abc:y", force=True)
    assert "tidak berlaku" in (await answers(bot, cq))[0]
    # After the start, answers no longer change.
    cq = await bot.double.press_button(sri.user, invite, invite.callback_for("Hadir"), force=True)
    assert "sudah dimulai" in (await answers(bot, cq))[0]


async def test_bad_input_in_the_form_is_corrected_politely(bot: BotHarness) -> None:
    _, budi, _ = await forum_with_members(bot)
    await budi.say("/pertemuan_baru")
    await budi.next()
    reply = await budi.say("x" * 5000)
    assert "Terlalu panjang (5.000 karakter; maksimal 150)" in reply.text
    reply = await budi.say("Rapat <b>penting</b> & evaluasi")
    assert "Kapan" in reply.text
    for text, expected in (("31/02/2027 09.00", "Februari 2027 hanya 28 hari"), ("1/1/2020 09.00", "sudah lewat"),
                           ("kapan-kapan", "tidak saya kenali"), ("12 Desember 2026", "Jamnya belum ada"),
                           ("Selasa 12 Desember 2026 jam 9", "12 Desember 2026 jatuh pada hari Sabtu, bukan Selasa"), ("12/12/2026 25.00", "Jam itu tidak ada")):
        reply = await budi.say(text)
        assert expected in reply.text, (text, reply.text)
    # Other formats in other zones; WITA stated explicitly.
    reply = await budi.say("besok jam 9 pagi")
    assert "Rabu, 25 November 2026 pukul 09.00 WIB" in reply.text
    await budi.press(reply, "Ganti waktu")
    await budi.next()
    reply = await budi.say("Senin depan 13.00 WITA")
    assert "Senin, 30 November 2026 pukul 13.00 WITA" in reply.text
    # Typed again without a zone, the time is read in the forum's zone (WIB), shown next to it.
    await budi.press(reply, "Ganti waktu")
    ask = await budi.next()
    assert "WIB" in ask.text
    reply = await budi.say("Senin depan 14.00")
    assert "Senin, 30 November 2026 pukul 14.00 WIB" in reply.text
    await budi.press(reply, "Ganti waktu")
    await budi.next()
    reply = await budi.say("Senin depan 13.00 WITA")
    wit = next(data for row in reply.buttons for label, data in row if label == "WIT")
    assert wit is not None
    await bot.double.press_button(budi.user, reply, wit)
    reply = await bot.double.wait_for(budi.id, lambda m: "pukul 13.00 WIT\n" in m.text)
    await budi.press(reply, "Benar")
    draft = await bot.services.drafts.get(budi.id)
    assert draft is not None
    form = forms.data_of(draft, NewMeeting)
    assert form.when.zone == "Asia/Jayapura"
    assert form.when.at == datetime(2026, 11, 30, 13, tzinfo=ZoneInfo("Asia/Jayapura"))
    assert form.title == "Rapat <b>penting</b> & evaluasi"


async def test_calendar_picker_and_holiday_warning(bot: BotHarness) -> None:
    _, budi, _ = await forum_with_members(bot)
    await budi.say("/pertemuan_baru")
    await budi.next()
    reply = await budi.say("Rapat akhir tahun")
    reply = await budi.press(reply, "Pilih di kalender")
    assert "Pilih tanggal" in reply.text and "November 2026" in reply.text
    reply = await budi.press(reply, "▶")
    assert "Desember 2026" in reply.text
    reply = await budi.press(reply, "25")
    assert "pilih jam" in reply.text
    reply = await budi.press(reply, "10.00")
    reply = await budi.press(reply, "10.30")
    reply = await budi.next()
    assert "Jumat, 25 Desember 2026 pukul 10.30 WIB" in reply.text
    assert "hari libur" in reply.text and "Natal" in reply.text
