"""Use cases of the kerja sama lifecycle (issue #17): one async function per step on the road.

Each takes `Services` and plain values (never a Telegram object), checks the asker's standing
through the access layer (`Access.party_standing`: the koordinator, the pendamping, or a kades of
a party village as approved in the forum), applies the lifecycle rules, writes in one transaction
and writes the pushes the change causes in the same transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.access import PartyStanding
from bot.agreements import lifecycle, pushes, views
from bot.bidang import by_code
from bot.errors import Conflict, InvalidInput, NotFound, NotPermitted, StaleAction
from bot.services import Services
from storage.agreements import Agreement, AgreementKind, BidangUU, ExecutingKind, NewParty, ThirdPartyKind
from storage.directory import DirectoryRepo
from storage.kerjasama import (
    AgreementRecord,
    FundingLine,
    KerjasamaRepo,
    OfferAnswer,
    OfferChannel,
    TeamMember,
)
from storage.unit import Unit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Loaded:
    """A record as one asker may see it."""
    record: AgreementRecord
    standing: PartyStanding

    @property
    def agreement(self) -> Agreement:
        return self.record.agreement


def _text(value: str | None, field: str, limit: int = lifecycle.MAX_TEXT) -> str:
    try:
        return lifecycle.clean_text(value, limit)
    except ValueError as exc:
        label = views.label(f"ks.field.{field}")
        if str(exc) == "too_long":
            raise InvalidInput("ks.bad.too_long", field=label, max=limit, length=len((value or "").strip())) \
                from None
        raise InvalidInput("ks.bad.empty", field=label) from None


def _wrong_stage(agreement: Agreement) -> Conflict:
    return Conflict("ks.err.wrong_stage", stage=views.label(f"ks.stage.{agreement.stage}"))


def _optional(value: str | None, field: str, limit: int = lifecycle.MAX_TEXT) -> str | None:
    return _text(value, field, limit) if value and value.strip() else None


async def _today(services: Services, forum_id: int) -> date:
    forum = await services.forums.get(forum_id)
    zone = ZoneInfo(forum.timezone) if forum else ZoneInfo("Asia/Jakarta")
    return services.clock.now().astimezone(zone).date()


async def _standing(services: Services, agreement: Agreement, user_id: int) -> PartyStanding:
    villages = {p.position: p.village_code for p in agreement.villages}
    return await services.access.party_standing(agreement.forum_id, user_id, villages)


async def load(services: Services, agreement_id: int, user_id: int) -> Loaded:
    """The record for someone who may see it (staff, a member of a party village); else NotFound."""
    record = await KerjasamaRepo(services.db).full(agreement_id)
    if record is None:
        raise NotFound()
    standing = await _standing(services, record.agreement, user_id)
    if not standing.may_view:
        raise NotFound()
    return Loaded(record, standing)


async def _editable(tx: Unit, services: Services, agreement_id: int, user_id: int) -> tuple[AgreementRecord,
                                                                                             PartyStanding]:
    record = await tx.kerjasama.full(agreement_id)
    if record is None:
        raise NotFound()
    standing = await _standing(services, record.agreement, user_id)
    if not standing.may_view:
        raise NotFound()
    if not standing.may_edit:
        raise NotPermitted("ks.err.not_editor")
    return record, standing


def _require_stage(agreement: Agreement, *stages: str) -> None:
    if agreement.stage not in stages:
        raise _wrong_stage(agreement)


# -- persiapan -------------------------------------------------------------------------------
async def start(services: Services, *, forum_id: int, user_id: int, kind: AgreementKind, title: str,
                musdes_on: date, musdes_note: str | None = None, village_code: str | None = None) -> int:
    """Begin a kerja sama at persiapan for the initiating village (the asker's approved one unless
    staff name another), with that village's potensi/kebutuhan and the Musdes that agreed."""
    title = _text(title, "title", lifecycle.MAX_NAME)
    note = _optional(musdes_note, "musdes_note")
    own = await services.access.village_of(forum_id, user_id)
    standing = await services.access.party_standing(forum_id, user_id, {1: village_code or own})
    code = village_code or own
    if code is None:
        raise InvalidInput("ks.bad.no_village")
    if not (standing.staff or (code == own and standing.kades)):
        raise NotPermitted("ks.err.not_editor")
    region = await services.regions.get(code)
    if region is None or region.level != 4:
        raise InvalidInput("ks.bad.village_code")
    profile = await DirectoryRepo(services.db).profile(code)
    today = await _today(services, forum_id)
    if musdes_on > today:
        raise InvalidInput("ks.bad.musdes_future")
    now = services.clock.now()
    async with services.write() as tx:
        agreement_id = await tx.agreements.create(
            tx.conn, forum_id=forum_id, title=title, bidang=None, objective=None, scope=None, funding_source=None,
            funding_amount=None, legal_basis=None, executing_body=None, start_date=today, end_date=today,
            rhythm="triwulan", eval_from=today, document_file_id=None, document_kind=None,
            parties=[NewParty(kind="desa", name=region.name, village_code=code)], created_by=user_id, now=now,
            kind=kind, stage="persiapan", initiator_position=1)
        await tx.kerjasama.set_fields(
            agreement_id, now, musdes_on=musdes_on, musdes_note=note,
            potensi=" ".join(profile.potensi) if profile else None,
            kebutuhan=" ".join(profile.kebutuhan) if profile else None)
    log.info("event=kerjasama_started agreement=%s by=%s kind=%s", agreement_id, user_id, kind)
    return agreement_id


