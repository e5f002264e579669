"""The kerja sama record (issue #17, migration 0012): one agreement with everything Permendagri 96/2017
asks of it, loaded whole by `KerjasamaRepo.full` for the views, the reports and the document builder.

    record = await KerjasamaRepo(db).full(agreement_id)       # or tx.kerjasama inside a unit of work
    record.agreement.stage, record.parties, record.funding_of(2), record.total_funding, record.timeline

Dates are ISO dates (the forum's zone), moments UTC, money whole rupiah; nothing is stored formatted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from storage.agreements import (
    Agreement,
    AgreementEvent,
    AgreementRepo,
    Evaluation,
    EvaluationPeriod,
    EventKind,
    FollowUp,
    NewParty,
    Party,
    Stage,
)
from storage.database import Handle
from storage.timeutil import from_db, to_db

FundingSource = Literal["apb_desa", "lain"]
OfferChannel = Literal["bot", "kertas"]
OfferAnswer = Literal["terima", "tolak", "tanya"]

# Clause and record columns a use case may set on the agreement (names never come from users).
RECORD_FIELDS = frozenset({
    "title", "bidang", "bidang_uu", "objective", "scope", "implementation_terms", "change_terms", "dispute_terms",
    "start_date", "end_date", "schedule_anchor", "eval_from", "rhythm", "legal_basis", "executing_body",
    "executing_kind", "potensi", "kebutuhan", "musdes_on", "musdes_note", "mad_meeting_id", "formulated_on",
    "formulation_note", "signed_on", "document_file_id", "document_kind", "stage", "suspended_from",
    "suspend_reason", "resume_on", "cancelled_on", "cancel_reason", "status", "ended_early_on", "end_reason",
})
PARTY_FIELDS = frozenset({"rights_obligations", "third_party_kind", "address", "contact_person", "signatory_name",
                          "signatory_title", "name"})


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class FundingLine(_Model):
    """One source of one party's share: its APB Desa, or another source by name."""
    party_position: int
    source: FundingSource
    source_name: str | None = None
    amount: int


class TeamMember(_Model):
    """A member of the executing body (BKAD or the team)."""
    position: int
    name: str
    role: str
    village_code: str | None = None
    village_name: str | None = None


class Offer(_Model):
    """The penawaran to one partner party and its latest answer."""
    party_position: int
    channel: OfferChannel
    sent_at: datetime
    sent_by: int
    answer: OfferAnswer | None = None
    answer_note: str | None = None
    answered_at: datetime | None = None
    answered_by: int | None = None


class AgreementReport(_Model):
    """A pelaporan for one period: what was done and what comes next (ratings come from evaluations)."""
    id: int
    agreement_id: int
    forum_id: int
    period_start: date
    period_end: date
    done: str
    next_steps: str | None
    created_by: int
    created_at: datetime


class AgreementRecord(_Model):
    """Everything about one kerja sama, as the views, reports and the .docx builder need it."""
    agreement: Agreement
    funding: tuple[FundingLine, ...] = ()
    team: tuple[TeamMember, ...] = ()
    offers: tuple[Offer, ...] = ()
    reports: tuple[AgreementReport, ...] = ()
    timeline: tuple[AgreementEvent, ...] = ()
    periods: tuple[EvaluationPeriod, ...] = ()
    evaluations: tuple[Evaluation, ...] = ()
    followups: tuple[FollowUp, ...] = ()

    @property
    def parties(self) -> tuple[Party, ...]:
        return self.agreement.parties

    @property
    def villages(self) -> tuple[Party, ...]:
        return self.agreement.villages

    @property
    def third_parties(self) -> tuple[Party, ...]:
        return tuple(p for p in self.agreement.parties if p.kind == "pihak_ketiga")

    def funding_of(self, position: int) -> tuple[FundingLine, ...]:
        return tuple(line for line in self.funding if line.party_position == position)

    def party_total(self, position: int) -> int:
        return sum(line.amount for line in self.funding_of(position))

    @property
    def total_funding(self) -> int | None:
        """The sum over every party's lines; an agreement recorded before 0012 has its single amount."""
        if self.funding:
            return sum(line.amount for line in self.funding)
        return self.agreement.funding_amount

    def offer_to(self, position: int) -> Offer | None:
        return next((o for o in self.offers if o.party_position == position), None)

    def timeline_for(self, position: int | None) -> tuple[AgreementEvent, ...]:
        """The events a party sees: every shared event and those about itself (None: everything)."""
        if position is None:
            return self.timeline
        return tuple(e for e in self.timeline if e.party_position in (None, position))


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _db_value(value: Any) -> Any:
    return _iso(value) if isinstance(value, date) and not isinstance(value, datetime) else value


