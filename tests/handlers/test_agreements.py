"""Kerja sama antardesa through the real bot: registration, list and detail, evaluations with a
controlled clock (prompts, reminder, escalation, summary), restart mid-form, amendments, expiry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot import forms
from bot.agreements import forms as kforms
from bot.agreements import views
from bot.agreements.signed_forms import SignedForm
from bot.clock import FixedClock
from bot.meetings.forms import NewMeeting
from bot.services import Services
from bot.telegram_double import SentMessage, TelegramDouble
from scheduler.agreements import plan_agreements
from scheduler.engine import DeliveryEngine
from storage.agreements import AgreementRepo, NewParty
from tests.conftest import BotHarness, Person, seed_forum, settings_for, start_bot, stop_bot

SIDASARI, CIPARI, MULYADADI, CARUY, KUTASARI = (
    "33.01.18.2011", "33.01.18.2005", "33.01.18.2007", "33.01.18.2001", "33.01.18.2009")
BUDI, SRI, AGUS, PENDAMPING, JOKO = 1001, 1002, 1003, 1004, 1005
MEMBERS = {
    BUDI: ("Budi Santoso", SIDASARI),  # koordinator, Kades Sidasari
    SRI: ("Sri Wahyuni", CIPARI),
    AGUS: ("Agus Salim", MULYADADI),
    PENDAMPING: ("Dewi Pendamping", CARUY),
    JOKO: ("Joko Susilo", KUTASARI),  # a member whose village is not a party
}


async def seed(bot: BotHarness) -> int:
    """The forum, with every member known to the double (they have started the bot)."""
    for user_id, (name, _) in MEMBERS.items():
        bot.person(user_id, name)
    return await seed_forum(bot.services, koordinator=BUDI, members=MEMBERS, roles={PENDAMPING: "pendamping"})


async def make_agreement(services: Services, forum_id: int, *, start: date = date(2026, 12, 1),
                         end: date = date(2028, 11, 30), rhythm: str = "triwulan",
                         villages: tuple[tuple[str, str], ...] = (("Sidasari", SIDASARI), ("Cipari", CIPARI)),
                         third: tuple[str, ...] = ("PT Tirta Jaya",)) -> int:
    parties = [NewParty(kind="desa", name=name, village_code=code) for name, code in villages]
    parties += [NewParty(kind="pihak_ketiga", name=name) for name in third]
    now = services.clock.now()
    async with services.db.transaction() as conn:
        return await AgreementRepo(services.db).create(
            conn, forum_id=forum_id, title="Pengelolaan Air Bersih", bidang="air", objective="Air bersih untuk warga",
            scope=None, funding_source="APBDes", funding_amount=150_000_000, legal_basis="Perber Kades No. 1/2026",
            executing_body="BKAD Cipari", start_date=start, end_date=end, rhythm=rhythm,
            eval_from=now.date(), document_file_id=None, document_kind=None, parties=parties, created_by=BUDI,
            now=now)


async def until(bot: BotHarness, person: Person, fragment: str, timeout: float = 5.0) -> SentMessage:
    return await bot.double.wait_for(person.id, lambda m: fragment in m.text, timeout=timeout)


async def tap(bot: BotHarness, person: Person, message: SentMessage, label: str) -> None:
    await bot.double.press_button(person.user, message, message.callback_for(label))


def starting(message: SentMessage, prefix: str) -> str:
    for row in message.buttons:
        for label, data in row:
            if label.startswith(prefix) and data:
                return data
    raise LookupError(f"no button starting with {prefix!r}: {message.button_texts()}")


async def alert_after(bot: BotHarness, person: Person, message: SentMessage, data: str) -> str:
    cq = await bot.double.press_button(person.user, message, data, force=True)
    answer = await bot.double.wait_for_answer(cq)
    return str(answer.get("text") or "")


async def plan(bot: BotHarness) -> None:
    await plan_agreements(bot.services, bot.clock.now())
    bot.services.delivery.wake()


async def delivered(bot: BotHarness) -> None:
    """Every push due at the bot's clock has been sent and answered: then "nothing came" means nothing."""
    engine = bot.services.delivery
    assert isinstance(engine, DeliveryEngine)
    await engine.run_due()


def at_wib(year: int, month: int, day: int, hour: int = 8, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour - 7, minute, tzinfo=UTC)


def texts(bot: BotHarness, chat: int, pred: Callable[[SentMessage], bool] = lambda m: True) -> list[str]:
    return [m.text for m in bot.double.sent(chat) if pred(m)]


RIGHTS_LABEL = "Hak dan kewajiban"


async def record_signed(bot: BotHarness, person: Person) -> None:
    """/kerjasama_baru, then "record one already signed" (the old registration form)."""
    await person.send("/kerjasama_baru")
    await tap(bot, person, await until(bot, person, "mulai dari mana"), "Catat kerja sama yang sudah ditandatangani")


# -- registration ---------------------------------------------------------------------------
async def test_kerjasama_baru_offers_rintis_or_record_and_rintis_starts_at_persiapan(bot: BotHarness) -> None:
    await seed(bot)
    sri = bot.person(SRI, "Sri Wahyuni")
    choice = await sri.say("/kerjasama_baru")
    assert choice.button_texts() == ["Rintis dari awal (persiapan)", "Catat kerja sama yang sudah ditandatangani"]
    rintis = choice.callback_for("Rintis dari awal (persiapan)")
    await tap(bot, sri, choice, "Rintis dari awal (persiapan)")
    await until(bot, sri, "rintis?")  # the lifecycle's first question
    draft = await bot.services.drafts.get(SRI)
    assert draft is not None and draft.flow == kforms.RINTIS.code
    # A stranger pressing the choice of a forum they are not in gets nothing started.
    stranger = bot.person(7777, "Orang Lain")
    await stranger.send("/start")
    assert await alert_after(bot, stranger, choice, rintis) != ""
    assert await bot.services.drafts.get(7777) is None


