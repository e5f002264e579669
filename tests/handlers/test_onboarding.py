"""Onboarding through the real bot: forum creation, invites, joining, approval, group linking."""

from __future__ import annotations

import re

from tests.conftest import SIDASARI_CIPARI, BotHarness, Person


async def create_forum(bot: BotHarness, koordinator: Person, name: str = "Forum Kades Cipari") -> int:
    """Drive /forum_baru to the end as a new user; returns the forum id."""
    reply = await koordinator.say("/forum_baru")
    assert "nama forumnya" in reply.text
    reply = await koordinator.say(name)
    assert "wilayah" in reply.text
    reply = await koordinator.say("cipari")
    assert "Kec. Cipari, Kab. Cilacap" in reply.button_texts()
    await koordinator.press(reply, "Kec. Cipari")
    reply = await koordinator.next()
    if "lengkapi profil" in reply.text:
        reply = await koordinator.next()
    assert "nama lengkap" in reply.text
    reply = await koordinator.say("Budi Santoso")
    assert "jabatan" in reply.text
    reply = await koordinator.press(reply, "Kepala Desa")
    reply = await koordinator.next() if "desa" not in reply.text.lower() or reply.edited else reply
    assert "desa" in reply.text.lower()
    reply = await koordinator.say("sidasari")
    await koordinator.press(reply, "Sidasari — Kec. Cipari")
    reply = await koordinator.next()
    assert "Buat forum ini?" in reply.text and "WIB" in reply.text
    reply = await koordinator.press(reply, "Buat forum")
    assert "dibuat" in reply.text
    forums = await bot.services.forums.of_member(koordinator.id)
    assert [f.name for f in forums] == [name]
    return forums[0].id


async def invite_code(koordinator: Person) -> str:
    await koordinator.say("/undang")
    forward = await koordinator.next()
    match = re.search(r"https://t\.me/kades_test_bot\?start=([a-z0-9]+)", forward.text)
    assert match, forward.text
    return match.group(1)


async def join(applicant: Person, code: str, name: str = "Sri Wahyuni", village_query: str = "sidasari") -> None:
    reply = await applicant.say(f"/start {code}")
    assert "diundang" in reply.text
    reply = await applicant.next()
    assert "nama lengkap" in reply.text
    reply = await applicant.say(name)
    reply = await applicant.press(reply, "Kepala Desa")
    reply = await applicant.next()
    reply = await applicant.say(village_query)
    await applicant.press(reply, "Sidasari — Kec. Cipari")
    reply = await applicant.next()
    assert "Kirim permintaan" in reply.button_texts()
    reply = await applicant.press(reply, "Kirim permintaan")
    assert "terkirim" in reply.text


async def reach_village_step(applicant: Person, code: str, name: str = "Sri Wahyuni") -> None:
    """Open the invite, give name and jabatan: the join form now asks for the village."""
    await applicant.say(f"/start {code}")
    await applicant.next()
    reply = await applicant.say(name)
    await applicant.press(reply, "Kepala Desa")
    await applicant.next()


async def test_koordinator_creates_forum_with_profile_and_zone(bot: BotHarness) -> None:
    budi = bot.person(1001, "Budi Santoso")
    forum_id = await create_forum(bot, budi)
    forum = await bot.services.forums.get(forum_id)
    assert forum is not None and forum.timezone == "Asia/Jakarta" and forum.scope_code == "33.01.18"
    membership = await bot.services.members.membership(forum_id, budi.id)
    assert membership is not None and (membership.role, membership.status) == ("koordinator", "active")
    member = await bot.services.members.get(budi.id)
    assert member is not None and member.village_code == SIDASARI_CIPARI and member.jabatan == "kades"
    assert await bot.services.drafts.get(budi.id) is None


async def test_join_request_is_pending_until_koordinator_approves(bot: BotHarness) -> None:
    budi = bot.person(1001, "Budi Santoso")
    forum_id = await create_forum(bot, budi)
    code = await invite_code(budi)
    sri = bot.person(2002, "Sri Wahyuni")
    await join(sri, code)
    membership = await bot.services.members.membership(forum_id, sri.id)
    assert membership is not None and membership.status == "pending"

    request = await budi.next()
    assert "Permintaan bergabung" in request.text and "Sri Wahyuni" in request.text
    assert "Sidasari" in request.text
    await budi.press(request, "Setujui")
    outcome = await sri.next()
    assert "disetujui" in outcome.text
    membership = await bot.services.members.membership(forum_id, sri.id)
    assert membership is not None and membership.status == "active" and membership.role == "anggota"


