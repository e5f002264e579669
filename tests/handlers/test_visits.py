"""Work visits through the real bot and the real delivery engine (outbox -> Telegram double)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.errors import InvalidInput
from bot.telegram_double import SentMessage
from bot.visits import service as visit_service
from scheduler.engine import DeliveryEngine
from storage.directory import DirectoryRepo
from storage.posts import PostRepo
from storage.visits import VisitRepo
from tests.conftest import SIDASARI_CIPARI, BotHarness, Person, seed_forum

CARUY = "33.01.18.2001"  # Kec. Cipari
CISURU = "33.01.18.2004"
CIRAHAB = "33.02.01.2001"  # Kab. Banyumas, another forum
GROUP = -100_500
R, H, K, OUT = 1001, 2002, 9001, 3003


@pytest.fixture
async def engine(bot: BotHarness) -> AsyncIterator[DeliveryEngine]:
    """The app's own delivery engine; tests move the FixedClock and call run_due instead of sleeping."""
    engine = bot.services.delivery
    assert isinstance(engine, DeliveryEngine)
    yield engine


async def world(bot: BotHarness) -> int:
    """Forum A: koordinator K (Cisuru), requester R (Sidasari), host H (Caruy). Forum B: outsider OUT only."""
    bot.double.group(GROUP, "Forum Kades Cipari", bot_status="member")
    forum_id = await seed_forum(bot.services, koordinator=K, group_chat_id=GROUP, members={
        K: ("Kartono", CISURU), R: ("Budi Santoso", SIDASARI_CIPARI), H: ("Hartini", CARUY)})
    await seed_forum(bot.services, koordinator=OUT, name="Forum Banyumas", scope_code="33.02",
                     members={OUT: ("Oki Luar", CIRAHAB)})
    await DirectoryRepo(bot.services.db).save_profile(
        CARUY, by=H, now=bot.clock.now(), potensi=["lingk", "umkm"], detail="Pengelolaan sampah rumah tangga",
        programs="Bank sampah Berseri, 300 nasabah")
    return forum_id


async def deliver(engine: DeliveryEngine) -> None:
    await engine.run_due()


async def at(bot: BotHarness, engine: DeliveryEngine, when: datetime) -> None:
    bot.clock.set(when)
    await deliver(engine)


async def press_on(person: Person, message: SentMessage, label: str) -> SentMessage:
    """Press a button and return the next *new* message (skipping the edit that removes the buttons)."""
    got = await person.press(message, label)
    return await person.next() if got.edited else got


async def expect(person: Person, needle: str, *, timeout: float = 10.0) -> SentMessage:
    """The next message (new or edited) in the person's chat that contains `needle`; others are skipped."""
    return await person.double.wait_for(person.id, lambda m: needle in m.text, timeout=timeout)


async def said(person: Person, text: str, needle: str) -> SentMessage:
    await person.send(text)
    return await expect(person, needle)


async def pressed(person: Person, message: SentMessage, label: str, needle: str) -> SentMessage:
    data = message.callback_for(label)
    await person.double.press_button(person.user, message, data)
    return await expect(person, needle)


async def alert(bot: BotHarness, person: Person, message: SentMessage, data: str) -> str:
    """Press (possibly someone else's or a stale) button; the alert text the bot answered with."""
    cq = await bot.double.press_button(person.user, message, data, force=True)
    return str((await bot.double.wait_for_answer(cq, timeout=10)).get("text") or "")


