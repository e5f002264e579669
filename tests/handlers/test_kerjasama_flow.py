"""The kerja sama lifecycle through the real bot and the Telegram double (issue #17): a kerja sama
antardesa from /kerjasama_rintis through every stage to pelaksanaan; a partner answers the offer
with Tanya then Terima; suspension and cancellation per clause; rights; bad input."""

from __future__ import annotations

from bot.agreements import service
from bot.telegram_double import SentMessage
from storage.kerjasama import KerjasamaRepo
from tests.conftest import BotHarness, Person, seed_forum

SIDASARI, CIPARI, KUTASARI = "33.01.18.2011", "33.01.18.2005", "33.01.18.2009"
BUDI, SRI, JOKO = 1001, 1002, 1005
MEMBERS = {BUDI: ("Budi Santoso", SIDASARI), SRI: ("Sri Wahyuni", CIPARI), JOKO: ("Joko Susilo", KUTASARI)}


async def seed(bot: BotHarness) -> tuple[Person, Person, Person]:
    people = tuple(bot.person(user_id, name) for user_id, (name, _) in MEMBERS.items())
    await seed_forum(bot.services, koordinator=BUDI, members=MEMBERS)
    return people  # type: ignore[return-value]


async def until(bot: BotHarness, person: Person, fragment: str) -> SentMessage:
    return await bot.double.wait_for(person.id, lambda m: fragment in m.text, timeout=10)


async def tap(bot: BotHarness, person: Person, message: SentMessage, label: str) -> None:
    await bot.double.press_button(person.user, message, message.callback_for(label))


async def answer(bot: BotHarness, person: Person, text: str, expect: str) -> SentMessage:
    await person.send(text)
    return await until(bot, person, expect)


async def rintis(bot: BotHarness, budi: Person, title: str = "Air bersih Curug") -> int:
    await budi.send("/kerjasama_rintis")
    await tap(bot, budi, await until(bot, budi, "rintis?"), "antardesa")
    await answer(bot, budi, title, "Kapan Musyawarah Desa")
    await tap(bot, budi, await answer(bot, budi, "20 November 2026", "Catatan singkat"), "Lewati")
    await budi.send("Cipari")  # the national search; the village is picked from the list
    found = await bot.double.wait_for(budi.id, lambda m: any(b.startswith("Cipari — Kec. Cipari")
                                                              for b in m.button_texts()), timeout=10)
    await tap(bot, budi, found, "Cipari — Kec. Cipari")
    chosen = await bot.double.wait_for(budi.id, lambda m: "Terpilih: Cipari" in m.text, timeout=10)
    await tap(bot, budi, chosen, "Selesai")
    review = await until(bot, budi, "Desa mitra")
    await tap(bot, budi, review, "Simpan")
    done = await until(bot, budi, "tahap persiapan")
    agreement_id = int(done.callback_for("Lihat tahapan").split(":")[-1])
    return agreement_id


async def record(bot: BotHarness, person: Person, agreement_id: int, expect: str = "Riwayat tahapan") -> SentMessage:
    message = bot.double.last(person.id)
    await bot.double.press_button(person.user, message, f"ks:o:{agreement_id}", force=True)
    return await until(bot, person, expect)


