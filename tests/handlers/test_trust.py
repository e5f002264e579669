"""Trust and safety (issue 11): rights follow the village a koordinator approved; leaving a forum ends
its rights; answers go to the stored asker; erasing data erases it everywhere."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.telegram_double import SentMessage
from scheduler.engine import DeliveryEngine
from storage import outbox
from storage.database import Tx
from storage.posts import PostRepo
from storage.visits import VisitRepo
from tests.conftest import BotHarness, Person, seed_forum
from tests.handlers.test_agreements import (
    BUDI,
    CIPARI,
    JOKO,
    SRI,
    alert_after,
    make_agreement,
    seed,
    until,
)
from tests.handlers.test_visits import OUT, H, K, R, alert, deliver, request_visit, world


async def ask_village(bot: BotHarness, person: Person, query: str, code: str) -> SentMessage:
    """/profil -> Ubah desa -> type the name -> pick the village with this code; the bot's answer."""
    await person.send("/profil")
    profile = await bot.double.wait_for(person.id, lambda m: "Profil Bapak/Ibu" in m.text)
    await bot.double.press_button(person.user, profile, profile.callback_for("Ubah desa"))
    await bot.double.wait_for(person.id, lambda m: "desa" in m.text.lower() and m.message_id != profile.message_id)
    await person.send(query)
    choice = await bot.double.wait_for(person.id, lambda m: any(d.endswith(code) for d in m.callback_data()))
    data = next(d for d in choice.callback_data() if d.endswith(code))
    await bot.double.press_button(person.user, choice, data)
    return await bot.double.wait_for(person.id, lambda m: "menunggu persetujuan" in m.text or "disimpan" in m.text)


async def test_a_self_typed_village_grants_nothing_until_the_koordinator_approves(bot: BotHarness) -> None:
    forum_id = await seed(bot)
    agreement_id = await make_agreement(bot.services, forum_id)  # parties: Sidasari and Cipari
    joko, budi = bot.person(JOKO, "Joko Susilo"), bot.person(BUDI, "Budi")
    told = await ask_village(bot, joko, "cipari", CIPARI)
    assert "menunggu persetujuan" in told.text and "Forum Kades Cipari" in told.text
    # The old village (Kutasari, not a party) still counts: no view, no evaluation, no ending early.
    listing = await joko.say("/kerjasama")
    assert "Belum ada kerja sama" in listing.text
    assert "tidak ditemukan" in await alert_after(bot, joko, listing, f"k:o:{agreement_id}")
    assert "tidak ditemukan" in await alert_after(bot, joko, listing, f"k:end:{agreement_id}")
    assert "Menunggu persetujuan: desa Cipari" in (await joko.say("/profil")).text
    membership = await bot.services.members.membership(forum_id, JOKO)
    assert membership is not None and membership.village_code != CIPARI
    # The koordinator is asked with the old and new village; Tolak keeps the old one.
    request = await until(bot, budi, "Permintaan ubah desa", timeout=10)
    assert "Kutasari" in request.text and "Cipari" in request.text and "Joko Susilo" in request.text
    await bot.double.press_button(budi.user, request, request.callback_for("Tolak"))
    assert "ditolak" in (await until(bot, joko, "ditolak", timeout=10)).text
    assert (await bot.services.access.village_of(forum_id, JOKO)) != CIPARI
    # Asked again and approved: now Cipari counts in this forum, verified (someone else approved).
    await ask_village(bot, joko, "cipari", CIPARI)
    request = await bot.double.wait_for(budi.id, lambda m: "Permintaan ubah desa" in m.text and m.message_id
                                        != request.message_id, timeout=10)
    tolak = request.callback_for("Tolak")
    await bot.double.press_button(budi.user, request, request.callback_for("Setujui"))
    await until(bot, joko, "disetujui", timeout=10)
    assert await bot.services.access.village_of(forum_id, JOKO) == CIPARI
    assert CIPARI in await bot.services.access.verified_villages(JOKO)
    assert "Pengelolaan Air Bersih" in (await joko.say("/kerjasama")).text
    # A second press on the decided request is told, not applied twice.
    assert "sudah diputuskan" in await alert_after(bot, budi, request, tolak)
    assert await bot.services.access.village_of(forum_id, JOKO) == CIPARI


async def test_only_a_koordinator_of_that_forum_decides_a_village_change(bot: BotHarness) -> None:
    forum_id = await seed(bot)
    joko, sri = bot.person(JOKO, "Joko Susilo"), bot.person(SRI, "Sri")
    await ask_village(bot, joko, "cipari", CIPARI)
    change = (await bot.services.members.pending_village_changes(JOKO))[0]
    listing = await sri.say("/profil")
    assert "koordinator" in await alert_after(bot, sri, listing, f"p:vc:{change.id}:y")
    assert await bot.services.access.village_of(forum_id, JOKO) != CIPARI


