"""Use cases of the MAD / Musdes of a kerja sama in perumusan, and of its draft documents.

Who may manage a musyawarah (schedule, delegates, invitations, daftar hadir, berita acara) and
download the drafts: the forum's koordinator or pendamping, or a kepala desa whose approved village
is a party of the agreement (`may_manage`). An invited delegate who is a member answers their own
invitation. Everyone else is told the thing does not exist.

Every function takes `Services` and plain values and writes through one `services.write()`,
with the pushes it causes (invitations, H-1 reminders) in the same transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiosqlite

from bot.access import KADES_JABATAN
from bot.agreements import documents
from bot.agreements import musyawarah_views as views
from bot.agreements.documents import (
    Attendee,
    BeritaAcaraRecord,
    DocSpec,
    DraftParty,
    DraftRecord,
    ExecutingMember,
)
from bot.bidang import bidang_label
from bot.errors import Conflict, InvalidInput, NotFound
from bot.render import jabatan_label
from bot.services import Services
from bot.texts import t_plain
from bot.timefmt import format_day_month_year, format_rupiah
from storage import outbox
from storage.agreements import Agreement, Party
from storage.kerjasama import AgreementRecord, KerjasamaRepo
from storage.models import Forum, MemberInForum
from storage.musyawarah import Answer, Kind, Musyawarah, MusyawarahRepo
from storage.outbox import Priority

log = logging.getLogger(__name__)

MAX_PLACE = 200
MAX_AGENDA_ITEMS = 10
MAX_AGENDA_ITEM = 200
MAX_NAME = 80
MAX_ROLE = 60
MAX_DECISION = 500
MAX_DECISIONS = 20
MAX_NOTES = 2000
MAX_DELEGATES = 60
REMIND_BEFORE = timedelta(days=1)


def key(musyawarah_id: int, *parts: object) -> str:
    return ":".join(["mus", str(musyawarah_id), *(str(p) for p in parts)])


def reminder_key(musyawarah: Musyawarah, delegate_id: int) -> str:
    """The H-1 reminder's key carries the start time: a moved musyawarah reminds again, a rerun never twice."""
    return key(musyawarah.id, "h1", delegate_id, int(musyawarah.starts_at.timestamp()))


@dataclass(frozen=True)
class Loaded:
    """A musyawarah with what its views need, as one user may see it."""

    musyawarah: Musyawarah
    record: AgreementRecord
    forum: Forum
    may_manage: bool
    delegate_id: int | None  # the asker's own invitation, if any

    @property
    def agreement(self) -> Agreement:
        return self.record.agreement

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.forum.timezone)


# -- rules ------------------------------------------------------------------------------------
def kind_of(agreement: Agreement) -> Kind:
    """MAD for villages among themselves, Musdes when a third party joins (Permendagri 96/2017)."""
    return "musdes" if agreement.kind == "pihak_ketiga" else "mad"


def clean_text(text: str | None, limit: int) -> str:
    # Short one-line answers collapse their whitespace; long texts (notes) keep their lines.
    value = " ".join((text or "").split()) if limit <= MAX_AGENDA_ITEM else (text or "").strip()
    if not value:
        raise InvalidInput("mus.bad.empty")
    if len(value) > limit:
        raise InvalidInput("mus.bad.too_long", max=limit, length=len(value))
    return value


def parse_agenda(text: str | None) -> list[str]:
    items = [line.strip(" -•*\t") for line in (text or "").splitlines()]
    items = [i for i in items if i]
    if not items:
        raise InvalidInput("mus.bad.agenda_empty")
    if len(items) > MAX_AGENDA_ITEMS:
        raise InvalidInput("mus.bad.agenda_many", max=MAX_AGENDA_ITEMS)
    return [clean_text(i, MAX_AGENDA_ITEM) for i in items]


def parse_named(text: str | None) -> tuple[str, str | None]:
    """ "Nama, jabatan" for a delegate who does not use Telegram (BPD, tokoh masyarakat)."""
    name, _, role = (text or "").partition(",")
    return clean_text(name, MAX_NAME), (clean_text(role, MAX_ROLE) if role.strip() else None)


def parse_decisions(text: str | None) -> list[str]:
    items = [line.strip(" -•*\t") for line in (text or "").splitlines()]
    items = [i for i in items if i]
    if len(items) > MAX_DECISIONS:
        raise InvalidInput("mus.bad.decisions_many", max=MAX_DECISIONS)
    return [clean_text(i, MAX_DECISION) for i in items]


