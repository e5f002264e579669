"""Use cases of a signed kerja sama (stage pelaksanaan/pelaporan): record one signed on paper, amend a
clause, end early, renew, let it lapse, submit an evaluation, close a follow-up.

Each takes `Services` and plain values (never a Telegram object), checks the asker through the access
layer (`Access.party_standing` for changes: the koordinator, the pendamping or a kades of a party
village), writes in one `services.write()` unit and enqueues the pushes it causes in that unit.
`lang` is the actor's language, used (as before) for the dates and labels quoted in the pushes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from bot.access import PartyStanding
from bot.agreements import rules, views
from bot.bidang import bidang_label
from bot.errors import InvalidInput, NotFound, NotPermitted, StaleAction
from bot.periods import DEFAULT_RHYTHM
from bot.permissions import STAFF
from bot.services import Services
from bot.texts import t
from bot.timefmt import format_date, format_rupiah
from scheduler import agreements as pushes
from scheduler.agreements import forum_zone
from storage import outbox
from storage.agreements import (
    Agreement,
    AgreementEvent,
    AgreementRepo,
    Evaluation,
    EvaluationPeriod,
    FollowUp,
    NewParty,
)
from storage.models import Forum

log = logging.getLogger(__name__)

# Fields an amendment can change (the record's buttons offer these, in this order).
AMEND_FIELDS = ("title", "bidang", "objective", "scope", "rights", "funding_source", "funding_amount", "legal_basis",
                "executing_body", "start_date", "end_date", "rhythm", "document")


@dataclass(frozen=True)
class Detail:
    """What the signed agreement's detail shows (loaded first; the view touches no database)."""
    agreement: Agreement
    opened: list[EvaluationPeriod]
    evaluations: list[Evaluation]
    followups: list[FollowUp]
    events: list[AgreementEvent]
    today: date
    zone: ZoneInfo


async def detail(services: Services, agreement: Agreement, zone: ZoneInfo) -> Detail:
    r = repo(services)
    return Detail(agreement, await r.periods(agreement.id), await r.evaluations(agreement.id),
                  await r.followups(agreement.id), await r.events(agreement.id),
                  services.clock.now().astimezone(zone).date(), zone)


@dataclass(frozen=True)
class Listed:
    """The agreements one asker sees in a forum, each with its state (loaded first for the pure view)."""
    forum_name: str
    today: date
    items: Sequence[tuple[Agreement, str]]


async def listing(services: Services, forum: Forum, user_id: int) -> Listed:
    """The staff see every agreement of the forum; a member those of their approved village."""
    membership, member = await services.access.member_in(forum.id, user_id)
    r = repo(services)
    if membership.role in STAFF:
        found = await r.in_forum(forum.id)
    else:
        found = await r.for_villages(forum.id, {member.village_code} if member.village_code else set())
    today = services.clock.now().astimezone(forum_zone(forum)).date()
    items = [(a, rules.state_of(a, await r.periods(a.id), await r.evaluations(a.id), today)) for a in found]
    return Listed(forum.name, today, items)


def require_running(agreement: Agreement) -> None:
    """Amend / end / renew only a signed agreement still running."""
    if agreement.status != "active":
        raise StaleAction("agr.err.ended")
    if agreement.stage not in ("pelaksanaan", "pelaporan"):
        # Before signing the clauses change through the lifecycle forms; suspended or cancelled: nothing.
        raise StaleAction("ks.err.wrong_stage", stage=views.label(f"ks.stage.{agreement.stage}"))


async def standing(services: Services, agreement: Agreement, user_id: int) -> PartyStanding:
    villages = {p.position: p.village_code for p in agreement.parties if p.kind == "desa"}
    return await services.access.party_standing(agreement.forum_id, user_id, villages)


def repo(services: Services) -> AgreementRepo:
    """Reads outside a write (a write reads through `tx.agreements`)."""
    return AgreementRepo(services.db)


async def get(services: Services, agreement_id: int) -> Agreement:
    agreement = await repo(services).get(agreement_id)
    if agreement is None:
        raise NotFound()
    return agreement


async def editable(services: Services, agreement_id: int, user_id: int) -> Agreement:
    """The running agreement if the asker may change it; NotFound for outsiders, NotPermitted for viewers."""
    agreement = await get(services, agreement_id)
    who = await standing(services, agreement, user_id)
    if not who.may_view:
        raise NotFound()
    if not who.may_edit:
        raise NotPermitted("ks.err.not_editor")
    require_running(agreement)
    return agreement


async def viewable(services: Services, agreement_id: int, user_id: int) -> Agreement:
    """The agreement for a party's member, the koordinator or the pendamping; NotFound for anyone else."""
    agreement = await get(services, agreement_id)
    if not (await standing(services, agreement, user_id)).may_view:
        raise NotFound()
    return agreement


