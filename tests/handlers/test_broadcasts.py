"""/siaran and /siaran_riwayat end to end: the real application, the test double, real SQLite."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.telegram_double import SentMessage
from scheduler.engine import DeliveryEngine
from storage.broadcasts import BroadcastRepo
from storage.outbox import OutboxRepo
from tests.conftest import SIDASARI_CIPARI, BotHarness, Person, seed_forum

KARANGTENGAH_SAMPANG = "33.01.17.2001"
BRANI_SAMPANG = "33.01.17.2002"
KOORDINATOR = 1001


def engine_of(bot: BotHarness) -> DeliveryEngine:
    engine = bot.services.delivery
    assert isinstance(engine, DeliveryEngine)
    return engine


async def forum_with_members(bot: BotHarness, **kwargs: object) -> int:
    members = {
        KOORDINATOR: ("Budi Santoso", SIDASARI_CIPARI),
        2001: ("Sri Wahyuni", SIDASARI_CIPARI),
        2002: ("Agus <Salim>", KARANGTENGAH_SAMPANG),
        2003: ("Dewi Lestari", BRANI_SAMPANG),
    }
    return await seed_forum(bot.services, koordinator=KOORDINATOR, members=members,
                            roles={2003: "pendamping"}, **kwargs)  # type: ignore[arg-type]


async def compose(budi: Person, text: str) -> SentMessage:
    reply = await budi.say("/siaran")
    assert "Tulis pesan siaran" in reply.text
    audience = await budi.say(text)
    assert "Siapa penerimanya" in audience.text
    return audience


async def press_on(person: Person, message: SentMessage, label: str) -> SentMessage:
    """Press a button; the bot's answer (skipping the edit that only removes the pressed buttons)."""
    before = message.text  # the double edits its message objects in place
    got = await person.press(message, label)
    return await person.next() if got.edited and got.text == before else got


async def send_it(person: Person, review: SentMessage) -> None:
    """Press Kirim siaran at the review. No reply is awaited: the progress message comes through the
    outbox and may arrive before the review's edit, so callers wait for what they expect."""
    await person.double.press_button(person.user, review, review.callback_for("Kirim siaran"))


async def finish_report(bot: BotHarness, budi: Person) -> SentMessage:
    """Let the monitor see the end and wait for the report it queues."""
    await engine_of(bot).run_planners()
    return await bot.double.wait_for(budi.id, lambda m: "Laporan siaran" in m.text)


async def test_broadcast_reaches_every_active_member_once_with_a_report(bot: BotHarness) -> None:
    await forum_with_members(bot)
    budi = bot.person(KOORDINATOR, "Budi Santoso")
    people = {uid: bot.person(uid, "X") for uid in (2001, 2002, 2003)}
    bot.double.block(2002)  # Agus blocked the bot
    audience = await compose(budi, "Rapat <rutin> Senin & bawa notulen")
    assert "<b>3</b> anggota" in audience.html
    preview = await press_on(budi, audience, "Lanjut")
    assert "Pratinjau" in preview.text and "Rapat <rutin> Senin & bawa notulen" in preview.text
    await send_it(budi, preview)
    status = await bot.double.wait_for(budi.id, lambda m: "sedang dikirim" in m.text)
    assert "Hentikan" in status.button_texts()[0]
    for uid in (2001, 2003):
        got = await bot.double.wait_for(uid, lambda m: "Siaran Forum Kades Cipari" in m.text)
        assert "Rapat <rutin> Senin & bawa notulen" in got.text and "Budi Santoso" in got.text
        assert "Sri" not in got.text and "Dewi" not in got.text  # nobody sees the other recipients
    await engine_of(bot).run_due()
    report = await finish_report(bot, budi)
    assert "Terkirim: 2 dari 3" in report.text
    assert "Agus <Salim> — Karangtengah, Kec. Sampang (memblokir bot)" in report.text
    assert "Kirim ulang ke yang gagal" in report.button_texts()[0]
    assert "selesai" in bot.double.sent(budi.id)[bot.double.sent(budi.id).index(status)].text  # final edit
    member = await bot.services.members.get(2002)
    assert member is not None and member.unreachable_reason == "blocked"
    assert [len(bot.double.sent(uid)) for uid in (2001, 2003)] == [1, 1]
    assert people[2002].user.id not in {m.chat_id for m in bot.double.sent() if "Siaran" in m.text}

    # Agus unblocks the bot; the coordinator re-sends to the failed ones only.
    bot.double.unblock(2002)
    await budi.press(report, "Kirim ulang")
    again = await bot.double.wait_for(2002, lambda m: "Siaran Forum Kades Cipari" in m.text)
    assert "Rapat <rutin>" in again.text
    await engine_of(bot).run_due()
    assert [len(bot.double.sent(uid)) for uid in (2001, 2003)] == [1, 1]