async def test_a_member_who_left_the_visits_forum_cannot_act_on_it(bot: BotHarness) -> None:
    forum_id = await world(bot)
    budi = bot.person(R, "Budi Santoso")
    engine = bot.services.delivery
    assert isinstance(engine, DeliveryEngine)
    # Budi is also in another forum, so "a member of some forum" still holds after he leaves this one.
    async with bot.services.db.transaction() as conn:
        await bot.services.members.add_membership(conn, forum_id=await _other_forum(bot), user_id=R,
                                                  role="anggota", status="active", now=bot.clock.now(), decided_by=OUT)
    visit_id = await request_visit(bot, engine, budi)
    await bot.services.members.set_status(forum_id, R, "removed", bot.clock.now(), by=R)
    card = await budi.say("/kunjungan")
    assert "bukan anggota" in await alert(bot, budi, card, f"v:can:{visit_id}")
    row = await VisitRepo(bot.services.db).get(visit_id)
    assert row is not None and row.state == "diajukan"


async def _other_forum(bot: BotHarness) -> int:
    value = await bot.services.db.fetchval("SELECT id FROM forums WHERE created_by = ?", (OUT,))
    return int(value)


async def test_the_answer_button_takes_the_asker_from_the_stored_question(bot: BotHarness) -> None:
    from bot.posts.service import create_post

    forum_id = await seed_forum(bot.services, koordinator=1001, members={
        1001: ("Budi", "33.01.18.2011"), 1002: ("Sri", "33.01.18.2001"), 1003: ("Agus", "33.01.18.2005")})
    budi, sri, agus = bot.person(1001, "Budi"), bot.person(1002, "Sri"), bot.person(1003, "Agus")
    post_id = await create_post(bot.services, forum_id=forum_id, author_user_id=1001, title="Bank sampah",
                                bidang="lingk", kind="berhasil", story="Cerita panjang tentang bank sampah desa kami.",
                                publish=False)
    await bot.double.wait_idle()
    # A forged button naming Agus as the asker (the old format) is stale, not an answer to Agus.
    card = await budi.say("/profil")
    assert "tidak berlaku" in await alert(bot, budi, card, f"e:ans:{post_id}:1003")
    # A real question: the answer goes to the person who asked.
    async with bot.services.db.transaction() as conn:
        question_id = await PostRepo(Tx(conn)).add_question(post_id, 1002, bot.clock.now())
    ask = await budi.say("/profil")
    await bot.double.press_button(budi.user, ask, f"e:ans:{question_id}", force=True)
    await bot.double.wait_for(budi.id, lambda m: "Tulis jawaban" in m.text)
    await budi.send("Datang saja hari Sabtu.")
    await bot.double.wait_for(budi.id, lambda m: "Jawaban terkirim" in m.text)
    await bot.double.wait_for(sri.id, lambda m: "Datang saja hari Sabtu" in m.text)
    assert not [m for m in bot.double.sent(agus.id) if "Datang saja" in m.text]


# -- erasing data ------------------------------------------------------------------------------
async def test_erase_refuses_the_only_koordinator_with_the_way_out(bot: BotHarness) -> None:
    await seed_forum(bot.services, koordinator=1001, members={1001: ("Budi", "33.01.18.2011"),
                                                             1002: ("Sri", "33.01.18.2001")})
    budi = bot.person(1001, "Budi")
    refused = await budi.say("/hapus_data")
    assert "satu-satunya koordinator" in refused.text and "/hapus_data" in refused.text
    member = await bot.services.members.get(1001)
    assert member is not None and member.erased_at is None