async def test_double_approval_is_refused_politely(bot: BotHarness) -> None:
    budi = bot.person(1001, "Budi Santoso")
    await create_forum(bot, budi)
    code = await invite_code(budi)
    sri = bot.person(2002, "Sri Wahyuni")
    await join(sri, code)
    request = await budi.next()
    data = request.callback_for("Setujui")
    reject = request.callback_for("Tolak")
    assert data and reject
    await bot.double.press_button(budi.user, request, data)
    await sri.next()  # approved
    cq = await bot.double.press_button(budi.user, request, reject, force=True)
    await bot.double.wait_for_answer(cq)
    assert "sudah" in bot.double.answered_callbacks[cq]["text"]
    membership = await bot.services.members.membership((await bot.services.forums.of_member(budi.id))[0].id, sri.id)
    assert membership is not None and membership.status == "active"


async def test_reject_tells_the_applicant(bot: BotHarness) -> None:
    budi = bot.person(1001, "Budi Santoso")
    forum_id = await create_forum(bot, budi)
    code = await invite_code(budi)
    sri = bot.person(2002, "Sri Wahyuni")
    await join(sri, code)
    request = await budi.next()
    await budi.press(request, "Tolak")
    outcome = await sri.next()
    assert "tidak disetujui" in outcome.text
    membership = await bot.services.members.membership(forum_id, sri.id)
    assert membership is not None and membership.status == "rejected"


async def test_unknown_and_revoked_codes_are_refused(bot: BotHarness) -> None:
    budi = bot.person(1001, "Budi Santoso")
    await create_forum(bot, budi)
    code = await invite_code(budi)
    stranger = bot.person(3003, "Orang Asing")
    reply = await stranger.say("/start bukankode")
    assert "tidak berlaku" in reply.text
    forward = bot.double.last(budi.id)
    await budi.press(forward, "Cabut tautan")
    reply = await stranger.say(f"/start {code}")
    assert "tidak berlaku" in reply.text
    assert await bot.services.drafts.get(stranger.id) is None


async def test_non_member_gets_polite_refusals(bot: BotHarness) -> None:
    budi = bot.person(1001, "Budi Santoso")
    await create_forum(bot, budi)
    stranger = bot.person(3003, "Orang Asing")
    reply = await stranger.say("/undang")
    assert "belum menjadi anggota" in reply.text
    reply = await stranger.say("/anggota")
    assert "belum menjadi anggota" in reply.text
    assert "Budi" not in reply.text


async def test_stranger_pressing_an_approval_button_gets_nothing(bot: BotHarness) -> None:
    budi = bot.person(1001, "Budi Santoso")
    forum_id = await create_forum(bot, budi)
    code = await invite_code(budi)
    sri = bot.person(2002, "Sri Wahyuni")
    await join(sri, code)
    request = await budi.next()
    stranger = bot.person(3003, "Orang Asing")
    cq = await bot.double.press_button(stranger.user, request, request.callback_for("Setujui") or "", force=True)
    await bot.double.wait_for_answer(cq)
    assert "bukan anggota" in bot.double.answered_callbacks[cq]["text"]
    membership = await bot.services.members.membership(forum_id, sri.id)
    assert membership is not None and membership.status == "pending"


async def test_long_and_html_names_are_handled(bot: BotHarness) -> None:
    budi = bot.person(1001, "Budi Santoso")
    await create_forum(bot, budi)
    code = await invite_code(budi)
    sri = bot.person(2002, "Sri")
    await sri.say(f"/start {code}")
    await sri.next()
    reply = await sri.say("x" * 5000)
    assert "2 sampai 100" in reply.text
    reply = await sri.say("<b>Sri</b> & <script>")
    assert "jabatan" in reply.text
    draft = await bot.services.drafts.get(sri.id)
    assert draft is not None and draft.data["name"] == "<b>Sri</b> & <script>"
    await sri.press(reply, "Kepala Desa")
    await sri.next()
    reply = await sri.say("sidasari cipari")
    await sri.press(reply, "Sidasari — Kec. Cipari")
    confirm = await sri.next()
    assert "&lt;b&gt;Sri&lt;/b&gt; &amp; &lt;script&gt;" in confirm.html
    await sri.press(confirm, "Kirim permintaan")
    request = await budi.next()
    assert "<b>Sri</b> & <script>" in request.text  # shown literally, not as markup


async def test_unknown_village_asks_again_and_keeps_the_form(bot: BotHarness) -> None:
    budi = bot.person(1001, "Budi Santoso")
    await create_forum(bot, budi)
    code = await invite_code(budi)
    sri = bot.person(2002, "Sri Wahyuni")
    await reach_village_step(sri, code)
    reply = await sri.say("zzqqxx")
    assert "tidak ditemukan" in reply.text
    reply = await sri.say("ab")
    assert "minimal 3 karakter" in reply.text
    draft = await bot.services.drafts.get(sri.id)
    assert draft is not None and draft.step == "village" and draft.data["name"] == "Sri Wahyuni"


