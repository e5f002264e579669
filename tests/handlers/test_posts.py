"""Berbagi pengalaman through the real bot: the form, the group card, buttons, comments, search, digest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.posts.loaders import posts_of
from bot.posts.pushes import plan_posts
from bot.posts.service import create_post
from bot.telegram_double import SentMessage, SimChat
from scheduler.engine import DeliveryEngine
from storage.outbox import OutboxRepo
from tests.conftest import SIDASARI_CIPARI, BotHarness, Person, seed_forum

GROUP = -100555
MEKARSARI = SIDASARI_CIPARI  # same village is fine for these tests
LONG_STORY = ("Kami memulai pertanian organik dengan kompos dari kotoran sapi. " * 40).strip()


async def _world(bot: BotHarness, *, topic: bool = True) -> tuple[int, SimChat, int | None]:
    group = bot.double.group(GROUP, "Forum Kades Cipari", is_forum=topic, bot_status="administrator")
    forum_id = await seed_forum(bot.services, koordinator=1001, group_chat_id=GROUP, members={
        1001: ("Budi Santoso", SIDASARI_CIPARI), 2002: ("Sri Wahyuni", MEKARSARI), 3003: ("Agus Salim", MEKARSARI)})
    for user_id, name in ((1001, "Budi Santoso"), (2002, "Sri Wahyuni"), (3003, "Agus Salim")):
        bot.person(user_id, name)  # they have started the bot, so private pushes reach them
    thread = None
    if topic:
        thread = bot.double.create_topic(group, "Berbagi pengalaman")
        await bot.services.forums.set_topic(forum_id, "posts", thread)
    return forum_id, group, thread


async def _card(bot: BotHarness, title: str) -> SentMessage:
    """The card in the group, once the dispatcher has recorded its message id."""
    card = await bot.double.wait_for(GROUP, lambda m: title in m.text and "Bermanfaat" in " ".join(m.button_texts()),
                                     timeout=5)
    engine = bot.services.delivery
    assert isinstance(engine, DeliveryEngine)
    await engine.run_due()  # every due push sent and its message id recorded
    return card


async def _write_post(person: Person, *, title: str = "Pupuk organik dari kotoran sapi",
                      bidang: str = "Pertanian", kind: str = "Berhasil", parts: tuple[str, ...] = (LONG_STORY,),
                      photo: bool = False) -> SentMessage:
    reply = await person.say("/berbagi")
    assert "judul" in reply.text
    reply = await person.say(title)
    reply = await person.press(reply, bidang)
    reply = await person.next()
    assert "cerita tentang apa" in reply.text
    reply = await person.press(reply, kind)
    reply = await person.next()
    assert "Tuliskan ceritanya" in reply.text
    for part in parts:
        reply = await person.say(part)
        assert "Diterima" in reply.text
    await person.press(reply, "Selesai")
    reply = await person.next()
    assert "foto atau dokumen" in reply.text
    if photo:
        await person.double.send_photo(person.user, caption=None)
        reply = await person.next()
        assert "Lampiran 1/10" in reply.text
    await person.press(reply, "Lanjut")
    reply = await person.next()
    await person.press(reply, "Tidak perlu")
    review = await person.next()
    assert "Pratinjau" in review.text and title in review.text
    assert {"Ubah judul", "Ubah cerita", "Ubah bidang"} <= set(review.button_texts())  # every answer changeable
    reply = await person.press(review, "Terbitkan")  # the review becomes the confirmation
    assert "terbit" in reply.text
    return reply


async def test_share_form_publishes_card_with_long_story_joined_and_photo(bot: BotHarness) -> None:
    forum_id, _group, thread = await _world(bot)
    budi = bot.person(1001, "Budi Santoso")
    second = "Hasil panen naik dua puluh persen. " * 100  # together over Telegram's 4,096 limit
    await _write_post(budi, parts=(LONG_STORY, second.strip()), photo=True)
    card = await _card(bot, "Pupuk organik")
    assert card.thread_id == thread
    assert "✅ Berhasil" in card.text and "Pertanian" in card.text and "Budi Santoso" in card.text
    assert "Desa Sidasari" in card.text and "📎 1 lampiran" in card.text
    assert "📖 Baca selengkapnya" in card.button_texts()
    assert len(card.text) < 1200  # shortened in the group
    photo = await bot.double.wait_for(GROUP, lambda m: m.kind == "photo")
    assert photo.thread_id == thread and "lampiran 1/1" in photo.text
    posts = await posts_of(bot.services).newest([forum_id])
    assert len(posts) == 1
    post = posts[0]
    assert len(post.story) > 4096 and post.story.startswith("Kami memulai") and "Hasil panen" in post.story
    attachments = await posts_of(bot.services).attachments(post.id)
    assert [a.kind for a in attachments] == ["photo"] and attachments[0].file_id.startswith("AgAC")
    assert await bot.services.drafts.get(budi.id) is None


@pytest.mark.parametrize(("kind", "label"), [("berhasil", "✅ Berhasil"), ("gagal", "⚠️ Gagal"),
                                             ("pelajaran", "💡 Pelajaran"), ("pertanyaan", "❓ Pertanyaan")])
async def test_every_kind_via_create_post(bot: BotHarness, kind: str, label: str) -> None:
    forum_id, _group, _thread = await _world(bot, topic=False)
    post_id = await create_post(bot.services, forum_id=forum_id, author_user_id=2002, title=f"Cerita {kind} air",
                                bidang="air", kind=kind, story="Sumur bor desa kami dipakai bersama tiga dusun.",
                                credited_village_codes=[SIDASARI_CIPARI], link_type="visit", link_id=7)
    card = await _card(bot, f"Cerita {kind} air")
    assert card.text.startswith(label) and "Air bersih" in card.text and "Bersama Desa Sidasari" in card.text
    assert "Baca selengkapnya" not in card.button_texts()  # short story: no button
    post = await posts_of(bot.services).get(post_id)
    assert post is not None and (post.link_type, post.link_id) == ("visit", 7)


async def test_create_post_refuses_non_members_and_bad_input(bot: BotHarness) -> None:
    forum_id, _g, _t = await _world(bot)
    from bot.errors import InvalidInput, NotAMember
    with pytest.raises(NotAMember):
        await create_post(bot.services, forum_id=forum_id, author_user_id=9999, title="Judul cukup", bidang="tani",
                          kind="gagal", story="Cerita yang cukup panjang untuk disimpan.")
    with pytest.raises(InvalidInput):
        await create_post(bot.services, forum_id=forum_id, author_user_id=2002, title="Judul cukup", bidang="xx",
                          kind="gagal", story="Cerita yang cukup panjang untuk disimpan.")
    with pytest.raises(InvalidInput):
        await create_post(bot.services, forum_id=forum_id, author_user_id=2002, title="Judul cukup", bidang="tani",
                          kind="lain", story="Cerita yang cukup panjang untuk disimpan.")


async def test_bad_input_in_the_form_is_polite_and_keeps_the_form(bot: BotHarness) -> None:
    await _world(bot)
    sri = bot.person(2002, "Sri Wahyuni")
    await sri.say("/berbagi")
    reply = await sri.say("x" * 5000)
    assert "Judul harus 5 sampai 120" in reply.text
    reply = await sri.say("<b>Bank</b> sampah & <script>")
    assert "bidang" in reply.text
    draft = await bot.services.drafts.get(sri.id)
    assert draft is not None and draft.data["title"] == "<b>Bank</b> sampah & <script>"
    await sri.press(reply, "Lingkungan")
    reply = await sri.next()
    await sri.press(reply, "Gagal")
    await sri.next()
    reply = await sri.say("pendek")
    cq = await bot.double.press_button(sri.user, reply, reply.callback_for("Selesai"))
    assert "terlalu pendek" in (await bot.double.wait_for_answer(cq))["text"]  # an alert; the story stays open
    reply = await sri.say("y" * 4096)
    for _ in range(3):
        reply = await sri.say("z" * 4096)
    assert "terlalu panjang" in reply.text  # the fourth 4,096 message would pass 16,000
    draft = await bot.services.drafts.get(sri.id)
    assert draft is not None and len(draft.data["parts"]) == 4  # "pendek" + three accepted


async def test_html_in_title_is_escaped_on_the_card(bot: BotHarness) -> None:
    forum_id, _g, _t = await _world(bot)
    await create_post(bot.services, forum_id=forum_id, author_user_id=2002, title="<b>Bank</b> sampah & <i>",
                      bidang="lingk", kind="gagal", story="Pengurus berhenti <script>alert(1)</script> semua.")
    card = await _card(bot, "<b>Bank</b> sampah & <i>")
    assert "&lt;b&gt;Bank&lt;/b&gt; sampah &amp; &lt;i&gt;" in card.html and "&lt;script&gt;" in card.html


async def test_thanks_once_per_member_and_not_by_author_or_strangers(bot: BotHarness) -> None:
    forum_id, group, _t = await _world(bot)
    post_id = await create_post(bot.services, forum_id=forum_id, author_user_id=2002, title="Posyandu keliling",
                                bidang="sehat", kind="berhasil", story="Kader posyandu datang ke dusun terjauh.")
    card = await _card(bot, "Posyandu keliling")
    budi, sri = bot.person(1001, "Budi Santoso"), bot.person(2002, "Sri Wahyuni")
    data = card.callback_for("Bermanfaat")
    cq = await bot.double.press_button(budi.user, card, data)
    # Wait on the events themselves (the press answered, the card edited), never on time.
    assert "Terima kasih" in (await bot.double.wait_for_answer(cq))["text"]
    edited = await bot.double.wait_for(GROUP, lambda m: m.message_id == card.message_id and "(1)" in str(m.button_texts()))
    assert "🙏 Bermanfaat (1)" in edited.button_texts()
    cq = await bot.double.press_button(budi.user, card, data, force=True)  # double press / replayed update
    assert "sudah" in (await bot.double.wait_for_answer(cq))["text"]
    cq = await bot.double.press_button(sri.user, card, data, force=True)
    assert "cerita Bapak/Ibu sendiri" in (await bot.double.wait_for_answer(cq))["text"]
    stranger = bot.person(7777, "Orang Asing")
    cq = await bot.double.press_button(stranger.user, card, data, force=True)
    assert "tidak ditemukan" in (await bot.double.wait_for_answer(cq))["text"]
    post = await posts_of(bot.services).get(post_id)
    assert post is not None and post.thanks_count == 1
    _ = group


async def test_read_more_save_and_ask_author_privately(bot: BotHarness) -> None:
    forum_id, _g, _t = await _world(bot)
    await create_post(bot.services, forum_id=forum_id, author_user_id=2002, title="Pupuk organik", bidang="tani",
                      kind="berhasil", story=LONG_STORY)
    await bot.services.members.update(2002, bot.clock.now(), phone="+6281234567890")
    card = await _card(bot, "Pupuk organik")
    budi = bot.person(1001, "Budi Santoso")
    await bot.double.press_button(budi.user, card, card.callback_for("Baca selengkapnya"))
    full = await budi.next()
    assert LONG_STORY[-60:] in full.text and "💬 Tanggapi" in full.button_texts()
    cq = await bot.double.press_button(budi.user, card, card.callback_for("Simpan"))
    await bot.double.wait_for_answer(cq)
    assert "Disimpan" in bot.double.answered_callbacks[cq]["text"]
    reply = await budi.say("/tersimpan")
    assert "Pupuk organik" in reply.text

    await bot.double.press_button(budi.user, card, card.callback_for("Tanya penulis"))
    prompt = await budi.next()
    assert "pertanyaan" in prompt.text.lower() and "nomor HP tidak dibagikan" in prompt.text
    reply = await budi.say("Berapa lama komposnya matang, Bu?")
    assert "terkirim" in reply.text
    sri = bot.person(2002, "Sri Wahyuni")
    question = await sri.next()
    assert "Budi Santoso" in question.text and "Berapa lama" in question.text and "+62" not in question.text
    prompt = await sri.press(question, "Balas")
    assert "jawaban" in prompt.text
    reply = await sri.say("Sekitar tiga minggu, Pak.")
    assert "terkirim" in reply.text
    answer = await budi.next()
    assert "Sekitar tiga minggu" in answer.text and "+62" not in answer.text and "81234567890" not in answer.text


async def test_comments_from_group_replies_and_private_chat(bot: BotHarness) -> None:
    forum_id, group, thread = await _world(bot)
    post_id = await create_post(bot.services, forum_id=forum_id, author_user_id=2002, title="Bank sampah",
                                bidang="lingk", kind="pelajaran", story="Bank sampah butuh pengurus yang digaji.")
    card = await _card(bot, "Bank sampah")
    budi = bot.person(1001, "Budi Santoso")
    msg = await bot.double.send_message(budi.user, "Setuju, di desa kami juga begitu.", chat=group, reply_to=card)
    notice = await bot.person(2002, "Sri Wahyuni").next()
    assert "menanggapi" in notice.text and "Setuju" in notice.text
    stranger = bot.person(7777, "Orang Asing")
    await bot.double.send_message(stranger.user, "spam", chat=group, reply_to=card)
    await bot.double.wait_idle()
    agus = bot.person(3003, "Agus Salim")
    await agus.say(f"/baca {post_id}")
    reply = await agus.next()  # the comments come in a second message, with the buttons
    assert "Setuju" in reply.text
    prompt = await agus.press(reply, "Tanggapi")
    assert "tanggapan" in prompt.text.lower()
    reply = await agus.say("Kami pakai relawan karang taruna.")
    assert "Tanggapan disimpan" in reply.text
    await agus.say(f"/baca_{post_id}")
    comments_message = await agus.next()
    texts = comments_message.text
    assert "Setuju, di desa kami" in texts and "karang taruna" in texts and "spam" not in texts
    comments = await posts_of(bot.services).comments(post_id)
    assert [c.source for c in comments] == ["group", "private"]
    assert msg["message_id"]
    _ = thread


async def test_author_edits_and_withdraws(bot: BotHarness) -> None:
    forum_id, _g, _t = await _world(bot)
    post_id = await create_post(bot.services, forum_id=forum_id, author_user_id=2002, title="Jalan usaha tani",
                                bidang="jalan", kind="berhasil", story="Jalan usaha tani dibangun gotong royong.")
    card = await _card(bot, "Jalan usaha tani")
    sri = bot.person(2002, "Sri Wahyuni")
    reply = await sri.say(f"/baca {post_id}")
    assert "✏️ Ubah" in reply.button_texts() and "Sembunyikan" not in " ".join(reply.button_texts())
    choice = await sri.press(reply, "Ubah")
    await sri.press(choice, "Judul")
    await bot.double.wait_for(sri.id, lambda m: "judul baru" in m.text)
    reply = await sri.say("Jalan usaha tani beton")
    assert "disimpan" in reply.text
    edited = await bot.double.wait_for(GROUP, lambda m: m.message_id == card.message_id and "beton" in m.text)
    assert edited.edited
    assert [p.id for p in await posts_of(bot.services).search([forum_id], "beton")] == [post_id]

    reply = await sri.say(f"/baca {post_id}")
    confirm = await sri.press(reply, "Tarik")
    reply = await sri.press(confirm, "Ya, tarik")
    assert "ditarik" in reply.text
    await bot.double.wait_for(GROUP, lambda m: m.message_id == card.message_id and "ditarik" in m.text)
    assert await posts_of(bot.services).search([forum_id], "beton") == []
    budi = bot.person(1001, "Budi Santoso")
    reply = await budi.say(f"/baca {post_id}")
    assert "tidak ditemukan" in reply.text


async def test_koordinator_hides_with_reason_anggota_cannot(bot: BotHarness) -> None:
    forum_id, _g, _t = await _world(bot)
    post_id = await create_post(bot.services, forum_id=forum_id, author_user_id=2002, title="Jual beli suara",
                                bidang="layan", kind="pertanyaan", story="Berapa harga suara di pilkades nanti?")
    card = await _card(bot, "Jual beli suara")
    agus = bot.person(3003, "Agus Salim")
    from bot.callbacks import encode
    cq = await bot.double.press_button(agus.user, card, encode("e", "hd", post_id), force=True)
    await bot.double.wait_for_answer(cq)
    assert "koordinator" in bot.double.answered_callbacks[cq]["text"]
    budi = bot.person(1001, "Budi Santoso")
    reply = await budi.say(f"/baca {post_id}")
    prompt = await budi.press(reply, "Sembunyikan")
    assert "alasan" in prompt.text
    reply = await budi.say("Melanggar aturan forum: tidak boleh membahas politik uang.")
    assert "disembunyikan" in reply.text
    note = await bot.person(2002, "Sri Wahyuni").next()
    assert "disembunyikan" in note.text and "politik uang" in note.text
    await bot.double.wait_for(GROUP, lambda m: m.message_id == card.message_id and "disembunyikan" in m.text)
    assert await posts_of(bot.services).search([forum_id], "suara") == []


async def test_search_pages_filters_and_forum_isolation(bot: BotHarness) -> None:
    forum_id, _g, _t = await _world(bot)
    other = await seed_forum(bot.services, koordinator=5005, name="Forum Lain", members={
        5005: ("Dewi Lestari", SIDASARI_CIPARI)})
    ids = []
    for i in range(7):
        ids.append(await create_post(bot.services, forum_id=forum_id, author_user_id=2002, title=f"Pertanian cerita {i}",
                          bidang="tani", kind="gagal" if i == 3 else "berhasil",
                          story=f"Kami bertani padi organik tahap {i} bersama kelompok.", publish=False))
    secret = await create_post(bot.services, forum_id=other, author_user_id=5005, title="Pertanian rahasia",
                               bidang="tani", kind="berhasil", story="Cerita forum lain tentang pertanian.",
                               publish=False)
    budi = bot.person(1001, "Budi Santoso")
    page1 = await budi.say("/cari tani")
    assert "Hasil pencarian" in page1.text and page1.text.count("/baca_") == 5
    assert "rahasia" not in page1.text
    page2 = await budi.press(page1, "Berikutnya")
    assert page2.text.count("/baca_") == 2 and "Sebelumnya" in " ".join(page2.button_texts())
    picker = await budi.press(page2, "Jenis")
    filtered = await budi.press(picker, "Gagal")
    assert filtered.text.count("/baca_") == 1 and "Pertanian cerita 3" in filtered.text
    newest = await budi.say("/berbagi_terbaru")
    assert "Pertanian cerita 6" in newest.text.split("/baca_")[0]
    reply = await budi.say(f"/baca {secret}")
    assert "tidak ditemukan" in reply.text
    dewi = bot.person(5005, "Dewi Lestari")
    reply = await dewi.say("/cari pertanian")
    assert reply.text.count("/baca_") == 1 and "rahasia" in reply.text
    from bot.callbacks import encode
    cq = await bot.double.press_button(dewi.user, page1, encode("e", "rd", ids[0]), force=True)
    await bot.double.wait_for_answer(cq)
    assert "tidak ditemukan" in bot.double.answered_callbacks[cq]["text"]
    reply = await budi.say("/cari yang dan")
    assert "terlalu umum" in reply.text
    stranger = bot.person(7777, "Orang Asing")
    reply = await stranger.say("/cari tani")
    assert "belum menjadi anggota" in reply.text


async def test_weekly_digest_on_monday_morning_with_opt_out(bot: BotHarness) -> None:
    forum_id, _g, _t = await _world(bot, topic=False)
    p1 = await create_post(bot.services, forum_id=forum_id, author_user_id=2002, title="Embung desa",
                           bidang="air", kind="berhasil", story="Embung menampung air hujan untuk kemarau.",
                           publish=False)
    await posts_of(bot.services).thank(p1, 1001, bot.clock.now())
    # Tuesday 10.00 WIB now; the digest goes Monday 2026-11-30 from 07.00 WIB.
    await plan_posts(bot.services, bot.clock.now())
    assert (await OutboxRepo(bot.services.db).by_key(f"posts:digest:{forum_id}:2026-11-30:user:1001")) is None
    bot.clock.set(datetime(2026, 11, 30, 0, 30, tzinfo=UTC))  # 07.30 WIB Monday
    await plan_posts(bot.services, bot.clock.now())
    await plan_posts(bot.services, bot.clock.now())  # idempotent
    bot.services.delivery.wake()
    agus = bot.person(3003, "Agus Salim")
    digest = await agus.next()
    assert "Ringkasan mingguan" in digest.text and "Embung desa" in digest.text
    assert "Paling bermanfaat" in digest.text
    assert len([m for m in bot.double.sent(agus.id) if "Ringkasan" in m.text]) == 1
    cq = await bot.double.press_button(agus.user, digest, digest.callback_for("Berhenti"))
    await bot.double.wait_for_answer(cq)
    assert "tidak akan menerima" in bot.double.answered_callbacks[cq]["text"]
    bot.clock.set(datetime(2026, 12, 7, 0, 30, tzinfo=UTC))
    await create_post(bot.services, forum_id=forum_id, author_user_id=2002, title="Embung kedua",
                      bidang="air", kind="berhasil", story="Embung kedua dibangun dengan dana desa.",
                      publish=False)
    bot.clock.set(datetime(2026, 12, 14, 0, 30, tzinfo=UTC))
    await plan_posts(bot.services, bot.clock.now())
    repo = OutboxRepo(bot.services.db)
    assert await repo.by_key(f"posts:digest:{forum_id}:2026-12-14:user:1001") is not None
    assert await repo.by_key(f"posts:digest:{forum_id}:2026-12-14:user:3003") is None


async def test_koordinator_changes_digest_day(bot: BotHarness) -> None:
    forum_id, _g, _t = await _world(bot, topic=False)
    budi = bot.person(1001, "Budi Santoso")
    panel = await budi.say("/ringkasan")
    assert "Senin" in panel.text and "berlangganan" in panel.text
    panel = await budi.press(panel, "Kamis")
    assert "setiap Kamis" in panel.text
    assert (await posts_of(bot.services).digest_settings(forum_id)).weekday == 3
    agus = bot.person(3003, "Agus Salim")
    panel = await agus.say("/ringkasan")
    assert "Kamis" not in panel.button_texts()  # only the koordinator picks the day
    _ = timedelta


async def test_bare_cari_from_the_menu_asks_for_the_words(bot: BotHarness) -> None:
    forum_id, _g, _t = await _world(bot)
    await create_post(bot.services, forum_id=forum_id, author_user_id=2002, title="Bank sampah desa",
                      bidang="tani", kind="berhasil", story="Bank sampah kami berjalan sejak 2024.",
                      publish=False)
    budi = bot.person(1001, "Budi Santoso")
    ask = await budi.say("/cari")
    assert "Apa yang Bapak/Ibu cari" in ask.text
    found = await budi.say("bank sampah")
    assert "Hasil pencarian" in found.text and "Bank sampah desa" in found.text
    assert await bot.services.drafts.get(budi.id) is None
    # A bare /cari never replaces a form in progress.
    await budi.say("/berbagi")
    draft = await bot.services.drafts.get(budi.id)
    usage = await budi.say("/cari")
    assert "/cari pupuk organik" in usage.text
    assert await bot.services.drafts.get(budi.id) == draft


RANTEPAO = "73.26.01.1002"  # a kelurahan (Toraja Utara)
INDERAPURA = "13.01.01.2001"  # a nagari (Pesisir Selatan, Sumatera Barat)


async def test_cards_and_questions_name_places_by_their_local_titles(bot: BotHarness) -> None:
    """#16: a lurah's post says "Kelurahan Rantepao", a wali nagari's question "Nagari Inderapura"."""
    bot.double.group(GROUP, "Forum Kades Cipari", bot_status="administrator")
    forum_id = await seed_forum(bot.services, koordinator=1001, group_chat_id=GROUP, members={
        1001: ("Budi Santoso", SIDASARI_CIPARI), 4004: ("Yohanis Palullungan", RANTEPAO),
        5005: ("Rina Marlina", INDERAPURA)})
    lurah, wali = bot.person(4004, "Yohanis Palullungan"), bot.person(5005, "Rina Marlina")
    await create_post(bot.services, forum_id=forum_id, author_user_id=4004, title="Pasar kelurahan tertib",
                      bidang="umkm", kind="berhasil", story="Pedagang kaki lima kami tata bersama paguyuban.",
                      credited_village_codes=[INDERAPURA])
    card = await _card(bot, "Pasar kelurahan tertib")
    assert "Kelurahan Rantepao" in card.text and "Desa Rantepao" not in card.text
    assert "Bersama Nagari Inderapura" in card.text and "Desa Inderapura" not in card.text
    await bot.double.press_button(wali.user, card, card.callback_for("Tanya penulis"))
    await wali.next()
    await wali.say("Bagaimana cara mengajak paguyuban, Pak?")
    question = await lurah.next()
    assert "Nagari Inderapura" in question.text and "Desa Inderapura" not in question.text
    listing = await lurah.say("/berbagi_terbaru")
    assert "Kelurahan Rantepao" in listing.text