async def test_koordinator_registers_an_agreement_with_every_field(bot: BotHarness) -> None:
    forum_id = await seed(bot)
    budi = bot.person(BUDI, "Budi Santoso")
    await record_signed(bot, budi)
    await until(bot, budi, "judul kerja sama")
    await budi.send("Air Bersih <Bersama> & Lestari")
    parties = await until(bot, budi, "Desa mana saja")
    await bot.double.press_button(budi.user, parties, starting(parties, "Sidasari"))
    parties = await until(bot, budi, "Desa mana saja")
    # Done with only one village is refused.
    assert "dua desa" in await alert_after(bot, budi, parties, parties.callback_for("Selesai (1"))
    await bot.double.press_button(budi.user, parties, starting(parties, "Cipari"))
    parties = await until(bot, budi, "Desa mana saja")
    assert "Selesai (2 desa)" in parties.button_texts()
    await tap(bot, budi, parties, "Selesai")
    await until(bot, budi, "pihak ketiga")
    await budi.send("PT Tirta Jaya, LSM Air Kita")
    bidang = await until(bot, budi, "Bidang kerja sama")
    await tap(bot, budi, bidang, "Air bersih")
    await until(bot, budi, "tujuan")
    await budi.send("Menyediakan air bersih untuk 3.000 KK")
    scope = await until(bot, budi, "ruang lingkup")
    await tap(bot, budi, scope, "Lewati")
    await until(bot, budi, "Sidasari (1/4)")
    await budi.send("Menyediakan lahan sumber air")
    skip = await until(bot, budi, "Cipari (2/4)")
    await tap(bot, budi, skip, "Lewati")
    await until(bot, budi, "PT Tirta Jaya (3/4)")
    await budi.send("Membangun instalasi pipa")
    await until(bot, budi, "LSM Air Kita (4/4)")
    await budi.send("Pendampingan")
    await until(bot, budi, "sumber dananya")
    await budi.send("APBDes dan CSR")
    await until(bot, budi, "jumlah dananya")
    await budi.send("sekitar banyak")
    await until(bot, budi, "tidak terbaca")
    await budi.send("150 juta")
    await until(bot, budi, "dasar hukumnya")
    await budi.send("Peraturan Bersama Kepala Desa Nomor 1 Tahun 2026")
    await until(bot, budi, "mulai berlaku")
    await budi.send("31 Februari 2027")
    await until(bot, budi, "Februari 2027 hanya 28 hari")
    await budi.send("1 Desember 2026")
    await until(bot, budi, "berakhir? (contoh")
    await budi.send("akhir tahun")
    await until(bot, budi, "Contoh: 31 Desember 2028")  # an end date's examples are end dates
    await budi.send("1 November 2026")
    await until(bot, budi, "harus setelah tanggal mulai")
    await budi.send("30 November 2028")
    await until(bot, budi, "pelaksananya")
    await budi.send("BKAD Kecamatan Cipari")
    rhythm = await until(bot, budi, "Seberapa sering")
    await tap(bot, budi, rhythm, "Semester")
    await until(bot, budi, "sudah ditandatangani")
    await budi.send("ini dokumennya")
    await until(bot, budi, "file PDF atau foto")
    await bot.double.send_document(budi.user, file_name="perber.pdf")
    confirm = await until(bot, budi, "Periksa data kerja sama")
    assert "Air Bersih &lt;Bersama&gt;" not in confirm.text and "Air Bersih <Bersama> & Lestari" in confirm.text
    assert "Rp150.000.000" in confirm.text and "Semester" in confirm.text and "ada ✅" in confirm.text
    await tap(bot, budi, confirm, "Simpan")
    await until(bot, budi, "tersimpan")

    repo = AgreementRepo(bot.services.db)
    [agreement] = await repo.in_forum(forum_id)
    assert agreement.title == "Air Bersih <Bersama> & Lestari"
    assert [(p.kind, p.name, p.rights_obligations) for p in agreement.parties] == [
        ("desa", "Sidasari", "Menyediakan lahan sumber air"), ("desa", "Cipari", None),
        ("pihak_ketiga", "PT Tirta Jaya", "Membangun instalasi pipa"), ("pihak_ketiga", "LSM Air Kita", "Pendampingan")]
    assert (agreement.bidang, agreement.funding_amount, agreement.rhythm) == ("air", 150_000_000, "semester")
    assert (agreement.start_date, agreement.end_date) == (date(2026, 12, 1), date(2028, 11, 30))
    assert agreement.scope is None and agreement.document_kind == "document" and agreement.document_file_id
    assert await bot.services.drafts.get(BUDI) is None
    # The other party's kades is told; a non-party member is not.
    sri = bot.person(SRI, "Sri Wahyuni")
    note = await until(bot, sri, "Kerja sama baru didaftarkan")
    assert "Air Bersih &lt;Bersama&gt;" not in note.text and "1 Desember 2026" in note.text
    assert not texts(bot, JOKO)


async def test_a_kades_may_register_only_with_their_own_village(bot: BotHarness) -> None:
    await seed(bot)
    agus = bot.person(AGUS, "Agus Salim")  # anggota, Kades Mulyadadi
    await record_signed(bot, agus)
    await until(bot, agus, "judul kerja sama")
    await agus.send("Wisata Bersama")
    parties = await until(bot, agus, "Desa mana saja")
    await bot.double.press_button(agus.user, parties, starting(parties, "Sidasari"))
    parties = await until(bot, agus, "Desa mana saja")
    await bot.double.press_button(agus.user, parties, starting(parties, "Cipari"))
    parties = await until(bot, agus, "Desa mana saja")
    assert "hanya bisa mendaftarkan" in await alert_after(bot, agus, parties, parties.callback_for("Selesai"))
    assert (await bot.services.drafts.get(AGUS)).step == "parties"  # type: ignore[union-attr]
    await bot.double.press_button(agus.user, parties, starting(parties, "Mulyadadi"))
    parties = await until(bot, agus, "Desa mana saja")
    await tap(bot, agus, parties, "Selesai")
    await until(bot, agus, "pihak ketiga")


async def test_long_text_and_garbage_are_refused_politely_and_nothing_is_lost(bot: BotHarness) -> None:
    await seed(bot)
    budi = bot.person(BUDI, "Budi Santoso")
    await record_signed(bot, budi)
    await until(bot, budi, "judul kerja sama")
    await budi.send("x" * 5000)
    await until(bot, budi, "Terlalu panjang (5.000 karakter)")
    await bot.double.send_photo(budi.user)
    await until(bot, budi, "ketik jawabannya sebagai teks")
    await budi.send("Judul yang benar")
    parties = await until(bot, budi, "Desa mana saja")
    # A typed name searches villages nationally; nothing found says so and keeps the step.
    await budi.send("Qwxzy Tidak Ada")
    await until(bot, budi, "Tidak ada desa yang cocok")
    draft = await bot.services.drafts.get(BUDI)
    assert draft is not None and draft.step == "parties"
    assert forms.data_of(draft, SignedForm).title == "Judul yang benar"
    # Buttons of the parties question are stale once the form moved on.
    await bot.double.press_button(budi.user, parties, starting(parties, "Sidasari"))
    parties = await until(bot, budi, "Desa mana saja")
    await bot.double.press_button(budi.user, parties, starting(parties, "Cipari"))
    parties = await until(bot, budi, "Desa mana saja")
    done = parties.callback_for("Selesai (2 desa)")
    await tap(bot, budi, parties, "Selesai (2 desa)")
    await until(bot, budi, "pihak ketiga")
    assert "tidak berlaku" in await alert_after(bot, budi, parties, done)