async def request_visit(bot: BotHarness, engine: DeliveryEngine, requester: Person, *,
                        query: str = "bank sampah", dates: tuple[str, ...] = ("7 Desember 2026", "9 Desember 2026"),
                        purpose: str = "Belajar mengelola bank sampah") -> int:
    """Drive /cari_desa -> Ajukan kunjungan -> form -> Kirim; returns the new visit id (host not yet told)."""
    found = await requester.say(f"/cari_desa {query}")
    assert "Caruy" in found.text and "Hartini" in found.text and "Kec. Cipari" in found.text
    ask = await requester.press(found, "Ajukan kunjungan: Caruy")
    assert "Apa yang ingin dipelajari" in ask.text
    picker = await requester.say(purpose)
    picker = await requester.press(picker, "Lingkungan dan sampah")
    assert "✅ Lingkungan dan sampah" in picker.button_texts()
    ask = await requester.press(picker, "Lanjut")
    ask = await requester.next() if ask.edited else ask
    assert "tanggal kunjungan ke-1" in ask.text
    for day in dates:
        ask = await requester.say(day)
    if len(dates) < 3:
        assert "Cukup" in " ".join(ask.button_texts())
        ask = await requester.press(ask, "Cukup")
        ask = await requester.next() if ask.edited else ask
    assert "Berapa orang" in ask.text
    ask = await requester.say("5")
    confirm = await requester.say("Kami datang dengan perangkat desa.")
    assert "Kirim permintaan ini?" in confirm.text
    sent = await requester.press(confirm, "Kirim permintaan")
    assert "terkirim" in sent.text
    rows = await VisitRepo(bot.services.db).of_user(requester.id)
    return rows[0].id


async def test_request_accept_reminders_report_and_post(bot: BotHarness, engine: DeliveryEngine) -> None:
    forum_id = await world(bot)
    budi, hartini = bot.person(R, "Budi Santoso"), bot.person(H, "Hartini")
    visit_id = await request_visit(bot, engine, budi)
    await deliver(engine)
    card = await hartini.next()
    assert "Permintaan kunjungan kerja" in card.text and "Sidasari" in card.text and "5 orang" in card.text
    assert "Belajar mengelola bank sampah" in card.text
    assert any("Terima: 7 Des 2026" in b for b in card.button_texts())
    edited = await hartini.press(card, "Terima: 9 Des 2026")
    assert "diterima" in edited.text.lower()
    await deliver(engine)
    told = await budi.next()
    assert "Caruy menerima kunjungan" in told.text and "9 Desember 2026" in told.text
    row = await VisitRepo(bot.services.db).get(visit_id)
    assert row is not None and (row.state, row.visit_date, row.forum_id) == ("diterima", date(2026, 12, 9), forum_id)

    # H-7 and H-1 at 08.00 WIB to both sides, nothing earlier
    await at(bot, engine, datetime(2026, 12, 1, 0, 59, tzinfo=UTC))
    assert not [m for m in bot.double.sent(R) if "Pengingat" in m.text]
    await at(bot, engine, datetime(2026, 12, 2, 1, 0, tzinfo=UTC))
    assert "seminggu lagi" in (await budi.next()).text
    assert "Sidasari berkunjung seminggu lagi" in (await hartini.next()).text
    await at(bot, engine, datetime(2026, 12, 8, 1, 0, tzinfo=UTC))
    assert "besok" in (await budi.next()).text
    assert "besok" in (await hartini.next()).text

    # the day after: the visitor is asked for a report, the host for a note
    await at(bot, engine, datetime(2026, 12, 10, 2, 0, tzinfo=UTC))
    prompt = await budi.next()
    assert "Tulis laporan" in " ".join(prompt.button_texts())
    note_prompt = await hartini.next()
    ask = await budi.press(prompt, "Tulis laporan")
    assert "Apa yang dipelajari" in ask.text
    row = await VisitRepo(bot.services.db).get(visit_id)
    assert row is not None and row.state == "selesai"  # writing the report confirms the visit happened
    await budi.say("Sistem tabungan sampah & <b>pemilahan</b> di tiap RT")
    await budi.say("Membentuk bank sampah di dua dusun")
    await bot.double.send_photo(budi.user)
    saved_photo = await budi.next()
    assert "Foto 1" in saved_photo.text
    review = await press_on(budi, saved_photo, "Selesai")
    assert "Ubah yang dipelajari" in review.button_texts() and "Membentuk bank sampah" in review.text
    saved = await budi.press(review, "Simpan laporan")
    assert "Laporan kunjungan disimpan" in saved.text

    # the host adds a note; it goes to the visitor and into the post
    ask = await hartini.press(note_prompt, "Tambah catatan")
    await hartini.say("Siap mendampingi pembentukan bank sampah.")
    await deliver(engine)
    assert "Siap mendampingi" in (await budi.next()).text

    published = await budi.press(saved, "Bagikan sebagai pengalaman")
    assert "dibagikan" in published.text
    await deliver(engine)
    posts = bot.double.sent(GROUP)
    assert posts and "Sidasari" in posts[0].text and "Caruy" in posts[0].text
    assert "Sistem tabungan sampah & <b>pemilahan</b>" in posts[0].text  # shown literally
    assert "Siap mendampingi" in posts[0].text
    assert [m.kind for m in posts] == ["text", "photo"]
    report = await VisitRepo(bot.services.db).report(visit_id)
    assert report is not None and report.published_at is not None and report.post_id is not None
    post = await PostRepo(bot.services.db).get(report.post_id)
    assert post is not None and post.kind == "pelajaran" and (post.link_type, post.link_id) == ("visit", visit_id)
    assert set(post.credited_villages) == {"33.01.18.2011", "33.01.18.2001"}
    assert "Sistem tabungan sampah & <b>pemilahan</b>" in post.story  # stored as typed, escaped when shown
    # a second tap does not post twice
    assert "sudah dibagikan" in await alert(bot, budi, saved, f"v:pub:{visit_id}")
    await deliver(engine)
    assert len(bot.double.sent(GROUP)) == 2


