"""The small meeting forms as the user lives them: the typed RSVP follow-up, the daftar hadir and
the notulen, each with bad input, a stale button, /batal and a restart mid-form."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot import forms
from bot.clock import FixedClock
from bot.meetings.forms_after import Attendance, Minutes
from bot.telegram_double import SentMessage, TelegramDouble
from storage.meetings import Meeting, MeetingRepo
from tests.conftest import BotHarness, Person, settings_for, start_bot, stop_bot
from tests.handlers.meeting_helpers import GROUP_ID, answers, create_meeting, deliver, forum_with_members

WIB = ZoneInfo("Asia/Jakarta")
ENDED = datetime(2026, 12, 12, 11, 0, tzinfo=WIB)  # the meeting of create_meeting is over


async def _meeting(bot: BotHarness, forum_id: int) -> Meeting:
    [meeting] = await MeetingRepo(bot.services.db).upcoming([forum_id], bot.clock.now())
    return meeting


async def _rsvps(bot: BotHarness, meeting_id: int) -> dict[int, tuple[str, int, str | None]]:
    return {r.user_id: (r.answer, r.party_size, r.reason) for r in await MeetingRepo(bot.services.db).rsvps(meeting_id)}


@asynccontextmanager
async def _running(double: TelegramDouble, db_path: Path, clock: FixedClock) -> AsyncIterator[list[BotHarness]]:
    """A bot that the test can restart: box[0] is the running one."""
    settings = settings_for(double, db_path)
    box = [BotHarness(await start_bot(double, settings, clock), double, clock, settings)]
    try:
        yield box
    finally:
        await stop_bot(box[0].app)


async def _restart(box: list[BotHarness]) -> BotHarness:
    """The process is gone mid-form; a fresh Application starts on the same database file."""
    old = box[0]
    await stop_bot(old.app)
    box[0] = BotHarness(await start_bot(old.double, old.settings, old.clock), old.double, old.clock, old.settings)
    return box[0]


def _data(message: SentMessage, label: str) -> str:
    data = message.callback_for(label)
    assert data is not None, f"no button {label!r} in {message.button_texts()}"
    return data


async def _stale(bot: BotHarness, who: Person, message: SentMessage, data: str) -> str:
    cq = await bot.double.press_button(who.user, message, data, force=True)
    return (await answers(bot, cq))[0]


# -- the typed follow-up of an RSVP -------------------------------------------------------------------
async def test_reason_is_typed_right_away_bad_input_is_asked_again(bot: BotHarness) -> None:
    forum_id, budi, (_, joko) = await forum_with_members(bot)
    await create_meeting(bot, budi)
    await deliver(bot)
    meeting = await _meeting(bot, forum_id)
    reply = await joko.press(await joko.next(), "Tidak hadir")
    assert "ketik alasannya" in reply.text
    # A photo is not a reason; nor is a reason of 400 characters. The question comes again, nothing is lost.
    await bot.double.send_photo(joko.user)
    again = await joko.next()
    assert "sebagai teks" in again.text and "Ketik alasan" in again.text
    again = await joko.say("x" * 400)
    assert "maksimal 300" in again.text and "Ketik alasan" in again.text
    assert (await _rsvps(bot, meeting.id))[joko.id] == ("no", 1, None)
    saved = await joko.say("Ada musdes di desa")
    assert "sudah dicatat" in saved.text
    assert (await _rsvps(bot, meeting.id))[joko.id] == ("no", 1, "Ada musdes di desa")
    assert await bot.services.drafts.get(joko.id) is None
    # "Tulis alasan" pressed later asks again, and the new reason replaces the old one.
    reply = await joko.press(reply, "Tulis alasan")
    ask = await joko.next()
    assert "Ketik alasan" in ask.text
    await joko.say("Bentrok dengan musrenbang")
    assert (await _rsvps(bot, meeting.id))[joko.id] == ("no", 1, "Bentrok dengan musrenbang")


async def test_party_typed_or_five_plus_and_bad_numbers(bot: BotHarness) -> None:
    forum_id, budi, (sri, _) = await forum_with_members(bot)
    await create_meeting(bot, budi)
    await deliver(bot)
    meeting = await _meeting(bot, forum_id)
    reply = await sri.press(await sri.next(), "Hadir")
    again = await sri.say("banyak sekali")
    assert "Ketik jumlah orang" in again.text
    assert (await _rsvps(bot, meeting.id))[sri.id] == ("yes", 1, None)
    ask = await sri.press(reply, "5+")
    assert "Ketik jumlah orang" in ask.text
    saved = await sri.say("tujuh orang")
    assert "7 orang" in saved.text
    assert (await _rsvps(bot, meeting.id))[sri.id] == ("yes", 7, None)
    assert await bot.services.drafts.get(sri.id) is None


async def test_reason_after_the_answer_changed_in_the_group_is_not_kept(bot: BotHarness) -> None:
    forum_id, budi, (_, joko) = await forum_with_members(bot)
    await create_meeting(bot, budi)
    await deliver(bot)
    meeting = await _meeting(bot, forum_id)
    await joko.press(await joko.next(), "Tidak hadir")
    group = bot.double.last(GROUP_ID)
    cq = await bot.double.press_button(joko.user, group, group.callback_for("Hadir"))
    await answers(bot, cq)
    reply = await joko.say("Ada musdes")
    assert "bukan lagi Tidak hadir" in reply.text
    assert (await _rsvps(bot, meeting.id))[joko.id][2] is None
    assert await bot.services.drafts.get(joko.id) is None  # the question is over


async def test_reason_typed_after_a_restart_is_recorded(double: TelegramDouble, db_path: Path,
                                                        clock: FixedClock) -> None:
    async with _running(double, db_path, clock) as box:
        bot = box[0]
        forum_id, budi, (_, joko) = await forum_with_members(bot)
        await create_meeting(bot, budi)
        await deliver(bot)
        meeting = await _meeting(bot, forum_id)
        await joko.press(await joko.next(), "Tidak hadir")
        bot = await _restart(box)
        saved = await joko.say("Sakit")
        assert "sudah dicatat" in saved.text
        assert (await _rsvps(bot, meeting.id))[joko.id] == ("no", 1, "Sakit")


async def test_a_question_left_by_the_old_form_is_dropped_politely(bot: BotHarness) -> None:
    """A draft the hand-rolled form wrote before the upgrade ({"meeting_id"} at "reason") does not crash:
    the user is told, and "Tulis alasan" still works."""
    forum_id, budi, (_, joko) = await forum_with_members(bot)
    await create_meeting(bot, budi)
    await deliver(bot)
    meeting = await _meeting(bot, forum_id)
    reply = await joko.press(await joko.next(), "Tidak hadir")
    await bot.services.drafts.save(joko.id, "mr", "reason", {"meeting_id": meeting.id}, bot.clock.now())
    told = await joko.say("Sakit")
    assert "versi bot sebelumnya" in told.text
    assert await bot.services.drafts.get(joko.id) is None
    await joko.press(reply, "Tulis alasan")  # its buttons go, then the question comes
    assert "Ketik alasan" in (await joko.next()).text
    await joko.say("Sakit")
    assert (await _rsvps(bot, meeting.id))[joko.id] == ("no", 1, "Sakit")


# -- daftar hadir ---------------------------------------------------------------------------------------------
async def _open_sheet(bot: BotHarness, budi: Person) -> SentMessage:
    bot.clock.set(ENDED)
    await deliver(bot)
    prompt = await bot.double.wait_for(budi.id, lambda m: "Catat daftar hadir" in m.text)
    await bot.double.press_button(budi.user, prompt, _data(prompt, "Daftar hadir"))
    return await bot.double.wait_for(budi.id, lambda m: "Daftar hadir:" in m.text)


async def _sheet(bot: BotHarness, user_id: int) -> Attendance:
    draft = await bot.services.drafts.get(user_id)
    assert draft is not None
    return forms.data_of(draft, Attendance)


async def test_attendance_toggles_refuses_stale_and_typed_then_survives_a_restart(
        double: TelegramDouble, db_path: Path, clock: FixedClock) -> None:
    async with _running(double, db_path, clock) as box:
        bot = box[0]
        forum_id, budi, (sri, joko) = await forum_with_members(bot)
        await create_meeting(bot, budi)
        await deliver(bot)
        await sri.press(await sri.next(), "Hadir")
        meeting = await _meeting(bot, forum_id)
        sheet = await _open_sheet(bot, budi)
        assert "Hadir: 1 dari 3" in sheet.text
        # Typing at the sheet: use the buttons (the sheet comes again, nothing changed).
        again = await budi.say("Kades 2 hadir")
        assert "pilih dengan tombol" in again.text and "Hadir: 1 dari 3" in again.text
        toggle = sheet.callback_for("Kades 2")
        assert toggle is not None
        await double.press_button(budi.user, sheet, toggle)
        await double.wait_for(budi.id, lambda m: "Hadir: 2 dari 3" in m.text)
        # A forged toggle for someone not on the list is refused; the sheet stays as it was.
        forged = toggle.rsplit(":", 1)[0] + ":9999"
        assert "tidak berlaku" in await _stale(bot, budi, sheet, forged)
        assert set((await _sheet(bot, budi.id)).present) == {sri.id, joko.id}
        bot = await _restart(box)
        # The sheet's buttons from before the restart still work.
        await double.press_button(budi.user, sheet, _data(sheet, "Kades 1"))
        sheet = await double.wait_for(budi.id, lambda m: "Hadir: 1 dari 3" in m.text)
        await double.press_button(budi.user, sheet, _data(sheet, "Simpan daftar hadir"))
        saved = await double.wait_for(budi.id, lambda m: "disimpan: 1 dari 3" in m.text)
        assert saved.callback_for("Notulen") is not None
        recorded = {a.user_id: a.present for a in await MeetingRepo(bot.services.db).attendance(meeting.id)}
        assert recorded == {budi.id: False, sri.id: False, joko.id: True}
        assert await bot.services.drafts.get(budi.id) is None
        # The saved sheet's buttons are stale now.
        assert "tidak berlaku" in await _stale(bot, budi, sheet, toggle)


async def test_reopened_sheet_makes_the_old_one_stale(bot: BotHarness) -> None:
    _, budi, _ = await forum_with_members(bot)
    await create_meeting(bot, budi)
    await deliver(bot)
    old = await _open_sheet(bot, budi)
    prompt = next(m for m in bot.double.sent(budi.id) if "Catat daftar hadir" in m.text)
    await bot.double.press_button(budi.user, prompt, _data(prompt, "Daftar hadir"))
    await bot.double.wait_for(budi.id, lambda m: "Daftar hadir:" in m.text and m.message_id != old.message_id)
    assert "tidak berlaku" in await _stale(bot, budi, old, _data(old, "Kades 1"))
    assert (await _sheet(bot, budi.id)).present == []


# -- notulen ------------------------------------------------------------------------------------------------------
async def _open_minutes(bot: BotHarness, budi: Person) -> SentMessage:
    bot.clock.set(ENDED)
    await deliver(bot)
    prompt = await bot.double.wait_for(budi.id, lambda m: "Catat daftar hadir" in m.text)
    await bot.double.press_button(budi.user, prompt, _data(prompt, "Notulen"))
    return await bot.double.wait_for(budi.id, lambda m: "keputusan rapat" in m.text)


async def _minutes(bot: BotHarness, user_id: int) -> Minutes:
    draft = await bot.services.drafts.get(user_id)
    assert draft is not None
    return forms.data_of(draft, Minutes)


async def test_minutes_bad_input_stale_buttons_change_at_review_and_restart(
        double: TelegramDouble, db_path: Path, clock: FixedClock) -> None:
    async with _running(double, db_path, clock) as box:
        bot = box[0]
        forum_id, budi, (sri, _) = await forum_with_members(bot)
        await create_meeting(bot, budi)
        await deliver(bot)
        meeting = await _meeting(bot, forum_id)
        ask = await _open_minutes(bot, budi)
        so_far = await budi.say("Iuran BKAD\n- Pertemuan Januari di Caruy")
        assert "1. Iuran BKAD" in so_far.text and "2. Pertemuan Januari di Caruy" in so_far.text
        await budi.press(so_far, "Selesai")
        action = await budi.next()
        assert "Tindak lanjut" in action.text
        # The decisions' Selesai pressed again after moving on: stale, nothing changes.
        assert "tidak berlaku" in await _stale(bot, budi, ask, _data(ask, "Selesai"))
        again = await budi.say("ok")
        assert "minimal 3" in again.text and "ketik satu tugas" in again.text
        owners = await budi.say("Susun proposal BKAD")
        assert "Siapa penanggung jawab" in owners.text
        again = await budi.say("Kades 1")  # the owner is picked with a button
        assert "pilih dengan tombol" in again.text and "Siapa penanggung jawab" in again.text
        # "Tidak ada lagi" from before the task was typed is refused while the task waits for its owner.
        assert "tidak berlaku" in await _stale(bot, budi, action, _data(action, "Tidak ada lagi"))
        await budi.press(owners, "Kades 1")
        due = await budi.next()
        assert "batas waktu" in due.text.lower()
        bot = await _restart(box)
        again = await budi.say("kapan-kapan")
        assert "batas waktu" in again.text.lower()
        noted = await budi.say("20 Desember 2026")
        assert "ke-1 dicatat" in noted.text
        await budi.press(noted, "Tidak ada lagi")
        review = await budi.next()
        assert "Periksa notulen" in review.text and "Susun proposal BKAD — Kades 1" in review.text
        assert {"Ubah keputusan", "Ubah tindak lanjut"} <= set(review.button_texts())
        # Every answer can be changed: the decisions are typed again, then back at the review.
        await budi.press(review, "Ubah keputusan")
        ask = await budi.next()
        assert "keputusan rapat" in ask.text
        so_far = await budi.say("Iuran BKAD Rp50.000 per desa")
        await budi.press(so_far, "Selesai")
        review = await budi.next()
        assert "Iuran BKAD Rp50.000" in review.text and "Caruy" not in review.text
        assert "Susun proposal BKAD" in review.text  # the action items are kept
        data = await _minutes(bot, budi.id)
        assert data.decisions == ["Iuran BKAD Rp50.000 per desa"]
        assert [(a.text, a.owner, a.due) for a in data.actions] == [("Susun proposal BKAD", sri.id, date(2026, 12, 20))]
        saved = await budi.press(review, "Simpan dan kirim notulen")
        assert "disimpan dan dikirim" in saved.text
        repo = MeetingRepo(bot.services.db)
        [item] = await repo.actions(meeting.id)
        assert (item.text, item.owner_user_id, item.due_date) == ("Susun proposal BKAD", sri.id, date(2026, 12, 20))
        minutes = await repo.minutes(meeting.id)
        assert minutes is not None and minutes.decisions == ["Iuran BKAD Rp50.000 per desa"]
        assert await bot.services.drafts.get(budi.id) is None


async def test_minutes_cancelled_with_batal_saves_nothing(bot: BotHarness) -> None:
    forum_id, budi, _ = await forum_with_members(bot)
    await create_meeting(bot, budi)
    await deliver(bot)
    meeting = await _meeting(bot, forum_id)
    await _open_minutes(bot, budi)
    await budi.say("Iuran BKAD")
    await budi.say("/batal")
    assert await bot.services.drafts.get(budi.id) is None
    assert await MeetingRepo(bot.services.db).minutes(meeting.id) is None
    reply = await budi.say("Pertemuan Januari")
    assert "tidak mengerti" in reply.text  # the notulen are over: the text is not taken as a decision