async def test_a_party_village_outside_the_forum_found_nationally_and_parties_changed_at_the_review(
        bot: BotHarness) -> None:
    forum_id = await seed(bot)
    budi = bot.person(BUDI, "Budi Santoso")
    await record_signed(bot, budi)
    await until(bot, budi, "judul kerja sama")
    await budi.send("Wisata Lintas Kabupaten")
    parties = await until(bot, budi, "Desa mana saja")
    await bot.double.press_button(budi.user, parties, starting(parties, "Sidasari"))
    await budi.send("33.02.01.2001")  # a village of Kabupaten Banyumas, not in the forum
    found = await bot.double.wait_for(budi.id, lambda m: "Kab. Banyumas" in " ".join(m.button_texts()), timeout=10)
    await bot.double.press_button(budi.user, found, starting(found, "🔎"))
    parties = await bot.double.wait_for(budi.id, lambda m: "Selesai (2 desa)" in m.button_texts(), timeout=10)
    await tap(bot, budi, parties, "Selesai (2 desa)")
    for step in ("pihak ketiga", "Bidang kerja sama"):
        await tap(bot, budi, await until(bot, budi, step), "Lewati")
    await until(bot, budi, "tujuan")
    await budi.send("Paket wisata bersama")
    for step in ("ruang lingkup", "(1/2)", "(2/2)", "sumber dananya", "jumlah dananya", "dasar hukumnya"):
        await tap(bot, budi, await until(bot, budi, step), "Lewati")
    await until(bot, budi, "mulai berlaku")
    await budi.send("1/1/2027")
    await until(bot, budi, "berakhir? (contoh")
    await budi.send("31/12/2027")
    await tap(bot, budi, await until(bot, budi, "pelaksananya"), "Lewati")
    await tap(bot, budi, await until(bot, budi, "Seberapa sering"), "Semester")
    await tap(bot, budi, await until(bot, budi, "sudah ditandatangani"), "Lewati")
    review = await until(bot, budi, "Periksa data kerja sama")
    # Change the parties: drop the Banyumas village, take Cipari instead.
    await tap(bot, budi, review, "Ubah desa pihak")
    parties = await until(bot, budi, "Desa mana saja")
    [banyumas] = [data for row in parties.buttons for label, data in row
                  if label.startswith("✅ ") and "Sidasari" not in label]
    await bot.double.press_button(budi.user, parties, banyumas)
    parties = await bot.double.wait_for(budi.id, lambda m: "Selesai (1 desa)" in m.button_texts(), timeout=10)
    await bot.double.press_button(budi.user, parties, starting(parties, "Cipari"))
    parties = await bot.double.wait_for(budi.id, lambda m: "Selesai (2 desa)" in m.button_texts(), timeout=10)
    await tap(bot, budi, parties, "Selesai (2 desa)")
    review = await bot.double.wait_for(budi.id, lambda m: "Periksa data kerja sama" in m.text and "Cipari" in m.text,
                                       timeout=10)
    await tap(bot, budi, review, "Simpan")
    await until(bot, budi, "tersimpan")
    [agreement] = await AgreementRepo(bot.services.db).in_forum(forum_id)
    assert [(p.village_code, p.rights_obligations) for p in agreement.parties] == [(SIDASARI, None), (CIPARI, None)]
    assert agreement.rhythm == "semester"


async def test_a_forum_with_one_village_cannot_register(bot: BotHarness) -> None:
    await seed_forum(bot.services, koordinator=BUDI, members={BUDI: MEMBERS[BUDI]})
    budi = bot.person(BUDI, "Budi Santoso")
    await record_signed(bot, budi)
    await until(bot, budi, "paling sedikit dua desa")


# -- list, detail, permissions --------------------------------------------------------------
async def test_list_and_detail_are_for_parties_and_staff_only(bot: BotHarness) -> None:
    forum_id = await seed(bot)
    agreement_id = await make_agreement(bot.services, forum_id)
    sri = bot.person(SRI, "Sri Wahyuni")
    listing = await sri.say("/kerjasama")
    assert "Pengelolaan Air Bersih" in listing.text and "belum mulai" in listing.text
    await tap(bot, sri, listing, "Pengelolaan Air Bersih")
    detail = await until(bot, sri, "Riwayat")
    assert "Sidasari" in detail.text and "Rp150.000.000" in detail.text and "didaftarkan" in detail.text
    assert "Ubah" in detail.button_texts() and "Perpanjang" in detail.button_texts()

    joko = bot.person(JOKO, "Joko Susilo")
    listing = await joko.say("/kerjasama")
    assert "Belum ada kerja sama" in listing.text
    assert "tidak ditemukan" in await alert_after(bot, joko, listing, f"k:o:{agreement_id}")
    assert "tidak ditemukan" in await alert_after(bot, joko, listing, f"k:am:{agreement_id}")
    assert "tidak ditemukan" in await alert_after(bot, joko, listing, f"k:end:{agreement_id}")

    pendamping = bot.person(PENDAMPING, "Dewi")
    listing = await pendamping.say("/kerjasama")
    assert "Pengelolaan Air Bersih" in listing.text

    stranger = bot.person(9999, "Orang Asing")
    reply = await stranger.say("/kerjasama")
    assert "belum menjadi anggota" in reply.text
    assert "bukan anggota" in await alert_after(bot, stranger, reply, f"k:o:{agreement_id}")

    group = bot.double.group(-100123, "Forum Kades")
    await bot.double.add_bot_to_group(group, by=sri.user)
    await sri.send("/kerjasama", chat=group)
    reply = await bot.double.wait_for(group.id, lambda m: "chat pribadi" in m.text)
    assert "/kerjasama" in reply.text


# -- evaluations ----------------------------------------------------------------------------
async def answer_rating(bot: BotHarness, person: Person, prompt: SentMessage, rating: int) -> None:
    await tap(bot, person, prompt, "Isi evaluasi")
    question = await until(bot, person, "Seberapa baik kemajuan")
    await tap(bot, person, question, str(rating))
    await until(bot, person, "Apa yang berjalan baik")