async def test_counter_proposals_both_ways_and_old_buttons(bot: BotHarness, engine: DeliveryEngine) -> None:
    await world(bot)
    budi, hartini = bot.person(R, "Budi Santoso"), bot.person(H, "Hartini")
    visit_id = await request_visit(bot, engine, budi)
    await deliver(engine)
    card = await hartini.next()
    ask = await hartini.press(card, "Usulkan tanggal lain")
    assert "Usulkan tanggal lain untuk kunjungan" in ask.text
    ask = await hartini.say("14 Desember 2026")
    done = await hartini.press(ask, "Cukup 1 tanggal")
    assert "Usulan tanggal terkirim" in done.text
    await deliver(engine)
    proposal = await budi.next()
    assert "mengusulkan tanggal lain" in proposal.text and "14 Desember 2026" in proposal.text
    # the host's old "Terima 7 Des" button is refused: those dates were replaced
    assert "diganti" in await alert(bot, hartini, card, card.callback_for("Terima: 7 Des") or "")
    # the requester proposes again; now the host answers
    ask = await budi.press(proposal, "Usulkan tanggal lain")
    ask = await budi.say("15 Desember 2026")
    await budi.press(ask, "Cukup 1 tanggal")
    await deliver(engine)
    again = await hartini.next()
    assert "15 Desember 2026" in again.text
    assert "diganti" in await alert(bot, budi, proposal, proposal.callback_for("Terima: 14 Des"))
    await hartini.press(again, "Terima: 15 Des")
    row = await VisitRepo(bot.services.db).get(visit_id)
    assert row is not None and (row.state, row.visit_date, row.round) == ("diterima", date(2026, 12, 15), 3)
    events = [e["event"] for e in await VisitRepo(bot.services.db).events(visit_id)]
    assert events == ["request", "propose", "propose", "accept"]


