"""/profil, /anggota, /keluar, /hapus_data, /bantuan, /bahasa through the real bot."""

from __future__ import annotations

from tests.conftest import SIDASARI_CIPARI, BotHarness, seed_forum

CARUY = "33.01.18.2001"


async def test_profile_shows_and_edits_name_village_zone(bot: BotHarness) -> None:
    await seed_forum(bot.services, koordinator=1001, members={1001: ("Budi Santoso", SIDASARI_CIPARI)})
    budi = bot.person(1001, "Budi")
    profile = await budi.say("/profil")
    assert "Budi Santoso" in profile.text and "Sidasari" in profile.text and "WIB" in profile.text
    assert "Forum Kades Cipari — Koordinator" in profile.text
    ask = await budi.press(profile, "Ubah nama")
    assert "nama lengkap" in ask.text
    saved = await budi.say("Budi Santoso, S.IP")
    assert "disimpan" in saved.text
    member = await bot.services.members.get(1001)
    assert member is not None and member.full_name == "Budi Santoso, S.IP"

    profile = await budi.say("/profil")
    await budi.press(profile, "Ubah desa")
    choices = await budi.say("caruy")
    await budi.press(choices, "Caruy")
    # A village change is a request to the forum's koordinator(s): here Budi himself.
    await bot.double.wait_for(1001, lambda m: "menunggu persetujuan" in m.text)
    await bot.double.wait_idle()
    request = next(m for m in bot.double.sent(1001) if "Permintaan ubah desa" in m.text)
    member = await bot.services.members.get(1001)
    assert member is not None and member.village_code == SIDASARI_CIPARI
    await bot.double.press_button(budi.user, request, request.callback_for("Setujui"))
    await bot.double.wait_for(1001, lambda m: "disetujui" in m.text)
    member = await bot.services.members.get(1001)
    assert member is not None and member.village_code == CARUY

    profile = await budi.say("/profil")
    zones = await budi.press(profile, "Zona waktu")
    await budi.press(zones, "WITA")
    member = await bot.services.members.get(1001)
    assert member is not None and member.timezone == "Asia/Makassar"


async def test_phone_only_from_the_users_own_contact_and_never_logged(bot: BotHarness, caplog) -> None:  # type: ignore[no-untyped-def]
    await seed_forum(bot.services, koordinator=1001)
    budi = bot.person(1001, "Budi")
    profile = await budi.say("/profil")
    ask = await budi.press(profile, "Bagikan nomor HP")
    assert ask.reply_markup and ask.reply_markup["keyboard"][0][0]["request_contact"] is True
    await bot.double.send_contact(budi.user, "+6281111111111", own=False)
    assert "sendiri" in (await budi.next()).text
    await bot.double.send_contact(budi.user, "+6281234567890")
    assert "disimpan" in (await budi.next()).text
    member = await bot.services.members.get(1001)
    assert member is not None and member.phone == "+6281234567890"
    assert "6281234567890" not in caplog.text
    profile = await budi.say("/profil")
    removed = await budi.press(profile, "Hapus nomor HP")
    assert "dihapus" in removed.text
    member = await bot.services.members.get(1001)
    assert member is not None and member.phone is None


async def test_member_list_grouped_by_kecamatan_with_unreachable_marks_for_koordinator(bot: BotHarness) -> None:
    forum_id = await seed_forum(bot.services, koordinator=1001, members={
        1001: ("Budi Santoso", SIDASARI_CIPARI), 1002: ("Sri <i>Wahyuni</i>", CARUY),
        1003: ("Ahmad Fauzi", "33.01.17.2004"),
    })
    async with bot.services.db.transaction() as conn:
        await bot.services.members.mark_unreachable(conn, 1003, "blocked", bot.clock.now())
    budi = bot.person(1001, "Budi")
    listing = await budi.say("/anggota")
    text = listing.text
    assert "(3 orang)" in text
    assert text.index("Kec. Cipari") < text.index("Kec. Sampang")
    assert "Sri <i>Wahyuni</i>" in text  # escaped: shown literally
    assert "Ahmad Fauzi — Kepala Desa, Sidasari ⚠️" in text
    sri = bot.person(1002, "Sri")
    listing = await sri.say("/anggota")
    assert "⚠️" not in listing.text  # only coordinators see who is unreachable
    assert forum_id


async def test_members_list_in_linked_group_and_unlinked_group(bot: BotHarness) -> None:
    await seed_forum(bot.services, koordinator=1001, group_chat_id=-100777)
    group = bot.double.group(-100777, "Forum", bot_status="administrator")
    other = bot.double.group(-100778, "Lain", bot_status="administrator")
    budi = bot.person(1001, "Budi")
    listing = await budi.say("/anggota", chat=group)
    assert "Anggota Forum Kades Cipari" in listing.text
    reply = await budi.say("/anggota", chat=other)
    assert "belum terhubung" in reply.text


async def test_pick_forum_when_member_of_several(bot: BotHarness) -> None:
    await seed_forum(bot.services, koordinator=1001, name="Forum A")
    await seed_forum(bot.services, koordinator=1001, name="Forum B", members={1001: ("Budi", SIDASARI_CIPARI)})
    budi = bot.person(1001, "Budi")
    pick = await budi.say("/anggota")
    assert pick.button_texts() == ["Forum A", "Forum B"]
    listing = await budi.press(pick, "Forum B")
    assert "Anggota Forum B" in listing.text