@dataclass(frozen=True)
class PartyAdded:
    position: int
    # Kabupaten codes when the villages now lie in more than one: Pasal 3 points to the rules of
    # kerja sama antar daerah. A warning only; nothing is blocked.
    other_kabupaten: tuple[str, ...] = ()


async def add_village(services: Services, agreement_id: int, user_id: int, village_code: str) -> PartyAdded:
    """Add a partner village from the national registry (it need not be in the forum)."""
    region = await services.regions.get(village_code)
    if region is None or region.level != 4:
        raise InvalidInput("ks.bad.village_code")
    async with services.write() as tx:
        record, _ = await _editable(tx, services, agreement_id, user_id)
        agreement = record.agreement
        _require_stage(agreement, "persiapan", "penawaran")
        if len(agreement.parties) >= lifecycle.MAX_PARTIES:
            raise InvalidInput("ks.bad.too_many_parties", max=lifecycle.MAX_PARTIES)
        if village_code in agreement.village_codes:
            raise InvalidInput("ks.bad.already_party", name=region.name)
        position = await tx.kerjasama.add_party(agreement,
                                                NewParty(kind="desa", name=region.name, village_code=village_code))
    spread = lifecycle.kabupaten_spread([*agreement.village_codes, village_code])
    return PartyAdded(position, tuple(spread))


async def add_third_party(services: Services, agreement_id: int, user_id: int, *, name: str,
                          kind: ThirdPartyKind, address: str, contact_person: str) -> int:
    """Add a pihak ketiga (not a Telegram user: it never receives messages)."""
    if kind not in lifecycle.THIRD_PARTY_KINDS:
        raise InvalidInput("ks.bad.choice")
    party = NewParty(kind="pihak_ketiga", name=_text(name, "tp_name", lifecycle.MAX_NAME), third_party_kind=kind,
                     address=_text(address, "tp_address", 300), contact_person=_text(contact_person, "tp_contact", 300))
    async with services.write() as tx:
        record, _ = await _editable(tx, services, agreement_id, user_id)
        agreement = record.agreement
        _require_stage(agreement, "persiapan", "penawaran")
        if agreement.kind != "pihak_ketiga":
            raise InvalidInput("ks.bad.third_party_kind")
        if len(agreement.parties) >= lifecycle.MAX_PARTIES:
            raise InvalidInput("ks.bad.too_many_parties", max=lifecycle.MAX_PARTIES)
        return await tx.kerjasama.add_party(agreement, party)


# -- clauses (Pasal 6) -----------------------------------------------------------------------
TEXT_CLAUSES = {"objective": lifecycle.MAX_TEXT, "scope": lifecycle.MAX_TEXT,
                "implementation_terms": lifecycle.MAX_TEXT, "change_terms": lifecycle.MAX_TEXT,
                "dispute_terms": lifecycle.MAX_TEXT, "legal_basis": 300, "executing_body": 300}