async def test_antar_desa_through_every_stage(bot: BotHarness) -> None:
    budi, sri, joko = await seed(bot)
    agreement_id = await rintis(bot, budi)
    page = await record(bot, budi, agreement_id)
    assert "Tahap: Persiapan" in page.text and "Kirim penawaran" in " ".join(page.button_texts())
    # Penawaran: the form, its review, then the offer reaches Sri through the outbox.
    await tap(bot, budi, page, "Kirim penawaran")
    await tap(bot, budi, await answer(bot, budi, "Air bersih untuk dua desa", "Bidang kerja sama"), "Pelayanan")
    await answer(bot, budi, "Pipa dan bak penampung", "Tanggal mulai")
    await answer(bot, budi, "1 Januari 2027", "Tanggal berakhir")
    await answer(bot, budi, "31 Desember 2026", "harus setelah")  # corrected, the step stays
    review = await answer(bot, budi, "31 Desember 2028", "Periksa sebelum")
    await tap(bot, budi, review, "Kirim penawaran")
    await until(bot, budi, "lewat bot kepada 1 mitra")
    offer = await until(bot, sri, "Surat penawaran kerja sama")
    assert offer.button_texts() == ["✅ Terima", "❌ Tolak", "❓ Tanya"]
    # Joko (not a party) cannot answer for Cipari.
    cq = await bot.double.press_button(joko.user, offer, offer.callback_for("Terima"), force=True)
    assert "tidak ditemukan" in str((await bot.double.wait_for_answer(cq)).get("text"))
    await tap(bot, sri, offer, "Tanya")
    await answer(bot, sri, "Siapa yang merawat pipa?", "jawaban Bapak/Ibu sudah dicatat")
    await until(bot, budi, "Siapa yang merawat pipa?")
    await tap(bot, sri, offer, "Terima")
    await until(bot, budi, "Cipari menerima penawaran")
    # Perumusan, then every clause in one form with its review.
    page = await record(bot, budi, agreement_id, "Tahap: Penawaran")
    await tap(bot, budi, page, "Mulai perumusan")
    page = await until(bot, budi, "Tahap: Perumusan")
    await tap(bot, budi, page, "Isi pasal-pasal")
    await tap(bot, budi, await until(bot, budi, "Bidang kegiatannya"), "Air bersih")
    # The offer already proposed the duration: not asked again (it stays changeable at the review).
    await answer(bot, budi, "Rapat bulanan BKAD", "Hak dan kewajiban Sidasari")
    await answer(bot, budi, "Menyediakan sumber air", "Hak dan kewajiban Cipari")
    await answer(bot, budi, "Membangun pipa", "Pendanaan dari Sidasari")
    await answer(bot, budi, "banyak sekali", "Jumlah dana harus angka")  # bad money, asked again
    await answer(bot, budi, "50 juta", "Pendanaan dari Cipari")
    await answer(bot, budi, "25 juta; CSR PT Tirta 10 juta", "perubahan, penundaan dan pembatalan")
    await answer(bot, budi, "Pembatalan dengan pemberitahuan 30 hari", "perselisihan")
    await tap(bot, budi, await answer(bot, budi, "Musyawarah", "Siapa pelaksana"), "BKAD")
    await answer(bot, budi, "BKAD Cipari", "Anggota pelaksana")
    team = await answer(bot, budi, "Slamet, Ketua, Sidasari", "1. Slamet")
    await tap(bot, budi, team, "Selesai")
    review = await until(bot, budi, "Rp85.000.000")  # the total of every party's lines
    assert "31 Desember 2028" in review.text  # the offer's end date, carried over
    await tap(bot, budi, review, "Simpan")
    await until(bot, budi, "Pasal-pasal kerja sama tersimpan")
    page = await record(bot, budi, agreement_id, "Tahap: Perumusan")
    await tap(bot, budi, page, "Catat hasil perumusan")
    await tap(bot, budi, await answer(bot, budi, "24 November 2026", "Catatan hasil perumusan"), "Lewati")
    await tap(bot, budi, await until(bot, budi, "Periksa sebelum"), "Simpan")
    page = await record(bot, budi, agreement_id, "Tahap: Penandatanganan")
    await tap(bot, budi, page, "Catat penandatanganan")
    await answer(bot, budi, "24 November 2026", "Nomor dokumennya")
    await answer(bot, budi, "Peraturan Bersama Kepala Desa Nomor 1 Tahun 2026", "Penanda tangan untuk Sidasari")
    await answer(bot, budi, "Budi Santoso", "Formatnya: nama, jabatan")
    await answer(bot, budi, "Budi Santoso, Kepala Desa Sidasari", "Penanda tangan untuk Cipari")
    await tap(bot, budi, await answer(bot, budi, "Sri Wahyuni, Kepala Desa Cipari", "Kirim dokumen"), "Lewati")
    await tap(bot, budi, await until(bot, budi, "Periksa sebelum"), "Simpan")
    await until(bot, sri, "sudah ditandatangani")
    loaded = await KerjasamaRepo(bot.services.db).full(agreement_id)
    assert loaded is not None and loaded.agreement.stage == "pelaksanaan"
    assert loaded.total_funding == 85_000_000 and [m.name for m in loaded.team] == ["Slamet"]
    assert [p.signatory_name for p in loaded.parties] == ["Budi Santoso", "Sri Wahyuni"]
    page = await record(bot, budi, agreement_id, "Tahap: Pelaksanaan")
    for stage in ("Penawaran", "Perumusan", "Penandatanganan", "Pelaksanaan"):
        assert f"masuk tahap {stage}" in page.text