async def test_non_coordinator_cannot_broadcast(bot: BotHarness) -> None:
    forum_id = await forum_with_members(bot)
    sri = bot.person(2001, "Sri Wahyuni")
    reply = await sri.say("/siaran")
    assert "hanya untuk koordinator forum" in reply.text and "pendamping" not in reply.text
    assert await bot.services.drafts.get(2001) is None
    # A forged button press from an old message is refused as well.
    broadcasts = BroadcastRepo(bot.services.db)
    outsider = bot.person(5555, "Orang Luar")
    cq = await bot.double.press_button(outsider.user, reply, "b:now", force=True)
    await bot.double.wait_for_answer(cq)
    assert bot.double.answered_callbacks[cq]["text"]
    assert await broadcasts.of_forum(forum_id) == []


async def test_coordinator_of_one_forum_never_reaches_another(bot: BotHarness) -> None:
    await forum_with_members(bot)
    other = await seed_forum(bot.services, koordinator=3001, name="Forum Kades Sampang",
                             members={3001: ("Rina", KARANGTENGAH_SAMPANG), 3002: ("Tono", BRANI_SAMPANG)})
    assert other
    budi = bot.person(KOORDINATOR, "Budi Santoso")
    for uid in (2001, 2002, 2003, 3001, 3002):
        bot.person(uid, "X")
    audience = await compose(budi, "Khusus forum Cipari")
    preview = await press_on(budi, audience, "Lanjut")
    await send_it(budi, preview)
    await bot.double.wait_for(2003, lambda m: "Khusus forum Cipari" in m.text)
    await engine_of(bot).run_due()
    assert bot.double.sent(3001) == [] and bot.double.sent(3002) == []
    # Pressing "Hentikan" on forum A's broadcast as forum B's coordinator is refused.
    rina = bot.person(3001, "Rina")
    broadcast = (await BroadcastRepo(bot.services.db).of_forum(1))[0]
    cq = await bot.double.press_button(rina.user, bot.double.sent(KOORDINATOR)[-1], f"b:stop:{broadcast.id}",
                                       force=True)
    await bot.double.wait_for_answer(cq)
    assert "bukan anggota" in bot.double.answered_callbacks[cq]["text"]


async def test_audience_by_kecamatan_and_role(bot: BotHarness) -> None:
    await forum_with_members(bot)
    budi = bot.person(KOORDINATOR, "Budi Santoso")
    for uid in (2001, 2002, 2003):
        bot.person(uid, "X")
    audience = await compose(budi, "Untuk Kec. Sampang")
    audience = await budi.press(audience, "Kec. Sampang")
    assert "<b>2</b> anggota" in audience.html
    audience = await budi.press(audience, "Semua pendamping")
    assert "<b>1</b> anggota" in audience.html  # pendamping in Kec. Sampang: Dewi only
    preview = await press_on(budi, audience, "Lanjut")
    await send_it(budi, preview)
    await bot.double.wait_for(2003, lambda m: "Untuk Kec. Sampang" in m.text)
    await engine_of(bot).run_due()
    assert bot.double.sent(2001) == [] and bot.double.sent(2002) == []


async def test_group_broadcast_is_pinned_on_request(bot: BotHarness) -> None:
    group = bot.double.group(-100777, "Forum Kades Cipari", bot_status="administrator")
    await forum_with_members(bot, group_chat_id=group.id)
    budi = bot.person(KOORDINATOR, "Budi Santoso")
    audience = await compose(budi, "Agenda rapat")
    audience = await budi.press(audience, "Pesan pribadi")  # group only
    audience = await budi.press(audience, "Sematkan")
    preview = await press_on(budi, audience, "Lanjut")
    assert "grup Telegram forum (disematkan)" in preview.text
    await send_it(budi, preview)
    posted = await bot.double.wait_for(group.id, lambda m: "Agenda rapat" in m.text)
    await engine_of(bot).run_due()
    assert bot.double.pinned(group.id) == [posted.message_id]