async def set_clause(services: Services, agreement_id: int, user_id: int, field: str, value: str) -> None:
    """Write one text clause (ruang lingkup, tata cara, perubahan/penundaan/pembatalan, perselisihan...)."""
    if field not in TEXT_CLAUSES:
        raise InvalidInput("ks.bad.choice")
    text = _text(value, field, TEXT_CLAUSES[field])
    await _set(services, agreement_id, user_id, field, text, **{field: text})


async def set_bidang(services: Services, agreement_id: int, user_id: int, *, bidang_uu: BidangUU,
                     sector: str | None = None) -> None:
    if bidang_uu not in lifecycle.UU_DESA_KINDS or (sector is not None and by_code(sector) is None):
        raise InvalidInput("ks.bad.choice")
    await _set(services, agreement_id, user_id, "bidang", bidang_uu, bidang_uu=bidang_uu, bidang=sector)


async def set_duration(services: Services, agreement_id: int, user_id: int, start: date, end: date) -> None:
    """Jangka waktu: the proposed (before signing) or agreed start and end."""
    if end <= start:
        raise InvalidInput("ks.bad.end_before_start")
    await _set(services, agreement_id, user_id, "duration", f"{start.isoformat()}/{end.isoformat()}",
               start_date=start, end_date=end, schedule_anchor=start, eval_from=start)


async def _set(services: Services, agreement_id: int, user_id: int, field: str, shown: str, **values: object) -> None:
    now = services.clock.now()
    async with services.write() as tx:
        record, _ = await _editable(tx, services, agreement_id, user_id)
        agreement = record.agreement
        if not lifecycle.is_open(agreement) or agreement.stage not in lifecycle.BEFORE_SIGNING:
            raise _wrong_stage(agreement)
        await tx.kerjasama.set_fields(agreement_id, now, **values)
        await tx.kerjasama.event(agreement_id, "amended", now, by_user=user_id, field=field, new_value=shown)


async def set_rights(services: Services, agreement_id: int, user_id: int, position: int, text: str) -> None:
    """Hak dan kewajiban of one party."""
    value = _text(text, "rights")
    now = services.clock.now()
    async with services.write() as tx:
        record, _ = await _editable(tx, services, agreement_id, user_id)
        if record.agreement.party(position) is None:
            raise NotFound()
        if record.agreement.stage not in lifecycle.BEFORE_SIGNING:
            raise _wrong_stage(record.agreement)
        await tx.kerjasama.set_party(agreement_id, position, rights_obligations=value)
        await tx.kerjasama.event(agreement_id, "amended", now, by_user=user_id, field="rights",
                                 party_position=position)


async def set_funding(services: Services, agreement_id: int, user_id: int, lines: Sequence[FundingLine]) -> int:
    """Pendanaan per party (APB Desa share and other sources); returns the total in rupiah."""
    for line in lines:
        if line.amount < 0 or (line.source == "lain" and not (line.source_name or "").strip()):
            raise InvalidInput("ks.bad.funding_line")
    now = services.clock.now()
    async with services.write() as tx:
        record, _ = await _editable(tx, services, agreement_id, user_id)
        positions = {p.position for p in record.agreement.parties}
        if any(line.party_position not in positions for line in lines):
            raise NotFound()
        if record.agreement.stage not in lifecycle.BEFORE_SIGNING:
            raise _wrong_stage(record.agreement)
        await tx.kerjasama.replace_funding(agreement_id, lines)
        total = sum(line.amount for line in lines)
        await tx.kerjasama.event(agreement_id, "amended", now, by_user=user_id, field="funding", new_value=str(total))
    return total


async def set_executor(services: Services, agreement_id: int, user_id: int, *, kind: ExecutingKind, name: str,
                       members: Sequence[TeamMember]) -> None:
    """The executing body (BKAD or a team) and its members (name, role, origin village)."""
    if kind not in ("bkad", "tim"):
        raise InvalidInput("ks.bad.choice")
    if len(members) > lifecycle.MAX_TEAM:
        raise InvalidInput("ks.bad.too_many_team", max=lifecycle.MAX_TEAM)
    body = _text(name, "executing_body", 300)
    cleaned = [m.model_copy(update={"name": _text(m.name, "team_name", lifecycle.MAX_NAME),
                                    "role": _text(m.role, "team_role", lifecycle.MAX_NAME)}) for m in members]
    now = services.clock.now()
    async with services.write() as tx:
        record, _ = await _editable(tx, services, agreement_id, user_id)
        if record.agreement.stage not in lifecycle.BEFORE_SIGNING:
            raise _wrong_stage(record.agreement)
        await tx.kerjasama.set_fields(agreement_id, now, executing_kind=kind, executing_body=body)
        await tx.kerjasama.replace_team(agreement_id, cleaned)
        await tx.kerjasama.event(agreement_id, "amended", now, by_user=user_id, field="executing", new_value=kind)