def _row(row: Any, dates: Sequence[str] = (), moments: Sequence[str] = ()) -> dict[str, Any]:
    d = dict(row)
    for key in dates:
        if d.get(key):
            d[key] = date.fromisoformat(d[key])
    for key in moments:
        d[key] = from_db(d.get(key))
    return d


class KerjasamaRepo:
    """The kerja sama record on top of AgreementRepo; built on the Database or a unit of work's Tx."""

    def __init__(self, db: Handle) -> None:
        self.db = db
        self.agreements = AgreementRepo(db)

    # -- the whole record --------------------------------------------------------------------
    async def full(self, agreement_id: int) -> AgreementRecord | None:
        agreement = await self.agreements.get(agreement_id)
        if agreement is None:
            return None
        team = await self.db.fetchall("SELECT * FROM agreement_team WHERE agreement_id = ? ORDER BY position",
                                      (agreement_id,))
        offers = await self.db.fetchall(
            "SELECT * FROM agreement_offers WHERE agreement_id = ? ORDER BY party_position", (agreement_id,))
        return AgreementRecord(
            agreement=agreement,
            funding=tuple(await self.funding(agreement_id)),
            team=tuple(TeamMember(**dict(r)) for r in team),
            offers=tuple(Offer(**_row(r, moments=("sent_at", "answered_at"))) for r in offers),
            reports=tuple(await self.reports(agreement_id)),
            timeline=tuple(await self.agreements.events(agreement_id)),
            periods=tuple(await self.agreements.periods(agreement_id)),
            evaluations=tuple(await self.agreements.evaluations(agreement_id)),
            followups=tuple(await self.agreements.followups(agreement_id)),
        )

    async def funding(self, agreement_id: int) -> list[FundingLine]:
        rows = await self.db.fetchall(
            "SELECT * FROM agreement_funding WHERE agreement_id = ? ORDER BY party_position, source, id",
            (agreement_id,))
        return [FundingLine(**dict(r)) for r in rows]

    # -- the agreement's own fields --------------------------------------------------------
    async def set_fields(self, agreement_id: int, now: datetime, **fields: Any) -> None:
        unknown = set(fields) - RECORD_FIELDS
        if unknown:
            raise ValueError(f"not a record field: {sorted(unknown)}")
        if not fields:
            return
        assignments = ", ".join(f"{name} = ?" for name in fields)  # names from RECORD_FIELDS only
        await self.db.execute(f"UPDATE agreements SET {assignments}, updated_at = ? WHERE id = ?",
                              (*(_db_value(v) for v in fields.values()), to_db(now), agreement_id))

    async def set_party(self, agreement_id: int, position: int, **fields: Any) -> None:
        unknown = set(fields) - PARTY_FIELDS
        if unknown:
            raise ValueError(f"not a party field: {sorted(unknown)}")
        if not fields:
            return
        assignments = ", ".join(f"{name} = ?" for name in fields)  # names from PARTY_FIELDS only
        await self.db.execute(f"UPDATE agreement_parties SET {assignments} WHERE agreement_id = ? AND position = ?",
                              (*fields.values(), agreement_id, position))

    async def event(self, agreement_id: int, kind: EventKind, now: datetime, *, by_user: int | None = None,
                    field: str | None = None, old_value: str | None = None, new_value: str | None = None,
                    note: str | None = None, party_position: int | None = None) -> None:
        await self.db.execute(
            """INSERT INTO agreement_events(agreement_id, at, by_user, kind, field, old_value, new_value, note,
                   party_position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (agreement_id, to_db(now), by_user, kind, field, old_value, new_value, note, party_position))

    async def move(self, agreement: Agreement, stage: Stage, now: datetime, *, by_user: int | None,
                   note: str | None = None, **fields: Any) -> None:
        """Put the agreement in `stage` (with the fields that stage records) and date it in the timeline."""
        await self.set_fields(agreement.id, now, stage=stage, **fields)
        await self.event(agreement.id, "stage", now, by_user=by_user, field="stage", old_value=agreement.stage,
                         new_value=stage, note=note)

    async def add_party(self, agreement: Agreement, party: NewParty) -> int:
        """Append a party after the existing ones; returns its position."""
        position = max((p.position for p in agreement.parties), default=0) + 1
        await self.db.execute(
            """INSERT INTO agreement_parties(agreement_id, position, kind, village_code, name, third_party_kind,
                   address, contact_person) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            (agreement.id, position, party.kind, party.village_code, party.name, party.third_party_kind,
             party.address, party.contact_person))
        return position

    # -- funding and the executing team ---------------------------------------------------
    async def replace_funding(self, agreement_id: int, lines: Sequence[FundingLine]) -> None:
        await self.db.execute("DELETE FROM agreement_funding WHERE agreement_id = ?", (agreement_id,))
        for line in lines:
            await self.db.execute(
                """INSERT INTO agreement_funding(agreement_id, party_position, source, source_name, amount)
                   VALUES (?, ?, ?, ?, ?)""",
                (agreement_id, line.party_position, line.source, line.source_name, line.amount))

    async def replace_team(self, agreement_id: int, members: Sequence[TeamMember]) -> None:
        await self.db.execute("DELETE FROM agreement_team WHERE agreement_id = ?", (agreement_id,))
        for position, member in enumerate(members, start=1):
            await self.db.execute(
                """INSERT INTO agreement_team(agreement_id, position, name, role, village_code, village_name)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                (agreement_id, position, member.name, member.role, member.village_code, member.village_name))

    # -- penawaran -----------------------------------------------------------------------
    async def record_offer(self, agreement_id: int, position: int, channel: OfferChannel, by_user: int,
                           now: datetime) -> None:
        """The offer to one partner (again: a fresh offer clears the previous answer)."""
        await self.db.execute(
            """INSERT INTO agreement_offers(agreement_id, party_position, channel, sent_at, sent_by)
               VALUES (?, ?, ?, ?, ?)
               ON CONFLICT(agreement_id, party_position) DO UPDATE SET channel = excluded.channel,
                   sent_at = excluded.sent_at, sent_by = excluded.sent_by, answer = NULL, answer_note = NULL,
                   answered_at = NULL, answered_by = NULL""",
            (agreement_id, position, channel, to_db(now), by_user))

    async def answer_offer(self, agreement_id: int, position: int, answer: OfferAnswer, note: str | None,
                           by_user: int, now: datetime) -> None:
        await self.db.execute(
            """UPDATE agreement_offers SET answer = ?, answer_note = ?, answered_at = ?, answered_by = ?
               WHERE agreement_id = ? AND party_position = ?""",
            (answer, note, to_db(now), by_user, agreement_id, position))

    # -- pelaporan -----------------------------------------------------------------------
    async def add_report(self, agreement: Agreement, *, period_start: date, period_end: date, done: str,
                         next_steps: str | None, by_user: int, now: datetime) -> int:
        return await self.db.execute(
            """INSERT INTO agreement_reports(agreement_id, forum_id, period_start, period_end, done, next_steps,
                   created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            (agreement.id, agreement.forum_id, _iso(period_start), _iso(period_end), done, next_steps, by_user,
             to_db(now)))

    async def reports(self, agreement_id: int) -> list[AgreementReport]:
        rows = await self.db.fetchall(
            "SELECT * FROM agreement_reports WHERE agreement_id = ? ORDER BY period_end, id", (agreement_id,))
        return [AgreementReport(**_row(r, dates=("period_start", "period_end"), moments=("created_at",)))
                for r in rows]

    async def report(self, report_id: int) -> AgreementReport | None:
        row = await self.db.fetchone("SELECT * FROM agreement_reports WHERE id = ?", (report_id,))
        return AgreementReport(**_row(row, dates=("period_start", "period_end"), moments=("created_at",))) \
            if row else None

    # -- planners ------------------------------------------------------------------------
    async def due_resumes(self, today: date) -> list[int]:
        """Suspended agreements whose resume date has come."""
        rows = await self.db.fetchall(
            "SELECT id FROM agreements WHERE stage = 'ditunda' AND resume_on IS NOT NULL AND resume_on <= ? "
            "ORDER BY id", (_iso(today),))
        return [int(r["id"]) for r in rows]
