"""Forum governance through the real bot: roles, officers, handover, headless forums, join requests."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.console import DEMO_APPLICANT, seed_demo
from bot.members import governance
from bot.reports.exports import member_tables
from bot.telegram_double import SentMessage
from storage.reports import ReportRepo
from tests.conftest import SIDASARI_CIPARI, BotHarness, Person, seed_forum
from tests.handlers.meeting_helpers import answers

CARUY = "33.01.18.2001"
CISURU = "33.01.18.2004"
PEOPLE = {1001: ("Budi Santoso", SIDASARI_CIPARI), 1002: ("Sri Wahyuni", CARUY), 1003: ("Ahmad Fauzi", CISURU)}


async def deliver(bot: BotHarness) -> None:
    """Send every push due at the bot's clock through the real delivery engine."""
    engine: Any = bot.services.delivery
    await engine.run_due()
    await bot.double.wait_idle(quiet=0.05)


async def waits_for(person: Person, needle: str, timeout: float = 15.0) -> SentMessage:
    return await person.double.wait_for(person.id, lambda m: needle in m.text, timeout=timeout, after=0)


async def ask(person: Person, text: str, needle: str) -> SentMessage:
    """Send `text`; the first later bot message in the private chat that contains `needle`."""
    after = len(person.double.sent(person.id))
    await person.send(text)
    return await person.double.wait_for(person.id, lambda m: needle in m.text, timeout=15, after=after)


async def tap(person: Person, message: SentMessage, label: str, needle: str) -> SentMessage:
    """Press a button; the first later message or edit containing `needle`."""
    data = message.callback_for(label)
    assert data is not None, message.button_texts()
    after = len(person.double.sent(person.id))
    await person.double.press_button(person.user, message, data)
    return await person.double.wait_for(person.id, lambda m: needle in m.text, timeout=15, after=after)


async def answer_of(bot: BotHarness, cq: str) -> str:
    """The text the bot answered a button press with (waits until it has answered)."""
    return (await answers(bot, cq))[0]


async def alert_after_press(bot: BotHarness, person: Person, message: SentMessage, label: str) -> str:
    data = message.callback_for(label)
    assert data is not None, message.button_texts()
    cq = await bot.double.press_button(person.user, message, data, force=True)
    return await answer_of(bot, cq)


async def role(bot: BotHarness, forum_id: int, user_id: int) -> tuple[str, str] | None:
    membership = await bot.services.members.membership(forum_id, user_id)
    return (membership.role, membership.status) if membership else None


async def ask_to_join(bot: BotHarness, forum_id: int, user_id: int = 2002, name: str = "Joko Prasetyo") -> None:
    forum = await bot.services.forums.get(forum_id)
    assert forum is not None
    await governance.request_join(bot.services, forum=forum, user_id=user_id, name=name, jabatan="kades",
                                     village_code=CISURU, role="anggota", language="id")


