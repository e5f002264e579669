"""The meetings forms as a koordinator lives them: the review, changing any answer, changing a series."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.telegram_double import SentMessage
from storage.meetings import MeetingRepo
from tests.conftest import BotHarness, Person
from tests.handlers.meeting_helpers import create_meeting, forum_with_members

WIB = ZoneInfo("Asia/Jakarta")


async def _to_review(budi: Person) -> SentMessage:
    """A one-off meeting answered up to the review."""
    await budi.say("/pertemuan_baru")
    await budi.next()
    await budi.say("Rapat koordinasi")
    confirm = await budi.say("12/12/2026 09.00")
    await budi.press(confirm, "Benar")
    await budi.press(await budi.next(), "2 jam")
    await budi.next()
    agenda = await budi.say("Balai Desa Sidasari")
    agenda = await budi.say("Laporan BUMDes")
    await budi.press(agenda, "Selesai")
    await budi.press(await budi.next(), "Selesai")  # no documents
    await budi.press(await budi.next(), "Sekali saja")
    return await budi.next()


async def test_every_answer_is_listed_at_the_review_and_the_agenda_can_be_changed(bot: BotHarness) -> None:
    forum_id, budi, _ = await forum_with_members(bot)
    review = await _to_review(budi)
    for fact in ("Rapat koordinasi", "Sabtu, 12 Desember 2026 pukul 09.00 WIB", "2 jam", "Balai Desa Sidasari",
                 "Laporan BUMDes", "Sekali saja"):
        assert fact in review.text, fact
    assert {"Ubah judul", "Ubah waktu", "Ubah lama", "Ubah tempat", "Ubah agenda", "Ubah dokumen",
            "Ubah pengulangan"} <= set(review.button_texts())
    assert "Ubah tuan rumah bergilir" not in review.button_texts()  # a one-off meeting has no rotation
    # The agenda is written again from scratch, then the bot comes back to the review.
    await budi.press(review, "Ubah agenda")
    ask = await budi.next()
    assert "Laporan BUMDes" not in ask.text
    ask = await budi.say("Evaluasi dana desa\nRencana kerja 2027")
    await budi.press(ask, "Selesai")
    review = await budi.next()
    assert "Evaluasi dana desa" in review.text and "Laporan BUMDes" not in review.text
    # The place becomes an online meeting.
    await budi.press(review, "Ubah tempat")
    place = await budi.next()
    await budi.press(place, "Rapat daring")  # the question is replaced by "send the link"
    review = await budi.say("https://meet.example.org/rapat")
    assert "Daring: https://meet.example.org/rapat" in review.text
    saved = await budi.press(review, "Simpan dan umumkan")
    assert "disimpan dan diumumkan" in saved.text
    [meeting] = await MeetingRepo(bot.services.db).upcoming([forum_id], bot.clock.now())
    assert meeting.agenda == ["Evaluasi dana desa", "Rencana kerja 2027"]
    assert meeting.place_kind == "online" and meeting.online_url == "https://meet.example.org/rapat"
    assert await bot.services.drafts.get(budi.id) is None


async def test_a_one_off_meeting_becomes_a_series_from_the_review(bot: BotHarness) -> None:
    forum_id, budi, _ = await forum_with_members(bot)
    review = await _to_review(budi)
    await budi.press(review, "Ubah pengulangan")
    repeat = await budi.next()
    weekly = repeat.button_texts()[1]  # "every Saturday", said from the chosen date
    await budi.press(repeat, weekly)
    assert "Sampai kapan" in (await budi.next()).text
    rotation = await budi.say("4")  # the new questions the series needs are asked...
    await budi.press(rotation, "Tanpa giliran")
    review = await budi.next()  # ...then back to the review
    assert "4 pertemuan" in review.text and "19 Desember 2026" in review.text
    await budi.press(review, "Simpan dan umumkan")
    meetings = await MeetingRepo(bot.services.db).upcoming([forum_id], bot.clock.now())
    assert [m.starts_at.day for m in meetings] == [12, 19, 26, 2]


async def test_changing_the_time_of_a_whole_series_keeps_its_dates(bot: BotHarness) -> None:
    forum_id, budi, _ = await forum_with_members(bot)
    saved = await create_meeting(bot, budi, date_text="7 Desember 2026 jam 9", repeat="Senin pertama", end="3")
    await bot.double.press_button(budi.user, saved, saved.callback_for("Lihat pertemuan"))
    detail = await bot.double.wait_for(budi.id, lambda m: any("Kelola" in b for b in m.button_texts()))
    manage = await budi.press(detail, "Kelola")
    scope = await budi.press(manage, "Ubah waktu")
    await budi.press(scope, "semua berikutnya")
    ask = await budi.next()
    assert "Kapan" in ask.text and "WIB" in ask.text
    confirm = await budi.say("7 Desember 2026 jam 13.00")
    await budi.press(confirm, "Benar")
    review = await budi.next()
    assert "13.00 WIB" in review.text and "semua berikutnya" in review.text
    assert review.button_texts() == ["✅ Simpan perubahan", "Ubah waktu", "Batal"]
    done = await budi.press(review, "Simpan perubahan")
    assert "3 pertemuan" in done.text
    meetings = await MeetingRepo(bot.services.db).upcoming([forum_id], bot.clock.now())
    assert [m.starts_at for m in meetings] == [datetime(2026, 12, 7, 13, tzinfo=WIB), datetime(2027, 1, 4, 13, tzinfo=WIB),
                                               datetime(2027, 2, 1, 13, tzinfo=WIB)]


async def test_a_meeting_form_left_by_the_previous_version_is_dropped_politely(bot: BotHarness) -> None:
    forum_id, budi, _ = await forum_with_members(bot)
    # What the hand-rolled form saved before the upgrade (no engine bookkeeping, another shape).
    await bot.services.drafts.save(budi.id, "mn", "repeat", {
        "forum_id": forum_id, "tz": "Asia/Jakarta", "start": "2026-12-12T09:00:00+07:00", "title": "Rapat",
        "repeat": {"choice": "w1", "kind": "weekly", "interval": 1, "weekday": 5}, "agenda": [], "documents": [],
        "rotation": []}, bot.clock.now())
    reply = await budi.say("Rapat rutin")
    assert "versi bot sebelumnya" in reply.text
    assert await bot.services.drafts.get(budi.id) is None
    await budi.say("/pertemuan_baru")
    assert "judul" in (await budi.next()).text  # a fresh form starts as usual