async def finish_evaluation(bot: BotHarness, person: Person, went_well: str, kendala: str) -> None:
    await person.send(went_well)
    await until(bot, person, "Apa kendalanya")
    await person.send(kendala)
    done = await until(bot, person, "Ketik satu tindak lanjut")
    await tap(bot, person, done, "Selesai")
    photo = await until(bot, person, "Ada foto kegiatan")
    await tap(bot, person, photo, "Lewati")
    confirm = await until(bot, person, "Periksa evaluasi Bapak/Ibu")
    await tap(bot, person, confirm, "Kirim evaluasi")
    await until(bot, person, "Terima kasih")


async def test_evaluation_prompt_reminder_escalation_and_summary_at_the_deadline(bot: BotHarness) -> None:
    forum_id = await seed(bot)
    agreement_id = await make_agreement(bot.services, forum_id)
    budi, sri = bot.person(BUDI, "Budi"), bot.person(SRI, "Sri")
    pendamping = bot.person(PENDAMPING, "Dewi")
    # The day before the first period ends: nothing yet.
    bot.clock.set(at_wib(2027, 2, 28, 20))
    await plan(bot)
    await delivered(bot)
    assert not texts(bot, SRI)
    # 1 March 2027 08.00 WIB: both village kades are asked; the third party is not on Telegram.
    bot.clock.set(at_wib(2027, 3, 1))
    await plan(bot)
    prompt_budi = await until(bot, budi, "Evaluasi kerja sama")
    prompt_sri = await until(bot, sri, "Evaluasi kerja sama")
    assert "Periode 1: 1 Des 2026 – 1 Mar 2027" in prompt_sri.text and "8 Maret 2027" in prompt_sri.text
    await plan(bot)  # idempotent: no second prompt
    await delivered(bot)
    assert len(texts(bot, SRI, lambda m: "Evaluasi kerja sama" in m.text)) == 1
    # Budi answers fully.
    await answer_rating(bot, budi, prompt_budi, 4)
    await finish_evaluation(bot, budi, "Pipa terpasang", "Debit air kecil")
    # Sri starts but stops after the rating.
    await answer_rating(bot, sri, prompt_sri, 2)
    # 3 days: one reminder to Sri only.
    bot.clock.set(at_wib(2027, 3, 4, 8, 1))
    await plan(bot)
    reminder = await until(bot, sri, "Pengingat: evaluasi")
    assert "Cipari" in reminder.text
    await plan(bot)
    bot.clock.set(at_wib(2027, 3, 6))
    await plan(bot)
    await delivered(bot)
    assert len(texts(bot, SRI, lambda m: "Pengingat" in m.text)) == 1
    assert not texts(bot, BUDI, lambda m: "Pengingat" in m.text)
    # 7 days: late; koordinator and pendamping are told who is missing; summary with Budi's answer.
    bot.clock.set(at_wib(2027, 3, 8, 8, 1))
    await plan(bot)
    late = await until(bot, pendamping, "terlambat")
    assert "Cipari (Sri Wahyuni)" in late.text
    await until(bot, budi, "terlambat")
    summary = await until(bot, budi, "Ringkasan evaluasi")
    assert "Sidasari</b>: ★★★★☆ 4/5" in summary.html and "Cipari</b>: belum mengisi" in summary.html
    assert "Pipa terpasang" in summary.text and "Belum mengisi: Cipari" in summary.text
    assert "Adakan pertemuan aksi-refleksi" in summary.button_texts()
    await until(bot, sri, "Ringkasan evaluasi")
    assert not texts(bot, PENDAMPING, lambda m: "Ringkasan evaluasi" in m.text)  # summary: parties + koordinator
    repo = AgreementRepo(bot.services.db)
    period = await repo.period(agreement_id, 1)
    assert period is not None and period.overdue_at is not None
    listing = await budi.say("/kerjasama")
    assert "terlambat evaluasi" in listing.text
    # Sri answers late: the saved rating is kept, and an updated summary goes out.
    await tap(bot, sri, prompt_sri, "Isi evaluasi")
    await until(bot, sri, "Apa yang berjalan baik")
    await finish_evaluation(bot, sri, "Iuran warga lancar", "-")
    updated = await until(bot, budi, "Ringkasan evaluasi")
    assert "Cipari</b>: ★★☆☆☆ 2/5" in updated.html and "Belum mengisi" not in updated.text
    listing = await budi.say("/kerjasama")
    assert "terlambat" not in listing.text