# -- roles and officers ------------------------------------------------------------------------------
async def test_give_and_take_roles_and_titles_with_history(bot: BotHarness) -> None:
    forum_id = await seed_forum(bot.services, koordinator=1001, members=PEOPLE)
    budi, sri = bot.person(1001, "Budi"), bot.person(1002, "Sri")
    pick = await budi.say("/peran")
    assert "Peran di Forum Kades Cipari" in pick.text and "Serahkan koordinator" in pick.button_texts()
    card = await budi.press(pick, "Sri Wahyuni")
    assert "Peran: <b>Anggota</b>" in card.html
    done = await budi.press(card, "Jadikan Koordinator")
    assert "Sri Wahyuni sekarang" in done.text and "Koordinator" in done.text
    assert await role(bot, forum_id, 1002) == ("koordinator", "active")
    await deliver(bot)
    assert "sekarang: Koordinator" in (await waits_for(sri, "Peran Bapak/Ibu")).text
    # Her own command menu now has the koordinator's commands.
    assert "peran" in [c["command"] for c in bot.double.commands_for("chat:1002")]

    # Sri (now koordinator) searches by village and takes the role back from Budi.
    pick = await sri.say("/peran")
    found = await sri.say("sidasari")
    card = await sri.press(found, "Budi Santoso")
    await sri.press(card, "Jadikan Anggota")
    assert await role(bot, forum_id, 1001) == ("anggota", "active")
    menu = [c["command"] for c in bot.double.commands_for("chat:1001")]
    assert "anggota" in menu and "peran" not in menu and "undang" not in menu

    # Officers: titles, shown first in /anggota and /forum.
    pick = await sri.say("/peran")
    card = await sri.press(pick, "Ahmad Fauzi")
    titled = await sri.press(card, "Sekretaris")
    assert "Sekretaris" in titled.text
    listing = await sri.say("/anggota")
    assert listing.text.index("Sekretaris: Ahmad Fauzi") < listing.text.index("Kec. Cipari")
    overview = await sri.say("/forum")
    assert "Koordinator: Sri Wahyuni" in overview.text and "Sekretaris: Ahmad Fauzi" in overview.text

    history = await governance.repo(bot.services).history(forum_id)
    periods = {(p.full_name, p.value, p.ended_at is None) for p in history}
    assert ("Budi Santoso", "koordinator", False) in periods  # held, then ended
    assert ("Sri Wahyuni", "koordinator", True) in periods
    assert ("Ahmad Fauzi", "sekretaris", True) in periods


async def test_taking_the_role_from_the_last_koordinator_is_refused(bot: BotHarness) -> None:
    forum_id = await seed_forum(bot.services, koordinator=1001, members=PEOPLE)
    budi, sri = bot.person(1001, "Budi"), bot.person(1002, "Sri")
    pick = await budi.say("/peran")
    card = await budi.press(pick, "Budi Santoso")
    text = await alert_after_press(bot, budi, card, "Jadikan Anggota")
    assert "satu-satunya koordinator" in text
    assert await role(bot, forum_id, 1001) == ("koordinator", "active")
    # An anggota may not manage roles at all.
    assert "hanya koordinator" in (await sri.say("/peran")).text


# -- join requests -----------------------------------------------------------------------------------
async def test_two_koordinators_decide_concurrently_one_wins_the_other_is_told(bot: BotHarness) -> None:
    forum_id = await seed_forum(bot.services, koordinator=1001, members=PEOPLE, roles={1002: "koordinator"})
    budi, sri, joko = bot.person(1001, "Budi"), bot.person(1002, "Sri"), bot.person(2002, "Joko")
    await ask_to_join(bot, forum_id)
    await deliver(bot)
    to_budi = await waits_for(budi, "Permintaan bergabung")
    to_sri = await waits_for(sri, "Permintaan bergabung")
    approve, reject = to_budi.callback_for("Setujui"), to_sri.callback_for("Tolak")
    assert approve and reject
    cq_budi, cq_sri = await asyncio.gather(bot.double.press_button(budi.user, to_budi, approve),
                                           bot.double.press_button(sri.user, to_sri, reject))
    alerts = [await answer_of(bot, cq) for cq in (cq_budi, cq_sri)]
    told = [a for a in alerts if "sudah diputuskan oleh" in a]
    assert len(told) == 1, alerts
    status = await role(bot, forum_id, 2002)
    assert status is not None and status[1] in ("active", "rejected")
    winner = "Sri Wahyuni" if status[1] == "rejected" else "Budi Santoso"
    assert winner in told[0]
    await deliver(bot)
    outcomes = [m for m in bot.double.sent(joko.id) if "permintaan bapak/ibu" in m.text.lower()]
    assert len(outcomes) == 1


