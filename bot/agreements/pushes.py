"""What the kerja sama lifecycle sends, written into the outbox inside the use case's transaction.

Only members of the forum receive messages, found by the village a koordinator approved for them;
a third party has no village and is not a Telegram user, so it never receives anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from bot.agreements import views
from bot.texts import ForReader
from bot.view import View
from storage import outbox
from storage.agreements import Agreement, Party
from storage.models import Member, MemberInForum
from storage.outbox import Priority

KADES_JABATAN = ("kades", "pj_kades")
STAFF_ROLES = ("koordinator", "pendamping")


def key(agreement_id: int, *parts: object) -> str:
    return ":".join(["ks", str(agreement_id), *(str(p) for p in parts)])


def kades_of(members: Sequence[MemberInForum], village_code: str | None) -> Member | None:
    """The kades (or Pj) of a village among the forum's members, by approved village; None if none."""
    if not village_code:
        return None
    found = sorted((m.member for m in members if m.member.village_code == village_code
                    and m.member.jabatan in KADES_JABATAN and m.member.erased_at is None),
                   key=lambda m: m.user_id)
    return found[0] if found else None


def _recipients(agreement: Agreement, members: Sequence[MemberInForum], *, staff: bool) -> list[Member]:
    """Each village party's kades and every koordinator (and pendamping when `staff`), once each."""
    out: dict[int, Member] = {}
    for party in agreement.villages:
        person = kades_of(members, party.village_code)
        if person is not None:
            out.setdefault(person.user_id, person)
    roles = STAFF_ROLES if staff else ("koordinator",)
    for m in members:
        if m.membership.role in roles and m.member.erased_at is None:
            out.setdefault(m.member.user_id, m.member)
    return list(out.values())


async def _send(conn: aiosqlite.Connection, *, key_: str, to: Member, view: View, forum_id: int,
                now: datetime) -> None:
    await outbox.enqueue(conn, key=key_, chat_id=to.user_id, member_user_id=to.user_id, forum_id=forum_id,
                         text=view.text, reply_markup=view.bot_api_markup(), due_at=now, now=now,
                         priority=Priority.INTERACTIVE)


async def offer(conn: aiosqlite.Connection, agreement: Agreement, party: Party, kades: Member,
                now: datetime) -> None:
    """The surat penawaran to one partner village's kades, with Terima / Tolak / Tanya."""
    await _send(conn, key_=key(agreement.id, "offer", party.position, now.isoformat()), to=kades,
                view=views.offer(agreement, party, kades.language), forum_id=agreement.forum_id, now=now)


async def answered(conn: aiosqlite.Connection, agreement: Agreement, party: Party, answer: str, note: str | None,
                   members: Sequence[MemberInForum], now: datetime, *, exclude: int) -> None:
    """Tell the initiating village's kades and the koordinator how a partner answered."""
    initiator = agreement.party(agreement.initiator_position) if agreement.initiator_position else None
    people: dict[int, Member] = {}
    kades = kades_of(members, initiator.village_code if initiator else None)
    if kades is not None:
        people[kades.user_id] = kades
    for m in members:
        if m.membership.role == "koordinator" and m.member.erased_at is None:
            people.setdefault(m.member.user_id, m.member)
    for person in people.values():
        if person.user_id == exclude:
            continue
        await _send(conn, key_=key(agreement.id, "answer", party.position, answer, now.isoformat(),
                                   person.user_id),
                    to=person, view=views.offer_answered(agreement, party, answer, note, person.language),
                    forum_id=agreement.forum_id, now=now)


async def tell_parties(conn: aiosqlite.Connection, agreement: Agreement, members: Sequence[MemberInForum],
                       what: str, now: datetime, *, exclude: int | None, staff: bool = False, key_extra: str = "",
                       **params: Any) -> None:
    """A stage notice (signed, suspended, resumed, cancelled, reported) to the parties and the forum."""
    for person in _recipients(agreement, members, staff=staff or what in ("cancelled", "suspended")):
        if person.user_id == exclude:
            continue
        await _send(conn, key_=key(agreement.id, what, key_extra or now.isoformat(), person.user_id), to=person,
                    view=views.notice(agreement, what, person.language, **params), forum_id=agreement.forum_id,
                    now=now)


class ForClauses(ForReader):
    """The names of missing clauses, in the reader's language (for an error raised before it is known)."""

    __slots__ = ()

    def __init__(self, codes: Sequence[str]) -> None:
        super().__init__(lambda lang: views.clause_names(codes, lang))