@dataclass(frozen=True)
class Clauses:
    """Every Pasal 6 clause at once, as the long kerja sama form gathers them."""
    objective: str
    scope: str
    bidang_uu: BidangUU
    sector: str | None
    implementation_terms: str
    start: date
    end: date
    rights: Mapping[int, str]                 # party position -> hak dan kewajiban
    funding: Sequence[FundingLine]
    change_terms: str
    dispute_terms: str
    executing_kind: ExecutingKind
    executing_body: str
    team: Sequence[TeamMember]


async def save_clauses(services: Services, agreement_id: int, user_id: int, clauses: Clauses) -> None:
    """Write every clause in one transaction (before signing), one timeline line for the lot."""
    values = {field: _text(getattr(clauses, field), field, limit) for field, limit in TEXT_CLAUSES.items()
              if field not in ("legal_basis",)}
    if clauses.bidang_uu not in lifecycle.UU_DESA_KINDS or clauses.executing_kind not in ("bkad", "tim") or (
            clauses.sector is not None and by_code(clauses.sector) is None):
        raise InvalidInput("ks.bad.choice")
    if clauses.end <= clauses.start:
        raise InvalidInput("ks.bad.end_before_start")
    if any(line.amount < 0 for line in clauses.funding):
        raise InvalidInput("ks.bad.funding_line")
    if len(clauses.team) > lifecycle.MAX_TEAM:
        raise InvalidInput("ks.bad.too_many_team", max=lifecycle.MAX_TEAM)
    rights = {position: _text(text, "rights") for position, text in clauses.rights.items()}
    team = [m.model_copy(update={"name": _text(m.name, "team_name", lifecycle.MAX_NAME),
                                 "role": _text(m.role, "team_role", lifecycle.MAX_NAME)}) for m in clauses.team]
    now = services.clock.now()
    async with services.write() as tx:
        record, _ = await _editable(tx, services, agreement_id, user_id)
        agreement = record.agreement
        if not lifecycle.is_open(agreement) or agreement.stage not in lifecycle.BEFORE_SIGNING:
            raise _wrong_stage(agreement)
        positions = {p.position for p in agreement.parties}
        if set(rights) - positions or any(line.party_position not in positions for line in clauses.funding):
            raise StaleAction()
        await tx.kerjasama.set_fields(agreement_id, now, **values, bidang_uu=clauses.bidang_uu, bidang=clauses.sector,
                                      start_date=clauses.start, end_date=clauses.end, schedule_anchor=clauses.start,
                                      eval_from=clauses.start, executing_kind=clauses.executing_kind)
        for position, text in rights.items():
            await tx.kerjasama.set_party(agreement_id, position, rights_obligations=text)
        await tx.kerjasama.replace_funding(agreement_id, clauses.funding)
        await tx.kerjasama.replace_team(agreement_id, team)
        await tx.kerjasama.event(agreement_id, "amended", now, by_user=user_id, field="clauses")


# -- penawaran -------------------------------------------------------------------------------
@dataclass(frozen=True)
class OffersSent:
    by_bot: tuple[int, ...]     # party positions whose kades got the offer in the bot
    on_paper: tuple[int, ...]   # partners without a member kades (and every third party): sent on paper