async def test_pending_requests_decided_from_anggota_after_the_notification_was_lost(bot: BotHarness) -> None:
    forum_id = await seed_forum(bot.services, koordinator=1001, members=PEOPLE)
    budi = bot.person(1001, "Budi")
    assert "Tidak ada permintaan" in (await ask(budi, "/permintaan", "permintaan")).text
    await ask_to_join(bot, forum_id)
    await deliver(bot)
    lost = await waits_for(budi, "Permintaan bergabung")  # scrolled away; never pressed
    lost_reject = lost.callback_for("Tolak")
    assert lost_reject
    title = await ask(budi, "/anggota", "1 menunggu")
    request = await budi.double.wait_for(budi.id, lambda m: "Sejak" in m.text, after=0)
    assert "Joko Prasetyo" in request.text and "Kepala Desa" in request.text
    assert "Cisuru" in request.text and "Kec. Cipari" in request.text
    listing = await budi.double.wait_for(budi.id, lambda m: "Anggota Forum Kades Cipari" in m.text, after=0)
    assert title.message_id < request.message_id < listing.message_id  # pending first, then the members
    decided = await tap(budi, request, "Setujui", "Disetujui oleh")
    assert "Disetujui oleh Budi Santoso" in decided.text
    assert await role(bot, forum_id, 2002) == ("anggota", "active")
    cq = await bot.double.press_button(budi.user, lost, lost_reject, force=True)
    assert "sudah diputuskan" in await answer_of(bot, cq)
    assert await role(bot, forum_id, 2002) == ("anggota", "active")
    assert "Tidak ada permintaan" in (await ask(budi, "/permintaan", "permintaan")).text


async def test_applicant_sees_status_on_any_command_and_can_cancel(bot: BotHarness) -> None:
    forum_id = await seed_forum(bot.services, koordinator=1001, members=PEOPLE)
    budi, joko = bot.person(1001, "Budi"), bot.person(2002, "Joko")
    await ask_to_join(bot, forum_id)
    status = await ask(joko, "/start", "menunggu")
    assert "Permintaan bergabung ke Forum Kades Cipari sedang menunggu persetujuan koordinator sejak" in status.text
    assert "24 November 2026" in status.text
    status = await ask(joko, "/anggota", "Forum")
    assert "sedang menunggu" in status.text and "belum menjadi anggota" not in status.text
    cancelled = await tap(joko, status, "Batalkan permintaan", "dibatalkan")
    assert "dibatalkan" in cancelled.text
    assert await role(bot, forum_id, 2002) == ("anggota", "removed")
    await deliver(bot)
    notification = await waits_for(budi, "Permintaan bergabung")
    assert "sudah membatalkan" in await alert_after_press(bot, budi, notification, "Setujui")
    assert "belum menjadi anggota" in (await ask(joko, "/anggota", "anggota")).text


async def test_refusal_reason_reaches_the_applicant(bot: BotHarness) -> None:
    forum_id = await seed_forum(bot.services, koordinator=1001, members=PEOPLE)
    budi, joko = bot.person(1001, "Budi"), bot.person(2002, "Joko")
    await ask_to_join(bot, forum_id)
    await deliver(bot)
    request = await waits_for(budi, "Permintaan bergabung")
    rejected = await tap(budi, request, "Tolak", "Ditolak oleh")
    await tap(budi, rejected, "Beri alasan", "Tulis alasan")
    await ask(budi, "Forum ini khusus kades Kec. Cipari <b>", "terkirim")
    await deliver(bot)
    pushed = await waits_for(joko, "Alasan penolakan")
    assert "khusus kades Kec. Cipari <b>" in pushed.text  # escaped, shown literally
    status = await ask(joko, "/start", "tidak disetujui")
    assert "Alasan: Forum ini khusus" in status.text


