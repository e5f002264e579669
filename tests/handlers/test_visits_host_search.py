"""Choosing the host village of a visit however it is spelled, and naming places as the registry does
(issue: everyday friction): a desa, a nagari (Sumatera Barat) and a kelurahan as hosts."""

from __future__ import annotations

from bot.telegram_double import SentMessage
from storage.visits import VisitRepo
from tests.conftest import SIDASARI_CIPARI, BotHarness, Person, seed_forum
from tests.handlers.test_visits import CISURU, deliver, engine, press_on

__all__ = ["engine"]  # the fixture, used by name

KARANGREJA_CIPARI = "33.01.18.2010"
INDERAPURA = "13.01.01.2001"  # a nagari in Kab. Pesisir Selatan
RANTEPAO = "73.26.01.1002"  # a kelurahan in Kab. Toraja Utara
R, K, H, N, L = 1001, 9001, 2002, 4004, 5005


async def world(bot: BotHarness) -> None:
    """Forum Cipari (33.01.18): K, R (Sidasari), H (Karangreja). Forum Sumbar (13): N (Inderapura) with R
    and L (Rantepao, outside the forum's area but approved in it)."""
    await seed_forum(bot.services, koordinator=K, members={
        K: ("Kartono", CISURU), R: ("Budi Santoso", SIDASARI_CIPARI), H: ("Hartini", KARANGREJA_CIPARI)})
    await seed_forum(bot.services, koordinator=N, name="Forum Nagari", scope_code="13", members={
        N: ("Nofrizal", INDERAPURA), R: ("Budi Santoso", SIDASARI_CIPARI), L: ("Lukas", RANTEPAO)})


async def pick(person: Person, message: SentMessage, label: str) -> SentMessage:
    """Press a village button; the form's next question (after the pressed prompt loses its buttons)."""
    return await press_on(person, message, label)


async def host_step(budi: Person) -> SentMessage:
    listing = await budi.say("/kunjungan")
    ask = await budi.press(listing, "Ajukan kunjungan baru")
    ask = await budi.next() if ask.edited else ask
    assert "Ketik nama" in ask.text
    return ask


async def test_split_names_hyphens_and_typos_find_the_village_in_the_forums_area(bot: BotHarness) -> None:
    await world(bot)
    budi = bot.person(R, "Budi Santoso")
    await host_step(budi)
    # "karang reja" (as people write it) finds Karangreja in Kec. Cipari, the only fitting village
    found = await budi.say("karang reja")
    assert found.button_texts()[0] == "Desa Karangreja — Kec. Cipari" and "Maksud" not in found.text
    ask = await pick(budi, found, "Desa Karangreja — Kec. Cipari")
    assert "Kunjungan ke <b>Desa Karangreja</b>" in ask.html and "Apa yang ingin dipelajari" in ask.text
    draft = await bot.services.drafts.get(R)
    assert draft is not None and (draft.data["host"], draft.data["host_village"]) == (H, KARANGREJA_CIPARI)

    await host_step(budi)
    found = await budi.say("karang-reja")
    assert found.button_texts()[0] == "Desa Karangreja — Kec. Cipari"

    # a typo: the closest village is suggested, not started
    await host_step(budi)
    guess = await budi.say("karangrja")
    assert "Maksud Bapak/Ibu: Desa Karangreja?" in guess.text
    ask = await pick(budi, guess, "Desa Karangreja — Kec. Cipari")
    assert "Apa yang ingin dipelajari" in ask.text


async def test_a_village_without_a_head_on_the_bot_is_named_and_explained(bot: BotHarness) -> None:
    await world(bot)
    budi = bot.person(R, "Budi Santoso")
    await host_step(budi)
    reply = await budi.say("karang rau")
    assert "Kepala Desa Karangrau belum bergabung" in reply.text
    reply = await budi.say("qwxz")
    assert "tidak ditemukan" in reply.text


async def test_a_nagari_host_is_called_a_nagari_in_every_message(bot: BotHarness, engine: object) -> None:
    await world(bot)
    budi, nofrizal = bot.person(R, "Budi Santoso"), bot.person(N, "Nofrizal")
    await host_step(budi)
    found = await budi.say("Inderapura")  # Inderapura Timur, Utara... have no head on the bot
    assert found.button_texts()[0] == "Nagari Inderapura — Kec. Pancung Soal"
    picker = await pick(budi, found, "Nagari Inderapura")
    assert "Kunjungan ke <b>Nagari Inderapura</b>" in picker.html
    picker = await budi.say("Belajar tata kelola nagari")
    picker = await budi.press(picker, "Pertanian")
    ask = await press_on(budi, picker, "Lanjut")
    await budi.say("7 Desember 2026")
    ask = await budi.say("9 Desember 2026")
    await press_on(budi, ask, "Cukup")
    await budi.say("4")
    confirm = await budi.say("Salam")
    assert "Tuan rumah: Nagari Inderapura" in confirm.text
    # every answer can be changed at the review: the purpose, then back to the review
    ask = await press_on(budi, confirm, "Ubah tujuan")
    assert "Apa yang ingin dipelajari" in ask.text
    confirm = await budi.say("Belajar tata kelola dan BUMNag")
    assert "Tujuan: Belajar tata kelola dan BUMNag" in confirm.text and "Pesan: Salam" in confirm.text
    sent = await budi.press(confirm, "Kirim permintaan")
    assert "ke Nagari Inderapura terkirim" in sent.text
    await deliver(engine)  # type: ignore[arg-type]
    card = await nofrizal.next()
    assert "dari Desa Sidasari" in card.text and "Ke: Nagari Inderapura" in card.text
    assert "Desa Inderapura" not in card.text
    await nofrizal.press(card, "Terima: 7 Des")
    await deliver(engine)  # type: ignore[arg-type]
    told = await budi.next()
    assert "Nagari Inderapura menerima kunjungan" in told.text


async def test_tidak_ada_di_daftar_searches_the_whole_country_or_takes_a_kode_wilayah(bot: BotHarness) -> None:
    await world(bot)
    budi = bot.person(R, "Budi Santoso")
    await host_step(budi)
    # Rantepao is outside both forums' areas: nothing near home fits, so the country is searched
    reply = await budi.say("rantepao")
    ask = await pick(budi, reply, "Kelurahan Rantepao — Kec. Rantepao")
    assert "Kunjungan ke <b>Kelurahan Rantepao</b>" in ask.html
    await host_step(budi)
    reply = await budi.say("caruy")  # in Kec. Cipari, but its head is not on the bot
    assert "belum bergabung" in reply.text and "Tidak ada di daftar" in reply.button_texts()
    everywhere = await budi.press(reply, "Tidak ada di daftar")
    everywhere = await budi.next() if everywhere.edited else everywhere
    assert "kode wilayah" in everywhere.text
    found = await budi.say(RANTEPAO)
    assert found.button_texts() == ["Kelurahan Rantepao — Kec. Rantepao"]  # no "Tidak ada di daftar" now
    rows = await VisitRepo(bot.services.db).of_user(R)
    assert rows == []