async def test_illegal_presses_are_refused_clearly(bot: BotHarness, engine: DeliveryEngine) -> None:
    await world(bot)
    budi, hartini, kartono = bot.person(R, "Budi Santoso"), bot.person(H, "Hartini"), bot.person(K, "Kartono")
    visit_id = await request_visit(bot, engine, budi)
    await deliver(engine)
    card = await hartini.next()
    accept = card.callback_for("Terima: 7 Des") or ""
    # a third person (even the koordinator) cannot answer
    assert "hanya untuk kepala desa pemohon dan tuan rumah" in await alert(bot, kartono, card, accept)
    # the requester cannot accept their own request
    assert "giliran pihak lain" in await alert(bot, budi, card, accept)
    accept_9 = card.callback_for("Terima: 9 Des")
    await hartini.press(card, "Terima: 7 Des")
    # accepting twice (the same button, or the other date)
    for data in (accept, accept_9):
        assert "sudah diterima" in await alert(bot, hartini, card, data)
    assert "sudah diterima" in await alert(bot, hartini, card, f"v:prop:{visit_id}:1")
    row = await VisitRepo(bot.services.db).get(visit_id)
    assert row is not None and row.visit_date == date(2026, 12, 7)
    await deliver(engine)
    told = await budi.next()
    # marking done before the day
    assert "belum berlangsung" in await alert(bot, budi, told, f"v:done:{visit_id}")
    # the requester cancels with a reason; the host is told; reminders are cancelled
    bot.clock.set(datetime(2026, 12, 3, 2, 0, tzinfo=UTC))
    ask = await budi.press(told, "Batalkan kunjungan")
    assert "Mengapa" in ask.text
    reply = await budi.say("   ")
    assert "perlu diisi" in reply.text
    reply = await budi.say("Jalan ke Caruy putus karena banjir")
    assert "dibatalkan" in reply.text
    await deliver(engine)
    told_host = await hartini.next()
    assert "dibatalkan oleh Desa Sidasari" in told_host.text and "banjir" in told_host.text
    pending = await bot.services.db.fetchval(
        "SELECT count(*) FROM outbox WHERE idem_key LIKE ? AND status = 'pending'", (f"visit:{visit_id}:%",))
    assert pending == 0
    # cancelling a cancelled visit, accepting it again
    assert "sudah dibatalkan" in await alert(bot, hartini, told_host, accept)
    assert "sudah dibatalkan" in await alert(bot, budi, told_host, f"v:can:{visit_id}")


async def test_host_rejects_with_reason(bot: BotHarness, engine: DeliveryEngine) -> None:
    await world(bot)
    budi, hartini = bot.person(R, "Budi Santoso"), bot.person(H, "Hartini")
    visit_id = await request_visit(bot, engine, budi)
    await deliver(engine)
    card = await hartini.next()
    ask = await hartini.press(card, "Tolak")
    assert "Mengapa" in ask.text
    reply = await hartini.say("x" * 5000)
    assert "terlalu panjang" in reply.text
    reply = await hartini.say("Sedang musim panen <b>raya</b>")
    assert "ditolak" in reply.text
    await deliver(engine)
    told = await budi.next()
    assert "tidak dapat menerima" in told.text and "Sedang musim panen <b>raya</b>" in told.text
    row = await VisitRepo(bot.services.db).get(visit_id)
    assert row is not None and row.state == "ditolak" and row.reason == "Sedang musim panen <b>raya</b>"
    assert "sudah ditolak" in await alert(bot, hartini, card, card.callback_for("Terima: 7 Des") or "")