async def test_koordinators_reminded_of_waiting_requests_then_weekly(bot: BotHarness) -> None:
    forum_id = await seed_forum(bot.services, koordinator=1001, members=PEOPLE)
    budi = bot.person(1001, "Budi")
    await ask_to_join(bot, forum_id)
    await deliver(bot)

    def reminders() -> list[SentMessage]:
        return [m for m in bot.double.sent(budi.id) if "menunggu lebih dari 2 hari" in m.text]

    bot.clock.advance(timedelta(days=1))
    await governance.plan_governance(bot.services, bot.clock.now())
    await deliver(bot)
    assert reminders() == []
    bot.clock.advance(timedelta(days=1, hours=1))  # 2 days 1 hour: 11.00 WIB, not quiet
    await governance.plan_governance(bot.services, bot.clock.now())
    await governance.plan_governance(bot.services, bot.clock.now())  # a rerun sends nothing twice
    await deliver(bot)
    assert len(reminders()) == 1 and "/permintaan" in reminders()[0].text
    bot.clock.advance(timedelta(days=3))
    await governance.plan_governance(bot.services, bot.clock.now())
    await deliver(bot)
    assert len(reminders()) == 1
    bot.clock.advance(timedelta(days=4))
    await governance.plan_governance(bot.services, bot.clock.now())
    await deliver(bot)
    assert len(reminders()) == 2
    # Decided: no more reminders.
    await governance.decide_join(bot.services, forum_id=forum_id, actor=1001, applicant_id=2002, approve=True)
    bot.clock.advance(timedelta(days=8))
    await governance.plan_governance(bot.services, bot.clock.now())
    await deliver(bot)
    assert len(reminders()) == 2


# -- handover --------------------------------------------------------------------------------------
async def test_handover_accepted_then_outgoing_stays_as_anggota(bot: BotHarness) -> None:
    forum_id = await seed_forum(bot.services, koordinator=1001, members=PEOPLE)
    budi, sri = bot.person(1001, "Budi"), bot.person(1002, "Sri")
    pick = await budi.say("/peran")
    successors = await budi.press(pick, "Serahkan koordinator")
    assert "Budi Santoso — Sidasari" not in successors.button_texts()
    sent = await budi.press(successors, "Sri Wahyuni")
    assert "terkirim" in sent.text
    assert await role(bot, forum_id, 1002) == ("anggota", "active")  # nothing changes before she accepts
    await deliver(bot)
    offer = await waits_for(sri, "menawarkan peran")
    accept = offer.callback_for("Terima")
    assert accept
    await tap(sri, offer, "Terima", "sekarang koordinator")
    assert await role(bot, forum_id, 1002) == ("koordinator", "active")
    await deliver(bot)
    choice = await waits_for(budi, "menerima peran koordinator")
    await tap(budi, choice, "Tetap sebagai anggota", "tetap di")
    assert await role(bot, forum_id, 1001) == ("anggota", "active")
    history = await governance.repo(bot.services).history(forum_id)
    assert any(p.full_name == "Sri Wahyuni" and p.how == "handover" for p in history)
    assert any(p.full_name == "Budi Santoso" and p.ended_at is not None for p in history)
    # The old offer cannot be accepted twice.
    cq = await bot.double.press_button(sri.user, offer, accept, force=True)
    assert "tidak berlaku" in await answer_of(bot, cq)


async def test_handover_refused_changes_nothing_and_leaving_after_accept(bot: BotHarness) -> None:
    forum_id = await seed_forum(bot.services, koordinator=1001, members=PEOPLE)
    budi, sri, ahmad = bot.person(1001, "Budi"), bot.person(1002, "Sri"), bot.person(1003, "Ahmad")
    await governance.offer_handover(bot.services, forum_id=forum_id, actor=1001, successor=1002)
    await deliver(bot)
    offer = await waits_for(sri, "menawarkan peran")
    await tap(sri, offer, "Tolak", "ditolak")
    await deliver(bot)
    assert "Peran Bapak/Ibu tidak berubah" in (await waits_for(budi, "menolak tawaran")).text
    assert await role(bot, forum_id, 1001) == ("koordinator", "active")
    assert await role(bot, forum_id, 1002) == ("anggota", "active")

    await governance.offer_handover(bot.services, forum_id=forum_id, actor=1001, successor=1003)
    await deliver(bot)
    await tap(ahmad, await waits_for(ahmad, "menawarkan peran"), "Terima", "sekarang koordinator")
    await deliver(bot)
    await tap(budi, await waits_for(budi, "menerima peran koordinator"), "Keluar dari forum", "telah keluar")
    assert await role(bot, forum_id, 1001) == ("koordinator", "removed")
    assert await role(bot, forum_id, 1003) == ("koordinator", "active")