# -- loading and rights -----------------------------------------------------------------------
async def _record_for(services: Services, agreement_id: int, user_id: int) -> tuple[AgreementRecord, Forum, bool]:
    record = await KerjasamaRepo(services.db).full(agreement_id)
    if record is None:
        raise NotFound()
    agreement = record.agreement
    # The same right as editing a stage (bot/access.py): koordinator, pendamping, kades of a party village.
    standing = await services.access.party_standing(
        agreement.forum_id, user_id, {p.position: p.village_code for p in agreement.villages})
    forum = await services.forums.get(agreement.forum_id)
    if forum is None:
        raise NotFound()
    return record, forum, standing.may_edit


async def require_manager(services: Services, agreement_id: int, user_id: int) -> tuple[AgreementRecord, Forum]:
    record, forum, manager = await _record_for(services, agreement_id, user_id)
    if not manager:
        raise NotFound()
    return record, forum


async def load(services: Services, musyawarah_id: int, user_id: int) -> Loaded:
    """The musyawarah for a manager or one of its invited members; NotFound for anyone else."""
    found = await MusyawarahRepo(services.db).get(musyawarah_id)
    if found is None:
        raise NotFound()
    record, forum, manager = await _record_for(services, found.agreement_id, user_id)
    own = found.delegate_of(user_id)
    if not manager and own is None:
        raise NotFound()
    return Loaded(found, record, forum, manager, own.id if own else None)


async def _managed(services: Services, musyawarah_id: int, user_id: int) -> Loaded:
    loaded = await load(services, musyawarah_id, user_id)
    if not loaded.may_manage:
        raise NotFound()
    return loaded


async def list_for(services: Services, agreement_id: int, user_id: int) -> tuple[Agreement, list[Musyawarah]]:
    record, _ = await require_manager(services, agreement_id, user_id)
    return record.agreement, await MusyawarahRepo(services.db).of_agreement(agreement_id)


async def party_members(services: Services, forum_id: int, village_code: str | None) -> list[MemberInForum]:
    """Active members of the forum from this party village (the delegates one may choose)."""
    if not village_code:
        return []
    return [m for m in await services.members.in_forum(forum_id)
            if m.member.village_code == village_code and m.member.erased_at is None]


# -- scheduling and delegates -----------------------------------------------------------------
async def schedule(services: Services, *, agreement_id: int, user_id: int, starts_at: datetime, place: str,
                   agenda: list[str]) -> int:
    record, forum = await require_manager(services, agreement_id, user_id)
    agreement = record.agreement
    require_perumusan(agreement)
    now = services.clock.now()
    if starts_at <= now:
        raise InvalidInput("mus.bad.past")
    async with services.write() as tx:
        musyawarah_id = await tx.musyawarah.create(
            agreement_id=agreement.id, forum_id=forum.id, kind=kind_of(agreement), starts_at=starts_at,
            timezone=forum.timezone, place=clean_text(place, MAX_PLACE), agenda=agenda, created_by=user_id,
            now=now)
        # The record points at its MAD/Musdes (the latest scheduled), so its perumusan shows it.
        await tx.kerjasama.set_fields(agreement.id, now, mad_meeting_id=musyawarah_id)
    log.info("event=musyawarah_scheduled musyawarah=%s agreement=%s user=%s", musyawarah_id, agreement.id, user_id)
    return musyawarah_id


def require_perumusan(agreement: Agreement) -> None:
    """A musyawarah formulates the draft: only while the agreement is in perumusan."""
    if agreement.stage != "perumusan":
        raise Conflict("mus.err.not_perumusan")


def _require_open(musyawarah: Musyawarah) -> None:
    if musyawarah.status != "scheduled":
        raise Conflict("mus.err.closed")


async def add_member_delegate(services: Services, musyawarah_id: int, user_id: int, party_position: int,
                              delegate_user_id: int) -> None:
    loaded = await _managed(services, musyawarah_id, user_id)
    _require_open(loaded.musyawarah)
    party = loaded.agreement.party(party_position)
    if party is None:
        raise NotFound()
    chosen = next((m for m in await party_members(services, loaded.forum.id, party.village_code)
                   if m.member.user_id == delegate_user_id), None)
    if chosen is None:
        raise InvalidInput("mus.bad.not_party_member")
    role = jabatan_label(chosen.member.jabatan, "id", chosen.member.village_code)
    await _add(services, loaded, party_position, chosen.member.full_name, role, delegate_user_id)


async def add_named_delegate(services: Services, musyawarah_id: int, user_id: int, party_position: int,
                             name: str, role: str | None) -> None:
    loaded = await _managed(services, musyawarah_id, user_id)
    _require_open(loaded.musyawarah)
    if loaded.agreement.party(party_position) is None:
        raise NotFound()
    await _add(services, loaded, party_position, name, role, None)


