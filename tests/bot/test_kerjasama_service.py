"""The kerja sama lifecycle's use cases on a real SQLite file (issue #17): both kinds through every
stage, suspension and resume, cancellation per clause, the cross-kabupaten warning, rights, bad input.
What the use cases push is read back from the outbox they wrote."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.agreements import lifecycle, musyawarah, service, views
from bot.clock import FixedClock
from bot.config import load_settings
from bot.errors import Conflict, InvalidInput, NotAMember, NotFound, NotPermitted
from bot.reports.exports import AgreementData, agreement_tables
from bot.reports.labels import state_text
from bot.reports.monthly import agreement_states
from bot.reports.period import Period
from bot.services import Services
from bot.texts import t
from scheduler.agreements import plan_agreements
from storage.database import Database
from storage.kerjasama import FundingLine, KerjasamaRepo, TeamMember
from storage.reports import ReportRepo
from tests.conftest import seed_forum

SIDASARI, CIPARI, MULYADADI, KUTASARI = "33.01.18.2011", "33.01.18.2005", "33.01.18.2007", "33.01.18.2009"
BANYUMAS_VILLAGE = "33.02.01.2001"
BUDI, SRI, AGUS, PENDAMPING, JOKO, STRANGER = 1001, 1002, 1003, 1004, 1005, 9999
MEMBERS = {BUDI: ("Budi Santoso", SIDASARI), SRI: ("Sri Wahyuni", CIPARI), AGUS: ("Agus Salim", MULYADADI),
           PENDAMPING: ("Dewi Pendamping", KUTASARI), JOKO: ("Joko Susilo", KUTASARI)}
TODAY = date(2026, 11, 24)


@pytest.fixture
async def services(db: Database, clock: FixedClock) -> Services:
    built = Services.build(load_settings(environ={}), db, clock)
    await seed_forum(built, koordinator=BUDI, members=MEMBERS, roles={PENDAMPING: "pendamping"})
    return built


async def _forum(services: Services) -> int:
    return (await services.forums.of_member(BUDI))[0].id


async def _pushes(services: Services, like: str = "ks:%") -> list[dict[str, Any]]:
    rows = await services.db.fetchall("SELECT idem_key, chat_id, payload FROM outbox WHERE idem_key LIKE ? ORDER BY id",
                                      (like,))
    return [{"key": r["idem_key"], "to": r["chat_id"], **json.loads(r["payload"])} for r in rows]


async def _fill_clauses(services: Services, agreement_id: int, by: int) -> None:
    for field, text in (("scope", "Pengelolaan sumber air Curug"), ("implementation_terms", "Rapat bulanan BKAD"),
                        ("change_terms", "Perubahan, penundaan dan pembatalan disepakati dalam MAD"),
                        ("dispute_terms", "Musyawarah, lalu camat sebagai penengah")):
        await service.set_clause(services, agreement_id, by, field, text)
    record = await KerjasamaRepo(services.db).full(agreement_id)
    assert record is not None
    for party in record.parties:
        await service.set_rights(services, agreement_id, by, party.position, f"Hak dan kewajiban {party.name}")
    await service.set_funding(services, agreement_id, by, [
        FundingLine(party_position=1, source="apb_desa", amount=50_000_000),
        FundingLine(party_position=2, source="apb_desa", amount=25_000_000),
        FundingLine(party_position=2, source="lain", source_name="CSR PT Tirta", amount=10_000_000)])
    await service.set_executor(services, agreement_id, by, kind="bkad", name="BKAD Cipari", members=[
        TeamMember(position=1, name="Slamet", role="Ketua", village_name="Sidasari")])


async def test_antar_desa_goes_every_stage_with_dated_timeline(services: Services, clock: FixedClock) -> None:
    forum_id = await _forum(services)
    agreement_id = await service.start(services, forum_id=forum_id, user_id=BUDI, kind="antar_desa",
                                       title="Air bersih Curug", musdes_on=TODAY - timedelta(days=3),
                                       musdes_note="Musdes setuju mencari mitra")
    added = await service.add_village(services, agreement_id, BUDI, CIPARI)
    assert added.position == 2 and added.other_kabupaten == ()
    sent = await service.send_offer(services, agreement_id, BUDI, purpose="Air bersih untuk dua desa",
                                    bidang_uu="pelayanan", scope="Pipa dan bak penampung",
                                    start=date(2027, 1, 1), end=date(2028, 12, 31))
    assert sent.by_bot == (2,) and sent.on_paper == ()
    [offer] = await _pushes(services, "ks:%:offer:%")
    assert offer["to"] == SRI and "Air bersih Curug" in offer["text"]
    assert [b["text"] for row in offer["reply_markup"]["inline_keyboard"] for b in row] == [
        "✅ Terima", "❌ Tolak", "❓ Tanya"]
    # Perumusan waits for the partner.
    with pytest.raises(Conflict) as waiting:
        await service.begin_formulation(services, agreement_id, BUDI)
    assert waiting.value.message_key == "ks.err.offers_open"
    await service.answer_offer(services, agreement_id, 2, SRI, "tanya", "Siapa yang merawat pipa?")
    await service.answer_offer(services, agreement_id, 2, SRI, "terima")
    told = await _pushes(services, "ks:%:answer:%")
    assert {p["to"] for p in told} == {BUDI}  # the initiator's kades (also koordinator), once per answer
    assert "Siapa yang merawat pipa?" in told[0]["text"]
    await service.begin_formulation(services, agreement_id, SRI)  # a kades of a party village may edit
    with pytest.raises(InvalidInput) as missing:
        await service.record_formulation(services, agreement_id, BUDI, held_on=TODAY, note="MAD di balai desa")
    assert missing.value.message_key == "ks.bad.clauses_missing"
    await _fill_clauses(services, agreement_id, BUDI)
    await service.record_formulation(services, agreement_id, BUDI, held_on=TODAY, note="MAD di balai desa")
    await service.sign(services, agreement_id, PENDAMPING, signed_on=TODAY,
                       signatories={1: ("Budi Santoso", "Kepala Desa Sidasari"), 2: ("Sri Wahyuni", "Kepala Desa Cipari")},
                       legal_basis="Peraturan Bersama Kepala Desa Nomor 1 Tahun 2026", document_file_id="FILE-1",
                       document_kind="document")
    record = await KerjasamaRepo(services.db).full(agreement_id)
    assert record is not None
    a = record.agreement
    assert a.stage == "pelaksanaan" and a.signed_on == TODAY and a.formulated_on == TODAY
    assert (a.start_date, a.end_date, a.schedule_anchor) == (date(2027, 1, 1), date(2028, 12, 31), date(2027, 1, 1))
    assert record.total_funding == 85_000_000 and record.party_total(2) == 35_000_000
    assert [p.signatory_name for p in record.parties] == ["Budi Santoso", "Sri Wahyuni"]
    assert not lifecycle.missing_clauses(record)
    stages = [e.new_value for e in record.timeline if e.kind == "stage"]
    assert stages == ["penawaran", "perumusan", "penandatanganan", "pelaksanaan"]
    assert all(e.by_user is not None for e in record.timeline if e.kind == "stage")
    # Pelaksanaan -> pelaporan with a report to the parties and the forum's staff.
    clock.advance(timedelta(days=100))
    await service.to_reporting(services, agreement_id, BUDI)
    report_id = await service.report(services, agreement_id, BUDI, period_start=date(2027, 1, 1),
                                     period_end=date(2027, 3, 31), done="Pipa 2 km terpasang",
                                     next_steps="Bak penampung")
    reports = await _pushes(services, f"ks:{agreement_id}:reported:{report_id}:%")
    assert {p["to"] for p in reports} == {SRI, PENDAMPING}  # not the author; the pendamping too
    # Every clause is exported, with the report of the period.
    data = AgreementData(await ReportRepo(services.db).agreements(forum_id), Period("all", None, date(2027, 12, 31)),
                         TODAY)
    sheets = {table.name: table for table in agreement_tables(data, ZoneInfo("Asia/Jakarta"))}
    columns = [c.title for c in sheets["Kerja sama"].columns]
    [row] = [dict(zip(columns, r, strict=True)) for r in sheets["Kerja sama"].rows]
    assert row["Tahap"] == "Pelaporan" and row["Bidang (UU Desa)"] == "Pelayanan"
    assert row["Jumlah pendanaan"] == 85_000_000 and "Cipari: CSR PT Tirta Rp10.000.000" in row["Pendanaan per pihak"]
    assert "Hak dan kewajiban Cipari" in row["Hak dan kewajiban"] and row["Penyelesaian perselisihan"]
    [exported] = sheets["Laporan kerja sama"].rows
    assert exported[4] == "Pipa 2 km terpasang"


async def test_pihak_ketiga_never_receives_and_is_recorded_on_paper(services: Services) -> None:
    forum_id = await _forum(services)
    agreement_id = await service.start(services, forum_id=forum_id, user_id=SRI, kind="pihak_ketiga",
                                       title="Pelatihan dengan kampus", musdes_on=TODAY)
    position = await service.add_third_party(services, agreement_id, SRI, name="Universitas Jenderal Soedirman",
                                             kind="perguruan_tinggi", address="Purwokerto",
                                             contact_person="Dr. Ani")
    sent = await service.send_offer(services, agreement_id, SRI, purpose="KKN tematik", bidang_uu="pembangunan",
                                    scope="Pendampingan BUMDes", start=date(2027, 2, 1), end=date(2027, 8, 1))
    assert sent.by_bot == () and sent.on_paper == (position,)
    assert await _pushes(services, "ks:%:offer:%") == []
    # Only an editor records the paper answer; a kades of a non-party village may not.
    with pytest.raises(NotFound):
        await service.answer_offer(services, agreement_id, position, AGUS, "terima")
    await service.answer_offer(services, agreement_id, position, SRI, "terima", "Surat balasan 2 Des")
    await service.begin_formulation(services, agreement_id, SRI)
    await _fill_clauses(services, agreement_id, SRI)
    await service.record_formulation(services, agreement_id, SRI, held_on=TODAY, note="Musdes")
    await service.sign(services, agreement_id, SRI, signed_on=TODAY,
                       signatories={1: ("Sri Wahyuni", "Kepala Desa"), 2: ("Prof. Budi", "Rektor")},
                       legal_basis="Perjanjian Bersama Nomor 3 Tahun 2026")
    record = await KerjasamaRepo(services.db).full(agreement_id)
    assert record is not None and record.agreement.kind == "pihak_ketiga" and record.agreement.stage == "pelaksanaan"
    [third] = record.third_parties
    assert (third.third_party_kind, third.address, third.contact_person) == ("perguruan_tinggi", "Purwokerto", "Dr. Ani")
    # Nobody outside the forum's members was ever messaged.
    recipients = {p["to"] for p in await _pushes(services)}
    assert recipients <= set(MEMBERS)


async def test_suspend_resume_on_date_and_cancel_per_clause(services: Services, clock: FixedClock) -> None:
    forum_id = await _forum(services)
    agreement_id = await service.start(services, forum_id=forum_id, user_id=BUDI, kind="antar_desa",
                                       title="Jalan usaha tani", musdes_on=TODAY)
    await service.add_village(services, agreement_id, BUDI, CIPARI)
    await service.send_offer(services, agreement_id, BUDI, purpose="Jalan", bidang_uu="pembangunan",
                             scope="Jalan 3 km", start=date(2027, 1, 1), end=date(2027, 12, 31))
    with pytest.raises(InvalidInput):
        await service.suspend(services, agreement_id, BUDI, reason="Menunggu APB Desa", resume_on=TODAY)
    await service.suspend(services, agreement_id, BUDI, reason="Menunggu APB Desa", resume_on=date(2027, 1, 15))
    with pytest.raises(Conflict):  # nothing moves while suspended
        await service.answer_offer(services, agreement_id, 2, SRI, "terima")
    assert await service.resume_due(services) == 0
    clock.advance(timedelta(days=52))  # 2027-01-15 10:00 WIB
    assert await service.resume_due(services) == 1
    record = await KerjasamaRepo(services.db).full(agreement_id)
    assert record is not None and record.agreement.stage == "penawaran" and record.agreement.resume_on is None
    await service.set_clause(services, agreement_id, BUDI, "change_terms",
                             "Pembatalan dengan pemberitahuan 30 hari sebelumnya")
    await service.cancel(services, agreement_id, SRI, reason="Anggaran dialihkan untuk bencana")
    record = await KerjasamaRepo(services.db).full(agreement_id)
    assert record is not None and record.agreement.stage == "dibatalkan"
    assert record.agreement.cancel_reason == "Anggaran dialihkan untuk bencana"
    cancelled = await _pushes(services, f"ks:{agreement_id}:cancelled:%")
    assert cancelled and all("30 hari" in p["text"] for p in cancelled)
    assert [e.kind for e in record.timeline if e.kind in ("suspended", "resumed", "cancelled")] == [
        "suspended", "resumed", "cancelled"]
    with pytest.raises(Conflict):
        await service.suspend(services, agreement_id, BUDI, reason="lagi", resume_on=date(2027, 3, 1))


async def test_cross_kabupaten_is_a_warning_not_a_block(services: Services) -> None:
    forum_id = await _forum(services)
    agreement_id = await service.start(services, forum_id=forum_id, user_id=BUDI, kind="antar_desa",
                                       title="Wisata lintas kabupaten", musdes_on=TODAY)
    added = await service.add_village(services, agreement_id, BUDI, BANYUMAS_VILLAGE)
    assert added.other_kabupaten == ("33.01", "33.02")
    record = await KerjasamaRepo(services.db).full(agreement_id)
    assert record is not None and len(record.parties) == 2
    assert "Pasal 3" in str(t("ks.warn.cross_kabupaten", "id", kabupaten="x"))
    # A village outside the forum gets the offer on paper.
    sent = await service.send_offer(services, agreement_id, BUDI, purpose="Wisata", bidang_uu="usaha_bersama",
                                    scope="Paket wisata", start=date(2027, 1, 1), end=date(2027, 12, 31))
    assert sent.on_paper == (2,)


async def test_rights_and_what_a_partner_sees(services: Services) -> None:
    forum_id = await _forum(services)
    with pytest.raises(NotPermitted):  # anggota may start only for their own village
        await service.start(services, forum_id=forum_id, user_id=AGUS, kind="antar_desa", title="x",
                            musdes_on=TODAY, village_code=SIDASARI)
    agreement_id = await service.start(services, forum_id=forum_id, user_id=BUDI, kind="antar_desa",
                                       title="Air", musdes_on=TODAY)
    await service.add_village(services, agreement_id, BUDI, CIPARI)
    await service.add_village(services, agreement_id, BUDI, MULYADADI)
    await service.send_offer(services, agreement_id, BUDI, purpose="Air", bidang_uu="pelayanan", scope="Pipa",
                             start=date(2027, 1, 1), end=date(2027, 12, 31))
    await service.answer_offer(services, agreement_id, 3, AGUS, "tolak", "Belum ada anggaran")
    with pytest.raises(NotPermitted):  # Sri cannot answer for Agus's village
        await service.answer_offer(services, agreement_id, 3, SRI, "terima")
    with pytest.raises(NotFound):  # a member of a non-party village sees nothing
        await service.load(services, agreement_id, JOKO)
    with pytest.raises(NotFound):
        await service.set_clause(services, agreement_id, JOKO, "scope", "x")
    with pytest.raises(NotAMember):  # a stranger to the forum
        await service.load(services, agreement_id, STRANGER)
    loaded = await service.load(services, agreement_id, SRI)
    assert loaded.standing.position == 2 and loaded.standing.may_edit
    seen = views.record(loaded.record, loaded.standing, "id", ZoneInfo("Asia/Jakarta")).text
    assert "Cipari" in seen and "Belum ada anggaran" not in seen  # Agus's answer is not Sri's business
    whole = await service.load(services, agreement_id, PENDAMPING)
    assert "Belum ada anggaran" in views.record(whole.record, whole.standing, "id", ZoneInfo("Asia/Jakarta")).text


async def test_bad_input_is_explained(services: Services) -> None:
    forum_id = await _forum(services)
    with pytest.raises(InvalidInput) as empty:
        await service.start(services, forum_id=forum_id, user_id=BUDI, kind="antar_desa", title="   ",
                            musdes_on=TODAY)
    assert empty.value.message_key == "ks.bad.empty"
    assert "judul" in str(t(empty.value.message_key, "id", **empty.value.params))
    with pytest.raises(InvalidInput) as future:
        await service.start(services, forum_id=forum_id, user_id=BUDI, kind="antar_desa", title="x",
                            musdes_on=TODAY + timedelta(days=1))
    assert future.value.message_key == "ks.bad.musdes_future"
    agreement_id = await service.start(services, forum_id=forum_id, user_id=BUDI, kind="antar_desa",
                                       title="<b>Air</b> & sanitasi", musdes_on=TODAY)
    with pytest.raises(InvalidInput) as long:
        await service.set_clause(services, agreement_id, BUDI, "scope", "x" * 5000)
    assert "5.000" in str(t(long.value.message_key, "id", **long.value.params))
    with pytest.raises(InvalidInput):
        await service.add_village(services, agreement_id, BUDI, "99.99.99.9999")
    with pytest.raises(InvalidInput):
        await service.add_village(services, agreement_id, BUDI, SIDASARI)  # already a party
    with pytest.raises(InvalidInput):
        await service.add_third_party(services, agreement_id, BUDI, name="PT X", kind="pt", address="a",
                                      contact_person="b")  # antar desa has no third party
    with pytest.raises(InvalidInput):
        await service.set_duration(services, agreement_id, BUDI, date(2027, 1, 1), date(2026, 1, 1))
    loaded = await service.load(services, agreement_id, BUDI)
    text = views.record(loaded.record, loaded.standing, "id", ZoneInfo("Asia/Jakarta")).text
    assert "&lt;b&gt;Air&lt;/b&gt; &amp; sanitasi" in text


async def test_nothing_is_asked_before_signing_or_while_suspended(services: Services, clock: FixedClock) -> None:
    forum_id = await _forum(services)
    agreement_id = await service.start(services, forum_id=forum_id, user_id=BUDI, kind="antar_desa",
                                       title="Sampah terpadu", musdes_on=TODAY)
    await service.add_village(services, agreement_id, BUDI, CIPARI)
    await service.send_offer(services, agreement_id, BUDI, purpose="Sampah", bidang_uu="pelayanan", scope="TPS3R",
                             start=date(2026, 12, 1), end=date(2027, 11, 30))
    clock.advance(timedelta(days=120))  # the proposed first quarter is long over
    await plan_agreements(services, clock.now())
    assert await _pushes(services, "agr:%") == []
    await service.answer_offer(services, agreement_id, 2, SRI, "terima")
    await service.begin_formulation(services, agreement_id, BUDI)
    await _fill_clauses(services, agreement_id, BUDI)
    await service.record_formulation(services, agreement_id, BUDI, held_on=clock.now().date(), note=None)
    await service.suspend(services, agreement_id, BUDI, reason="Banjir", resume_on=date(2027, 6, 1))
    await plan_agreements(services, clock.now())
    assert await _pushes(services, "agr:%") == []
    await service.resume(services, agreement_id, SRI)
    await service.sign(services, agreement_id, BUDI, signed_on=clock.now().date(),
                       signatories={1: ("Budi", "Kades"), 2: ("Sri", "Kades")}, legal_basis="Perber 2/2027")
    await plan_agreements(services, clock.now())
    # Signed on 2027-03-24: the period that ended 2027-03-01 was before signing, so it is not asked.
    record = await KerjasamaRepo(services.db).full(agreement_id)
    assert record is not None and record.agreement.eval_from == date(2027, 3, 24)
    assert await _pushes(services, "agr:%") == []
    clock.advance(timedelta(days=69))  # 2027-06-01 10:00 WIB: the second period falls due
    await plan_agreements(services, clock.now())
    prompts = await _pushes(services, "agr:%:prompt")
    assert {p["to"] for p in prompts} == {BUDI, SRI}


async def test_the_record_shows_the_latest_timeline_only(services: Services, clock: FixedClock) -> None:
    forum_id = await _forum(services)
    agreement_id = await service.start(services, forum_id=forum_id, user_id=BUDI, kind="antar_desa",
                                       title="Air", musdes_on=TODAY)
    for number in range(views.TIMELINE_SHOWN + 5):
        await service.set_clause(services, agreement_id, BUDI, "scope", f"Lingkup versi {number}")
    loaded = await service.load(services, agreement_id, BUDI)
    assert len(loaded.record.timeline) == views.TIMELINE_SHOWN + 6  # with "created"
    text = views.record(loaded.record, loaded.standing, "id", ZoneInfo("Asia/Jakarta")).text
    assert "… 6 catatan sebelumnya tidak ditampilkan." in text
    assert text.count("Ruang lingkup diisi/diubah") == views.TIMELINE_SHOWN


async def test_a_sekdes_of_a_party_village_sees_but_does_not_decide(services: Services, clock: FixedClock) -> None:
    forum_id = await _forum(services)
    sekdes = 1010
    async with services.db.transaction() as conn:
        await services.members.upsert(conn, user_id=sekdes, full_name="Rina Sekdes", jabatan="sekdes",
                                      village_code=CIPARI, language="id", now=clock.now())
        await services.members.add_membership(conn, forum_id=forum_id, user_id=sekdes, role="anggota",
                                              status="active", now=clock.now(), decided_by=BUDI)
    agreement_id = await service.start(services, forum_id=forum_id, user_id=BUDI, kind="antar_desa",
                                       title="Air", musdes_on=TODAY)
    await service.add_village(services, agreement_id, BUDI, CIPARI)
    sent = await service.send_offer(services, agreement_id, BUDI, purpose="Air", bidang_uu="pelayanan",
                                    scope="Pipa", start=date(2027, 1, 1), end=date(2027, 12, 31))
    assert sent.by_bot == (2,)
    assert {p["to"] for p in await _pushes(services, "ks:%:offer:%")} == {SRI}  # the kades, not the sekdes
    loaded = await service.load(services, agreement_id, sekdes)
    assert loaded.standing.position == 2 and not loaded.standing.may_edit
    with pytest.raises(NotPermitted):
        await service.answer_offer(services, agreement_id, 2, sekdes, "terima")
    with pytest.raises(NotPermitted):
        await service.suspend(services, agreement_id, sekdes, reason="x", resume_on=date(2027, 1, 1))


async def test_the_monthly_report_counts_unsigned_agreements_by_stage(services: Services) -> None:
    forum_id = await _forum(services)
    first = await service.start(services, forum_id=forum_id, user_id=BUDI, kind="antar_desa", title="Air",
                                musdes_on=TODAY)
    await service.start(services, forum_id=forum_id, user_id=SRI, kind="pihak_ketiga", title="KKN", musdes_on=TODAY)
    await service.cancel(services, first, BUDI, reason="Tidak jadi")
    states = agreement_states(await ReportRepo(services.db).agreements(forum_id), TODAY)
    assert [(n.label, n.count) for n in states] == [("persiapan", 1), ("dibatalkan", 1)]
    assert state_text("dibatalkan", "id") == "Dibatalkan" and state_text("aktif", "en") != "aktif"


async def test_offering_again_to_a_new_partner_keeps_the_acceptances(services: Services) -> None:
    forum_id = await _forum(services)
    agreement_id = await service.start(services, forum_id=forum_id, user_id=BUDI, kind="antar_desa",
                                       title="Air", musdes_on=TODAY)
    await service.add_village(services, agreement_id, BUDI, CIPARI)
    offer: dict[str, Any] = {"purpose": "Air", "bidang_uu": "pelayanan", "scope": "Pipa", "start": date(2027, 1, 1),
                             "end": date(2027, 12, 31)}
    await service.send_offer(services, agreement_id, BUDI, **offer)
    await service.answer_offer(services, agreement_id, 2, SRI, "terima")
    await service.add_village(services, agreement_id, BUDI, MULYADADI)
    sent = await service.send_offer(services, agreement_id, BUDI, **offer)
    assert sent.by_bot == (3,)
    record = await KerjasamaRepo(services.db).full(agreement_id)
    assert record is not None and [o.answer for o in record.offers] == ["terima", None]


async def test_recording_the_perumusan_keeps_the_scheduled_mad(services: Services, clock: FixedClock) -> None:
    """A MAD scheduled for the agreement stays linked when the perumusan form names no meeting."""
    forum_id = await _forum(services)
    agreement_id = await service.start(services, forum_id=forum_id, user_id=BUDI, kind="antar_desa",
                                       title="Air bersih Curug", musdes_on=TODAY - timedelta(days=3), musdes_note=None)
    await service.add_village(services, agreement_id, BUDI, CIPARI)
    await service.send_offer(services, agreement_id, BUDI, purpose="Air bersih", bidang_uu="pelayanan",
                             scope="Pipa", start=date(2027, 1, 1), end=date(2028, 12, 31))
    await service.answer_offer(services, agreement_id, 2, SRI, "terima")
    await service.begin_formulation(services, agreement_id, BUDI)
    mad_id = await musyawarah.schedule(services, agreement_id=agreement_id, user_id=BUDI,
                                       starts_at=clock.now() + timedelta(days=2), place="Balai desa",
                                       agenda=["Rumusan pasal"])
    await _fill_clauses(services, agreement_id, BUDI)
    await service.record_formulation(services, agreement_id, BUDI, held_on=TODAY, note=None)
    record = await KerjasamaRepo(services.db).full(agreement_id)
    assert record is not None
    assert record.agreement.stage == "penandatanganan" and record.agreement.mad_meeting_id == mad_id