async def test_leave_forum_and_last_koordinator_rule(bot: BotHarness) -> None:
    forum_id = await seed_forum(bot.services, koordinator=1001, members={
        1001: ("Budi", SIDASARI_CIPARI), 1002: ("Sri", CARUY)})
    budi = bot.person(1001, "Budi")
    confirm = await budi.say("/keluar")
    refused = await budi.press(confirm, "Ya, keluar")
    assert "satu-satunya koordinator" in refused.text
    sri = bot.person(1002, "Sri")
    confirm = await sri.say("/keluar")
    done = await sri.press(confirm, "Ya, keluar")
    assert "telah keluar" in done.text
    membership = await bot.services.members.membership(forum_id, 1002)
    assert membership is not None and membership.status == "removed"
    again = await sri.say("/anggota")
    assert "belum menjadi anggota" in again.text


async def test_erase_personal_data_keeps_records_consistent(bot: BotHarness) -> None:
    forum_id = await seed_forum(bot.services, koordinator=1001, members={
        1001: ("Budi", SIDASARI_CIPARI), 1002: ("Sri Wahyuni", CARUY)})
    await bot.services.members.update(1002, bot.clock.now(), phone="+628555")
    sri = bot.person(1002, "Sri")
    confirm = await sri.say("/hapus_data")
    assert "tidak bisa dibatalkan" in confirm.text
    done = await sri.press(confirm, "Ya, hapus")
    assert "telah dihapus" in done.text
    member = await bot.services.members.get(1002)
    assert member is not None and member.erased_at is not None
    assert member.phone is None and member.village_code is None and "Sri" not in member.full_name
    membership = await bot.services.members.membership(forum_id, 1002)
    assert membership is not None and membership.status == "removed"
    assert "Tidak ada data" in (await sri.say("/hapus_data")).text


async def test_help_lists_commands_by_role(bot: BotHarness) -> None:
    await seed_forum(bot.services, koordinator=1001, members={1001: ("Budi", SIDASARI_CIPARI), 1002: ("Sri", CARUY)})
    budi, sri, stranger = bot.person(1001, "Budi"), bot.person(1002, "Sri"), bot.person(1003, "X")
    assert "/undang" in (await budi.say("/bantuan")).text
    anggota = (await sri.say("/bantuan")).text
    assert "/undang" not in anggota and "/ekspor" not in anggota and "/siaran" not in anggota
    # Short groups: a header per kind of work, each command under its own.
    assert anggota.index("Pertemuan") < anggota.index("/agenda") < anggota.index("Berbagi pengalaman")
    assert anggota.index("Berbagi pengalaman") < anggota.index("/cari") and "Laporan" not in anggota
    help_text = (await stranger.say("/bantuan")).text
    assert "/forum_baru" in help_text and "/anggota" not in help_text and "Pertemuan" not in help_text


async def test_language_switch_to_english(bot: BotHarness) -> None:
    await seed_forum(bot.services, koordinator=1001)
    budi = bot.person(1001, "Budi")
    pick = await budi.say("/bahasa")
    done = await budi.press(pick, "English")
    assert "English" in done.text
    assert "Your profile" in (await budi.say("/profil")).text


async def test_unexpected_text_and_garbage_get_a_polite_answer(bot: BotHarness) -> None:
    sri = bot.person(1002, "Sri")
    hint = await sri.say("halo bot")
    assert "tidak mengerti" in hint.text and "/forum_baru" in hint.text  # what a newcomer can do
    assert "tidak mengerti" in (await sri.say("x" * 4000)).text
    cq = await bot.double.press_button(sri.user, (await sri.say("apa")), "zz:nope:1", force=True)
    await bot.double.wait_for_answer(cq)
    assert bot.double.answered_callbacks[cq]  # answered, never left spinning
    await seed_forum(bot.services, koordinator=1001, members={1001: ("Budi", "33.01.18.2011"),
                                                              1002: ("Sri", "33.01.18.2001")})
    hint = await sri.say("halo bot")
    assert "/agenda" in hint.text and "/cari" in hint.text  # what a member can do now


async def test_profile_uses_the_local_place_and_head_titles(bot: BotHarness) -> None:
    """A lurah is not a kepala desa; a nagari is not a desa."""
    await seed_forum(bot.services, koordinator=1001, scope_code="73.26",
                     members={1001: ("Yohanis Rante", "73.26.01.1002"), 1002: ("Datuak Rajo", "13.01.01.2001")})
    profile = await bot.person(1001, "Yohanis").say("/profil")
    assert "Kelurahan Rantepao" in profile.text and "Lurah" in profile.text and "Kepala Desa" not in profile.text
    profile = await bot.person(1002, "Datuak").say("/profil")
    assert "Nagari Inderapura" in profile.text and "Wali Nagari" in profile.text


async def test_a_returning_member_is_greeted_by_name(bot: BotHarness) -> None:
    await seed_forum(bot.services, koordinator=1001)
    greeting = await bot.person(1001, "Budi").say("/start")
    assert "Selamat datang kembali, Bapak/Ibu Budi Santoso" in greeting.text