async def _add(services: Services, loaded: Loaded, position: int, name: str, role: str | None,
               member_id: int | None) -> None:
    if len(loaded.musyawarah.delegates) >= MAX_DELEGATES:
        raise InvalidInput("mus.bad.delegates_many", max=MAX_DELEGATES)
    async with services.write() as tx:
        added = await tx.musyawarah.add_delegate(loaded.musyawarah.id, party_position=position, name=name,
                                                 role=role, user_id=member_id)
        if added is None:
            raise Conflict("mus.err.already_invited")
        if loaded.musyawarah.invited_at is not None and member_id is not None:
            # Invitations already went out: this late delegate gets theirs now.
            fresh = await tx.musyawarah.get(loaded.musyawarah.id)
            assert fresh is not None
            await _invite_one(tx.conn, services, loaded, fresh, added, member_id)


async def remove_delegate(services: Services, musyawarah_id: int, user_id: int, delegate_id: int) -> None:
    loaded = await _managed(services, musyawarah_id, user_id)
    _require_open(loaded.musyawarah)
    keys = (key(musyawarah_id, "inv", delegate_id), reminder_key(loaded.musyawarah, delegate_id))
    async with services.write() as tx:
        await tx.musyawarah.remove_delegate(musyawarah_id, delegate_id)
        # Exact keys (the unique index), never a LIKE over the whole outbox.
        await tx.conn.execute("UPDATE outbox SET status = 'cancelled' WHERE idem_key IN (?, ?) AND status = 'pending'",
                              keys)


# -- invitations, answers, the H-1 reminder ---------------------------------------------------
async def _recipient_language(services: Services, user_id: int) -> str:
    member = await services.members.get(user_id)
    return member.language if member is not None else "id"


async def _invite_one(conn: aiosqlite.Connection, services: Services, loaded: Loaded, musyawarah: Musyawarah, delegate_id: int,
                      member_id: int) -> None:
    lang = await _recipient_language(services, member_id)
    view = views.invitation(musyawarah, loaded.agreement, delegate_id, lang)
    await outbox.enqueue(
        conn, key=key(musyawarah.id, "inv", delegate_id), chat_id=member_id, member_user_id=member_id,
        forum_id=musyawarah.forum_id, text=view.text, reply_markup=view.bot_api_markup(),
        due_at=services.clock.now(), now=services.clock.now(), priority=Priority.INTERACTIVE)


async def invite(services: Services, musyawarah_id: int, user_id: int) -> int:
    """Queue the invitations to the delegates who are members; returns how many were queued."""
    loaded = await _managed(services, musyawarah_id, user_id)
    musyawarah = loaded.musyawarah
    _require_open(musyawarah)
    if not musyawarah.delegates:
        raise InvalidInput("mus.bad.no_delegates")
    now = services.clock.now()
    remind_at = musyawarah.starts_at - REMIND_BEFORE
    count = 0
    async with services.write() as tx:
        for delegate in musyawarah.delegates:
            if delegate.user_id is not None:
                await _invite_one(tx.conn, services, loaded, musyawarah, delegate.id, delegate.user_id)
                count += 1
        await tx.musyawarah.mark_invited(musyawarah_id, remind_at=remind_at if remind_at > now else None, now=now)
    services.delivery.wake()
    log.info("event=musyawarah_invited musyawarah=%s invited=%d", musyawarah_id, count)
    return count


async def answer(services: Services, musyawarah_id: int, user_id: int, delegate_id: int, reply: Answer) -> Loaded:
    """A delegate answers their own invitation (Hadir / Tidak hadir); they may change it until it starts."""
    loaded = await load(services, musyawarah_id, user_id)
    if loaded.delegate_id != delegate_id:
        raise NotFound()
    _require_open(loaded.musyawarah)
    if services.clock.now() >= loaded.musyawarah.starts_at:
        raise Conflict("mus.err.started")
    async with services.write() as tx:
        await tx.musyawarah.set_answer(delegate_id, reply, services.clock.now())
    return await load(services, musyawarah_id, user_id)