async def start_locked(services: Services, agreement_id: int) -> bool:
    """The start date cannot move once a period was opened for evaluation."""
    return bool(await repo(services).periods(agreement_id))


# -- record one signed on paper ----------------------------------------------------------------
@dataclass(frozen=True)
class Signed:
    """What the "already signed" form collected (plain values)."""
    title: str
    parties: list[NewParty]  # villages first, then third parties, rights set per party
    bidang: str | None
    objective: str | None
    scope: str | None
    funding_source: str | None
    funding_amount: int | None
    legal_basis: str | None
    executing_body: str | None
    start: date
    end: date
    rhythm: str | None
    document: tuple[str | None, str | None]


async def require_may_register(services: Services, forum_id: int, user_id: int, villages: list[str]) -> None:
    """The koordinator or pendamping, or a member whose approved village is one of the parties."""
    membership, member = await services.access.member_in(forum_id, user_id)
    if membership.role in STAFF:
        return
    if member.village_code not in villages:
        raise NotPermitted("agr.err.not_party")


async def register_signed(services: Services, forum_id: int, user_id: int, signed: Signed, lang: str) -> int:
    """Save an agreement signed on paper (stage pelaksanaan); tell the other parties, the koordinator, the group."""
    villages = [p.village_code for p in signed.parties if p.kind == "desa" and p.village_code]
    await require_may_register(services, forum_id, user_id, villages)
    forum = await services.forums.get(forum_id)
    if forum is None:
        raise StaleAction()
    now = services.clock.now()
    members = await services.members.in_forum(forum.id)
    async with services.write() as tx:
        agreement_id = await tx.agreements.create(
            tx.conn, forum_id=forum.id, title=signed.title, bidang=signed.bidang, objective=signed.objective,
            scope=signed.scope, funding_source=signed.funding_source, funding_amount=signed.funding_amount,
            legal_basis=signed.legal_basis, executing_body=signed.executing_body, start_date=signed.start,
            end_date=signed.end, rhythm=signed.rhythm or DEFAULT_RHYTHM,
            eval_from=now.astimezone(forum_zone(forum)).date(), document_file_id=signed.document[0],
            document_kind=signed.document[1], parties=signed.parties, created_by=user_id, now=now,
        )
        await tx.drafts.clear(user_id)
        shell = (agreement_id, forum.id, signed.title, [p.village_code for p in signed.parties if p.kind == "desa"])
        await pushes.notify_parties(tx.conn, shell, members, key_prefix=pushes.key(agreement_id, "created"),
                                    text_key="agr.new.announce", now=now, exclude=user_id,
                                    start=format_date(signed.start, lang), end=format_date(signed.end, lang))
        thread = await tx.forums.topic(forum.id, "agreements")
        if forum.group_chat_id is not None:
            await tx.outbox.enqueue(
                key=pushes.key(agreement_id, "created", "group"), chat_id=forum.group_chat_id,
                thread_id=thread, forum_id=forum.id, due_at=now, now=now, priority=outbox.Priority.INTERACTIVE,
                text=t("agr.new.group", forum.language, title=signed.title,
                       parties=", ".join(p.name for p in signed.parties)),
            )
    services.delivery.wake()
    log.info("event=agreement_created forum=%s agreement=%s by=%s", forum.id, agreement_id, user_id)
    return agreement_id


# -- amend / end / renew / lapse -----------------------------------------------------------------
def shown(field: str, value: Any, lang: str) -> str:
    """A field's value as quoted in the history and the pushes."""
    if value in (None, ""):
        return "-"
    if field == "funding_amount":
        return format_rupiah(int(value))
    if field in ("start_date", "end_date"):
        return format_date(value if isinstance(value, date) else date.fromisoformat(value), lang)
    if field == "bidang":
        return bidang_label(str(value), lang)
    if field == "rhythm":
        return rules.rhythm_label(str(value), lang)
    if field == "document":
        return str(t("agr.card.doc_yes", lang))
    return str(value)


