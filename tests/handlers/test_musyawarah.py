"""The MAD / Musdes of a kerja sama through the real bot: scheduling with bad input, delegates per party
(members and people without Telegram), invitations with Hadir / Tidak hadir through the outbox, the H-1
reminder at an injected time, the daftar hadir, the berita acara, and the .docx downloads built in the
render worker (opened here with python-docx); and who may do what."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from docx import Document

from bot.agreements.documents import BLANK, PASAL_HEADINGS
from bot.agreements.musyawarah import plan_musyawarah
from bot.services import Services
from bot.telegram_double import SentMessage
from scheduler.engine import DeliveryEngine
from storage.agreements import NewParty
from storage.kerjasama import FundingLine, KerjasamaRepo, TeamMember
from storage.musyawarah import MusyawarahRepo
from tests.conftest import BotHarness, Person, seed_forum

SIDASARI, CIPARI, MULYADADI, CARUY = "33.01.18.2011", "33.01.18.2005", "33.01.18.2007", "33.01.18.2001"
BUDI, SRI, AGUS, PENDAMPING, RUDI = 1001, 1002, 1003, 1004, 1006
MEMBERS = {
    BUDI: ("Budi Santoso", SIDASARI),  # koordinator, Kades Sidasari
    SRI: ("Sri Wahyuni", CIPARI),  # Kades Cipari
    AGUS: ("Agus Salim", MULYADADI),  # a kades whose village is not a party
    PENDAMPING: ("Dewi Pendamping", CARUY),
    RUDI: ("Rudi Hartono", CIPARI),  # sekretaris desa Cipari: a party village's member, not its kades
}


async def seed(bot: BotHarness, *, third: tuple[str, ...] = ()) -> tuple[int, int]:
    for user_id, (name, _) in MEMBERS.items():
        bot.person(user_id, name)
    forum_id = await seed_forum(bot.services, koordinator=BUDI, members=MEMBERS, roles={PENDAMPING: "pendamping"})
    await bot.services.members.update(RUDI, bot.clock.now(), jabatan="sekdes")
    return forum_id, await make_agreement(bot.services, forum_id, third=third)


async def make_agreement(services: Services, forum_id: int, *, third: tuple[str, ...],
                         stage: str = "perumusan") -> int:
    """An agreement in perumusan with every Pasal 6 clause recorded, funding per party and a BKAD."""
    parties = [NewParty(kind="desa", name="Sidasari", village_code=SIDASARI,
                        rights_obligations="Menyediakan lahan sumber air"),
               NewParty(kind="desa", name="Cipari", village_code=CIPARI)]
    parties += [NewParty(kind="pihak_ketiga", name=name, third_party_kind="pt", address="Jl. Merdeka 1, Cilacap",
                         contact_person="Rina Marlina") for name in third]
    now = services.clock.now()
    async with services.write() as tx:
        agreement_id = await tx.agreements.create(
            tx.conn, forum_id=forum_id, title="Pengelolaan Air Bersih", bidang="air",
            objective="menyediakan air bersih bagi warga", scope="Jaringan pipa dari mata air Cigintung",
            funding_source=None, funding_amount=None, legal_basis=None, executing_body="BKAD Cipari",
            start_date=date(2026, 12, 1), end_date=date(2028, 11, 30), rhythm="triwulan", eval_from=now.date(),
            document_file_id=None, document_kind=None, parties=parties, created_by=BUDI, now=now,
            stage=stage)  # type: ignore[arg-type]
        await tx.kerjasama.set_fields(agreement_id, now, bidang_uu="pembangunan", executing_kind="bkad",
                                      implementation_terms="Dikerjakan bertahap oleh BKAD",
                                      change_terms="Atas kesepakatan tertulis para pihak",
                                      dispute_terms="Musyawarah untuk mufakat, lalu difasilitasi camat")
        await tx.kerjasama.replace_funding(agreement_id, [
            FundingLine(party_position=1, source="apb_desa", amount=60_000_000),
            FundingLine(party_position=1, source="lain", source_name="CSR", amount=10_000_000),
            FundingLine(party_position=2, source="apb_desa", amount=80_000_000)])
        await tx.kerjasama.replace_team(agreement_id, [
            TeamMember(position=1, name="Agus Salim", role="Ketua", village_code=MULYADADI, village_name="Mulyadadi")])
    return agreement_id


async def until(bot: BotHarness, person: Person, fragment: str, timeout: float = 10.0) -> SentMessage:
    return await bot.double.wait_for(person.id, lambda m: fragment in m.text, timeout=timeout)


async def tap(bot: BotHarness, person: Person, message: SentMessage, label: str) -> None:
    data = next((d for row in message.buttons for lbl, d in row if label in lbl and d), None)
    assert data is not None, f"no button {label!r} in {message.button_texts()}"
    await bot.double.press_button(person.user, message, data)


async def alert_after(bot: BotHarness, person: Person, message: SentMessage, data: str) -> str:
    cq = await bot.double.press_button(person.user, message, data, force=True)
    answer = await bot.double.wait_for_answer(cq)
    return str(answer.get("text") or "")


async def delivered(bot: BotHarness) -> None:
    engine = bot.services.delivery
    assert isinstance(engine, DeliveryEngine)
    await engine.run_due()


async def open_panel(bot: BotHarness, person: Person) -> SentMessage:
    """/kerjasama -> the agreement -> "Musyawarah dan draf"."""
    await person.send("/kerjasama")
    listing = await bot.double.wait_for(
        person.id, lambda m: any("Pengelolaan Air Bersih" in label for label in m.button_texts()), timeout=10)
    await tap(bot, person, listing, "Pengelolaan Air Bersih")
    detail = await until(bot, person, "Riwayat")
    await tap(bot, person, detail, "Musyawarah dan draf")
    return await until(bot, person, "Musyawarah kerja sama")


def docx_parts(message: SentMessage) -> tuple[str, list[list[str]]]:
    doc = Document(io.BytesIO(message.file_bytes or b""))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [[c.text for c in row.cells] for table in doc.tables for row in table.rows]
    return text, cells


async def schedule(bot: BotHarness, budi: Person) -> SentMessage:
    panel = await open_panel(bot, budi)
    await tap(bot, budi, panel, "Jadwalkan musyawarah")
    await until(bot, budi, "Kapan musyawarahnya")
    await budi.send("besok")  # no time
    await until(bot, budi, "Jamnya belum ada")
    await budi.send("23 November 2026 09.00")  # yesterday
    await until(bot, budi, "sudah lewat")
    await budi.send("1 Desember 2026 09.00")
    confirm = await until(bot, budi, "Sudah benar?")
    await tap(bot, budi, confirm, "Benar")
    await until(bot, budi, "Di mana tempatnya")
    await budi.send("x" * 300)
    await until(bot, budi, "Terlalu panjang")
    await budi.send("Balai Desa <Sidasari>")
    await until(bot, budi, "agendanya")
    await budi.send("\n".join(f"Acara {n}" for n in range(11)))
    await until(bot, budi, "Paling banyak 10 acara")
    await budi.send("Pembahasan draf Peraturan Bersama\n- Pendanaan")
    review = await until(bot, budi, "Periksa sebelum disimpan")
    assert "Selasa, 1 Desember 2026 pukul 09.00 WIB" in review.text and "Pembahasan draf" in review.text
    await tap(bot, budi, review, "Simpan")
    return await until(bot, budi, "Agenda:")


async def add_member(bot: BotHarness, budi: Person, card: SentMessage, party: str, name: str) -> SentMessage:
    await tap(bot, budi, card, "Tambah utusan")
    choice = await until(bot, budi, "Utusan dari pihak mana")
    await tap(bot, budi, choice, party)
    members = await until(bot, budi, f"utusan dari {party}")
    await tap(bot, budi, members, name)
    return await until(bot, budi, name)


async def test_mad_with_delegates_from_invitation_to_berita_acara_and_downloads(bot: BotHarness) -> None:
    forum_id, agreement_id = await seed(bot)
    budi, sri = bot.person(BUDI, "Budi"), bot.person(SRI, "Sri")
    card = await schedule(bot, budi)
    assert "Musyawarah Antardesa (MAD)" in card.text  # villages only: a MAD
    assert "Selasa, 1 Desember 2026 pukul 09.00 WIB" in card.text
    assert "Balai Desa &lt;Sidasari&gt;" in card.html and "2. Pendanaan" in card.text

    # Delegates per party: members of that village only (Agus of Mulyadadi is not offered for Cipari).
    await tap(bot, budi, card, "Tambah utusan")
    choice = await until(bot, budi, "Utusan dari pihak mana")
    await tap(bot, budi, choice, "Cipari")
    members = await until(bot, budi, "utusan dari Cipari")
    assert {"Sri Wahyuni", "Rudi Hartono"} <= set(members.button_texts())
    assert "Agus Salim" not in members.button_texts() and "Budi Santoso" not in members.button_texts()
    await tap(bot, budi, members, "Sri Wahyuni")
    card = await until(bot, budi, "Sri Wahyuni — Kepala Desa (anggota forum)")
    card = await add_member(bot, budi, card, "Sidasari", "Budi Santoso")
    # Someone without Telegram, recorded by name and role.
    await tap(bot, budi, card, "Tambah utusan")
    choice = await until(bot, budi, "Utusan dari pihak mana")
    await tap(bot, budi, choice, "Sidasari")
    members = await until(bot, budi, "utusan dari Sidasari")
    await tap(bot, budi, members, "Orang lain")
    await until(bot, budi, "Ketik nama dan jabatan")
    await budi.send(", Ketua BPD")
    await until(bot, budi, "Silakan ketik")
    await budi.send("Karto Wiyono, Ketua BPD")
    card = await until(bot, budi, "Karto Wiyono — Ketua BPD (dicatat, tanpa Telegram)")
    assert "(3 orang)" in card.text

    # Invitations go to the two delegates who are members, through the outbox, with Hadir / Tidak hadir.
    await tap(bot, budi, card, "Kirim undangan")
    await until(bot, budi, "Undangan dikirim kepada 2 utusan")
    await delivered(bot)
    invitation = await until(bot, sri, "Undangan Musyawarah Antardesa")
    assert "utusan <b>Cipari</b>" in invitation.html and "Selasa, 1 Desember 2026 pukul 09.00 WIB" in invitation.text
    assert invitation.button_texts() == ["✅ Hadir", "❌ Tidak hadir"]
    budi_invitation = await until(bot, budi, "Undangan Musyawarah Antardesa")
    assert not [m for m in bot.double.sent(RUDI) if "Undangan" in m.text]  # not invited

    await tap(bot, sri, invitation, "Tidak hadir")
    answered = await until(bot, sri, "tercatat tidak hadir")
    await tap(bot, sri, answered, "Hadir")  # changes her mind
    await until(bot, sri, "tercatat akan hadir")
    await tap(bot, budi, budi_invitation, "Tidak hadir")
    await until(bot, budi, "tercatat tidak hadir")
    mus = (await MusyawarahRepo(bot.services.db).of_agreement(agreement_id))[0]
    assert {d.name: d.answer for d in mus.delegates} == {"Budi Santoso": "tidak", "Karto Wiyono": None,
                                                        "Sri Wahyuni": "hadir"}

    # H-1: nothing two days before; the day before, a reminder to those who did not decline, once.
    bot.clock.set(datetime(2026, 11, 29, 2, 0, tzinfo=UTC))
    await plan_musyawarah(bot.services, bot.clock.now())
    await delivered(bot)
    assert not [m for m in bot.double.sent(SRI) if "Pengingat:" in m.text]
    bot.clock.set(datetime(2026, 11, 30, 2, 0, tzinfo=UTC))
    await plan_musyawarah(bot.services, bot.clock.now())
    await plan_musyawarah(bot.services, bot.clock.now())
    await delivered(bot)
    reminder = await until(bot, sri, "Pengingat: besok Musyawarah Antardesa")
    assert reminder.button_texts() == []  # she already said Hadir
    assert len([m for m in bot.double.sent(SRI) if "Pengingat:" in m.text]) == 1
    assert not [m for m in bot.double.sent(BUDI) if "Pengingat:" in m.text]  # he declined

    # Daftar hadir, recorded by the koordinator on the day.
    bot.clock.set(datetime(2026, 12, 1, 2, 30, tzinfo=UTC))
    card = await open_panel(bot, budi)
    await tap(bot, budi, card, "MAD")
    card = await until(bot, budi, "Utusan yang diundang")
    await tap(bot, budi, card, "Daftar hadir")
    sheet = await until(bot, budi, "Daftar hadir")
    await tap(bot, budi, sheet, "Sri Wahyuni")
    sheet = await until(bot, budi, "Daftar hadir")
    assert "✅ Sri Wahyuni" in sheet.button_texts()
    await tap(bot, budi, sheet, "Karto Wiyono")
    sheet = await until(bot, budi, "Daftar hadir")
    await tap(bot, budi, sheet, "Budi Santoso")
    sheet = await until(bot, budi, "Daftar hadir")
    await tap(bot, budi, sheet, "Budi Santoso")  # pressed again: absent
    sheet = await until(bot, budi, "Daftar hadir")
    assert "❌ Budi Santoso" in sheet.button_texts() and "✅ Karto Wiyono" in sheet.button_texts()
    await tap(bot, budi, sheet, "Selesai")
    card = await until(bot, budi, "Utusan yang diundang")

    # Berita acara: the draft clauses agreed, another decision, no notes.
    await tap(bot, budi, card, "Berita acara")
    clauses = await until(bot, budi, "Pasal draf mana")
    assert "Jaringan pipa dari mata air Cigintung" in clauses.text
    await tap(bot, budi, clauses, "Ruang Lingkup")
    clauses = await until(bot, budi, "Pasal draf mana")
    await tap(bot, budi, clauses, "Jangka Waktu")
    clauses = await until(bot, budi, "Pasal draf mana")
    assert "✅ Ruang Lingkup" in clauses.button_texts()
    await tap(bot, budi, clauses, "Lanjut")
    await until(bot, budi, "Kesepakatan lain")
    await budi.send("MAD berikutnya Januari 2027")
    notes = await until(bot, budi, "Catatan untuk berita acara")
    await tap(bot, budi, notes, "Lewati")
    review = await until(bot, budi, "Periksa sebelum disimpan")
    assert "Ruang Lingkup, Jangka Waktu" in review.text and "MAD berikutnya Januari 2027" in review.text
    await tap(bot, budi, review, "Simpan")
    card = await until(bot, budi, "Berita acara")
    assert "Hadir 2 dari 3 utusan: Karto Wiyono, Sri Wahyuni" in card.text
    assert "1. Ruang Lingkup: Jaringan pipa dari mata air Cigintung" in card.text
    assert "2. Jangka Waktu: 1 Desember 2026 sampai 30 November 2028" in card.text
    assert "3. MAD berikutnya Januari 2027" in card.text
    record = await KerjasamaRepo(bot.services.db).full(agreement_id)
    assert record is not None and record.agreement.mad_meeting_id == mus.id
    assert record.agreement.formulated_on == date(2026, 12, 1)  # perumusan dated by its MAD

    # The berita acara as .docx, built in the worker.
    await tap(bot, budi, card, "Unduh berita acara")
    document = await bot.double.wait_for(BUDI, lambda m: m.kind == "document", timeout=60)
    assert document.file_name == "berita-acara-pengelolaan-air-bersih.docx"
    text, cells = docx_parts(document)
    assert "BERITA ACARA MUSYAWARAH ANTAR DESA" in text and "Balai Desa <Sidasari>" in text
    assert ["3", "Sri Wahyuni", "Kepala Desa", "Cipari", "Hadir"] in cells
    assert ["2", "Karto Wiyono", "Ketua BPD", "Sidasari", "Hadir"] in cells
    assert ["1", "Budi Santoso", "Kepala Desa", "Sidasari", "Tidak hadir"] in cells
    assert "1. Ruang Lingkup: Jaringan pipa dari mata air Cigintung" in text
    assert "3. MAD berikutnya Januari 2027" in text
    await until(bot, budi, "File siap")

    # Unduh draf: the Peraturan Bersama Kepala Desa from the record, for the villages to edit and sign.
    panel = await open_panel(bot, budi)
    assert "sudah dilaksanakan" in panel.text
    await tap(bot, budi, panel, "Unduh draf")
    document = await bot.double.wait_for(BUDI, lambda m: m.kind == "document", timeout=60)
    assert document.file_name == "peraturan-bersama-pengelolaan-air-bersih.docx"
    text, cells = docx_parts(document)
    assert "KEPALA DESA SIDASARI, KEPALA DESA CIPARI" in text and "PERATURAN BERSAMA KEPALA DESA" in text
    assert "PENGELOLAAN AIR BERSIH" in text and "Musyawarah Antar Desa pada tanggal 1 Desember 2026" in text
    assert "Budi Santoso, Kepala Desa Sidasari" in text and "Sri Wahyuni, Kepala Desa Cipari" in text
    for heading in PASAL_HEADINGS.values():
        assert heading in text
    assert "Jaringan pipa dari mata air Cigintung" in text and "Menyediakan lahan sumber air" in text
    assert "Jumlah seluruh dana kerja sama sebesar Rp150.000.000." in text
    assert ["1", "Sidasari", "Rp60.000.000", "Rp10.000.000 (CSR)", "Rp70.000.000"] in cells
    assert ["2", "Cipari", "Rp80.000.000", BLANK, "Rp80.000.000"] in cells  # no other source: a blank
    assert ["1", "Agus Salim", "Ketua", "Mulyadadi"] in cells
    assert "Pembangunan dan pemberdayaan masyarakat, Air bersih dan sanitasi" in text
    assert "Musyawarah untuk mufakat, lalu difasilitasi camat" in text
    flat = [c for row in cells for c in row]
    assert "(BUDI SANTOSO)" in flat and "(SRI WAHYUNI)" in flat
    assert forum_id


async def test_musdes_when_a_third_party_joins_and_its_perjanjian_bersama(bot: BotHarness) -> None:
    await seed(bot, third=("PT Tirta Jaya",))
    pendamping = bot.person(PENDAMPING, "Dewi")
    panel = await open_panel(bot, pendamping)
    await tap(bot, pendamping, panel, "Unduh draf")
    document = await bot.double.wait_for(PENDAMPING, lambda m: m.kind == "document", timeout=60)
    text, _ = docx_parts(document)
    assert "PERJANJIAN BERSAMA ANTARA PEMERINTAH DESA SIDASARI, PEMERINTAH DESA CIPARI DENGAN PT TIRTA JAYA" in text
    assert "Rina Marlina" in text and "Jl. Merdeka 1, Cilacap" in text
    await until(bot, pendamping, "File siap")
    await tap(bot, pendamping, await open_panel(bot, pendamping), "Jadwalkan musyawarah")
    await until(bot, pendamping, "Kapan musyawarahnya")
    await pendamping.send("1 Desember 2026 13.00")
    await tap(bot, pendamping, await until(bot, pendamping, "Sudah benar?"), "Benar")
    await until(bot, pendamping, "tempatnya")
    await pendamping.send("Kantor Desa Cipari")
    await until(bot, pendamping, "agendanya")
    await pendamping.send("Kesepakatan dengan PT Tirta Jaya")
    await tap(bot, pendamping, await until(bot, pendamping, "Periksa sebelum disimpan"), "Simpan")
    card = await until(bot, pendamping, "Agenda:")
    assert "Musyawarah Desa (Musdes)" in card.text
    await tap(bot, pendamping, card, "Tambah utusan")
    choice = await until(bot, pendamping, "Utusan dari pihak mana")
    await tap(bot, pendamping, choice, "PT Tirta Jaya")
    # A third party never receives messages: it can only be recorded by name.
    members = await until(bot, pendamping, "Belum ada anggota forum dari")
    assert members.button_texts()[0].startswith("✍️")


async def test_rights_stranger_non_party_kades_and_party_secretary(bot: BotHarness) -> None:
    _, agreement_id = await seed(bot)
    budi = bot.person(BUDI, "Budi")
    card = await schedule(bot, budi)
    card = await add_member(bot, budi, card, "Cipari", "Sri Wahyuni")
    await tap(bot, budi, card, "Kirim undangan")
    await until(bot, budi, "Undangan dikirim")
    # A delegate added after the invitations went out is invited at once; once removed, their
    # invitation's buttons no longer work for them.
    card = await add_member(bot, budi, card, "Cipari", "Rudi Hartono")
    await delivered(bot)
    rudi = bot.person(RUDI, "Rudi")
    late = await until(bot, rudi, "Undangan Musyawarah Antardesa")
    await tap(bot, budi, card, "Hapus utusan")
    removal = await until(bot, budi, "Utusan mana yang dihapus")
    await tap(bot, budi, removal, "Rudi Hartono")
    await bot.double.wait_for(BUDI, lambda m: "Agenda:" in m.text and "Rudi" not in m.text)
    assert "tidak ditemukan" in await alert_after(bot, rudi, late, late.callback_for("Hadir") or "")
    mus = (await MusyawarahRepo(bot.services.db).of_agreement(agreement_id))[0]
    assert [d.name for d in mus.delegates] == ["Sri Wahyuni"]
    delegate = mus.delegates[0].id

    # A kades of a party village may open it (Sri), a kades of another village may not (Agus), nor a
    # party village's secretary (Rudi), nor a stranger: same answer as for something that does not exist.
    sri = bot.person(SRI, "Sri")
    assert "Musyawarah kerja sama" in (await open_panel(bot, sri)).text
    agus, stranger = bot.person(AGUS, "Agus"), bot.person(9999, "Orang Asing")
    for person in (agus, rudi):
        listing = await person.say("/start")
        for data in (f"ms:a:{agreement_id}", f"ms:o:{mus.id}", f"ms:dr:{agreement_id}", f"ms:inv:{mus.id}",
                     f"ms:dba:{mus.id}", f"ms:ans:{mus.id}:{delegate}:h", f"ms:pm:{mus.id}:2:{person.id}"):
            assert "tidak ditemukan" in await alert_after(bot, person, listing, data), data
    reply = await stranger.say("/start")
    assert "bukan anggota" in await alert_after(bot, stranger, reply, f"ms:a:{agreement_id}")
    # Forged data is a stale button, not an error.
    assert "sudah tidak berlaku" in await alert_after(bot, sri, reply, f"ms:ans:{mus.id}:x:h")
    # A member of another village cannot be slipped in as Cipari's delegate.
    assert "bukan anggota forum dari desa pihak ini" in await alert_after(bot, budi, card, f"ms:pm:{mus.id}:2:{AGUS}")
    # Only in perumusan: an agreement already in pelaksanaan offers no "Jadwalkan" and refuses a forged one.
    other = await make_agreement(bot.services, mus.forum_id, third=(), stage="pelaksanaan")
    panel = await alert_panel(bot, budi, other)
    assert "Jadwalkan musyawarah" not in " ".join(panel.button_texts()) and "Unduh draf" in " ".join(
        panel.button_texts())
    assert "tahap perumusan" in await alert_after(bot, budi, panel, f"ms:new:{other}")
    # Berita acara before it starts is refused.
    assert "setelah musyawarah dimulai" in await _berita_too_early(bot, budi, card, mus.id)


async def _berita_too_early(bot: BotHarness, budi: Person, card: SentMessage, musyawarah_id: int) -> str:
    await tap(bot, budi, card, "Berita acara")
    clauses = await until(bot, budi, "Pasal draf mana")
    await tap(bot, budi, clauses, "Ruang Lingkup")
    clauses = await until(bot, budi, "Pasal draf mana")
    await tap(bot, budi, clauses, "Lanjut")
    await tap(bot, budi, await until(bot, budi, "Kesepakatan lain"), "Lewati")
    await tap(bot, budi, await until(bot, budi, "Catatan untuk berita acara"), "Lewati")
    review = await until(bot, budi, "Periksa sebelum disimpan")
    return await alert_after(bot, budi, review, review.callback_for("Simpan") or "")


async def alert_panel(bot: BotHarness, person: Person, agreement_id: int) -> SentMessage:
    """The musyawarah panel of one agreement, reached with its button on a fresh message."""
    start = await person.say("/start")
    await bot.double.press_button(person.user, start, f"ms:a:{agreement_id}", force=True)
    return await until(bot, person, "Musyawarah kerja sama")
