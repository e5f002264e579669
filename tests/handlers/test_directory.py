"""/profil_desa and /cari_desa through the real bot."""

from __future__ import annotations

from storage.directory import DirectoryRepo
from tests.conftest import SIDASARI_CIPARI, BotHarness, seed_forum

CARUY = "33.01.18.2001"
R, H, OUT = 1001, 2002, 3003


async def test_profile_edit_with_multi_select_and_text(bot: BotHarness) -> None:
    await seed_forum(bot.services, koordinator=R, members={R: ("Budi Santoso", SIDASARI_CIPARI),
                                                            H: ("Hartini", CARUY)})
    budi = bot.person(R, "Budi Santoso")
    card = await budi.say("/profil_desa")
    assert "Profil Desa Sidasari" in card.text and "belum diisi" in card.text
    picker = await budi.press(card, "Ubah potensi")
    picker = await budi.press(picker, "Pertanian")
    picker = await budi.press(picker, "Pariwisata")
    picker = await budi.press(picker, "Pertanian")  # unselect
    assert "✅ Pariwisata" in picker.button_texts() and "Pertanian" in picker.button_texts()
    saved = await budi.press(picker, "Simpan")
    # Budi approved himself (he made the forum) and Sidasari has no verified member: it applies, marked.
    assert "belum terverifikasi" in saved.text and "Potensi: Pariwisata" in saved.text
    ask = await budi.press(saved, "Ubah kebutuhan")
    ask = await budi.press(ask, "Air bersih dan sanitasi")
    saved = await budi.press(ask, "Simpan")
    assert "Kebutuhan: Air bersih dan sanitasi" in saved.text
    ask = await budi.press(saved, "Ubah program unggulan")
    assert "program unggulan" in ask.text
    reply = await budi.say("x" * 5000)
    assert "Terlalu panjang" in reply.text
    reply = await budi.say("Desa wisata <b>Curug</b> & homestay")
    assert "Desa wisata &lt;b&gt;Curug&lt;/b&gt; &amp; homestay" in reply.html
    profile = await DirectoryRepo(bot.services.db).profile(SIDASARI_CIPARI)
    assert profile is not None and profile.potensi == ("wisata",) and profile.kebutuhan == ("air",)
    assert profile.programs == "Desa wisata <b>Curug</b> & homestay"
    # Hartini finds it by a word of the programme
    hartini = bot.person(H, "Hartini")
    found = await hartini.say("/cari_desa curug")
    assert "Sidasari" in found.text and "Budi Santoso" in found.text
    # a stale toggle after saving is refused
    cq = await bot.double.press_button(budi.user, picker, "d:tg:tani", force=True)
    await bot.double.wait_for_answer(cq)
    assert "tidak berlaku" in bot.double.answered_callbacks[cq]["text"]


async def test_suggestions_and_empty_states(bot: BotHarness) -> None:
    await seed_forum(bot.services, koordinator=R, members={R: ("Budi Santoso", SIDASARI_CIPARI),
                                                            H: ("Hartini", CARUY)})
    budi = bot.person(R, "Budi Santoso")
    reply = await budi.say("/cari_desa")
    assert "Isi dulu" in reply.text and "kebutuhan" in reply.text
    repo = DirectoryRepo(bot.services.db)
    await repo.save_profile(SIDASARI_CIPARI, by=R, now=bot.clock.now(), kebutuhan=["air", "wisata"])
    reply = await budi.say("/cari_desa")
    assert "Belum ada desa" in reply.text
    await repo.save_profile(CARUY, by=H, now=bot.clock.now(), potensi=["air"], programs="PAMDes air bersih")
    reply = await budi.say("/cari_desa")
    assert "Caruy" in reply.text and "Cocok untuk: Air bersih dan sanitasi" in reply.text
    assert "Ajukan kunjungan: Caruy" in reply.button_texts()
    reply = await budi.say("/cari_desa zzzqqq")
    assert "Tidak ada desa" in reply.text


async def test_strangers_are_told_politely(bot: BotHarness) -> None:
    stranger = bot.person(OUT, "Orang Asing")
    reply = await stranger.say("/cari_desa sampah")
    assert "belum menjadi anggota" in reply.text
    reply = await stranger.say("/profil_desa")
    assert "belum menjadi anggota" in reply.text
    reply = await stranger.say("/kunjungan")
    assert "belum menjadi anggota" in reply.text