async def test_review_changes_any_answer_before_publishing(bot: BotHarness) -> None:
    """#12/#16: the /berbagi form ends with the card's preview and "Ubah ..." for every answer."""
    forum_id, _group, _thread = await _world(bot)
    sri = bot.person(2002, "Sri Wahyuni")
    await sri.say("/berbagi")
    reply = await sri.say("Bank sampah dusun")
    await sri.press(reply, "Lingkungan")
    await sri.press(await sri.next(), "Pelajaran")
    await sri.next()
    reply = await sri.say("Bank sampah kami berhenti karena pengurus tidak digaji.")
    await sri.press(reply, "Selesai")
    await sri.press(await sri.next(), "Lanjut")
    link = await sri.next()
    await sri.press(link, "Kunjungan kerja")
    ask_number = await sri.next()
    assert "nomor" in ask_number.text.lower()
    review = await sri.say("#99")
    assert "Pratinjau" in review.text and "Kunjungan kerja #99" in review.text
    # No visit #99 in this forum: Terbitkan is refused at the review, the answer can be changed.
    cq = await bot.double.press_button(sri.user, review, review.callback_for("Terbitkan"))
    assert "99" in (await bot.double.wait_for_answer(cq))["text"]
    await sri.press(review, "Ubah tautan")
    await sri.press(await sri.next(), "Tidak perlu")
    review = await sri.next()
    assert "#99" not in review.text
    await sri.press(review, "Ubah judul")
    ask = await sri.next()
    assert "judul" in ask.text
    review = await sri.say("Bank sampah yang berhenti")
    assert "Bank sampah yang berhenti" in review.text and "Pelajaran" in review.text  # other answers kept
    await sri.press(review, "Ubah cerita")
    await sri.next()
    reply = await sri.say("Pengurus berhenti setelah enam bulan karena tidak ada honor.")
    await sri.press(reply, "Selesai")
    review = await sri.next()
    assert "enam bulan" in review.text and "tidak digaji" not in review.text  # the story was rewritten
    done = await sri.press(review, "Terbitkan")
    assert "terbit" in done.text
    card = await _card(bot, "Bank sampah yang berhenti")
    assert "enam bulan" in card.text and "💡 Pelajaran" in card.text
    posts = await posts_of(bot.services).newest([forum_id])
    assert [(p.title, p.link_type) for p in posts] == [("Bank sampah yang berhenti", None)]
    assert await bot.services.drafts.get(sri.id) is None


async def test_a_form_begun_before_the_upgrade_is_dropped_politely(bot: BotHarness) -> None:
    await _world(bot)
    sri = bot.person(2002, "Sri Wahyuni")
    # What the hand-rolled form left in the drafts table, mid-story.
    await bot.services.drafts.save(2002, "post", "story", {"forum_id": 1, "parts": ["Awal cerita"], "atts": []},
                                   bot.clock.now())
    reply = await sri.say("Lanjutan cerita saya")
    assert "/berbagi" in reply.text and "diulang" in reply.text
    assert await bot.services.drafts.get(2002) is None