async def send_offer(services: Services, agreement_id: int, user_id: int, *, purpose: str, bidang_uu: BidangUU,
                     scope: str, start: date, end: date) -> OffersSent:
    """The surat penawaran (purpose, bidang, proposed scope and duration) to every partner: through the
    bot to a partner village's kades who is a member of the forum (Terima / Tolak / Tanya), recorded
    as sent on paper otherwise. Moves persiapan -> penawaran."""
    objective = _text(purpose, "objective")
    proposed_scope = _text(scope, "scope")
    if bidang_uu not in lifecycle.UU_DESA_KINDS:
        raise InvalidInput("ks.bad.choice")
    if end <= start:
        raise InvalidInput("ks.bad.end_before_start")
    now = services.clock.now()
    async with services.write() as tx:
        record, _ = await _editable(tx, services, agreement_id, user_id)
        agreement = record.agreement
        _require_stage(agreement, "persiapan", "penawaran")
        partners = lifecycle.partners(agreement)
        if not partners:
            raise InvalidInput("ks.bad.no_partner")
        members = await services.members.in_forum(agreement.forum_id)
        await tx.kerjasama.set_fields(agreement_id, now, objective=objective, scope=proposed_scope,
                                      bidang_uu=bidang_uu, start_date=start, end_date=end, schedule_anchor=start,
                                      eval_from=start)
        if agreement.stage == "persiapan":
            await tx.kerjasama.move(agreement, "penawaran", now, by_user=user_id)
        fresh = await tx.agreements.get(agreement_id)
        assert fresh is not None
        by_bot, on_paper = [], []
        for party in partners:
            earlier = record.offer_to(party.position)
            if earlier is not None and earlier.answer == "terima":
                continue  # offering again (a partner added later) does not undo an acceptance
            kades = pushes.kades_of(members, party.village_code)
            channel: OfferChannel = "bot" if kades is not None else "kertas"
            await tx.kerjasama.record_offer(agreement_id, party.position, channel, user_id, now)
            await tx.kerjasama.event(agreement_id, "offer_sent", now, by_user=user_id, new_value=channel,
                                     party_position=party.position)
            if kades is not None:
                await pushes.offer(tx.conn, fresh, party, kades, now)
                by_bot.append(party.position)
            else:
                on_paper.append(party.position)
    services.delivery.wake()
    log.info("event=kerjasama_offer agreement=%s bot=%d paper=%d", agreement_id, len(by_bot), len(on_paper))
    return OffersSent(tuple(by_bot), tuple(on_paper))


async def answer_offer(services: Services, agreement_id: int, position: int, user_id: int, answer: OfferAnswer,
                       note: str | None = None) -> None:
    """A partner's answer: by its own kades in the bot, or recorded (from paper) by an editor."""
    if answer not in ("terima", "tolak", "tanya"):
        raise InvalidInput("ks.bad.choice")
    text = _text(note, "question") if answer == "tanya" else _optional(note, "note")
    now = services.clock.now()
    async with services.write() as tx:
        record = await tx.kerjasama.full(agreement_id)
        if record is None:
            raise NotFound()
        agreement = record.agreement
        standing = await _standing(services, agreement, user_id)
        offer = record.offer_to(position)
        own = standing.position == position and standing.kades
        # The partner's kades answers for their village; staff or the initiator record a paper answer.
        paper = offer is not None and offer.channel == "kertas" and standing.may_edit
        if not (own or paper):
            raise NotPermitted("ks.err.not_partner") if standing.may_view else NotFound()
        if offer is None or agreement.stage != "penawaran":
            raise _wrong_stage(agreement)
        await tx.kerjasama.answer_offer(agreement_id, position, answer, text, user_id, now)
        await tx.kerjasama.event(agreement_id, "offer_answered", now, by_user=user_id, new_value=answer, note=text,
                                 party_position=position)
        members = await services.members.in_forum(agreement.forum_id)
        party = agreement.party(position)
        assert party is not None
        await pushes.answered(tx.conn, agreement, party, answer, text, members, now, exclude=user_id)
    services.delivery.wake()


# -- perumusan, penandatanganan ---------------------------------------------------------------
async def begin_formulation(services: Services, agreement_id: int, user_id: int) -> None:
    """penawaran -> perumusan, once every partner accepted the offer."""
    now = services.clock.now()
    async with services.write() as tx:
        record, _ = await _editable(tx, services, agreement_id, user_id)
        _require_stage(record.agreement, "penawaran")
        waiting = lifecycle.offers_accepted(record.agreement, record.offers)
        if waiting:
            raise Conflict("ks.err.offers_open", parties=", ".join(p.name for p in waiting))
        await tx.kerjasama.move(record.agreement, "perumusan", now, by_user=user_id)