async def test_suspend_then_cancel_per_clause_and_rights(bot: BotHarness) -> None:
    budi, sri, joko = await seed(bot)
    agreement_id = await rintis(bot, budi, "Jalan usaha tani <b>baru</b>")
    page = await record(bot, budi, agreement_id)
    assert "Jalan usaha tani <b>baru</b>" in page.text  # shown as typed, never as markup
    # Joko's village is no party: he sees nothing; Sri (a party's kades) sees and may act.
    cq = await bot.double.press_button(joko.user, page, f"ks:o:{agreement_id}", force=True)
    assert "tidak ditemukan" in str((await bot.double.wait_for_answer(cq)).get("text"))
    await tap(bot, budi, page, "Tunda")
    await answer(bot, budi, "x" * 2000, "terlalu panjang")
    await answer(bot, budi, "Menunggu APB Desa", "Sampai tanggal berapa")
    review = await answer(bot, budi, "1 Maret 2027", "Periksa sebelum")
    await tap(bot, budi, review, "Tunda")
    await until(bot, budi, "ditunda sampai Senin, 1 Maret 2027")
    await until(bot, sri, "ditunda sampai")
    page = await record(bot, sri, agreement_id, "Tahap: Ditunda")
    await tap(bot, sri, page, "Lanjutkan")
    page = await until(bot, sri, "Tahap: Persiapan")
    await tap(bot, sri, page, "Batalkan")
    await until(bot, sri, "ketentuan pembatalan belum dicatat")
    review = await answer(bot, sri, "Anggaran dialihkan untuk bencana", "Periksa sebelum")
    await tap(bot, sri, review, "Batalkan")
    await until(bot, sri, "Kerja sama dibatalkan")
    await until(bot, budi, "Alasan: Anggaran dialihkan untuk bencana")
    loaded = await KerjasamaRepo(bot.services.db).full(agreement_id)
    assert loaded is not None and loaded.agreement.stage == "dibatalkan"


async def test_the_list_shows_the_stage_and_opens_the_record(bot: BotHarness) -> None:
    budi, sri, _ = await seed(bot)
    agreement_id = await rintis(bot, budi, "Sampah terpadu")
    await sri.send("/kerjasama")
    listing = await until(bot, sri, "Sampah terpadu")
    assert "Persiapan" in listing.text
    await tap(bot, sri, listing, "Sampah terpadu")
    page = await until(bot, sri, "Riwayat tahapan")
    assert "Tahap: Persiapan" in page.text and "Kirim penawaran" in " ".join(page.button_texts())
    assert f"ks:o:{agreement_id}" not in page.callback_data()  # the record itself, not a link to it