async def test_nudge_once_after_three_days_and_notice_after_seven(bot: BotHarness, engine: DeliveryEngine) -> None:
    await world(bot)
    budi, hartini = bot.person(R, "Budi Santoso"), bot.person(H, "Hartini")
    await request_visit(bot, engine, budi, dates=("20 Desember 2026", "22 Desember 2026"))
    await deliver(engine)
    await hartini.next()
    start = bot.clock.now()
    await at(bot, engine, start + timedelta(days=3) - timedelta(minutes=1))
    assert not [m for m in bot.double.sent(H) if "belum Bapak/Ibu jawab" in m.text]
    await at(bot, engine, start + timedelta(days=3, minutes=1))
    nudge = await hartini.next()
    assert "belum Bapak/Ibu jawab selama 3 hari" in nudge.text
    assert any("Terima" in b for b in nudge.button_texts())
    await at(bot, engine, start + timedelta(days=7, minutes=1))
    notice = await budi.next()
    assert "belum dijawab Desa Caruy selama 7 hari" in notice.text
    for extra in range(8, 20):
        await at(bot, engine, start + timedelta(days=extra))
    assert len([m for m in bot.double.sent(H) if "belum Bapak/Ibu jawab" in m.text]) == 1
    assert len([m for m in bot.double.sent(R) if "selama 7 hari" in m.text]) == 1
    # answering stops the waiting pushes of that round: accept from the nudge
    await hartini.press(nudge, "Terima: 20 Des")


async def test_answer_cancels_pending_nudges(bot: BotHarness, engine: DeliveryEngine) -> None:
    await world(bot)
    budi, hartini = bot.person(R, "Budi Santoso"), bot.person(H, "Hartini")
    await request_visit(bot, engine, budi)
    await deliver(engine)
    card = await hartini.next()
    await hartini.press(card, "Terima: 7 Des")
    await at(bot, engine, bot.clock.now() + timedelta(days=8))
    assert not [m for m in bot.double.sent(H) if "belum Bapak/Ibu jawab" in m.text]
    assert not [m for m in bot.double.sent(R) if "selama 7 hari" in m.text]


async def test_host_outside_shared_forums_is_refused(bot: BotHarness, engine: DeliveryEngine) -> None:
    await world(bot)
    oki, budi = bot.person(OUT, "Oki Luar"), bot.person(R, "Budi Santoso")
    reply = await oki.say("/cari_desa bank sampah")
    assert "Tidak ada desa" in reply.text and "Caruy" not in reply.text
    # a forged "Ajukan kunjungan" button for a host in another forum
    found = await budi.say("/cari_desa bank sampah")
    forged = f"v:to:{H}"
    assert "satu forum" in await alert(bot, oki, found, forged)
    # the host leaves the forum while the requester is filling in the form: sending is refused
    ask = await budi.press(found, "Ajukan kunjungan: Caruy")
    picker = await budi.say("Belajar bank sampah")
    picker = await budi.press(picker, "Lingkungan dan sampah")
    ask = await budi.press(picker, "Lanjut")
    ask = await budi.next() if ask.edited else ask
    await budi.say("7 Desember 2026")
    ask = await budi.say("9 Desember 2026")
    await press_on(budi, ask, "Cukup")
    await budi.say("3")
    confirm = await budi.say("Salam")
    forum = (await bot.services.forums.of_member(H))[0]
    await bot.services.members.set_status(forum.id, H, "removed", bot.clock.now())
    assert "satu forum" in await alert(bot, budi, confirm, confirm.callback_for("Kirim permintaan") or "")
    assert await VisitRepo(bot.services.db).of_user(R) == []


async def test_crossing_requests_both_stand_and_are_pointed_out(bot: BotHarness, engine: DeliveryEngine) -> None:
    await world(bot)
    budi, hartini = bot.person(R, "Budi Santoso"), bot.person(H, "Hartini")
    await DirectoryRepo(bot.services.db).save_profile(SIDASARI_CIPARI, by=R, now=bot.clock.now(), potensi=["tani"],
                                                      programs="Pertanian padi organik")
    first = await request_visit(bot, engine, budi)
    # Hartini asks to visit Sidasari at the same time
    found = await said(hartini, "/cari_desa pertanian organik", "Hasil pencarian")
    await hartini.press(found, "Ajukan kunjungan: Sidasari")
    picker = await hartini.say("Belajar padi organik")
    picker = await hartini.press(picker, "Pertanian")
    ask = await hartini.press(picker, "Lanjut")
    ask = await hartini.next() if ask.edited else ask
    await hartini.say("10 Desember 2026")
    await hartini.say("11 Desember 2026")
    ask = await hartini.say("12 Desember 2026")  # a third date moves on by itself
    assert "Berapa orang" in ask.text
    await hartini.say("4")
    confirm = await hartini.say("Salam")
    sent = await hartini.press(confirm, "Kirim permintaan")
    assert "juga sedang mengajukan kunjungan ke desa Bapak/Ibu" in sent.text
    rows = await VisitRepo(bot.services.db).of_user(R)
    assert {(r.requester_user_id, r.host_user_id, r.state) for r in rows} == {(R, H, "diajukan"), (H, R, "diajukan")}
    # a second request to the same village while one is open is refused
    found = await said(budi, "/cari_desa bank sampah", "Hasil pencarian")
    assert f"#{first}" in await alert(bot, budi, found, found.callback_for("Ajukan kunjungan: Caruy") or "")