async def test_scheduled_broadcast_can_be_cancelled(bot: BotHarness) -> None:
    forum_id = await forum_with_members(bot)
    budi = bot.person(KOORDINATOR, "Budi Santoso")
    for uid in (2001, 2002, 2003):
        bot.person(uid, "X")
    audience = await compose(budi, "Pengingat musyawarah")
    preview = await press_on(budi, audience, "Lanjut")
    ask = await press_on(budi, preview, "Ubah jadwal")
    assert "Kapan" in ask.text and "WIB" in ask.text
    review = await budi.say("besok 08.00")
    assert "Jadwal:</b> Rabu, 25 November 2026 pukul 08.00 WIB" in review.html
    scheduled = await press_on(budi, review, "Kirim siaran")
    assert "dijadwalkan Rabu, 25 November 2026 pukul 08.00 WIB untuk 3 penerima" in scheduled.text
    history = await budi.say("/siaran_riwayat")
    assert "terjadwal" in history.text and "Pengingat musyawarah" in history.text
    cancelled = await budi.press(history, "Batalkan siaran")
    assert "dibatalkan" in cancelled.text
    broadcast = (await BroadcastRepo(bot.services.db).of_forum(forum_id))[0]
    assert broadcast.status == "cancelled"
    # Tomorrow 08.00 WIB comes; nothing goes out.
    bot.clock.set(datetime(2026, 11, 25, 1, 0, tzinfo=UTC))
    await engine_of(bot).run_due()
    await engine_of(bot).run_planners()
    assert all(bot.double.sent(uid) == [] for uid in (2001, 2002, 2003))
    assert (await OutboxRepo(bot.services.db).counts()).get("cancelled") == 3


async def test_scheduled_broadcast_goes_out_at_its_time(bot: BotHarness) -> None:
    await forum_with_members(bot)
    budi = bot.person(KOORDINATOR, "Budi Santoso")
    for uid in (2001, 2002, 2003):
        bot.person(uid, "X")
    audience = await compose(budi, "Besok pagi")
    preview = await press_on(budi, audience, "Lanjut")
    await press_on(budi, preview, "Ubah jadwal")
    review = await budi.say("besok 08.00")
    await press_on(budi, review, "Kirim siaran")
    await engine_of(bot).run_due()
    assert bot.double.sent(2001) == []
    bot.clock.set(datetime(2026, 11, 25, 1, 0, tzinfo=UTC))
    await engine_of(bot).run_planners()  # the monitor posts the progress message
    status = await bot.double.wait_for(budi.id, lambda m: "sedang dikirim" in m.text)
    await engine_of(bot).run_due()
    assert all(len(bot.double.sent(uid)) == 1 for uid in (2001, 2002, 2003))
    report = await finish_report(bot, budi)
    assert "Terkirim: 3 dari 3" in report.text
    # Everything the monitor said went through the outbox (limits, retries), and the progress
    # message it posted was turned into the final summary, its Hentikan button gone.
    broadcast_id = (await BroadcastRepo(bot.services.db).of_forum(1))[0].id
    outbox = OutboxRepo(bot.services.db)
    progress_row = await outbox.by_key(f"broadcast:{broadcast_id}:progress")
    assert progress_row is not None and progress_row["status"] == "sent"
    assert progress_row["message_id"] == status.message_id
    final_row = await outbox.by_key(f"broadcast:{broadcast_id}:progress:final")
    assert final_row is not None and final_row["status"] == "sent"
    final = next(m for m in bot.double.sent(budi.id) if m.message_id == status.message_id)
    assert "selesai: 3 terkirim" in final.text and final.buttons == []


async def test_stop_mid_way_lists_what_was_not_sent(bot: BotHarness) -> None:
    forum_id = await forum_with_members(bot)
    budi = bot.person(KOORDINATOR, "Budi Santoso")
    for uid in (2001, 2002, 2003):
        bot.person(uid, "X")
    bot.clock.set(datetime(2026, 11, 24, 15, 0, tzinfo=UTC))  # 22.00 WIB: quiet hours hold bulk pushes
    audience = await compose(budi, "Malam-malam")
    preview = await press_on(budi, audience, "Lanjut")
    assert "jam tenang" in preview.text
    await send_it(budi, preview)
    status = await bot.double.wait_for(budi.id, lambda m: "sedang dikirim" in m.text)
    await engine_of(bot).run_due()
    assert bot.double.sent(2001) == []
    stopped = await budi.press(status, "Hentikan")
    assert "3 pesan tidak dikirim" in stopped.text
    report = await finish_report(bot, budi)
    assert "Tidak dikirim: 3" in report.text and "Sri Wahyuni — Sidasari" in report.text
    bot.clock.set(datetime(2026, 11, 25, 0, 0, tzinfo=UTC))  # morning
    await engine_of(bot).run_due()
    assert all(bot.double.sent(uid) == [] for uid in (2001, 2002, 2003))
    assert (await BroadcastRepo(bot.services.db).of_forum(forum_id))[0].status == "stopped"