async def test_all_answers_send_the_summary_with_trend_and_followups(bot: BotHarness) -> None:
    forum_id = await seed(bot)
    agreement_id = await make_agreement(bot.services, forum_id, rhythm="bulanan")
    budi, sri = bot.person(BUDI, "Budi"), bot.person(SRI, "Sri")
    bot.clock.set(at_wib(2027, 1, 1))
    await plan(bot)
    for person, rating in ((budi, 2), (sri, 3)):
        prompt = await until(bot, person, "Evaluasi kerja sama")
        await answer_rating(bot, person, prompt, rating)
        await finish_evaluation(bot, person, "ok", "-")
    first = await until(bot, budi, "Ringkasan evaluasi")
    assert "evaluasi pertama" in first.text
    # Period 2: Sri adds a follow-up owned by Sidasari.
    bot.clock.set(at_wib(2027, 2, 1))
    await plan(bot)
    prompt = await until(bot, sri, "Periode 2")
    await answer_rating(bot, sri, prompt, 5)
    await sri.send("Air mengalir 24 jam")
    await until(bot, sri, "Apa kendalanya")
    await sri.send("Pompa <rusak>")
    await until(bot, sri, "Ketik satu tindak lanjut")
    await sri.send("Ganti pompa")
    owner = await until(bot, sri, "penanggung jawab")
    await tap(bot, sri, owner, "Sidasari")
    await until(bot, sri, "batas waktunya")
    await sri.send("kemarin dulu sekali")
    await until(bot, sri, "tidak terbaca")
    await sri.send("20 Februari 2027")
    listing = await until(bot, sri, "Tindak lanjut (1)")
    assert "Ganti pompa" in listing.text
    await tap(bot, sri, listing, "Selesai")
    photo = await until(bot, sri, "Ada foto kegiatan")
    await bot.double.send_photo(sri.user)
    confirm = await until(bot, sri, "Periksa evaluasi Bapak/Ibu")
    assert "ada foto" in confirm.text and "Ganti pompa" in confirm.text
    await tap(bot, sri, confirm, "Kirim evaluasi")
    await until(bot, sri, "Terima kasih")
    assert photo is not None
    # Budi has not answered: no summary yet for period 2.
    await delivered(bot)
    assert len(texts(bot, BUDI, lambda m: "Ringkasan evaluasi" in m.text)) == 1
    prompt = await until(bot, budi, "Periode 2")
    await answer_rating(bot, budi, prompt, 3)
    await finish_evaluation(bot, budi, "Warga senang", "Biaya listrik")
    summary = await until(bot, budi, "Ringkasan evaluasi")
    assert "P1: 2,5 → P2: 4,0" in summary.text and "naik" in summary.text
    assert "Sidasari</b>: ★★★☆☆ 3/5 ↑" in summary.html and "Cipari</b>: ★★★★★ 5/5 ↑" in summary.html
    assert "Pompa &lt;rusak&gt;" in summary.html and "Ganti pompa" in summary.text
    sri_summary = await until(bot, sri, "Ringkasan evaluasi")
    assert "Adakan pertemuan aksi-refleksi" not in sri_summary.button_texts()
    # Follow-up reminders to the owner (Budi, Kades Sidasari) at H-3 and H-1, then done.
    bot.clock.set(at_wib(2027, 2, 17, 8, 1))
    bot.services.delivery.wake()
    reminder = await until(bot, budi, "jatuh tempo dalam 3 hari")
    assert "Ganti pompa" in reminder.text
    # Joko (not a party) may not close it; Budi (the owner village) may, once.
    done = reminder.callback_for("Sudah selesai")
    joko = bot.person(JOKO, "Joko")
    assert "tidak ditemukan" in await alert_after(bot, joko, reminder, done)
    await tap(bot, budi, reminder, "Sudah selesai")
    await until(bot, budi, "ditandai selesai")
    assert "sudah ditandai selesai" in await alert_after(bot, budi, reminder, done)
    bot.clock.set(at_wib(2027, 2, 19, 8, 1))
    await delivered(bot)
    assert not texts(bot, BUDI, lambda m: "jatuh tempo dalam 1 hari" in m.text)  # cancelled when done
    # The koordinator calls an aksi-refleksi meeting from the summary: the meetings form, prefilled.
    assert "bukan anggota" in await alert_after(bot, bot.person(9999, "Orang Asing"), summary,
                                                summary.callback_for("aksi-refleksi"))
    await tap(bot, budi, summary, "aksi-refleksi")
    await until(bot, budi, "Pertemuan aksi-refleksi untuk")
    await until(bot, budi, "Kapan pertemuannya")
    draft = await bot.services.drafts.get(BUDI)
    assert draft is not None and (draft.flow, draft.step) == ("mn", "when")
    meeting = forms.data_of(draft, NewMeeting)
    assert meeting.title == "Aksi-refleksi Pengelolaan Air Bersih (periode 2)"
    assert meeting.agenda[0] == "Tinjau hasil evaluasi periode 2 (rata-rata 4,0)"
    assert "Cipari: nilai 5/5 — berjalan baik: Air mengalir 24 jam; kendala: Pompa <rusak>" in meeting.agenda
    assert meeting.forum_id == forum_id and meeting.from_agreement == agreement_id
    # Sri (not koordinator) cannot, even with the data.
    assert "koordinator" in await alert_after(bot, sri, sri_summary, f"k:rf:{agreement_id}:2")


async def test_restart_mid_evaluation_keeps_the_answers(double: TelegramDouble, db_path: Path,
                                                        clock: FixedClock) -> None:
    settings = settings_for(double, db_path)
    app = await start_bot(double, settings, clock)
    harness = BotHarness(app, double, clock, settings)
    forum_id = await seed(harness)
    agreement_id = await make_agreement(harness.services, forum_id)
    sri = harness.person(SRI, "Sri")
    clock.set(at_wib(2027, 3, 1))
    await plan(harness)
    prompt = await until(harness, sri, "Evaluasi kerja sama")
    await answer_rating(harness, sri, prompt, 3)
    await sri.send("Sumur bor selesai")
    await until(harness, sri, "Apa kendalanya")
    await stop_bot(app)

    app = await start_bot(double, settings, clock)
    harness = BotHarness(app, double, clock, settings)
    try:
        await sri.send("Musim kemarau")  # continues with the kendala question
        await until(harness, sri, "Ketik satu tindak lanjut")
        saved = await AgreementRepo(harness.services.db).evaluation(agreement_id, 1, 2)
        assert saved is not None and (saved.rating, saved.went_well, saved.kendala) == (
            3, "Sumur bor selesai", "Musim kemarau")
        # /batal, then the prompt's button again: continues at the follow-ups, nothing lost.
        await sri.send("/batal")
        await until(harness, sri, "Dibatalkan")
        await tap(harness, sri, prompt, "Isi evaluasi")
        await until(harness, sri, "Ketik satu tindak lanjut")
        assert saved.status == "draft"
        # Someone else cannot answer for Cipari.
        agus = harness.person(AGUS, "Agus")
        reply = await agus.say("/start")
        assert "untuk kepala desa pihak" in await alert_after(harness, agus, reply, f"k:ev:{agreement_id}:1:2")
    finally:
        await stop_bot(app)


async def test_double_submit_counts_once(bot: BotHarness) -> None:
    forum_id = await seed(bot)
    agreement_id = await make_agreement(bot.services, forum_id)
    budi = bot.person(BUDI, "Budi")
    bot.clock.set(at_wib(2027, 3, 1))
    await plan(bot)
    prompt = await until(bot, budi, "Evaluasi kerja sama")
    await answer_rating(bot, budi, prompt, 4)
    await budi.send("ok")
    await until(bot, budi, "Apa kendalanya")
    await budi.send("tidak ada")
    done = await until(bot, budi, "Ketik satu tindak lanjut")
    await tap(bot, budi, done, "Selesai")
    photo = await until(bot, budi, "Ada foto kegiatan")
    await tap(bot, budi, photo, "Lewati")
    confirm = await until(bot, budi, "Periksa evaluasi Bapak/Ibu")
    await tap(bot, budi, confirm, "Kirim evaluasi")
    await until(bot, budi, "Terima kasih")
    assert "tidak berlaku" in await alert_after(bot, budi, confirm, "k:es")
    evaluations = await AgreementRepo(bot.services.db).evaluations(agreement_id)
    assert [(e.party_position, e.status) for e in evaluations] == [(1, "submitted")]
    await tap(bot, budi, prompt, "Isi evaluasi")
    await until(bot, budi, "sudah dikirim")