async def plan_musyawarah(services: Services, now: datetime) -> None:
    """The H-1 planner: reminders to invited members who have not declined; costs one indexed query when idle."""
    repo = MusyawarahRepo(services.db)
    queued = 0
    for musyawarah_id in await repo.due_reminders(now):
        async with services.write() as tx:
            musyawarah = await tx.musyawarah.get(musyawarah_id)
            if musyawarah is None or musyawarah.remind_at is None or musyawarah.remind_at > now:
                continue  # someone else took it meanwhile
            agreement = await tx.agreements.get(musyawarah.agreement_id)
            if musyawarah.status == "scheduled" and agreement is not None and now < musyawarah.starts_at:
                for delegate in musyawarah.delegates:
                    if delegate.user_id is None or delegate.answer == "tidak":
                        continue
                    lang = await _recipient_language(services, delegate.user_id)
                    view = views.reminder(musyawarah, agreement, delegate, lang)
                    queued += await outbox.enqueue(
                        tx.conn, key=reminder_key(musyawarah, delegate.id),
                        chat_id=delegate.user_id, member_user_id=delegate.user_id, forum_id=musyawarah.forum_id,
                        text=view.text, reply_markup=view.bot_api_markup(), due_at=now, now=now,
                        expires_at=musyawarah.starts_at, priority=Priority.REMINDER)
            await tx.musyawarah.clear_reminder(musyawarah_id)
    if queued:
        services.delivery.wake()


# -- daftar hadir and berita acara ------------------------------------------------------------
async def set_present(services: Services, musyawarah_id: int, user_id: int, delegate_id: int,
                      present: bool) -> Loaded:
    loaded = await _managed(services, musyawarah_id, user_id)
    if loaded.musyawarah.delegate(delegate_id) is None:
        raise NotFound()
    if services.clock.now() < loaded.musyawarah.starts_at - timedelta(hours=2):
        raise Conflict("mus.err.too_early")
    async with services.write() as tx:
        await tx.musyawarah.set_present(delegate_id, present, user_id, services.clock.now())
    return await load(services, musyawarah_id, user_id)


def clause_values(record: AgreementRecord, lang: str) -> dict[str, str]:
    """The draft clauses the record already holds, by clause key (the keys of the Pasal headings).

    Stored as a decision's text when agreed (escaped when shown), so plain, and formatted for the reader.
    """
    agreement = record.agreement
    out: dict[str, str] = {}
    if agreement.scope:
        out["scope"] = agreement.scope
    bidang = documents.bidang_labels(agreement.bidang_uu, bidang_label(agreement.bidang, lang)
                                     if agreement.bidang else None)
    if bidang:
        out["bidang"] = ", ".join(bidang)
    if agreement.implementation_terms:
        out["procedure"] = agreement.implementation_terms
    out["term"] = t_plain("mus.clause.term_value", lang, start=format_day_month_year(agreement.start_date, lang),
                          end=format_day_month_year(agreement.end_date, lang))
    rights = [f"{p.name}: {p.rights_obligations}" for p in agreement.parties if p.rights_obligations]
    if rights:
        out["rights"] = "; ".join(rights)
    total = record.total_funding
    if record.funding:
        shares = [f"{p.name} {format_rupiah(record.party_total(p.position))}" for p in agreement.parties
                  if record.party_total(p.position)]
        out["funding"] = t_plain("mus.clause.funding_value", lang, shares=", ".join(shares),
                                 total=format_rupiah(total or 0))
    elif total:
        out["funding"] = f"{agreement.funding_source or '-'}: {format_rupiah(total)}"
    if agreement.executing_body:
        team = ", ".join(f"{m.name} ({m.role})" for m in record.team)
        out["executing"] = f"{agreement.executing_body}: {team}" if team else agreement.executing_body
    if agreement.change_terms:
        out["changes"] = agreement.change_terms
    if agreement.dispute_terms:
        out["disputes"] = agreement.dispute_terms
    return out


async def record_berita(services: Services, musyawarah_id: int, user_id: int, *, clauses: list[str],
                        decisions: list[str], notes: str | None) -> Loaded:
    """The berita acara: the draft clauses agreed (by key), other decisions and notes; it may be corrected."""
    loaded = await _managed(services, musyawarah_id, user_id)
    if loaded.musyawarah.status == "cancelled":
        raise Conflict("mus.err.closed")
    if services.clock.now() < loaded.musyawarah.starts_at:
        raise Conflict("mus.err.not_yet")
    values = clause_values(loaded.record, "id")
    agreed: list[tuple[str | None, str]] = [(c, values[c]) for c in clauses if c in values]
    agreed += [(None, d) for d in decisions]
    if not agreed:
        raise InvalidInput("mus.bad.no_decisions")
    async with services.write() as tx:
        await tx.musyawarah.record_berita(musyawarah_id, decisions=agreed,
                                          notes=clean_text(notes, MAX_NOTES) if notes else None, by_user=user_id,
                                          now=services.clock.now())
        # The record's perumusan is dated by its MAD / Musdes (the kerja sama feature shows it).
        await tx.kerjasama.set_fields(loaded.agreement.id, services.clock.now(), mad_meeting_id=musyawarah_id,
                                      formulated_on=loaded.musyawarah.starts_at.astimezone(loaded.zone).date())
    log.info("event=berita_acara musyawarah=%s decisions=%d", musyawarah_id, len(agreed))
    return await load(services, musyawarah_id, user_id)