async def test_photo_broadcast_keeps_the_file_and_caption(bot: BotHarness) -> None:
    await forum_with_members(bot)
    budi = bot.person(KOORDINATOR, "Budi Santoso")
    for uid in (2001, 2002, 2003):
        bot.person(uid, "X")
    assert "Tulis pesan siaran" in (await budi.say("/siaran")).text
    await bot.double.send_photo(budi.user, caption="Undangan <MAD> tahap 2")
    audience = await budi.next()
    assert "Siapa penerimanya" in audience.text
    preview = await press_on(budi, audience, "Lanjut")
    await send_it(budi, preview)
    got = await bot.double.wait_for(2001, lambda m: m.kind == "photo")
    assert "Undangan <MAD> tahap 2" in got.text and "Siaran Forum Kades Cipari" in got.text
    sent_ids = {m.file_id for m in bot.double.sent(2001) + bot.double.sent(2002)}
    assert len(sent_ids) == 1 and None not in sent_ids  # the same Telegram file, not a re-upload


async def test_too_long_message_is_refused_with_the_limit(bot: BotHarness) -> None:
    await forum_with_members(bot)
    budi = bot.person(KOORDINATOR, "Budi Santoso")
    await budi.say("/siaran")
    reply = await budi.say("a" * 4000)
    assert "terlalu panjang" in reply.text and "3.896" in reply.text
    draft = await bot.services.drafts.get(KOORDINATOR)
    assert draft is not None and draft.flow == "bs" and draft.step == "text"


async def test_review_changes_the_message_and_the_recipients(bot: BotHarness) -> None:
    await forum_with_members(bot)
    budi = bot.person(KOORDINATOR, "Budi Santoso")
    for uid in (2001, 2002, 2003):
        bot.person(uid, "X")
    audience = await compose(budi, "Rapat <b>tanpa</b> notulen")
    review = await press_on(budi, audience, "Lanjut")
    assert "<b>3</b> anggota" in review.html and "Rapat &lt;b&gt;tanpa&lt;/b&gt; notulen" in review.html
    # Ubah pesan: the new text replaces the old one; the recipients stay.
    ask = await press_on(budi, review, "Ubah pesan")
    assert "Tulis pesan siaran" in ask.text
    review = await budi.say("Rapat pendamping Kamis")
    assert "Rapat pendamping Kamis" in review.text and "tanpa" not in review.text
    # Ubah penerima: only the pendamping.
    audience = await press_on(budi, review, "Ubah penerima")
    audience = await budi.press(audience, "Semua pendamping")
    assert "<b>1</b> anggota" in audience.html
    review = await press_on(budi, audience, "Lanjut")
    assert "Penerima:</b> 1 anggota" in review.html and "Jadwal:</b> sekarang" in review.html
    await send_it(budi, review)
    await bot.double.wait_for(2003, lambda m: "Rapat pendamping Kamis" in m.text)
    await engine_of(bot).run_due()
    assert bot.double.sent(2001) == [] and bot.double.sent(2002) == []
    assert await bot.services.drafts.get(KOORDINATOR) is None


async def test_bad_answers_are_explained_and_the_draft_kept(bot: BotHarness) -> None:
    forum_id = await forum_with_members(bot)
    budi = bot.person(KOORDINATOR, "Budi Santoso")
    audience = await compose(budi, "Kerja bakti")
    # Nobody left to receive it: Lanjut is refused with an alert, the choices stay.
    audience = await budi.press(audience, "Pesan pribadi")
    assert "<b>0</b> anggota" in audience.html
    cq = await bot.double.press_button(budi.user, audience, audience.callback_for("Lanjut"))
    await bot.double.wait_for_answer(cq)
    assert "Belum ada penerima" in bot.double.answered_callbacks[cq]["text"]
    audience = await budi.press(audience, "Pesan pribadi")
    review = await press_on(budi, audience, "Lanjut")
    # A time that is no time, then one in the past: both explained, the question asked again.
    await press_on(budi, review, "Ubah jadwal")
    reply = await budi.say("kapan-kapan saja")
    assert "tidak bisa dipakai" in reply.text
    draft = await bot.services.drafts.get(KOORDINATOR)
    assert draft is not None and draft.flow == "bs" and draft.step == "when"
    reply = await budi.say("kemarin 08.00")
    assert "tidak bisa dipakai" in reply.text
    review = await budi.say("besok 08.00")
    assert "Jadwal:</b> Rabu, 25 November 2026 pukul 08.00 WIB" in review.html
    assert await BroadcastRepo(bot.services.db).of_forum(forum_id) == []


async def test_a_siaran_begun_before_the_upgrade_is_dropped(bot: BotHarness) -> None:
    await forum_with_members(bot)
    budi = bot.person(KOORDINATOR, "Budi Santoso")
    # What the hand-rolled form left in the drafts table, at the recipients step.
    await bot.services.drafts.save(KOORDINATOR, "siaran", "audience", {"forum_id": 1, "text": "Lama"},
                                   bot.clock.now())
    reply = await budi.say("Pesan baru")
    assert "/siaran" in reply.text and "diulang" in reply.text
    assert await bot.services.drafts.get(KOORDINATOR) is None
    assert await BroadcastRepo(bot.services.db).of_forum(1) == []