# -- amendments, ending, expiry -------------------------------------------------------------
async def test_amending_the_rhythm_reschedules_evaluations(bot: BotHarness) -> None:
    forum_id = await seed(bot)
    agreement_id = await make_agreement(bot.services, forum_id)
    repo = AgreementRepo(bot.services.db)
    bot.clock.set(at_wib(2027, 3, 1))
    await plan(bot)
    budi, sri = bot.person(BUDI, "Budi"), bot.person(SRI, "Sri")
    await until(bot, sri, "Evaluasi kerja sama")
    bot.clock.set(at_wib(2027, 3, 10))
    listing = await sri.say("/kerjasama")
    await tap(bot, sri, listing, "Pengelolaan")
    detail = await until(bot, sri, "Riwayat")
    assert "Isi evaluasi periode 1" in detail.button_texts()
    await tap(bot, sri, detail, "Ubah")
    pick = await until(bot, sri, "Apa yang diubah")
    await tap(bot, sri, pick, "Jadwal evaluasi")
    rhythm = await until(bot, sri, "Seberapa sering")
    await tap(bot, sri, rhythm, "Bulanan")
    await until(bot, sri, "catatan perubahannya")
    await sri.send("Disepakati dalam MAD 9 Maret 2027")
    review = await bot.double.wait_for(sri.id, lambda m: "Simpan" in " ".join(m.button_texts()), timeout=5)
    assert "Bulanan" in review.text and "Disepakati dalam MAD" in review.text
    assert {"Ubah nilai baru", "Ubah catatan perubahan"} <= set(review.button_texts())
    await tap(bot, sri, review, "Simpan")
    await until(bot, sri, "tersimpan dan diberitahukan")
    agreement = await repo.get(agreement_id)
    assert agreement is not None and agreement.rhythm == "bulanan"
    assert (agreement.schedule_anchor, agreement.index_offset) == (date(2027, 3, 2), 1)
    note = await until(bot, budi, "Jadwal evaluasi diubah")
    assert "Triwulan" in note.text and "Bulanan" in note.text and "MAD 9 Maret" in note.text
    # The next evaluation is now a month after the first period, numbered 2.
    bot.clock.set(at_wib(2027, 4, 2))
    await plan(bot)
    prompt = await until(bot, sri, "Periode 2")
    assert "2 Mar 2027 – 2 Apr 2027" in prompt.text
    events = await repo.events(agreement_id)
    assert [e.kind for e in events] == ["created", "amended"] and events[1].note == "Disepakati dalam MAD 9 Maret 2027"


async def test_amending_a_partys_rights_asks_the_party_and_every_answer_can_be_changed(bot: BotHarness) -> None:
    forum_id = await seed(bot)
    agreement_id = await make_agreement(bot.services, forum_id)
    budi = bot.person(BUDI, "Budi")
    detail = await _detail(bot, budi)
    await tap(bot, budi, detail, "Ubah")
    pick = await until(bot, budi, "Apa yang diubah")
    await tap(bot, budi, pick, RIGHTS_LABEL)
    await tap(bot, budi, await until(bot, budi, "pihak mana"), "Cipari")
    await until(bot, budi, "Hak dan kewajiban Cipari")
    await budi.send("x" * 2000)
    await until(bot, budi, "Terlalu panjang")
    await budi.send("Menyediakan tenaga kerja")
    await until(bot, budi, "catatan perubahannya")
    await budi.send("Adendum 2")
    review = await bot.double.wait_for(budi.id, lambda m: "Simpan" in " ".join(m.button_texts()), timeout=5)
    assert "Cipari" in review.text and "Menyediakan tenaga kerja" in review.text
    await tap(bot, budi, review, "Ubah pihak")  # change the party at the review
    await tap(bot, budi, await until(bot, budi, "pihak mana"), "Sidasari")
    review = await bot.double.wait_for(budi.id, lambda m: "Simpan" in " ".join(m.button_texts())
                                       and "Sidasari" in m.text, timeout=5)
    await tap(bot, budi, review, "Simpan")
    await until(bot, budi, "tersimpan")
    agreement = await AgreementRepo(bot.services.db).get(agreement_id)
    assert agreement is not None
    rights = {p.name: p.rights_obligations for p in agreement.parties}
    assert rights["Sidasari"] == "Menyediakan tenaga kerja" and rights["Cipari"] is None


async def test_a_sekdes_of_a_party_village_sees_but_cannot_amend_end_or_renew(bot: BotHarness) -> None:
    """Issue #17's rights (Access.party_standing): only the staff or a party village's kades change it."""
    forum_id = await seed(bot)
    agreement_id = await make_agreement(bot.services, forum_id)
    sekdes = 1010
    now = bot.clock.now()
    async with bot.services.db.transaction() as conn:
        await bot.services.members.upsert(conn, user_id=sekdes, full_name="Rina Sekdes", jabatan="sekdes",
                                          village_code=CIPARI, language="id", now=now)
        await bot.services.members.add_membership(conn, forum_id=forum_id, user_id=sekdes, role="anggota",
                                                  status="active", now=now, decided_by=BUDI)
    rina = bot.person(sekdes, "Rina Sekdes")
    detail = await _detail(bot, rina)
    assert "Pengelolaan Air Bersih" in detail.text
    for action in ("am", "end", "rn"):
        assert "hanya bisa diubah" in await alert_after(bot, rina, detail, f"k:{action}:{agreement_id}")
    assert await bot.services.drafts.get(sekdes) is None
    agreement = await AgreementRepo(bot.services.db).get(agreement_id)
    assert agreement is not None and agreement.status == "active"