async def test_pihak_ketiga_is_recorded_and_its_offer_goes_on_paper(bot: BotHarness) -> None:
    _, sri, _ = await seed(bot)
    await sri.send("/kerjasama_rintis")
    await tap(bot, sri, await until(bot, sri, "rintis?"), "pihak ketiga")
    await answer(bot, sri, "KKN tematik", "Kapan Musyawarah Desa")
    await tap(bot, sri, await answer(bot, sri, "24 November 2026", "Catatan singkat"), "Lewati")
    partners = await until(bot, sri, "Ketik nama desa mitra")
    await tap(bot, sri, partners, "Selesai")  # a village with a third party only
    await tap(bot, sri, await answer(bot, sri, "Universitas Jenderal Soedirman", "termasuk jenis apa"),
              "Perguruan tinggi")
    await answer(bot, sri, "Jl. Profesor Boenjamin, Purwokerto", "narahubung")
    review = await answer(bot, sri, "Dr. Ani, Kepala LPPM", "Periksa sebelum")
    assert "Universitas Jenderal Soedirman" in review.text and "Perguruan tinggi" in review.text
    await tap(bot, sri, review, "Simpan")
    done = await until(bot, sri, "tahap persiapan")
    agreement_id = int(done.callback_for("Lihat tahapan").split(":")[-1])
    page = await record(bot, sri, agreement_id)
    assert "Kerja sama dengan pihak ketiga" in page.text and "narahubung: Dr. Ani" in page.text
    await tap(bot, sri, page, "Kirim penawaran")
    await tap(bot, sri, await answer(bot, sri, "Pendampingan BUMDes", "Bidang kerja sama"), "Pembangunan")
    await answer(bot, sri, "Pelatihan pengurus BUMDes", "Tanggal mulai")
    await answer(bot, sri, "1 Februari 2027", "Tanggal berakhir")
    await tap(bot, sri, await answer(bot, sri, "1 Agustus 2027", "Periksa sebelum"), "Kirim penawaran")
    await until(bot, sri, "surat kertas untuk 1 mitra")
    loaded = await KerjasamaRepo(bot.services.db).full(agreement_id)
    assert loaded is not None and loaded.agreement.kind == "pihak_ketiga"
    [offer] = loaded.offers
    assert offer.channel == "kertas" and loaded.third_parties[0].third_party_kind == "perguruan_tinggi"


async def test_a_cancelled_agreement_cannot_be_renewed_from_an_old_button(bot: BotHarness) -> None:
    budi, _, _ = await seed(bot)
    agreement_id = await rintis(bot, budi, "Sampah terpadu")
    await service.cancel(bot.services, agreement_id, BUDI, reason="Tidak jadi")
    message = bot.double.last(budi.id)
    cq = await bot.double.press_button(budi.user, message, f"k:rn:{agreement_id}", force=True)
    assert "tahap Dibatalkan" in str((await bot.double.wait_for_answer(cq)).get("text"))


async def test_a_partner_outside_the_forum_by_kode_wilayah_warns_across_kabupaten(bot: BotHarness) -> None:
    budi, _, _ = await seed(bot)
    await budi.send("/kerjasama_rintis")
    await tap(bot, budi, await until(bot, budi, "rintis?"), "antardesa")
    await answer(bot, budi, "Wisata lintas kabupaten", "Kapan Musyawarah Desa")
    await tap(bot, budi, await answer(bot, budi, "20 November 2026", "Catatan singkat"), "Lewati")
    partners = await until(bot, budi, "Ketik nama desa mitra")
    cq = await bot.double.press_button(budi.user, partners, partners.callback_for("Tidak ada di daftar"))
    assert "kode wilayah" in str((await bot.double.wait_for_answer(cq)).get("text"))
    await budi.send("99.99.99.9999")
    await until(bot, budi, "Tidak ada desa yang cocok")
    await budi.send("33.02.01.2001")  # a village of Kabupaten Banyumas, not in the forum
    found = await bot.double.wait_for(budi.id, lambda m: "Kab. Banyumas" in " ".join(m.button_texts()), timeout=10)
    await tap(bot, budi, found, "Kab. Banyumas")
    chosen = await bot.double.wait_for(budi.id, lambda m: "Kab. Banyumas" in m.text, timeout=10)
    await tap(bot, budi, chosen, "Selesai")
    await tap(bot, budi, await until(bot, budi, "Periksa sebelum"), "Simpan")
    done = await until(bot, budi, "tahap persiapan")
    assert "Pasal 3" in done.text and "kabupaten/kota yang berbeda" in done.text
    assert "Cilacap" in done.text and "Banyumas" in done.text
