"""Kerjasama antar desa: agreements, parties, evaluation periods, evaluations, follow-ups, history.

Dates of the agreement (start, end, due days) are stored as ISO dates in the forum's zone; moments
as UTC ISO text. Writes that cause pushes take the caller's connection so the outbox rows are
written in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Literal

import aiosqlite
from pydantic import BaseModel, ConfigDict

from storage.database import Handle
from storage.timeutil import from_db, to_db

PartyKind = Literal["desa", "pihak_ketiga"]
EventKind = Literal["created", "amended", "renewed", "ended", "lapse", "stage", "suspended", "resumed", "cancelled",
                    "offer_sent", "offer_answered", "reported"]
AgreementKind = Literal["antar_desa", "pihak_ketiga"]
# The road of a kerja sama (Permendagri 96/2017), plus the two side states.
Stage = Literal["persiapan", "penawaran", "perumusan", "penandatanganan", "pelaksanaan", "pelaporan",
                "ditunda", "dibatalkan"]
ThirdPartyKind = Literal["pt", "cv", "bumn", "bumd", "ormas", "perguruan_tinggi", "lembaga_lain"]
# The kinds of kerja sama in UU Desa (Pasal 92); the sector tags of bot/bidang.py stay in `bidang`.
BidangUU = Literal["usaha_bersama", "kemasyarakatan", "pelayanan", "pembangunan", "keamanan"]
ExecutingKind = Literal["bkad", "tim"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Party(_Model):
    agreement_id: int
    position: int
    kind: PartyKind
    village_code: str | None
    name: str
    rights_obligations: str | None = None  # hak dan kewajiban
    third_party_kind: ThirdPartyKind | None = None
    address: str | None = None
    contact_person: str | None = None
    signatory_name: str | None = None
    signatory_title: str | None = None


class Agreement(_Model):
    id: int
    forum_id: int
    title: str
    bidang: str | None
    objective: str | None
    scope: str | None
    funding_source: str | None
    funding_amount: int | None
    legal_basis: str | None
    executing_body: str | None
    start_date: date
    end_date: date
    rhythm: str
    schedule_anchor: date
    index_offset: int
    eval_from: date
    document_file_id: str | None
    document_kind: str | None
    status: str
    ended_early_on: date | None
    end_reason: str | None
    lapse_accepted_for: date | None
    created_by: int
    created_at: datetime
    updated_at: datetime
    # The kerja sama record (migration 0012); defaults are what an agreement recorded after signing has.
    kind: AgreementKind = "antar_desa"
    stage: Stage = "pelaksanaan"
    initiator_position: int | None = None
    potensi: str | None = None              # bidang codes, space-separated, from the initiator's profile
    kebutuhan: str | None = None
    musdes_on: date | None = None
    musdes_note: str | None = None
    mad_meeting_id: int | None = None       # filled by the musyawarah feature
    formulated_on: date | None = None
    formulation_note: str | None = None
    signed_on: date | None = None
    bidang_uu: BidangUU | None = None
    implementation_terms: str | None = None  # tata cara dan ketentuan pelaksanaan
    change_terms: str | None = None          # tata cara perubahan, penundaan dan pembatalan
    dispute_terms: str | None = None         # penyelesaian perselisihan
    executing_kind: ExecutingKind | None = None
    suspended_from: Stage | None = None
    suspend_reason: str | None = None
    resume_on: date | None = None
    cancelled_on: date | None = None
    cancel_reason: str | None = None
    parties: tuple[Party, ...] = ()

    @property
    def villages(self) -> tuple[Party, ...]:
        return tuple(p for p in self.parties if p.kind == "desa")

    @property
    def village_codes(self) -> set[str]:
        return {p.village_code for p in self.parties if p.village_code}

    def party(self, position: int) -> Party | None:
        return next((p for p in self.parties if p.position == position), None)


class EvaluationPeriod(_Model):
    agreement_id: int
    forum_id: int
    period_index: int
    starts: date
    ends: date
    opened_at: datetime
    overdue_at: datetime | None
    summarized_count: int


class Evaluation(_Model):
    id: int
    agreement_id: int
    forum_id: int
    period_index: int
    period_start: date
    period_end: date
    party_position: int
    village_code: str | None
    user_id: int | None
    rating: int | None
    went_well: str | None
    kendala: str | None
    photo_file_id: str | None
    status: str
    submitted_at: datetime | None
    updated_at: datetime


class FollowUp(_Model):
    id: int
    agreement_id: int
    forum_id: int
    evaluation_id: int
    period_index: int
    description: str
    owner_position: int | None
    owner_name: str
    due_date: date
    done_at: datetime | None
    done_by: int | None
    created_by: int
    created_at: datetime


class AgreementEvent(_Model):
    id: int
    agreement_id: int
    at: datetime
    by_user: int | None
    kind: str
    field: str | None
    old_value: str | None
    new_value: str | None
    note: str | None
    party_position: int | None = None  # set when the event concerns one party only (an offer, its answer)


class NewParty(_Model):
    kind: PartyKind
    name: str
    village_code: str | None = None
    rights_obligations: str | None = None
    third_party_kind: ThirdPartyKind | None = None
    address: str | None = None
    contact_person: str | None = None


_DATES = {"start_date", "end_date", "schedule_anchor", "eval_from", "ended_early_on", "lapse_accepted_for",
          "starts", "ends", "period_start", "period_end", "due_date", "musdes_on", "formulated_on", "signed_on",
          "resume_on", "cancelled_on"}
_MOMENTS = {"created_at", "updated_at", "opened_at", "overdue_at", "submitted_at", "done_at", "at"}


def _convert(row: Any) -> dict[str, Any]:
    d = dict(row)
    for key, value in d.items():
        if key in _DATES and value:
            d[key] = date.fromisoformat(value)
        elif key in _MOMENTS:
            d[key] = from_db(value)
    return d


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


# Fields an amendment may change, with how they are stored.
AMENDABLE = ("title", "bidang", "objective", "scope", "funding_source", "funding_amount", "legal_basis",
             "executing_body", "start_date", "end_date", "rhythm", "document_file_id")


class AgreementRepo:
    """Built on the Database (each write its own transaction) or on a unit of work's Tx."""

    def __init__(self, db: Handle) -> None:
        self.db = db

    # -- agreements ------------------------------------------------------------------------
    async def create(self, conn: aiosqlite.Connection, *, forum_id: int, title: str, bidang: str | None,
                     objective: str | None, scope: str | None, funding_source: str | None,
                     funding_amount: int | None, legal_basis: str | None, executing_body: str | None,
                     start_date: date, end_date: date, rhythm: str, eval_from: date,
                     document_file_id: str | None, document_kind: str | None, parties: list[NewParty],
                     created_by: int, now: datetime, kind: AgreementKind | None = None,
                     stage: Stage = "pelaksanaan", initiator_position: int | None = None) -> int:
        """A new agreement; by default one recorded after signing (stage pelaksanaan), its kind
        following its parties (a third party makes it a kerja sama dengan pihak ketiga)."""
        if kind is None:
            kind = "pihak_ketiga" if any(p.kind == "pihak_ketiga" for p in parties) else "antar_desa"
        cur = await conn.execute(
            """INSERT INTO agreements(forum_id, title, bidang, objective, scope, funding_source, funding_amount,
                   legal_basis, executing_body, start_date, end_date, rhythm, schedule_anchor, index_offset,
                   eval_from, document_file_id, document_kind, created_by, created_at, updated_at, kind, stage,
                   initiator_position)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (forum_id, title, bidang, objective, scope, funding_source, funding_amount, legal_basis, executing_body,
             _iso(start_date), _iso(end_date), rhythm, _iso(start_date), _iso(eval_from), document_file_id,
             document_kind, created_by, to_db(now), to_db(now), kind, stage, initiator_position),
        )
        agreement_id = int(cur.lastrowid or 0)
        for position, party in enumerate(parties, start=1):
            await conn.execute(
                """INSERT INTO agreement_parties(agreement_id, position, kind, village_code, name, rights_obligations,
                       third_party_kind, address, contact_person)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (agreement_id, position, party.kind, party.village_code, party.name, party.rights_obligations,
                 party.third_party_kind, party.address, party.contact_person),
            )
        await self.add_event(conn, agreement_id, "created", now, by_user=created_by)
        return agreement_id

    async def _parties(self, ids: list[int]) -> dict[int, list[Party]]:
        if not ids:
            return {}
        marks = ",".join("?" for _ in ids)
        rows = await self.db.fetchall(
            f"SELECT * FROM agreement_parties WHERE agreement_id IN ({marks}) ORDER BY agreement_id, position", ids
        )
        out: dict[int, list[Party]] = {}
        for row in rows:
            out.setdefault(row["agreement_id"], []).append(Party(**dict(row)))
        return out

    async def _with_parties(self, rows: list[Any]) -> list[Agreement]:
        parties = await self._parties([r["id"] for r in rows])
        return [Agreement(**_convert(r), parties=tuple(parties.get(r["id"], []))) for r in rows]

    async def get(self, agreement_id: int) -> Agreement | None:
        row = await self.db.fetchone("SELECT * FROM agreements WHERE id = ?", (agreement_id,))
        if row is None:
            return None
        return (await self._with_parties([row]))[0]

    async def in_forum(self, forum_id: int) -> list[Agreement]:
        rows = await self.db.fetchall(
            "SELECT * FROM agreements WHERE forum_id = ? ORDER BY start_date DESC, id DESC",
            (forum_id,),
        )
        return await self._with_parties(list(rows))

    async def for_villages(self, forum_id: int, village_codes: set[str]) -> list[Agreement]:
        """The forum's agreements in which one of these villages is a party."""
        if not village_codes:
            return []
        marks = ",".join("?" for _ in village_codes)
        rows = await self.db.fetchall(
            f"""SELECT a.* FROM agreements a WHERE a.forum_id = ? AND EXISTS (
                    SELECT 1 FROM agreement_parties p WHERE p.agreement_id = a.id AND p.village_code IN ({marks}))
                ORDER BY a.start_date DESC, a.id DESC""",
            (forum_id, *sorted(village_codes)),
        )
        return await self._with_parties(list(rows))

    async def to_plan(self, since: date, ids: Sequence[int] | None = None) -> list[Agreement]:
        """Agreements that may still need pushes: signed (pelaksanaan or pelaporan: nothing is asked
        before signing, while suspended or once cancelled), not ended before `since` or with periods
        short of a summary; only among `ids` when given (the planner passes those due)."""
        only = ""
        if ids is not None:
            if not ids:
                return []
            only = f"a.id IN ({','.join('?' for _ in ids)}) AND "
        rows = await self.db.fetchall(
            f"""SELECT a.* FROM agreements a WHERE {only}a.stage IN ('pelaksanaan', 'pelaporan') AND (a.end_date >= ? OR EXISTS (
                   SELECT 1 FROM agreement_periods p WHERE p.agreement_id = a.id AND p.summarized_count < (
                       SELECT count(*) FROM agreement_parties q WHERE q.agreement_id = a.id AND q.kind = 'desa')))
               ORDER BY a.id""",
            (*(ids or ()), _iso(since)),
        )
        return await self._with_parties(list(rows))

    async def update_fields(self, conn: aiosqlite.Connection, agreement_id: int, now: datetime,
                            **fields: Any) -> None:
        allowed = set(AMENDABLE) | {"document_kind", "schedule_anchor", "index_offset", "status", "ended_early_on",
                                    "end_reason", "lapse_accepted_for"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        values = [_iso(v) if isinstance(v, date) else v for v in fields.values()]
        assignments = ", ".join(f"{name} = ?" for name in fields)  # names come from `allowed` only
        await conn.execute(f"UPDATE agreements SET {assignments}, updated_at = ? WHERE id = ?",
                           (*values, to_db(now), agreement_id))

    async def accept_lapse(self, conn: aiosqlite.Connection, agreement_id: int, end: date, now: datetime) -> bool:
        """"Biarkan berakhir" for this end date; False when it was already chosen."""
        cur = await conn.execute(
            """UPDATE agreements SET lapse_accepted_for = ?, updated_at = ?
               WHERE id = ? AND end_date = ? AND lapse_accepted_for IS NOT ?""",
            (_iso(end), to_db(now), agreement_id, _iso(end), _iso(end)),
        )
        return cur.rowcount == 1

    async def set_rights(self, conn: aiosqlite.Connection, agreement_id: int, position: int,
                         text: str | None) -> None:
        await conn.execute("UPDATE agreement_parties SET rights_obligations = ? WHERE agreement_id = ? AND position = ?",
                           (text, agreement_id, position))

    # -- history ---------------------------------------------------------------------------
    async def add_event(self, conn: aiosqlite.Connection, agreement_id: int, kind: EventKind, now: datetime, *,
                        by_user: int | None = None, field: str | None = None, old_value: str | None = None,
                        new_value: str | None = None, note: str | None = None) -> None:
        await conn.execute(
            """INSERT INTO agreement_events(agreement_id, at, by_user, kind, field, old_value, new_value, note)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            (agreement_id, to_db(now), by_user, kind, field, old_value, new_value, note),
        )

    async def events(self, agreement_id: int) -> list[AgreementEvent]:
        rows = await self.db.fetchall("SELECT * FROM agreement_events WHERE agreement_id = ? ORDER BY at, id",
                                      (agreement_id,))
        return [AgreementEvent(**_convert(r)) for r in rows]

    # -- periods ---------------------------------------------------------------------------
    async def open_period(self, conn: aiosqlite.Connection, *, agreement_id: int, forum_id: int, index: int,
                          starts: date, ends: date, now: datetime) -> bool:
        cur = await conn.execute(
            """INSERT INTO agreement_periods(agreement_id, forum_id, period_index, starts, ends, opened_at)
               VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(agreement_id, period_index) DO NOTHING""",
            (agreement_id, forum_id, index, _iso(starts), _iso(ends), to_db(now)),
        )
        return cur.rowcount == 1

    async def periods(self, agreement_id: int) -> list[EvaluationPeriod]:
        rows = await self.db.fetchall(
            "SELECT * FROM agreement_periods WHERE agreement_id = ? ORDER BY period_index", (agreement_id,)
        )
        return [EvaluationPeriod(**_convert(r)) for r in rows]

    async def period(self, agreement_id: int, index: int) -> EvaluationPeriod | None:
        row = await self.db.fetchone(
            "SELECT * FROM agreement_periods WHERE agreement_id = ? AND period_index = ?", (agreement_id, index)
        )
        return EvaluationPeriod(**_convert(row)) if row else None

    async def mark_overdue(self, conn: aiosqlite.Connection, agreement_id: int, index: int, now: datetime) -> bool:
        cur = await conn.execute(
            """UPDATE agreement_periods SET overdue_at = ?
               WHERE agreement_id = ? AND period_index = ? AND overdue_at IS NULL""",
            (to_db(now), agreement_id, index),
        )
        return cur.rowcount == 1

    async def mark_summarized(self, conn: aiosqlite.Connection, agreement_id: int, index: int, count: int) -> bool:
        """Record that a summary with `count` answers went out; False if one with as many already did."""
        cur = await conn.execute(
            """UPDATE agreement_periods SET summarized_count = ?
               WHERE agreement_id = ? AND period_index = ? AND summarized_count < ?""",
            (count, agreement_id, index, count),
        )
        return cur.rowcount == 1

    # -- evaluations -----------------------------------------------------------------------
    async def evaluations(self, agreement_id: int, index: int | None = None) -> list[Evaluation]:
        if index is None:
            rows = await self.db.fetchall(
                "SELECT * FROM agreement_evaluations WHERE agreement_id = ? ORDER BY period_index, party_position",
                (agreement_id,),
            )
        else:
            rows = await self.db.fetchall(
                """SELECT * FROM agreement_evaluations WHERE agreement_id = ? AND period_index = ?
                   ORDER BY party_position""",
                (agreement_id, index),
            )
        return [Evaluation(**_convert(r)) for r in rows]

    async def evaluation(self, agreement_id: int, index: int, position: int) -> Evaluation | None:
        row = await self.db.fetchone(
            """SELECT * FROM agreement_evaluations
               WHERE agreement_id = ? AND period_index = ? AND party_position = ?""",
            (agreement_id, index, position),
        )
        return Evaluation(**_convert(row)) if row else None

    async def evaluation_by_id(self, evaluation_id: int) -> Evaluation | None:
        row = await self.db.fetchone("SELECT * FROM agreement_evaluations WHERE id = ?", (evaluation_id,))
        return Evaluation(**_convert(row)) if row else None

    _EVAL_FIELDS = frozenset({"rating", "went_well", "kendala", "photo_file_id", "user_id"})

    async def save_answer(self, *, agreement: Agreement, period: EvaluationPeriod, position: int,
                          user_id: int, now: datetime, **fields: Any) -> Evaluation:
        """Keep one answer of a party's evaluation (draft until submitted); returns the row."""
        unknown = set(fields) - self._EVAL_FIELDS
        if unknown:
            raise ValueError(f"not an evaluation field: {sorted(unknown)}")
        party = agreement.party(position)
        # Two idempotent statements: the row exists (insert or nothing), then the answer is set.
        await self.db.execute(
            """INSERT INTO agreement_evaluations(agreement_id, forum_id, period_index, period_start, period_end,
                   party_position, village_code, user_id, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(agreement_id, period_index, party_position) DO NOTHING""",
            (agreement.id, agreement.forum_id, period.period_index, _iso(period.starts), _iso(period.ends),
             position, party.village_code if party else None, user_id, to_db(now)),
        )
        if fields:
            assignments = ", ".join(f"{name} = ?" for name in fields)  # names from _EVAL_FIELDS only
            await self.db.execute(
                f"""UPDATE agreement_evaluations SET {assignments}, user_id = ?, updated_at = ?
                    WHERE agreement_id = ? AND period_index = ? AND party_position = ?""",
                (*fields.values(), user_id, to_db(now), agreement.id, period.period_index, position),
            )
        found = await self.evaluation(agreement.id, period.period_index, position)
        assert found is not None
        return found

    async def reset_evaluation(self, evaluation_id: int) -> None:
        """Answer again from the start: a draft's answers and its follow-ups are dropped."""
        # Both statements only touch a draft, so running them apart is safe.
        await self.db.execute("DELETE FROM agreement_followups WHERE evaluation_id = ? AND EXISTS (SELECT 1 FROM "
                              "agreement_evaluations e WHERE e.id = ? AND e.status = 'draft')",
                              (evaluation_id, evaluation_id))
        await self.db.execute(
            """UPDATE agreement_evaluations SET rating = NULL, went_well = NULL, kendala = NULL,
                   photo_file_id = NULL WHERE id = ? AND status = 'draft'""", (evaluation_id,))

    async def submit(self, conn: aiosqlite.Connection, evaluation_id: int, user_id: int, now: datetime) -> bool:
        cur = await conn.execute(
            """UPDATE agreement_evaluations SET status = 'submitted', submitted_at = ?, user_id = ?, updated_at = ?
               WHERE id = ? AND status = 'draft' AND rating IS NOT NULL""",
            (to_db(now), user_id, to_db(now), evaluation_id),
        )
        return cur.rowcount == 1

    async def with_evaluations_in(self, forum_id: int, start: date, end: date) -> list[tuple[Agreement, list[Evaluation]]]:
        """Agreements of the forum with submitted evaluations whose period ended in [start, end] (for reports)."""
        rows = await self.db.fetchall(
            """SELECT * FROM agreement_evaluations WHERE forum_id = ? AND status = 'submitted'
                   AND period_end >= ? AND period_end <= ? ORDER BY agreement_id, period_index, party_position""",
            (forum_id, _iso(start), _iso(end)),
        )
        grouped: dict[int, list[Evaluation]] = {}
        for row in rows:
            evaluation = Evaluation(**_convert(row))
            grouped.setdefault(evaluation.agreement_id, []).append(evaluation)
        out = []
        for agreement_id, evaluations in grouped.items():
            agreement = await self.get(agreement_id)
            if agreement is not None:
                out.append((agreement, evaluations))
        return out

    # -- follow-ups ------------------------------------------------------------------------
    async def add_followup(self, *, agreement: Agreement, evaluation: Evaluation, description: str,
                           owner_position: int | None, owner_name: str, due_date: date, created_by: int,
                           now: datetime) -> int:
        return await self.db.execute(
            """INSERT INTO agreement_followups(agreement_id, forum_id, evaluation_id, period_index, description,
                   owner_position, owner_name, due_date, created_by, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (agreement.id, agreement.forum_id, evaluation.id, evaluation.period_index, description, owner_position,
             owner_name, _iso(due_date), created_by, to_db(now)),
        )

    async def followups_of_evaluation(self, evaluation_id: int) -> list[FollowUp]:
        rows = await self.db.fetchall("SELECT * FROM agreement_followups WHERE evaluation_id = ? ORDER BY id",
                                      (evaluation_id,))
        return [FollowUp(**_convert(r)) for r in rows]

    async def followups(self, agreement_id: int, *, open_only: bool = False) -> list[FollowUp]:
        """Follow-ups of submitted evaluations (drafts' items are not visible yet)."""
        rows = await self.db.fetchall(
            f"""SELECT f.* FROM agreement_followups f JOIN agreement_evaluations e ON e.id = f.evaluation_id
                WHERE f.agreement_id = ? AND e.status = 'submitted'{' AND f.done_at IS NULL' if open_only else ''}
                ORDER BY f.due_date, f.id""",
            (agreement_id,),
        )
        return [FollowUp(**_convert(r)) for r in rows]

    async def followup(self, followup_id: int) -> FollowUp | None:
        row = await self.db.fetchone("SELECT * FROM agreement_followups WHERE id = ?", (followup_id,))
        return FollowUp(**_convert(row)) if row else None

    async def mark_done(self, conn: aiosqlite.Connection, followup_id: int, user_id: int, now: datetime) -> bool:
        cur = await conn.execute(
            "UPDATE agreement_followups SET done_at = ?, done_by = ? WHERE id = ? AND done_at IS NULL",
            (to_db(now), user_id, followup_id),
        )
        return cur.rowcount == 1