async def test_end_early_asks_a_final_evaluation(bot: BotHarness) -> None:
    forum_id = await seed(bot)
    agreement_id = await make_agreement(bot.services, forum_id)
    budi = bot.person(BUDI, "Budi")
    bot.clock.set(at_wib(2027, 1, 15, 10))
    listing = await budi.say("/kerjasama")
    await tap(bot, budi, listing, "Pengelolaan")
    detail = await until(bot, budi, "Riwayat")
    await tap(bot, budi, detail, "Hentikan")
    ask = await until(bot, budi, "Mulai tanggal berapa")
    await budi.send("1 Januari 2030")
    ask = await until(bot, budi, "Pilih tanggal antara")  # the problem, and the question again with its button
    await tap(bot, budi, ask, "Hari ini")
    await until(bot, budi, "alasan")
    await budi.send("Sumber air mengering")
    review = await bot.double.wait_for(budi.id, lambda m: "Simpan" in " ".join(m.button_texts()), timeout=5)
    assert "15 Januari 2027" in review.text and "Sumber air mengering" in review.text
    await tap(bot, budi, review, "Simpan")
    await until(bot, budi, "dihentikan")
    repo = AgreementRepo(bot.services.db)
    agreement = await repo.get(agreement_id)
    assert agreement is not None and agreement.status == "ended" and agreement.end_date == date(2027, 1, 15)
    await until(bot, bot.person(SRI, "Sri"), "Sumber air mengering")
    # The shortened period is evaluated on the new end date.
    bot.clock.set(at_wib(2027, 1, 15, 8, 30) + timedelta(hours=1))
    await plan(bot)
    prompt = await until(bot, budi, "Evaluasi kerja sama")
    assert "15 Jan 2027" in prompt.text
    assert "sudah dihentikan" in await alert_after(bot, budi, detail, f"k:am:{agreement_id}")
    assert "sudah dihentikan" in await alert_after(bot, budi, detail, f"k:rn:{agreement_id}")


async def test_expiry_warnings_then_let_it_end_or_renew(bot: BotHarness) -> None:
    forum_id = await seed(bot)
    agreement_id = await make_agreement(bot.services, forum_id, start=date(2026, 12, 1), end=date(2027, 6, 30),
                                        rhythm="tahunan")
    budi, sri = bot.person(BUDI, "Budi"), bot.person(SRI, "Sri")
    bot.clock.set(at_wib(2027, 3, 31, 9))  # H-91: nothing
    await plan(bot)
    await delivered(bot)
    assert not texts(bot, BUDI, lambda m: "berakhir dalam" in m.text)
    bot.clock.set(at_wib(2027, 4, 1, 9))  # H-90
    await plan(bot)
    warning = await until(bot, sri, "berakhir dalam 90 hari")
    assert "Perpanjang" in warning.button_texts() and "Biarkan berakhir" in warning.button_texts()
    await until(bot, budi, "berakhir dalam 90 hari")
    await plan(bot)
    await delivered(bot)
    assert len(texts(bot, SRI, lambda m: "berakhir dalam" in m.text)) == 1
    joko = bot.person(JOKO, "Joko")
    assert "tidak ditemukan" in await alert_after(bot, joko, warning, warning.callback_for("Biarkan"))
    await tap(bot, sri, warning, "Biarkan berakhir")
    await until(bot, sri, "dibiarkan berakhir")
    bot.clock.set(at_wib(2027, 5, 31, 9))  # H-30: no warning after "Biarkan berakhir"
    await plan(bot)
    await delivered(bot)
    assert len(texts(bot, BUDI, lambda m: "berakhir dalam" in m.text)) == 1
    # Renew anyway from the detail (new end date); warnings come back for the new end.
    await tap(bot, budi, await _detail(bot, budi), "Perpanjang")
    await until(bot, budi, "Sampai tanggal berapa")
    await budi.send("1 Juni 2027")
    await until(bot, budi, "harus setelah")
    await budi.send("30 Juni 2029")
    review = await bot.double.wait_for(budi.id, lambda m: "Simpan" in " ".join(m.button_texts()), timeout=5)
    assert "30 Juni 2029" in review.text and "Ubah berlaku sampai" in review.button_texts()
    await tap(bot, budi, review, "Simpan")
    await until(bot, budi, "diperpanjang sampai")
    agreement = await AgreementRepo(bot.services.db).get(agreement_id)
    assert agreement is not None and agreement.end_date == date(2029, 6, 30) and agreement.lapse_accepted_for is None
    await until(bot, sri, "diperpanjang sampai")
    # The history keeps dates, not Indonesian text: each reader gets them in their own language.
    [renewed] = [e for e in await AgreementRepo(bot.services.db).events(agreement_id) if e.kind == "renewed"]
    assert (renewed.old_value, renewed.new_value) == ("2027-06-30", "2029-06-30")
    assert "June" in views.event_line(renewed, {}, "en", ZoneInfo("Asia/Jakarta"))
    bot.clock.set(at_wib(2029, 4, 1, 9))
    await plan(bot)
    await until(bot, sri, "30 Juni 2029)")


async def _detail(bot: BotHarness, person: Person) -> SentMessage:
    await person.send("/kerjasama")
    listing = await until(bot, person, "Kerja sama di")
    await tap(bot, person, listing, "Pengelolaan")
    return await until(bot, person, "Riwayat")


async def test_with_evaluations_in_a_period_for_reports(bot: BotHarness) -> None:
    forum_id = await seed(bot)
    agreement_id = await make_agreement(bot.services, forum_id)
    budi = bot.person(BUDI, "Budi")
    bot.clock.set(at_wib(2027, 3, 1))
    await plan(bot)
    prompt = await until(bot, budi, "Evaluasi kerja sama")
    await answer_rating(bot, budi, prompt, 5)
    await finish_evaluation(bot, budi, "baik", "-")
    repo = AgreementRepo(bot.services.db)
    found = await repo.with_evaluations_in(forum_id, date(2027, 1, 1), date(2027, 3, 31))
    assert [(a.id, [(e.party_position, e.rating) for e in evs]) for a, evs in found] == [(agreement_id, [(1, 5)])]
    assert await repo.with_evaluations_in(forum_id, date(2027, 4, 1), date(2027, 6, 30)) == []


async def test_start_over_drops_the_draft_answers_and_followups(bot: BotHarness) -> None:
    forum_id = await seed(bot)
    agreement_id = await make_agreement(bot.services, forum_id)
    sri = bot.person(SRI, "Sri")
    bot.clock.set(at_wib(2027, 3, 1))
    await plan(bot)
    prompt = await until(bot, sri, "Evaluasi kerja sama")
    await answer_rating(bot, sri, prompt, 1)
    await sri.send("salah isi")
    await until(bot, sri, "Apa kendalanya")
    await sri.send("salah juga")
    await until(bot, sri, "Ketik satu tindak lanjut")
    await sri.send("Rapat ulang")
    owner = await until(bot, sri, "penanggung jawab")
    await tap(bot, sri, owner, "Lainnya")
    await until(bot, sri, "Ketik nama penanggung jawabnya")
    await sri.send("Camat Cipari")
    await until(bot, sri, "batas waktunya")
    await sri.send("1 April 2027")
    listing = await until(bot, sri, "Tindak lanjut (1)")
    assert "Camat Cipari" in listing.text
    await tap(bot, sri, listing, "Selesai")
    photo = await until(bot, sri, "Ada foto kegiatan")
    await sri.send("bukan foto")
    await until(bot, sri, "Kirim fotonya")
    await tap(bot, sri, photo, "Lewati")
    confirm = await until(bot, sri, "Periksa evaluasi Bapak/Ibu")
    await tap(bot, sri, confirm, "Isi ulang")
    await until(bot, sri, "Seberapa baik kemajuan")
    repo = AgreementRepo(bot.services.db)
    evaluation = await repo.evaluation(agreement_id, 1, 2)
    assert evaluation is not None and (evaluation.rating, evaluation.went_well, evaluation.status) == (
        None, None, "draft")
    assert await repo.followups_of_evaluation(evaluation.id) == []