async def amend(services: Services, agreement_id: int, user_id: int, *, field: str, value: Any,
                position: int | None, note: str, lang: str) -> Agreement:
    """Change one clause of a running agreement; the history keeps old and new; the parties are told.

    `value`: the new text / code / amount, an ISO date for the dates, [file_id, kind] for the document."""
    if field not in AMEND_FIELDS:
        raise StaleAction()
    agreement = await editable(services, agreement_id, user_id)
    now = services.clock.now()
    opened = await repo(services).periods(agreement.id)
    members = await services.members.in_forum(agreement.forum_id)
    changes: dict[str, Any] = {}
    if field == "rights":
        party = agreement.party(int(position or 0))
        if party is None:
            raise StaleAction()
        old = party.rights_obligations
    elif field == "document":
        old = "✓" if agreement.document_file_id else None
        changes = {"document_file_id": value[0], "document_kind": value[1]}
    else:
        old = getattr(agreement, field)
        changes = {field: date.fromisoformat(value) if field in ("start_date", "end_date") else value}
    if field in ("start_date", "end_date", "rhythm"):
        start = changes.get("start_date", agreement.start_date)
        end = changes.get("end_date", agreement.end_date)
        if field == "end_date" and end < rules.earliest_end(start, opened):
            raise InvalidInput("agr.bad.end_before_evaluated",
                               date=format_date(rules.earliest_end(start, opened), lang))
        anchor, offset = rules.reschedule(start, end, changes.get("rhythm", agreement.rhythm), opened)
        changes |= {"schedule_anchor": anchor, "index_offset": offset}
    old_text = shown(field, old, lang)
    new_text = shown(field, value if field != "document" else "✓", lang)
    async with services.write() as tx:
        if field == "rights":
            await tx.agreements.set_rights(tx.conn, agreement.id, int(position or 0), value)
        else:
            await tx.agreements.update_fields(tx.conn, agreement.id, now, **changes)
        await tx.agreements.add_event(tx.conn, agreement.id, "amended", now, by_user=user_id, field=field,
                                      old_value=old_text, new_value=new_text, note=note)
        if field == "end_date":
            await tx.outbox.cancel_prefix(pushes.key(agreement.id, "exp") + ":")
            await tx.agreements.update_fields(tx.conn, agreement.id, now, lapse_accepted_for=None)
        await tx.drafts.clear(user_id)
        stamp = int(now.timestamp())
        await pushes.notify_parties(tx.conn, agreement, members, key_prefix=pushes.key(agreement.id, "amend", stamp),
                                    text_key="agr.amend.announce", now=now, exclude=user_id,
                                    field=str(t(f"agr.field.{field}", lang)), old=old_text, new=new_text, note=note)
    services.delivery.wake()
    log.info("event=agreement_amended agreement=%s field=%s by=%s", agreement.id, field, user_id)
    return agreement


async def end_range(services: Services, agreement: Agreement) -> tuple[date, date]:
    """The days an early end may take: after the last evaluated period, not after the planned end."""
    opened = await repo(services).periods(agreement.id)
    return rules.earliest_end(agreement.start_date, opened), agreement.end_date


async def check_end_day(services: Services, agreement: Agreement, day: date, lang: str) -> None:
    earliest, latest = await end_range(services, agreement)
    if day < earliest or day > latest:
        raise InvalidInput("agr.bad.end_range", earliest=format_date(earliest, lang), end=format_date(latest, lang))


async def end_early(services: Services, agreement_id: int, user_id: int, *, day: date, reason: str,
                    lang: str) -> Agreement:
    agreement = await editable(services, agreement_id, user_id)
    await check_end_day(services, agreement, day, lang)
    now = services.clock.now()
    opened = await repo(services).periods(agreement.id)
    anchor, offset = rules.reschedule(agreement.start_date, day, agreement.rhythm, opened)
    members = await services.members.in_forum(agreement.forum_id)
    async with services.write() as tx:
        await tx.agreements.update_fields(tx.conn, agreement.id, now, status="ended", end_date=day,
                                          ended_early_on=day, end_reason=reason, schedule_anchor=anchor,
                                          index_offset=offset)
        await tx.agreements.add_event(tx.conn, agreement.id, "ended", now, by_user=user_id,
                                      new_value=day.isoformat(), note=reason)
        await tx.outbox.cancel_prefix(pushes.key(agreement.id, "exp") + ":")
        await tx.drafts.clear(user_id)
        await pushes.notify_parties(tx.conn, agreement, members, key_prefix=pushes.key(agreement.id, "ended"),
                                    text_key="agr.end.announce", now=now, exclude=user_id,
                                    date=format_date(day, lang), reason=reason)
    services.delivery.wake()
    log.info("event=agreement_ended agreement=%s by=%s", agreement.id, user_id)
    return agreement


async def renew(services: Services, agreement_id: int, user_id: int, *, new_end: date, lang: str) -> Agreement:
    agreement = await editable(services, agreement_id, user_id)
    if new_end <= agreement.end_date:
        raise InvalidInput("agr.bad.renew_after", end=format_date(agreement.end_date, lang))
    now = services.clock.now()
    opened = await repo(services).periods(agreement.id)
    anchor, offset = rules.reschedule(agreement.start_date, new_end, agreement.rhythm, opened)
    members = await services.members.in_forum(agreement.forum_id)
    async with services.write() as tx:
        await tx.agreements.update_fields(tx.conn, agreement.id, now, end_date=new_end, schedule_anchor=anchor,
                                          index_offset=offset, lapse_accepted_for=None)
        # ISO dates: the history is read in each reader's language (views.event_line formats them).
        await tx.agreements.add_event(tx.conn, agreement.id, "renewed", now, by_user=user_id,
                                      old_value=agreement.end_date.isoformat(), new_value=new_end.isoformat())
        await tx.outbox.cancel_prefix(pushes.key(agreement.id, "exp") + ":")
        await tx.drafts.clear(user_id)
        await pushes.notify_parties(tx.conn, agreement, members,
                                    key_prefix=pushes.key(agreement.id, "renewed", new_end.isoformat()),
                                    text_key="agr.renew.announce", now=now, exclude=user_id,
                                    end=format_date(new_end, lang))
    services.delivery.wake()
    log.info("event=agreement_renewed agreement=%s by=%s", agreement.id, user_id)
    return agreement