async def record_formulation(services: Services, agreement_id: int, user_id: int, *, held_on: date,
                             note: str | None, meeting_id: int | None = None) -> None:
    """The MAD (antar desa) or Musdes (pihak ketiga) agreed the clauses: perumusan -> penandatanganan.
    Every Pasal 6 clause must be filled by then."""
    text = _optional(note, "formulation_note")
    now = services.clock.now()
    async with services.write() as tx:
        record, _ = await _editable(tx, services, agreement_id, user_id)
        _require_stage(record.agreement, "perumusan")
        if held_on > await _today(services, record.agreement.forum_id):
            raise InvalidInput("ks.bad.future")
        missing = lifecycle.missing_clauses(record)
        if missing:
            raise InvalidInput("ks.bad.clauses_missing", clauses=pushes.ForClauses(missing))
        await tx.kerjasama.move(record.agreement, "penandatanganan", now, by_user=user_id, note=text,
                                formulated_on=held_on, formulation_note=text,
                                # keep the link a scheduled MAD set when the form does not name one
                                mad_meeting_id=meeting_id or record.agreement.mad_meeting_id)


async def sign(services: Services, agreement_id: int, user_id: int, *, signed_on: date,
               signatories: Mapping[int, tuple[str, str]], legal_basis: str, document_file_id: str | None = None,
               document_kind: str | None = None) -> None:
    """penandatanganan -> pelaksanaan: date, each party's signatory (name, title), the signed document.
    Evaluations then follow the agreed jangka waktu as for any agreement."""
    basis = _text(legal_basis, "legal_basis", 300)
    now = services.clock.now()
    async with services.write() as tx:
        record, _ = await _editable(tx, services, agreement_id, user_id)
        agreement = record.agreement
        _require_stage(agreement, "penandatanganan")
        if signed_on > await _today(services, agreement.forum_id):
            raise InvalidInput("ks.bad.future")
        positions = {p.position for p in agreement.parties}
        if set(signatories) != positions:
            raise InvalidInput("ks.bad.signatories")
        for position, (name, title) in signatories.items():
            await tx.kerjasama.set_party(agreement_id, position, signatory_name=_text(name, "signatory", 150),
                                         signatory_title=_text(title, "signatory", 150))
        await tx.kerjasama.move(agreement, "pelaksanaan", now, by_user=user_id, signed_on=signed_on,
                                legal_basis=basis, document_file_id=document_file_id, document_kind=document_kind,
                                schedule_anchor=agreement.start_date,
                                eval_from=max(agreement.start_date, signed_on))
        members = await services.members.in_forum(agreement.forum_id)
        await pushes.tell_parties(tx.conn, agreement, members, "signed", now, exclude=user_id)
    services.delivery.wake()


# -- ditunda, dilanjutkan, dibatalkan, pelaporan ----------------------------------------------
async def suspend(services: Services, agreement_id: int, user_id: int, *, reason: str, resume_on: date) -> None:
    why = _text(reason, "reason")
    now = services.clock.now()
    async with services.write() as tx:
        record, _ = await _editable(tx, services, agreement_id, user_id)
        agreement = record.agreement
        if not lifecycle.may_suspend(agreement):
            raise _wrong_stage(agreement)
        if resume_on <= await _today(services, agreement.forum_id):
            raise InvalidInput("ks.bad.resume_past")
        await tx.kerjasama.set_fields(agreement_id, now, stage="ditunda", suspended_from=agreement.stage,
                                      suspend_reason=why, resume_on=resume_on)
        await tx.kerjasama.event(agreement_id, "suspended", now, by_user=user_id, old_value=agreement.stage,
                                 new_value=resume_on.isoformat(), note=why)
        members = await services.members.in_forum(agreement.forum_id)
        await pushes.tell_parties(tx.conn, agreement, members, "suspended", now, exclude=user_id,
                                  reason=why, resume_on=resume_on)
    services.delivery.wake()