async def test_amending_the_end_date_moves_the_expiry_warnings(bot: BotHarness) -> None:
    forum_id = await seed(bot)
    agreement_id = await make_agreement(bot.services, forum_id, end=date(2027, 6, 30), rhythm="tahunan")
    budi, sri = bot.person(BUDI, "Budi"), bot.person(SRI, "Sri")
    bot.clock.set(at_wib(2027, 4, 1, 9))
    await plan(bot)
    await until(bot, sri, "berakhir dalam 90 hari")
    detail = await _detail(bot, budi)
    await tap(bot, budi, detail, "Ubah")
    pick = await until(bot, budi, "Apa yang diubah")
    await tap(bot, budi, pick, "Tanggal berakhir")
    await until(bot, budi, "Ketik tanggal berakhir baru")
    await budi.send("1 November 2026")
    await until(bot, budi, "harus setelah tanggal mulai")
    await budi.send("31 Desember 2027")
    await until(bot, budi, "catatan perubahannya")
    await budi.send("Adendum Nomor 1")
    review = await bot.double.wait_for(budi.id, lambda m: "Simpan" in " ".join(m.button_texts()), timeout=5)
    assert "31 Desember 2027" in review.text
    await tap(bot, budi, review, "Simpan")
    await until(bot, budi, "tersimpan")
    note = await until(bot, sri, "Tanggal berakhir diubah")
    assert "30 Juni 2027" in note.text and "31 Desember 2027" in note.text and "Adendum Nomor 1" in note.text
    agreement = await AgreementRepo(bot.services.db).get(agreement_id)
    assert agreement is not None and agreement.end_date == date(2027, 12, 31)
    bot.clock.set(at_wib(2027, 6, 1, 9))  # the old H-30: nothing
    await plan(bot)
    await delivered(bot)
    assert len(texts(bot, SRI, lambda m: "berakhir dalam" in m.text)) == 1
    bot.clock.set(at_wib(2027, 10, 2, 9))  # H-90 of the new end date
    await plan(bot)
    await until(bot, sri, "31 Desember 2027)")


async def test_registration_is_announced_in_the_forum_topic(bot: BotHarness) -> None:
    forum_id = await seed(bot)
    group = bot.double.group(-100777, "Forum Kades Cipari", is_forum=True)
    thread = bot.double.create_topic(group, "Kerja sama")
    await bot.double.add_bot_to_group(group, by=bot.double.user(BUDI, "Budi"))
    await bot.services.forums.link_group(forum_id, group.id)
    await bot.services.forums.set_topic(forum_id, "agreements", thread)
    budi = bot.person(BUDI, "Budi")
    repo = AgreementRepo(bot.services.db)
    await record_signed(bot, budi)
    await until(bot, budi, "judul kerja sama")
    await budi.send("Jalan Tembus Antar Desa")
    parties = await until(bot, budi, "Desa mana saja")
    await bot.double.press_button(budi.user, parties, starting(parties, "Sidasari"))
    parties = await until(bot, budi, "Desa mana saja")
    await bot.double.press_button(budi.user, parties, starting(parties, "Kutasari"))
    parties = await until(bot, budi, "Desa mana saja")
    await tap(bot, budi, parties, "Selesai")
    for step in ("pihak ketiga", "Bidang kerja sama"):
        question = await until(bot, budi, step)
        await tap(bot, budi, question, "Lewati")
    await until(bot, budi, "tujuan")
    await budi.send("Membuka akses jalan")
    for step in ("ruang lingkup", "Sidasari (1/2)", "Kutasari (2/2)", "sumber dananya", "jumlah dananya",
                 "dasar hukumnya"):
        question = await until(bot, budi, step)
        await tap(bot, budi, question, "Lewati")
    await until(bot, budi, "mulai berlaku")
    await budi.send("1/1/2027")
    await until(bot, budi, "berakhir? (contoh")
    await budi.send("31/12/2027")
    question = await until(bot, budi, "pelaksananya")
    await tap(bot, budi, question, "Lewati")
    rhythm = await until(bot, budi, "Seberapa sering")
    await tap(bot, budi, rhythm, "Triwulan")
    question = await until(bot, budi, "sudah ditandatangani")
    await tap(bot, budi, question, "Lewati")
    confirm = await until(bot, budi, "Periksa data kerja sama")
    assert "belum ada" in confirm.text and "Jumlah dana:</b> -" in confirm.html
    # Every answer can be changed at the review: a start after the end is refused, then the title.
    await tap(bot, budi, confirm, "Ubah tanggal mulai")
    await until(bot, budi, "mulai berlaku")
    await budi.send("1/1/2028")
    await until(bot, budi, "harus sebelum tanggal berakhir")
    await budi.send("2/1/2027")
    confirm = await until(bot, budi, "2 Januari 2027")
    await tap(bot, budi, confirm, "Ubah judul")
    await until(bot, budi, "judul kerja sama")
    await budi.send("Jalan Tembus Sidasari-Kutasari")
    confirm = await until(bot, budi, "Jalan Tembus Sidasari-Kutasari")
    assert "Periksa data kerja sama" in confirm.text and "Triwulan" in confirm.text
    await tap(bot, budi, confirm, "Simpan")
    await until(bot, budi, "tersimpan")
    announce = await bot.double.wait_for(group.id, lambda m: "Kerja sama antardesa baru" in m.text)
    assert announce.thread_id == thread and "Sidasari, Kutasari" in announce.text
    [agreement] = await repo.in_forum(forum_id)
    assert agreement.rhythm == "triwulan" and agreement.bidang is None and agreement.funding_amount is None
    assert agreement.title == "Jalan Tembus Sidasari-Kutasari" and agreement.start_date == date(2027, 1, 2)