async def let_lapse(services: Services, agreement_id: int, user_id: int, end: date) -> Agreement:
    """"Biarkan berakhir": no more expiry warnings for this end date (a party's member or the staff)."""
    agreement = await get(services, agreement_id)
    if not (await standing(services, agreement, user_id)).may_view:
        raise NotFound()
    if agreement.status != "active" or agreement.end_date != end:
        raise StaleAction()
    now = services.clock.now()
    async with services.write() as tx:
        if await tx.agreements.accept_lapse(tx.conn, agreement.id, end, now):
            await tx.agreements.add_event(tx.conn, agreement.id, "lapse", now, by_user=user_id,
                                          new_value=end.isoformat())
            await tx.outbox.cancel_prefix(pushes.key(agreement.id, "exp") + ":")
    return agreement


# -- evaluations and follow-ups ------------------------------------------------------------------
async def submit_evaluation(services: Services, agreement: Agreement, period: EvaluationPeriod, position: int,
                            user_id: int) -> None:
    """Submit a party's evaluation: follow-up reminders planned; the summary once every party answered (or late).

    The caller has checked (`evaluation_target` in the handler's loader) that the asker answers for `position`."""
    evaluation = await repo(services).evaluation(agreement.id, period.period_index, position)
    if evaluation is None:
        raise StaleAction()
    forum = await services.forums.get(agreement.forum_id)
    if forum is None:
        raise StaleAction()
    now = services.clock.now()
    members = await services.members.in_forum(forum.id)
    items = await repo(services).followups_of_evaluation(evaluation.id)
    async with services.write() as tx:
        if not await tx.agreements.submit(tx.conn, evaluation.id, user_id, now):
            raise StaleAction("agr.ev.already_short")
        await pushes.schedule_followup_reminders(tx.conn, services, agreement, forum, items, members, now)
        await tx.drafts.clear(user_id)
        await tx.outbox.cancel_prefix(pushes.key(agreement.id, f"p{period.period_index}",
                                                 f"v{evaluation.party_position}", "remind"))
    log.info("event=agreement_evaluated agreement=%s period=%s party=%s", agreement.id, period.period_index,
             evaluation.party_position)
    evaluations = await repo(services).evaluations(agreement.id, period.period_index)
    late = now - period.opened_at >= rules.LATE_AFTER
    if not rules.missing_positions(agreement, evaluations) or late:
        fresh = await repo(services).period(agreement.id, period.period_index)
        if fresh is not None:
            await pushes.summarize(services, agreement, fresh, now)
    services.delivery.wake()


def may_close_followup(agreement: Agreement, owner_position: int | None, created_by: int, *, user_id: int,
                       staff: bool, village: str | None) -> bool:
    """The staff, whoever wrote it, or a member of the owner village."""
    if staff or user_id == created_by:
        return True
    owner = agreement.party(owner_position) if owner_position else None
    return owner is not None and owner.village_code is not None and owner.village_code == village


async def close_followup(services: Services, followup_id: int, user_id: int) -> str:
    """Mark a follow-up done (a member of its owner village, whoever wrote it, or the staff); later
    reminders are cancelled. Returns the follow-up's text."""
    item = await repo(services).followup(followup_id)
    if item is None:
        raise NotFound()
    agreement = await get(services, item.agreement_id)
    who = await standing(services, agreement, user_id)
    if not who.may_view:
        raise NotFound()
    village = await services.access.village_of(agreement.forum_id, user_id)
    if not may_close_followup(agreement, item.owner_position, item.created_by, user_id=user_id, staff=who.staff,
                              village=village):
        raise NotPermitted("agr.err.not_owner")
    now = services.clock.now()
    async with services.write() as tx:
        done = await tx.agreements.mark_done(tx.conn, item.id, user_id, now)
        await tx.outbox.cancel_prefix(pushes.key(agreement.id, "fu", item.id) + ":")
    if not done:
        raise StaleAction("agr.fu.already_done")
    log.info("event=followup_done agreement=%s followup=%s by=%s", agreement.id, item.id, user_id)
    return item.description