async def test_erase_ends_visits_cancels_pushes_and_scrubs_the_name(bot: BotHarness) -> None:
    await world(bot)
    engine = bot.services.delivery
    assert isinstance(engine, DeliveryEngine)
    budi, hartini = bot.person(R, "Budi Santoso"), bot.person(H, "Hartini")
    visit_id = await request_visit(bot, engine, budi)
    await deliver(engine)
    await hartini.next()  # the request card, carrying Budi's name
    now = bot.clock.now()
    later = now + timedelta(days=2)
    async with bot.services.db.transaction() as conn:  # a pending push to him, and one about him
        await outbox.enqueue(conn, key="test:to-budi", chat_id=R, member_user_id=R, text="Pengingat rapat",
                             due_at=later, now=now)
        await outbox.enqueue(conn, key="test:about-budi", chat_id=K, member_user_id=K,
                             text="Budi Santoso meminta bergabung", due_at=later, now=now)
    confirm = await budi.say("/hapus_data")
    await budi.press(confirm, "Ya, hapus")
    row = await VisitRepo(bot.services.db).get(visit_id)
    assert row is not None and row.state == "dibatalkan"
    await deliver(engine)
    told = await hartini.double.wait_for(H, lambda m: "menghapus datanya" in m.text)
    assert "Sidasari" in told.text and "Budi" not in told.text
    rows = await bot.services.db.fetchall("SELECT idem_key, status, payload FROM outbox")
    by_key = {r["idem_key"]: r for r in rows}
    assert by_key["test:to-budi"]["status"] == "cancelled"
    assert by_key["test:about-budi"]["status"] == "cancelled"
    assert not [r["idem_key"] for r in rows if "Budi Santoso" in r["payload"]]
    assert all(r["status"] != "pending" or json.loads(r["payload"]).get("text", "").find("Budi") < 0 for r in rows)


async def test_leaving_cancels_that_forums_pending_pushes(bot: BotHarness) -> None:
    forum_id = await seed_forum(bot.services, koordinator=1001, members={1001: ("Budi", "33.01.18.2011"),
                                                                        1002: ("Sri", "33.01.18.2001")})
    now = bot.clock.now()
    async with bot.services.db.transaction() as conn:
        await outbox.enqueue(conn, key="test:reminder", chat_id=1002, member_user_id=1002, forum_id=forum_id,
                             text="Rapat besok", due_at=now + timedelta(days=1), now=now)
        await outbox.enqueue(conn, key="test:elsewhere", chat_id=1002, member_user_id=1002, forum_id=forum_id + 99,
                             text="Lain", due_at=now + timedelta(days=1), now=now)
    sri = bot.person(1002, "Sri")
    confirm = await sri.say("/keluar")
    await sri.press(confirm, "Ya, keluar")
    assert (await bot.services.db.fetchval("SELECT status FROM outbox WHERE idem_key = 'test:reminder'")) == "cancelled"
    assert (await bot.services.db.fetchval("SELECT status FROM outbox WHERE idem_key = 'test:elsewhere'")) == "pending"


# -- village profiles ----------------------------------------------------------------------------
async def test_a_self_approved_claimant_only_proposes_and_the_verified_head_decides(bot: BotHarness) -> None:
    from storage.directory import DirectoryRepo

    caruy = "33.01.18.2001"
    # Forum A: Kartono approved Hartini's Caruy (verified). Forum B: Oki made a forum and "is" Caruy too.
    await seed_forum(bot.services, koordinator=K, members={K: ("Kartono", "33.01.18.2004"), H: ("Hartini", caruy)})
    await seed_forum(bot.services, koordinator=OUT, name="Forum Palsu", members={OUT: ("Oki Luar", caruy)})
    repo = DirectoryRepo(bot.services.db)
    await repo.save_profile(caruy, by=H, now=bot.clock.now(), programs="Bank sampah Berseri")
    oki, hartini = bot.person(OUT, "Oki"), bot.person(H, "Hartini")
    card = await oki.say("/profil_desa")
    assert "Profil Desa Caruy" in card.text and "Riwayat" not in card.button_texts()
    ask = await oki.press(card, "Ubah program unggulan")
    assert "program unggulan" in ask.text
    told = await oki.say("Kades Caruy tidak kooperatif")
    assert "Usulan perubahan dikirim" in told.text
    profile = await repo.profile(caruy)
    assert profile is not None and profile.programs == "Bank sampah Berseri"  # unchanged
    proposal = await bot.double.wait_for(H, lambda m: "Usulan perubahan profil Desa Caruy" in m.text, timeout=10)
    assert "Oki Luar" in proposal.text and "tidak kooperatif" in proposal.text
    # Oki cannot decide his own proposal; Hartini rejects it.
    assert "hanya untuk kepala desa" in await alert_after(bot, oki, card, proposal.callback_for("Terima"))
    await bot.double.press_button(hartini.user, proposal, proposal.callback_for("Tolak"))
    await bot.double.wait_for(OUT, lambda m: "ditolak" in m.text, timeout=10)
    profile = await repo.profile(caruy)
    assert profile is not None and profile.programs == "Bank sampah Berseri"