async def test_bad_input_in_the_form_is_corrected_politely(bot: BotHarness, engine: DeliveryEngine) -> None:
    await world(bot)
    budi = bot.person(R, "Budi Santoso")
    found = await budi.say("/cari_desa bank sampah")
    await budi.press(found, "Ajukan kunjungan: Caruy")
    reply = await budi.say("x" * 5000)
    assert "500" in reply.text
    picker = await budi.say("Belajar <script>bank</script> sampah")
    assert "minimal satu bidang" in await alert(bot, budi, picker, picker.callback_for("Lanjut"))
    picker = await budi.press(picker, "Pariwisata")
    ask = await budi.press(picker, "Lanjut")
    ask = await budi.next() if ask.edited else ask
    assert "tidak saya kenali" in (await budi.say("kapan-kapan saja")).text
    assert "sudah lewat" in (await budi.say("1 November 2026")).text
    assert "Februari 2027 hanya 28 hari" in (await budi.say("31 Februari 2027")).text
    await budi.say("7 Desember 2026")
    assert "sudah diusulkan" in (await budi.say("7 Desember 2026")).text
    ask = await budi.say("8 Desember 2026")
    await press_on(budi, ask, "Cukup")
    assert "angka 1 sampai 100" in (await budi.say("banyak")).text
    assert "angka 1 sampai 100" in (await budi.say("500")).text
    await budi.say("2")
    confirm = await budi.say("Terima kasih")
    assert "&lt;script&gt;" in confirm.html
    draft = await bot.services.drafts.get(R)
    assert draft is not None and draft.data["purpose"] == "Belajar <script>bank</script> sampah"


async def test_lists_and_koordinator_summary(bot: BotHarness, engine: DeliveryEngine) -> None:
    await world(bot)
    budi, hartini, kartono = bot.person(R, "Budi Santoso"), bot.person(H, "Hartini"), bot.person(K, "Kartono")
    await request_visit(bot, engine, budi)
    await deliver(engine)
    card = await hartini.next()
    await hartini.press(card, "Terima: 7 Des")
    listing = await said(budi, "/kunjungan", "Kunjungan kerja Bapak/Ibu")
    assert "Akan datang" in listing.text and "Sidasari → Caruy" in listing.text
    assert not any("Semua kunjungan" in b for b in listing.button_texts())
    host_listing = await said(hartini, "/kunjungan", "Kunjungan kerja Bapak/Ibu")
    assert "Akan datang" in host_listing.text
    summary_button = await kartono.say("/kunjungan")
    assert "Belum ada kunjungan" in summary_button.text
    summary = await kartono.press(summary_button, "Semua kunjungan di forum")
    assert "Jumlah: 1" in summary.text and "Lingkungan dan sampah (1)" in summary.text
    assert "Caruy: 1 kunjungan" in summary.text
    # an anggota forging the summary button is refused
    assert "koordinator" in await alert(bot, budi, listing, "v:all")
    # the koordinator may look at a visit card but gets no buttons on it
    await bot.double.press_button(kartono.user, summary, "v:show:1", force=True)
    card_for_k = await kartono.next()
    assert "Kunjungan kerja #1" in card_for_k.text and not card_for_k.button_texts()
    # an outsider cannot
    oki = bot.person(OUT, "Oki Luar")
    assert "bukan anggota" in await alert(bot, oki, listing, "v:show:1")


