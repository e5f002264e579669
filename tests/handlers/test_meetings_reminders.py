"""Reminders with a controlled clock; reschedule and cancel replace them; concurrent RSVPs."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.telegram_double import SentMessage
from storage.meetings import MeetingRepo
from tests.conftest import BotHarness, Person
from tests.handlers.meeting_helpers import (
    GROUP_ID,
    answers,
    create_meeting,
    deliver,
    forum_with_members,
    outbox_rows,
)

WIB = ZoneInfo("Asia/Jakarta")
MEETING = datetime(2026, 12, 12, 9, 0, tzinfo=WIB)


def texts_to(bot: BotHarness, person: Person) -> list[str]:
    return [m.text for m in bot.double.sent(person.id)]


async def test_reminders_go_to_the_right_people_at_the_right_time(bot: BotHarness) -> None:
    forum_id, budi, (sri, joko, wati) = await forum_with_members(bot, extra=3)
    await create_meeting(bot, budi)
    await deliver(bot)
    await sri.press(await sri.next(), "Hadir")
    await joko.press(await joko.next(), "Tidak hadir")
    await wati.press(await wati.next(), "Mungkin")
    # Budi (koordinator) did not answer.
    meeting_id = (await MeetingRepo(bot.services.db).upcoming([forum_id], bot.clock.now()))[0].id
    pending = await outbox_rows(bot, f"meeting:{meeting_id}:rem:")
    plan = sorted((row["chat_id"], row["idem_key"].rsplit(":", 1)[1], datetime.fromisoformat(row["due_at"]))
                  for row in pending)
    assert plan == sorted([
        (budi.id, "n3", MEETING - timedelta(days=3)),
        (sri.id, "c1", MEETING - timedelta(days=1)), (sri.id, "c2h", MEETING - timedelta(hours=2)),
        (wati.id, "c1", MEETING - timedelta(days=1)), (wati.id, "c2h", MEETING - timedelta(hours=2)),
    ])
    assert all(row["expires_at"] == pending[0]["expires_at"] for row in pending)
    assert datetime.fromisoformat(pending[0]["expires_at"]) == MEETING

    before = {p.id: len(bot.double.sent(p.id)) for p in (budi, sri, joko, wati)}
    bot.clock.set(MEETING - timedelta(days=3))
    await deliver(bot)
    assert "belum menjawab" in bot.double.last(budi.id).text
    assert len(bot.double.sent(sri.id)) == before[sri.id]
    bot.clock.set(MEETING - timedelta(days=1))
    await deliver(bot)
    assert "Pengingat" in bot.double.last(sri.id).text and "Jawaban Bapak/Ibu: Hadir" in bot.double.last(sri.id).text
    assert "Pengingat" in bot.double.last(wati.id).text
    bot.clock.set(MEETING - timedelta(hours=2))
    await deliver(bot)
    assert len(bot.double.sent(joko.id)) == before[joko.id]  # Tidak hadir: never reminded
    assert sum("Pengingat" in t for t in texts_to(bot, sri)) == 2


async def test_changing_answer_replaces_reminders(bot: BotHarness) -> None:
    forum_id, budi, (sri, _) = await forum_with_members(bot)
    await create_meeting(bot, budi)
    await deliver(bot)
    invite = await sri.next()
    await sri.press(invite, "Hadir")
    await sri.press(invite, "Tidak hadir")
    meeting_id = (await MeetingRepo(bot.services.db).upcoming([forum_id], bot.clock.now()))[0].id
    assert [r for r in await outbox_rows(bot, f"meeting:{meeting_id}:rem:") if r["chat_id"] == sri.id] == []
    cancelled = await outbox_rows(bot, f"meeting:{meeting_id}:rem:", status="cancelled")
    assert {r["idem_key"].rsplit(":", 1)[1] for r in cancelled if r["chat_id"] == sri.id} == {"n3", "c1", "c2h"}


async def open_agenda(budi: Person) -> SentMessage:
    await budi.send("/agenda")
    return await budi.double.wait_for(budi.id, lambda m: "Pertemuan mendatang" in m.text)


async def _open_manage(budi: Person) -> SentMessage:
    detail = await budi.press(await open_agenda(budi), "Pertemuan rutin")
    return await budi.press(detail, "Kelola")


async def test_reschedule_notifies_everyone_and_replaces_reminders(bot: BotHarness) -> None:
    forum_id, budi, (sri, joko) = await forum_with_members(bot)
    await create_meeting(bot, budi)
    await deliver(bot)
    await sri.press(await sri.next(), "Hadir")
    await joko.press(await joko.next(), "Tidak hadir")
    repo = MeetingRepo(bot.services.db)
    meeting_id = (await repo.upcoming([forum_id], bot.clock.now()))[0].id
    old = {r["idem_key"] for r in await outbox_rows(bot, f"meeting:{meeting_id}:rem:")}
    manage = await _open_manage(budi)
    await budi.press(manage, "Ubah waktu")
    ask = await budi.next()
    assert "Kapan" in ask.text
    ok = await budi.say("14 Desember 2026 jam 13.00")
    await budi.press(ok, "Benar")
    confirm = await budi.next()
    assert "Senin, 14 Desember 2026 pukul 13.00 WIB" in confirm.text
    done = await budi.press(confirm, "Simpan perubahan")
    assert "Perubahan disimpan" in done.text
    meeting = await repo.get(meeting_id)
    assert meeting is not None and meeting.starts_at == datetime(2026, 12, 14, 13, 0, tzinfo=WIB)
    assert meeting.version == 2
    cancelled = {r["idem_key"] for r in await outbox_rows(bot, f"meeting:{meeting_id}:rem:", status="cancelled")}
    assert old <= cancelled
    new = await outbox_rows(bot, f"meeting:{meeting_id}:rem:v2:")
    assert {(r["chat_id"], r["idem_key"].rsplit(":", 1)[1]) for r in new} == {
        (sri.id, "c1"), (sri.id, "c2h"), (budi.id, "n3")}
    new_start = datetime(2026, 12, 14, 13, 0, tzinfo=WIB)
    assert all(datetime.fromisoformat(r["expires_at"]) == new_start for r in new)
    await deliver(bot)
    for person in (sri, joko):
        assert "Perubahan pertemuan" in bot.double.last(person.id).text
        assert "Waktu diubah" in bot.double.last(person.id).text
        assert "14 Desember 2026" in bot.double.last(person.id).text
    # The old H-1 time passes: nothing old is sent.
    bot.clock.set(datetime(2026, 12, 11, 9, 0, tzinfo=WIB))
    count = len(bot.double.sent(sri.id))
    await deliver(bot)
    assert len(bot.double.sent(sri.id)) == count


async def test_cancel_tells_everyone_and_drops_reminders(bot: BotHarness) -> None:
    forum_id, budi, (sri, joko) = await forum_with_members(bot)
    await create_meeting(bot, budi)
    await deliver(bot)
    await sri.press(await sri.next(), "Hadir")
    repo = MeetingRepo(bot.services.db)
    meeting_id = (await repo.upcoming([forum_id], bot.clock.now()))[0].id
    manage = await _open_manage(budi)
    ask = await budi.press(manage, "Batalkan pertemuan")
    done = await budi.press(ask, "Batalkan pertemuan ini")
    assert "Dibatalkan (1 pertemuan)" in done.text
    assert await outbox_rows(bot, f"meeting:{meeting_id}:rem:") == []
    await deliver(bot)
    for person in (sri, joko):
        assert "Pertemuan dibatalkan" in bot.double.last(person.id).text
    assert "Pertemuan dibatalkan" in bot.double.last(GROUP_ID).text
    bot.clock.advance(timedelta(seconds=6))  # the announcement edit waits out the rate limit
    await deliver(bot)
    announcement = bot.double.sent(GROUP_ID)[0]
    assert "DIBATALKAN" in announcement.text and announcement.button_texts() == []
    # A late press on the old invitation is refused politely.
    invite = next(m for m in bot.double.sent(joko.id) if "Apakah Bapak/Ibu akan hadir" in m.text)
    cq = await bot.double.press_button(joko.user, invite, invite.callback_for("Hadir"))
    assert "dibatalkan" in (await answers(bot, cq))[0]
    assert (await repo.rsvp(meeting_id, joko.id)) is None


async def test_many_concurrent_rsvps_all_count(bot: BotHarness) -> None:
    forum_id, budi, members = await forum_with_members(bot, extra=24)
    await create_meeting(bot, budi)
    await deliver(bot)
    group = bot.double.last(GROUP_ID)
    labels = ["Hadir", "Tidak hadir", "Mungkin"]
    presses = [bot.double.press_button(p.user, group, group.callback_for(labels[i % 3]))
               for i, p in enumerate(members)]
    # Each member also double-presses (per-user serial): the answer must still count once.
    presses += [bot.double.press_button(p.user, group, group.callback_for(labels[i % 3]))
                for i, p in enumerate(members)]
    texts = await answers(bot, *await asyncio.gather(*presses))
    assert all(text.startswith("Jawaban Bapak/Ibu") for text in texts)
    repo = MeetingRepo(bot.services.db)
    meeting = (await repo.upcoming([forum_id], bot.clock.now()))[0]
    rsvps = await repo.rsvps(meeting.id)
    assert len(rsvps) == 24
    assert sum(r.answer == "yes" for r in rsvps) == 8 and sum(r.answer == "no" for r in rsvps) == 8
    for _ in range(3):
        bot.clock.advance(timedelta(seconds=6))
        await deliver(bot)
    text = bot.double.last(GROUP_ID).text
    assert "Hadir: 8 (8 orang)" in text and "Mungkin: 8" in text and "Tidak: 8" in text and "Belum: 1" in text
    edits = await outbox_rows(bot, f"meeting:{meeting.id}:tally:", status=None)
    assert len(edits) <= 4  # coalesced, not one edit per press
