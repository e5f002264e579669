"""Musyawarah of a kerja sama (MAD / Musdes): the meeting, its delegates, the berita acara.

The repository takes a `Handle`, so inside `services.write()` it reads its own writes.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from storage.database import Handle
from storage.timeutil import from_db, to_db

Kind = Literal["mad", "musdes"]
Answer = Literal["hadir", "tidak"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Delegate(_Model):
    id: int
    musyawarah_id: int
    party_position: int
    user_id: int | None
    name: str
    role: str | None
    answer: Answer | None
    answered_at: datetime | None
    present: bool | None
    recorded_by: int | None
    recorded_at: datetime | None


class Decision(_Model):
    position: int
    clause: str | None
    text: str


class Musyawarah(_Model):
    id: int
    agreement_id: int
    forum_id: int
    kind: Kind
    starts_at: datetime
    timezone: str
    place: str
    agenda: tuple[str, ...]
    status: str
    invited_at: datetime | None
    remind_at: datetime | None
    notes: str | None
    berita_at: datetime | None
    berita_by: int | None
    created_by: int
    created_at: datetime
    updated_at: datetime
    delegates: tuple[Delegate, ...] = ()
    decisions: tuple[Decision, ...] = ()

    def delegate_of(self, user_id: int) -> Delegate | None:
        return next((d for d in self.delegates if d.user_id == user_id), None)

    def delegate(self, delegate_id: int) -> Delegate | None:
        return next((d for d in self.delegates if d.id == delegate_id), None)


_MOMENTS = {"starts_at", "invited_at", "remind_at", "berita_at", "created_at", "updated_at", "answered_at",
            "recorded_at"}


def _convert(row: Any) -> dict[str, Any]:
    d = dict(row)
    for key in _MOMENTS & d.keys():
        d[key] = from_db(d[key])
    if "agenda" in d:
        d["agenda"] = tuple(json.loads(d["agenda"]))
    if "present" in d and d["present"] is not None:
        d["present"] = bool(d["present"])
    return d


class MusyawarahRepo:
    def __init__(self, db: Handle) -> None:
        self.db = db

    async def create(self, *, agreement_id: int, forum_id: int, kind: Kind, starts_at: datetime, timezone: str,
                     place: str, agenda: list[str], created_by: int, now: datetime) -> int:
        return await self.db.execute(
            """INSERT INTO musyawarah(agreement_id, forum_id, kind, starts_at, timezone, place, agenda, created_by,
                   created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (agreement_id, forum_id, kind, to_db(starts_at), timezone, place, json.dumps(agenda, ensure_ascii=False),
             created_by, to_db(now), to_db(now)))

    async def get(self, musyawarah_id: int) -> Musyawarah | None:
        row = await self.db.fetchone("SELECT * FROM musyawarah WHERE id = ?", (musyawarah_id,))
        if row is None:
            return None
        delegates = await self.db.fetchall(
            "SELECT * FROM musyawarah_delegates WHERE musyawarah_id = ? ORDER BY party_position, id",
            (musyawarah_id,))
        decisions = await self.db.fetchall(
            "SELECT position, clause, text FROM musyawarah_decisions WHERE musyawarah_id = ? ORDER BY position",
            (musyawarah_id,))
        return Musyawarah(**_convert(row), delegates=tuple(Delegate(**_convert(d)) for d in delegates),
                          decisions=tuple(Decision(**dict(d)) for d in decisions))

    async def of_agreement(self, agreement_id: int) -> list[Musyawarah]:
        rows = await self.db.fetchall(
            "SELECT id FROM musyawarah WHERE agreement_id = ? ORDER BY starts_at DESC, id DESC", (agreement_id,))
        found = [await self.get(int(r[0])) for r in rows]
        return [m for m in found if m is not None]

    async def add_delegate(self, musyawarah_id: int, *, party_position: int, name: str, role: str | None,
                           user_id: int | None = None) -> int | None:
        """A delegate; None when this member is already invited."""
        if user_id is not None and await self.db.fetchval(
                "SELECT 1 FROM musyawarah_delegates WHERE musyawarah_id = ? AND user_id = ?",
                (musyawarah_id, user_id)):
            return None
        return await self.db.execute(
            """INSERT INTO musyawarah_delegates(musyawarah_id, party_position, user_id, name, role)
               VALUES (?, ?, ?, ?, ?)""",
            (musyawarah_id, party_position, user_id, name, role))

    async def remove_delegate(self, musyawarah_id: int, delegate_id: int) -> None:
        await self.db.execute("DELETE FROM musyawarah_delegates WHERE musyawarah_id = ? AND id = ?",
                              (musyawarah_id, delegate_id))

    async def set_answer(self, delegate_id: int, answer: Answer, now: datetime) -> None:
        await self.db.execute("UPDATE musyawarah_delegates SET answer = ?, answered_at = ? WHERE id = ?",
                              (answer, to_db(now), delegate_id))

    async def set_present(self, delegate_id: int, present: bool, by_user: int, now: datetime) -> None:
        await self.db.execute(
            "UPDATE musyawarah_delegates SET present = ?, recorded_by = ?, recorded_at = ? WHERE id = ?",
            (int(present), by_user, to_db(now), delegate_id))

    async def mark_invited(self, musyawarah_id: int, *, remind_at: datetime | None, now: datetime) -> None:
        await self.db.execute(
            "UPDATE musyawarah SET invited_at = ?, remind_at = ?, updated_at = ? WHERE id = ?",
            (to_db(now), to_db(remind_at), to_db(now), musyawarah_id))

    async def due_reminders(self, now: datetime, limit: int = 500) -> list[int]:
        """Musyawarah whose H-1 reminder is due (by the partial index on remind_at)."""
        rows = await self.db.fetchall(
            "SELECT id FROM musyawarah WHERE remind_at IS NOT NULL AND remind_at <= ? ORDER BY remind_at LIMIT ?",
            (to_db(now), limit))
        return [int(r[0]) for r in rows]

    async def clear_reminder(self, musyawarah_id: int) -> None:
        await self.db.execute("UPDATE musyawarah SET remind_at = NULL WHERE id = ?", (musyawarah_id,))

    async def record_berita(self, musyawarah_id: int, *, decisions: list[tuple[str | None, str]],
                            notes: str | None, by_user: int, now: datetime) -> None:
        """The berita acara replaces any earlier one (a correction), and the musyawarah is held."""
        await self.db.execute("DELETE FROM musyawarah_decisions WHERE musyawarah_id = ?", (musyawarah_id,))
        await self.db.executemany(
            "INSERT INTO musyawarah_decisions(musyawarah_id, position, clause, text) VALUES (?, ?, ?, ?)",
            [(musyawarah_id, i, clause, text) for i, (clause, text) in enumerate(decisions, start=1)])
        await self.db.execute(
            """UPDATE musyawarah SET notes = ?, berita_at = ?, berita_by = ?, status = 'held', remind_at = NULL,
                   updated_at = ? WHERE id = ?""",
            (notes, to_db(now), by_user, to_db(now), musyawarah_id))
