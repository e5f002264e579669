"""Meetings through the real bot: scheduling form, announcement, RSVP, tally, permissions."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from storage.meetings import MeetingRepo
from tests.conftest import BotHarness
from tests.handlers.meeting_helpers import (
    GROUP_ID,
    answers,
    create_meeting,
    deliver,
    forum_with_members,
)

WIB = ZoneInfo("Asia/Jakarta")


async def test_koordinator_schedules_and_everyone_is_invited(bot: BotHarness) -> None:
    forum_id, budi, (sri, _) = await forum_with_members(bot)
    saved = await create_meeting(bot, budi)
    assert "disimpan dan diumumkan" in saved.text
    repo = MeetingRepo(bot.services.db)
    [meeting] = await repo.upcoming([forum_id], bot.clock.now())
    assert meeting.title == "Pertemuan rutin Desember"
    assert meeting.starts_at == datetime(2026, 12, 12, 9, 0, tzinfo=WIB)
    assert meeting.duration_minutes == 120
    assert meeting.agenda == ["Laporan BUMDes", "Rencana kerja 2027"]
    assert meeting.place_kind == "address" and meeting.address and "Balai Desa" in meeting.address
    await deliver(bot)
    group = bot.double.last(GROUP_ID)
    assert "Undangan pertemuan" in group.text and "Sabtu, 12 Desember 2026 pukul 09.00 WIB" in group.text
    assert {"✅ Hadir", "❌ Tidak hadir", "🤔 Mungkin"} <= set(group.button_texts())
    invite = await sri.next()
    assert "Apakah Bapak/Ibu akan hadir?" in invite.text
    assert "Laporan BUMDes" in invite.text


async def test_rsvp_private_and_group_update_the_tally(bot: BotHarness) -> None:
    forum_id, budi, (sri, joko) = await forum_with_members(bot)
    await create_meeting(bot, budi)
    await deliver(bot)
    invite = await sri.next()
    reply = await sri.press(invite, "Hadir")
    assert "Hadir" in reply.text and "Berapa orang" in reply.text
    reply = await sri.press(reply, "3")
    assert "3 orang" in reply.text
    group = bot.double.last(GROUP_ID)
    cq = await bot.double.press_button(joko.user, group, group.callback_for("Tidak hadir"))
    assert "Tidak hadir" in (await answers(bot, cq))[0]
    repo = MeetingRepo(bot.services.db)
    [meeting] = await repo.upcoming([forum_id], bot.clock.now())
    got = {r.user_id: (r.answer, r.party_size, r.via) for r in await repo.rsvps(meeting.id)}
    assert got == {sri.id: ("yes", 3, "private"), joko.id: ("no", 1, "group")}
    # Edits are coalesced: whatever is queued carries the latest tally.
    for _ in range(3):
        bot.clock.advance(timedelta(seconds=6))
        await deliver(bot)
    group = bot.double.last(GROUP_ID)
    assert "Hadir: 1 (3 orang)" in group.text and "Tidak: 1" in group.text and "Belum: 1" in group.text


async def test_only_koordinator_creates(bot: BotHarness) -> None:
    _, _, (sri, _) = await forum_with_members(bot)
    reply = await sri.say("/pertemuan_baru")
    assert "hanya untuk koordinator" in reply.text
    stranger = bot.person(9999, "Orang Lain")
    reply = await stranger.say("/pertemuan_baru")
    assert "belum menjadi anggota" in reply.text


async def test_typed_answers_follow_the_rsvp_without_pressing_first(bot: BotHarness) -> None:
    """After Tidak hadir the typed text is the reason; after Hadir, "7 orang" is the number."""
    forum_id, budi, (sri, joko) = await forum_with_members(bot)
    await create_meeting(bot, budi)
    await deliver(bot)
    invite = await joko.next()
    reply = await joko.press(invite, "Tidak hadir")
    assert "ketik alasannya" in reply.text
    saved = await joko.say("Ada musdes di desa")
    assert "tidak mengerti" not in saved.text
    invite = await sri.next()
    reply = await sri.press(invite, "Hadir")
    saved = await sri.say("7 orang")
    assert "7 orang" in saved.text
    repo = MeetingRepo(bot.services.db)
    [meeting] = await repo.upcoming([forum_id], bot.clock.now())
    got = {r.user_id: (r.answer, r.party_size, r.reason) for r in await repo.rsvps(meeting.id)}
    assert got == {sri.id: ("yes", 7, None), joko.id: ("no", 1, "Ada musdes di desa")}
    # The question is over: the next message is not taken as an answer again.
    assert await bot.services.drafts.get(sri.id) is None and await bot.services.drafts.get(joko.id) is None