# -- headless forums -------------------------------------------------------------------------------
async def test_headless_forum_recovered_by_the_pendamping(bot: BotHarness) -> None:
    people = {**PEOPLE, 1004: ("Dewi Lestari", CARUY)}
    forum_id = await seed_forum(bot.services, koordinator=1001, members=people, roles={1004: "pendamping"})
    dewi, sri = bot.person(1004, "Dewi"), bot.person(1002, "Sri")
    async with bot.services.write() as tx:
        await tx.members.erase(1001, bot.clock.now(), "(data dihapus)")
    # Not headless yet: the pendamping may not appoint before 14 days.
    assert "hanya koordinator" in (await ask(dewi, "/peran", "koordinator")).text
    # Meanwhile a join request goes to the pendamping, who may decide it.
    await ask_to_join(bot, forum_id)
    await deliver(bot)
    request = await waits_for(dewi, "Permintaan bergabung")
    await tap(dewi, request, "Setujui", "Disetujui oleh")
    assert await role(bot, forum_id, 2002) == ("anggota", "active")

    bot.clock.advance(timedelta(days=14, minutes=1))
    assert "tidak punya koordinator" in (await ask(sri, "/forum", "Forum Kades")).text
    pick = await ask(dewi, "/peran", "mengangkat koordinator baru")
    card = await tap(dewi, pick, "Sri Wahyuni", "Peran:")
    assert card.button_texts() == ["Jadikan Koordinator"]
    await tap(dewi, card, "Jadikan Koordinator", "sekarang")
    assert await role(bot, forum_id, 1002) == ("koordinator", "active")
    history = await governance.repo(bot.services).history(forum_id)
    assert any(p.full_name == "Sri Wahyuni" and p.how == "appointed" for p in history)
    # With a koordinator again, the pendamping's power to appoint ends.
    assert "hanya koordinator" in (await ask(dewi, "/peran", "koordinator")).text


async def test_headless_forum_without_pendamping_recovered_by_the_members_vote(bot: BotHarness) -> None:
    people = {**PEOPLE, 1005: ("Eko Nugroho", CARUY)}
    forum_id = await seed_forum(bot.services, koordinator=1001, members=people)
    async with bot.services.db.transaction() as conn:
        await bot.services.members.mark_unreachable(conn, 1001, "blocked", bot.clock.now())
    sri, ahmad, eko = bot.person(1002, "Sri"), bot.person(1003, "Ahmad"), bot.person(1005, "Eko")
    bot.clock.advance(timedelta(days=13))
    await governance.plan_governance(bot.services, bot.clock.now())
    await deliver(bot)
    assert not [m for m in bot.double.sent(sri.id) if "Usulkan" in m.text]
    bot.clock.advance(timedelta(days=1, hours=1))
    await governance.plan_governance(bot.services, bot.clock.now())
    await governance.plan_governance(bot.services, bot.clock.now())  # one vote, one card each
    await deliver(bot)
    cards = {p.id: [m for m in bot.double.sent(p.id) if "Usulkan koordinator baru" in m.button_texts()]
             for p in (sri, ahmad, eko)}
    assert all(len(c) == 1 for c in cards.values())
    for voter, candidate in ((sri, "Ahmad Fauzi"), (ahmad, "Ahmad Fauzi"), (eko, "Sri Wahyuni")):
        names = await tap(voter, cards[voter.id][0], "Usulkan koordinator baru", "Siapa yang")
        await tap(voter, names, candidate, f"tercatat: {candidate}")
    bot.clock.advance(timedelta(days=7))
    await governance.plan_governance(bot.services, bot.clock.now())
    await deliver(bot)
    assert await role(bot, forum_id, 1003) == ("koordinator", "active")
    await waits_for(sri, "Ahmad Fauzi menjadi koordinator baru")
    history = await governance.repo(bot.services).history(forum_id)
    assert any(p.full_name == "Ahmad Fauzi" and p.how == "vote" for p in history)
    # Closed: a late ballot is refused.
    late = await alert_after_press(bot, eko, cards[eko.id][0], "Usulkan koordinator baru")
    assert "sudah ditutup" in late