async def _done_visit_with_report(bot: BotHarness) -> int:
    now = bot.clock.now()
    day = date(2026, 11, 20)
    forum = (await bot.services.forums.of_member(R))[0]
    async with bot.services.write() as tx:
        visit_id = await tx.visits.create(
            forum_id=forum.id, requester_user_id=R, requester_village=SIDASARI_CIPARI, host_user_id=H,
            host_village=CARUY, purpose="Belajar bank sampah", bidang=["lingk"], people=4, message="",
            state="selesai", awaiting=None, proposed=(day,), round=1, now=now)
        await tx.visits.save_report(visit_id=visit_id, author_user_id=R, learned="Pemilahan sampah",
                                    will_apply="Bank sampah dusun", photos=[], now=now)
    return visit_id


async def test_report_becomes_a_post_through_the_posts_feature(bot: BotHarness, engine: DeliveryEngine) -> None:
    """Publishing goes through the posts feature's publisher: a 'pelajaran' post credited to both
    villages, linked to the visit, announced by the posts feature's own group card."""
    await world(bot)
    visit_id = await _done_visit_with_report(bot)
    post_id = await visit_service.publish_report(bot.services, visit_id, R)
    post = await PostRepo(bot.services.db).get(post_id)
    assert post is not None and (post.kind, post.bidang) == ("pelajaran", "lingk")
    assert set(post.credited_villages) == {SIDASARI_CIPARI, CARUY}
    assert (post.link_type, post.link_id) == ("visit", visit_id)
    assert "Pemilahan sampah" in post.story and "Desa Caruy" in post.title
    report = await VisitRepo(bot.services.db).report(visit_id)
    assert report is not None and report.post_id == post_id and report.published_at is not None
    await deliver(engine)
    cards = bot.double.sent(GROUP)
    assert len(cards) == 1 and "Desa Caruy" in cards[0].text


async def test_failed_post_creation_can_be_retried(bot: BotHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    await world(bot)
    visit_id = await _done_visit_with_report(bot)
    working = bot.services.publish_post

    async def broken(services: object, **kwargs: object) -> int:
        raise InvalidInput("err.invalid_input")

    monkeypatch.setattr(bot.services, "publish_post", broken)
    with pytest.raises(InvalidInput):
        await visit_service.publish_report(bot.services, visit_id, R)
    report = await VisitRepo(bot.services.db).report(visit_id)
    assert report is not None and report.published_at is None
    monkeypatch.setattr(bot.services, "publish_post", working)
    post_id = await visit_service.publish_report(bot.services, visit_id, R)
    report = await VisitRepo(bot.services.db).report(visit_id)
    assert report is not None and report.post_id == post_id and report.published_at is not None


async def test_a_request_draft_left_by_the_old_hand_rolled_form_is_dropped_not_crashed_on(bot: BotHarness) -> None:
    """Upgrading mid-form: the old 'visit' flow no longer exists; the next message gets a hint, the draft goes."""
    await world(bot)
    budi = bot.person(R, "Budi Santoso")
    await bot.services.drafts.save(R, "visit", "purpose", {"host": H, "host_village": "33.01.18.2001",
                                                          "host_name": "Caruy"}, bot.clock.now())
    reply = await budi.say("Belajar bank sampah")
    assert "/" in reply.text  # a hint of what can be done now, not a traceback id
    assert await bot.services.drafts.get(R) is None
    listing = await budi.say("/kunjungan")
    ask = await press_on(budi, listing, "Ajukan kunjungan baru")
    assert "Ketik nama" in ask.text