async def resume(services: Services, agreement_id: int, user_id: int | None) -> None:
    """Back to the stage it was suspended in; `user_id` None when the resume planner does it on the date."""
    now = services.clock.now()
    async with services.write() as tx:
        if user_id is None:
            record = await tx.kerjasama.full(agreement_id)
            if record is None:
                raise NotFound()
        else:
            record, _ = await _editable(tx, services, agreement_id, user_id)
        agreement = record.agreement
        if not lifecycle.may_resume(agreement):
            raise _wrong_stage(agreement)
        back = agreement.suspended_from or "pelaksanaan"
        await tx.kerjasama.set_fields(agreement_id, now, stage=back, suspended_from=None, resume_on=None)
        await tx.kerjasama.event(agreement_id, "resumed", now, by_user=user_id, new_value=back)
        members = await services.members.in_forum(agreement.forum_id)
        await pushes.tell_parties(tx.conn, agreement, members, "resumed", now, exclude=user_id, stage=back)
    services.delivery.wake()


async def cancel(services: Services, agreement_id: int, user_id: int, *, reason: str) -> None:
    """Dibatalkan, per the agreement's own clause on cancelling (quoted to the parties)."""
    why = _text(reason, "reason")
    now = services.clock.now()
    async with services.write() as tx:
        record, _ = await _editable(tx, services, agreement_id, user_id)
        agreement = record.agreement
        if not lifecycle.may_cancel(agreement):
            raise _wrong_stage(agreement)
        today = await _today(services, agreement.forum_id)
        await tx.kerjasama.set_fields(agreement_id, now, stage="dibatalkan", cancelled_on=today, cancel_reason=why)
        await tx.kerjasama.event(agreement_id, "cancelled", now, by_user=user_id, old_value=agreement.stage,
                                 new_value=today.isoformat(), note=why)
        members = await services.members.in_forum(agreement.forum_id)
        await pushes.tell_parties(tx.conn, agreement, members, "cancelled", now, exclude=user_id, reason=why,
                                  clause=agreement.change_terms)
    services.delivery.wake()


async def to_reporting(services: Services, agreement_id: int, user_id: int) -> None:
    """pelaksanaan -> pelaporan (the closing reports)."""
    now = services.clock.now()
    async with services.write() as tx:
        record, _ = await _editable(tx, services, agreement_id, user_id)
        _require_stage(record.agreement, "pelaksanaan")
        await tx.kerjasama.move(record.agreement, "pelaporan", now, by_user=user_id)


async def report(services: Services, agreement_id: int, user_id: int, *, period_start: date, period_end: date,
                 done: str, next_steps: str | None) -> int:
    """A report for one period to the parties and the forum's koordinator and pendamping."""
    what = _text(done, "done")
    then = _optional(next_steps, "next_steps")
    if period_end < period_start:
        raise InvalidInput("ks.bad.end_before_start")
    now = services.clock.now()
    async with services.write() as tx:
        record, _ = await _editable(tx, services, agreement_id, user_id)
        agreement = record.agreement
        if not lifecycle.may_report(agreement):
            raise _wrong_stage(agreement)
        report_id = await tx.kerjasama.add_report(agreement, period_start=period_start, period_end=period_end,
                                                  done=what, next_steps=then, by_user=user_id, now=now)
        await tx.kerjasama.event(agreement_id, "reported", now, by_user=user_id,
                                 old_value=period_start.isoformat(), new_value=period_end.isoformat())
        members = await services.members.in_forum(agreement.forum_id)
        await pushes.tell_parties(tx.conn, agreement, members, "reported", now, exclude=user_id, staff=True,
                                  key_extra=str(report_id))
    services.delivery.wake()
    return report_id


async def resume_due(services: Services) -> int:
    """The resume planner's work: resume each suspended agreement whose resume date has come (in
    its forum's zone, so candidates are taken a day ahead of UTC and checked one by one)."""
    repo = KerjasamaRepo(services.db)
    done = 0
    for agreement_id in await repo.due_resumes((services.clock.now() + timedelta(days=1)).date()):
        agreement = await repo.agreements.get(agreement_id)
        if agreement is None or not lifecycle.resume_due(agreement, await _today(services, agreement.forum_id)):
            continue
        try:
            await resume(services, agreement_id, None)
        except Conflict:  # resumed by hand meanwhile
            continue
        done += 1
        log.info("event=kerjasama_resumed_on_date agreement=%s", agreement_id)
    return done