# -- documents --------------------------------------------------------------------------------
async def _draft_party(services: Services, record: AgreementRecord, party: Party,
                       members: list[MemberInForum]) -> DraftParty:
    apb = sum(x.amount for x in record.funding_of(party.position) if x.source == "apb_desa")
    others = [x for x in record.funding_of(party.position) if x.source == "lain"]
    other = sum(x.amount for x in others)
    funding: dict[str, Any] = {
        "rights": party.rights_obligations or "", "apb_desa": apb or None, "other_funding": other or None,
        "other_source": ", ".join(x.source_name for x in others if x.source_name)}
    if party.kind == "pihak_ketiga":
        return DraftParty(name=party.name, kind="pihak_ketiga", place=party.address or "",
                          signatory=party.signatory_name or party.contact_person or "",
                          signatory_role=party.signatory_title or "", **funding)
    place = ""
    if party.village_code:
        kecamatan = await services.regions.get(party.village_code[:8])
        kabupaten = await services.regions.get(party.village_code[:5])
        place = ", ".join(x for x in (f"Kecamatan {kecamatan.name.title()}" if kecamatan else "",
                                      kabupaten.name.title() if kabupaten else "") if x)
    # Who signs: as recorded at penandatanganan, else the village's kades among the forum's members.
    head = next((m.member for m in members if m.member.village_code == party.village_code
                 and m.member.jabatan in KADES_JABATAN), None)
    return DraftParty(name=party.name, place=place,
                      signatory=party.signatory_name or (head.full_name if head else ""),
                      signatory_role=party.signatory_title or f"Kepala Desa {party.name}", **funding)


async def draft_spec(services: Services, agreement_id: int, user_id: int) -> DocSpec:
    """The draft Peraturan Bersama / Perjanjian Bersama of the agreement, as blocks for the worker."""
    record, forum = await require_manager(services, agreement_id, user_id)
    agreement = record.agreement
    members = await services.members.in_forum(agreement.forum_id)
    parties = [await _draft_party(services, record, p, members) for p in agreement.parties]
    if not record.funding and agreement.funding_amount and parties:
        # Recorded before funding per party existed: one amount for the whole agreement, shown once.
        parties[0] = replace(parties[0], other_funding=agreement.funding_amount,
                             other_source=agreement.funding_source or "")
    held = [m for m in await MusyawarahRepo(services.db).of_agreement(agreement.id) if m.status == "held"]
    tz = ZoneInfo(forum.timezone)
    draft = DraftRecord(
        kind=agreement.kind, title=agreement.title, parties=tuple(parties), year=agreement.start_date.year,
        objective=agreement.objective or "", scope=agreement.scope or "",
        bidang=tuple(documents.bidang_labels(agreement.bidang_uu, bidang_label(agreement.bidang, "id")
                                             if agreement.bidang else None)),
        procedure=agreement.implementation_terms or "", start=agreement.start_date, end=agreement.end_date,
        changes=agreement.change_terms or "", disputes=agreement.dispute_terms or "",
        executing_body=agreement.executing_body or "",
        executing_members=tuple(ExecutingMember(m.name, m.role, m.village_name or "") for m in record.team),
        agreed_on=held[0].starts_at.astimezone(tz).date() if held else None,
        place=parties[0].name if parties else "")
    return documents.draft(draft)


async def berita_spec(services: Services, musyawarah_id: int, user_id: int) -> DocSpec:
    loaded = await _managed(services, musyawarah_id, user_id)
    musyawarah, agreement = loaded.musyawarah, loaded.agreement
    party_names = {p.position: p.name for p in agreement.parties}
    labels = documents.PASAL_HEADINGS
    record = BeritaAcaraRecord(
        kind=musyawarah.kind, agreement_title=agreement.title, starts_at=musyawarah.starts_at,
        zone=musyawarah.timezone, place=musyawarah.place, agenda=musyawarah.agenda,
        attendees=tuple(Attendee(d.name, d.role or "", party_names.get(d.party_position, "-"), d.present)
                        for d in musyawarah.delegates),
        decisions=tuple((labels.get(d.clause, "") if d.clause else "", d.text) for d in musyawarah.decisions),
        notes=musyawarah.notes or "", parties=tuple(p.name for p in agreement.parties))
    return documents.berita_acara(record)