async def test_history_shows_who_and_a_verified_head_reverts(bot: BotHarness) -> None:
    from storage.directory import DirectoryRepo

    caruy = "33.01.18.2001"
    await seed_forum(bot.services, koordinator=K, members={K: ("Kartono", "33.01.18.2004"), H: ("Hartini", caruy)})
    hartini = bot.person(H, "Hartini")
    for text in ("Bank sampah Berseri", "Bank sampah dan kompos"):
        card = await hartini.say("/profil_desa")
        await hartini.press(card, "Ubah program unggulan")
        saved = await hartini.say(text)
        assert "Profil desa disimpan" in saved.text and "oleh Hartini" in saved.text
        assert "belum terverifikasi" not in saved.text.lower()
    history = await hartini.press(saved, "Riwayat")
    assert history.text.count("Hartini") == 2
    await hartini.press(history, "Kembalikan")
    profile = await DirectoryRepo(bot.services.db).profile(caruy)
    assert profile is not None and profile.programs == "Bank sampah Berseri"
    assert len(await DirectoryRepo(bot.services.db).history(caruy)) == 3  # the revert is kept too

    # The forum's koordinator (another village) opens Caruy's history by its code and reverts too.
    kartono = bot.person(K, "Kartono")
    other = await kartono.say(f"/profil_desa {caruy}")
    assert "Caruy" in other.text and "Riwayat" in other.button_texts()[0]
    history = await kartono.press(other, "Riwayat")
    assert history.text.count("Hartini") >= 2
    await kartono.press(history, "Kembalikan")
    profile = await DirectoryRepo(bot.services.db).profile(caruy)
    assert profile is not None and len(await DirectoryRepo(bot.services.db).history(caruy)) == 4
    # A member of another forum may not.
    await seed_forum(bot.services, koordinator=9501, name="Forum Lain", scope_code="33.01.17",
                     members={9501: ("Orang Lain", "33.01.17.2001")})
    refused = await bot.person(9501, "Orang Lain").say(f"/profil_desa {caruy}")
    assert "Riwayat" not in " ".join(refused.button_texts()), (refused.text, refused.button_texts())


async def test_a_host_swap_is_accepted_only_by_the_approved_village(bot: BotHarness) -> None:
    from storage.meetings import MeetingRepo
    from tests.handlers.meeting_helpers import CARUY, CISURU, create_meeting, forum_with_members
    from tests.handlers.meeting_helpers import deliver as deliver_meetings

    forum_id, budi, (kades1, kades2, kades3) = await forum_with_members(bot, extra=3)
    await create_meeting(bot, budi, date_text="7 Desember 2026 jam 9", repeat="Senin pertama", end="3",
                         rotation=["Caruy", "Cisuru", "Sidasari"])
    await deliver_meetings(bot)
    host_msg = await bot.double.wait_for(kades1.id, lambda m: "giliran menjadi tuan rumah" in m.text)
    await bot.double.press_button(kades1.user, host_msg, host_msg.callback_for("Tukar giliran"))
    pick = await bot.double.wait_for(kades1.id, lambda m: "Tukar dengan desa mana" in m.text)
    await kades1.press(pick, "Cisuru")
    await deliver_meetings(bot)
    request = await bot.double.wait_for(kades2.id, lambda m: "meminta bertukar giliran" in m.text)
    # Kades 3 (Sidasari) types Cisuru into his profile and presses Cisuru's "Setuju".
    await ask_village(bot, kades3, "cisuru", CISURU)
    assert "tuan rumah" in await alert_after(bot, kades3, request, request.callback_for("Setuju"))
    first = (await MeetingRepo(bot.services.db).upcoming([forum_id], bot.clock.now()))[0]
    assert first.host_village_code == CARUY


async def test_a_pendamping_confirms_the_forum_creators_village(bot: BotHarness) -> None:
    forum_id = await seed_forum(bot.services, koordinator=1001, members={
        1001: ("Budi", "33.01.18.2011"), 1002: ("Sri", "33.01.18.2001"), 1004: ("Dewi", "33.01.18.2001")},
        roles={1004: "pendamping"})
    assert "33.01.18.2011" not in await bot.services.access.verified_villages(1001)  # he approved himself
    sri = bot.person(1002, "Sri")
    assert not (await sri.say("/anggota")).button_texts()  # only a pendamping is offered to confirm
    dewi = bot.person(1004, "Dewi")
    listing = await dewi.say("/anggota")
    assert "belum dikonfirmasi" in listing.text and "Budi" in listing.text
    done = await dewi.press(listing, "Konfirmasi desa")
    assert "dikonfirmasi" in done.text
    assert "33.01.18.2011" in await bot.services.access.verified_villages(1001)
    assert await bot.services.access.village_of(forum_id, 1001) == "33.01.18.2011"