async def test_second_start_mid_form_reminds_and_keeps_answers(bot: BotHarness) -> None:
    budi = bot.person(1001, "Budi Santoso")
    await create_forum(bot, budi)
    code = await invite_code(budi)
    sri = bot.person(2002, "Sri Wahyuni")
    await sri.say(f"/start {code}")
    await sri.next()
    await sri.say("Sri Wahyuni")
    reply = await sri.say("/start")
    assert "sedang mengisi" in reply.text
    again = await sri.next()
    assert "jabatan" in again.text
    draft = await bot.services.drafts.get(sri.id)
    assert draft is not None and draft.data["name"] == "Sri Wahyuni"


async def test_stale_form_button_is_refused(bot: BotHarness) -> None:
    budi = bot.person(1001, "Budi Santoso")
    await create_forum(bot, budi)
    code = await invite_code(budi)
    sri = bot.person(2002, "Sri Wahyuni")
    await sri.say(f"/start {code}")
    await sri.next()
    jabatan = await sri.say("Sri Wahyuni")
    old_choice = jabatan.callback_for("Sekretaris")
    await sri.press(jabatan, "Kepala Desa")
    await sri.next()
    cq = await bot.double.press_button(sri.user, jabatan, old_choice, force=True)
    await bot.double.wait_for_answer(cq)
    assert "tidak berlaku" in bot.double.answered_callbacks[cq]["text"]
    draft = await bot.services.drafts.get(sri.id)
    assert draft is not None and draft.data["jabatan"] == "kades"


async def test_cancel_drops_the_form(bot: BotHarness) -> None:
    sri = bot.person(2002, "Sri Wahyuni")
    await sri.say("/forum_baru")
    reply = await sri.say("/batal")
    assert "Dibatalkan" in reply.text
    assert await bot.services.drafts.get(sri.id) is None
    reply = await sri.say("/batal")
    assert "Tidak ada formulir" in reply.text


async def test_group_link_by_admin_koordinator(bot: BotHarness) -> None:
    budi = bot.person(1001, "Budi Santoso")
    forum_id = await create_forum(bot, budi)
    group = bot.double.group(-100500, "Forum Kades Cipari")
    await bot.double.add_bot_to_group(group, by=budi.user, admin=True)
    hello = await budi.next(chat=group)
    assert "/hubungkan" in hello.text and "admin" in hello.text
    reply = await budi.say("/hubungkan", chat=group)
    assert "terhubung" in reply.text
    forum = await bot.services.forums.get(forum_id)
    assert forum is not None and forum.group_chat_id == group.id
    # an admin of the group who is not a koordinator cannot re-link it
    other = bot.person(4004, "Admin Lain")
    bot.double.set_admin(group, other.user, True)
    reply = await other.say("/hubungkan", chat=group)
    assert "bukan anggota" in reply.text or "koordinator" in reply.text


async def test_non_admin_cannot_link_group(bot: BotHarness) -> None:
    budi = bot.person(1001, "Budi Santoso")
    await create_forum(bot, budi)
    group = bot.double.group(-100501, "Grup Lain")
    owner = bot.person(4005, "Pemilik Grup")
    await bot.double.add_bot_to_group(group, by=owner.user, admin=True)
    await owner.next(chat=group)
    reply = await budi.say("/hubungkan", chat=group)
    assert "Hanya admin" in reply.text


async def test_topic_per_feature_in_a_forum_group(bot: BotHarness) -> None:
    from tests.conftest import seed_forum

    forum_id = await seed_forum(bot.services, koordinator=1001, members={
        1001: ("Budi", SIDASARI_CIPARI), 1002: ("Sri", "33.01.18.2001")}, group_chat_id=-100900)
    group = bot.double.group(-100900, "Forum", is_forum=True, bot_status="administrator")
    thread = bot.double.create_topic(group, "Pertemuan")
    budi = bot.person(1001, "Budi")
    await bot.double.send_message(budi.user, "/topik pertemuan", chat=group, thread_id=thread)
    done = await budi.next(chat=group)
    assert "pertemuan" in done.text and done.thread_id == thread
    assert await bot.services.forums.topic(forum_id, "meetings") == thread
    sri = bot.person(1002, "Sri")
    await bot.double.send_message(sri.user, "/topik berbagi", chat=group, thread_id=thread)
    refused = await sri.next(chat=group)
    assert "koordinator" in refused.text
    assert await bot.services.forums.topic(forum_id, "posts") is None