# -- /forum and the console demo -------------------------------------------------------------------
async def test_forum_overview_shows_leaders_counts_and_invite_only_to_koordinators(bot: BotHarness) -> None:
    await seed_forum(bot.services, koordinator=1001, members={**PEOPLE, 1006: ("Luar", "33.01.17.2004")},
                     group_chat_id=-100777)
    budi, sri = bot.person(1001, "Budi"), bot.person(1002, "Sri")
    await budi.say("/undang")
    await budi.next()
    mine = await budi.say("/forum")
    assert "Forum Kades Cipari" in mine.text and "Kec. Cipari" in mine.text and "WIB" in mine.text
    assert "Koordinator: Budi Santoso" in mine.text
    assert "• Cipari: 3" in mine.text and "• Sampang: 1" in mine.text
    assert "Grup Telegram: terhubung" in mine.text and "https://t.me/kades_test_bot?start=" in mine.text
    theirs = await sri.say("/forum")
    assert "Koordinator: Budi Santoso" in theirs.text and "t.me/kades_test_bot?start" not in theirs.text


async def test_console_demo_seeds_one_pending_applicant(bot: BotHarness) -> None:
    await seed_demo(bot.services)
    forum = (await bot.services.forums.of_member(1001))[0]
    pending = await governance.pending_requests(bot.services, forum.id)
    assert [e.member.user_id for e in pending] == [DEMO_APPLICANT.user_id]
    budi = bot.person(1001, "Budi")
    request = await ask(budi, "/permintaan", "Sejak")
    assert DEMO_APPLICANT.name in request.text
    await tap(budi, request, "Setujui", "Disetujui oleh")
    assert await role(bot, forum.id, DEMO_APPLICANT.user_id) == ("anggota", "active")


async def test_officers_come_first_in_the_members_export(bot: BotHarness) -> None:
    forum_id = await seed_forum(bot.services, koordinator=1001, members=PEOPLE)
    await governance.set_title(bot.services, forum_id=forum_id, actor=1001, target=1003, title="bendahara")
    await governance.set_title(bot.services, forum_id=forum_id, actor=1001, target=1002, title="ketua")
    rows = await ReportRepo(bot.services.db).members(forum_id)
    assert [r.full_name for r in rows[:2]] == ["Sri Wahyuni", "Ahmad Fauzi"]
    table = member_tables(rows, ZoneInfo("Asia/Jakarta"))[0]
    assert table.rows[0][2] == "Anggota — Ketua" and table.rows[2][2] == "Koordinator"
    # One holder per title: naming a new ketua ends the old one's period.
    await governance.set_title(bot.services, forum_id=forum_id, actor=1001, target=1001, title="ketua")
    membership = await bot.services.members.membership(forum_id, 1002)
    assert membership is not None and membership.title is None
    history = await governance.repo(bot.services).history(forum_id)
    assert any(p.full_name == "Sri Wahyuni" and p.value == "ketua" and p.ended_at is not None for p in history)
