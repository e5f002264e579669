"""Meeting use cases: one async function each, taking Services and plain values.

Each checks the asker's right through the access layer, writes through one unit of work
(`services.write()`), and writes the pushes the change causes in that same transaction.
Handlers, planners, the console and tests all call these; none takes a Telegram object.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.errors import Conflict, InvalidInput, NotAMember, NotFound, NotPermitted, StaleAction
from bot.meetings.loaders import reminder_codes, repo, village_label
from bot.meetings.pushes import (
    Context,
    action_done_prefix,
    attendance_prefix,
    host_prefix,
    notify_change,
    plan_action,
    post_minutes,
    push_context,
    queue_tally,
    queue_tally_of,
    reminders_prefix,
    replan_all,
    replan_member,
    swap_requests,
    swap_result,
)
from bot.meetings.rules import (
    DEFAULT_REMINDERS,
    REMINDERS,
    Answer,
    Turn,
    check_rsvp,
    clean_codes,
    swap_partner,
)
from bot.permissions import Action
from bot.services import Services
from storage import outbox
from storage.meetings import ActionItem, HostSwap, Meeting
from storage.models import Forum, MemberInForum
from storage.unit import Unit

log = logging.getLogger(__name__)

# -- who may see and do what -------------------------------------------------------------------------
async def meeting_for(services: Services, meeting_id: int, user_id: int, action: Action) -> tuple[Meeting, Forum]:
    """The meeting and its forum, if the user may do `action` there (else NotFound/NotPermitted)."""
    meeting = await repo(services).get(meeting_id)
    if meeting is None:
        raise NotFound()
    forum, _ = await services.access.require(meeting.forum_id, user_id, action)
    return meeting, forum


async def is_koordinator(services: Services, forum_id: int, user_id: int) -> bool:
    membership = await services.members.membership(forum_id, user_id)
    return membership is not None and membership.status == "active" and membership.role == "koordinator"


# -- RSVP ---------------------------------------------------------------------------------------------
async def rsvp(services: Services, meeting_id: int, user_id: int, answer: Answer, *, party_size: int | None = None,
               via: str = "private") -> tuple[Meeting, bool]:
    """Record an answer with its reminders and a coalesced tally edit, in one transaction.

    Returns the meeting and whether anything changed (repeating the same answer changes nothing).
    """
    _, forum = await meeting_for(services, meeting_id, user_id, Action.RSVP)
    now = services.clock.now()
    try:
        _, member = await services.access.member_in(forum.id, user_id)
    except NotAMember:
        raise StaleAction() from None  # left the forum between the check and now
    # Only the invitees' ids: the full member list (names, villages) is not needed to count.
    invited = await repo(services).invitees(forum.id)
    async with services.write() as tx:
        fresh = await tx.meetings.get(meeting_id)
        if fresh is None:
            raise NotFound()
        rsvps = await tx.meetings.rsvps(meeting_id)
        own = next((r for r in rsvps if r.user_id == user_id), None)
        size = party_size if party_size is not None else (own.party_size if own else 1)
        if own is not None and own.answer == answer and own.party_size == size:
            return fresh, False
        others = sum(r.party_size for r in rsvps if r.answer == "yes" and r.user_id != user_id)
        check_rsvp(cancelled=fresh.cancelled, starts_at=fresh.starts_at, deadline=fresh.rsvp_deadline, now=now,
                   answer=answer, party_size=size, people_others=others, max_attendees=fresh.max_attendees)
        reason = own.reason if own is not None and own.answer == answer == "no" else None
        await tx.meetings.set_rsvp(meeting_id=meeting_id, user_id=user_id, answer=answer, party_size=size,
                                   reason=reason, via=via, now=now)
        updated = await tx.meetings.rsvp(meeting_id, user_id)
        if fresh.announced_at is not None:
            await replan_member(tx, services, fresh, member, updated, now)
        await queue_tally_of(tx, services, meeting_id, invited, now)
    services.delivery.wake()
    log.info("event=rsvp meeting=%s user=%s answer=%s party=%s via=%s", meeting_id, user_id, answer, size, via)
    return fresh, True


async def give_reason(services: Services, meeting_id: int, user_id: int, reason: str) -> Meeting:
    """Keep why the member cannot come (only after answering Tidak hadir); ends their small form."""
    meeting, _ = await meeting_for(services, meeting_id, user_id, Action.RSVP)
    async with services.write() as tx:
        own = await tx.meetings.rsvp(meeting_id, user_id)
        if own is None or own.answer != "no":
            raise StaleAction()
        await tx.meetings.set_rsvp_reason(meeting_id, user_id, reason)
        await services.drafts.delete(tx.conn, user_id)  # its small form ends in the same commit
    return meeting


# -- changing -----------------------------------------------------------------------------------------
async def editable(services: Services, meeting_id: int, user_id: int) -> Meeting:
    """The meeting, if the user may manage it and it can still change (not cancelled, not started)."""
    meeting, _ = await meeting_for(services, meeting_id, user_id, Action.MANAGE_MEETING)
    if meeting.cancelled or meeting.starts_at <= services.clock.now():
        raise InvalidInput("meet.edit.too_late")
    return meeting


# -- reminders ----------------------------------------------------------------------------------------
async def meeting_reminders(services: Services, meeting_id: int, user_id: int) -> tuple[Meeting, list[str]]:
    meeting, _ = await meeting_for(services, meeting_id, user_id, Action.MANAGE_MEETING)
    return meeting, await reminder_codes(repo(services), meeting)


async def toggle_reminder(services: Services, meeting_id: int, user_id: int, code: str) -> tuple[Meeting, list[str]]:
    """Switch one reminder of this meeting on or off (starting from the forum's); replan everyone's."""
    meeting, codes = await meeting_reminders(services, meeting_id, user_id)
    if code not in REMINDERS:
        raise StaleAction()
    codes = clean_codes(set(codes) ^ {code})
    ctx = await push_context(services, meeting.forum_id)
    async with services.write() as tx:
        await tx.meetings.update(meeting.id, ctx.now, reminders=codes)
        fresh = await tx.meetings.get(meeting.id)
        assert fresh is not None
        await replan_all(tx, ctx, fresh)
    services.delivery.wake()
    return meeting, codes


async def forum_reminders(services: Services, forum_id: int) -> list[str]:
    """The forum's default reminders for new meetings."""
    codes = await repo(services).forum_reminders(forum_id)
    return clean_codes(codes if codes is not None else DEFAULT_REMINDERS)


async def toggle_forum_reminder(services: Services, forum_id: int, user_id: int, code: str) -> tuple[Forum, list[str]]:
    forum, _ = await services.access.require(forum_id, user_id, Action.MANAGE_MEETING)
    if code not in REMINDERS:
        raise StaleAction()
    current = clean_codes(set(await forum_reminders(services, forum.id)) ^ {code})
    await repo(services).set_forum_reminders(forum.id, current, user_id, services.clock.now())
    return forum, current


# -- cancelling ----------------------------------------------------------------------------------------
async def cancel(services: Services, meeting_id: int, user_id: int, scope: str) -> int:
    """Cancel one meeting (or, scope 'all', the rest of its series): reminders go, everyone invited is told.

    Returns how many meetings were cancelled.
    """
    meeting, forum = await meeting_for(services, meeting_id, user_id, Action.MANAGE_MEETING)
    now = services.clock.now()
    if meeting.cancelled:
        raise Conflict("meet.cancel.already")
    if meeting.starts_at <= now:
        raise InvalidInput("meet.edit.too_late")
    targets = [meeting]
    if scope == "all" and meeting.series_id is not None:
        targets = [m for m in await repo(services).series_meetings(meeting.series_id)
                   if m.status == "scheduled" and m.starts_at > now and (m.seq or 0) >= (meeting.seq or 0)]
    ctx = await push_context(services, forum.id)
    async with services.write() as tx:
        for target in targets:
            await tx.meetings.update(target.id, now, status="cancelled", cancelled_at=now)
            for prefix in (reminders_prefix(target.id), attendance_prefix(target.id), host_prefix(target.id)):
                await outbox.cancel_prefix(tx.conn, prefix)
            fresh = await tx.meetings.get(target.id)
            assert fresh is not None
            if fresh.announced_at is not None:
                await notify_change(tx, ctx, fresh, [], cancelled=True)
                await tx.meetings.bump_tally(fresh.id)
                await queue_tally(tx, services, fresh.id, ctx.members, now)
        if scope == "all" and meeting.series_id is not None and (meeting.seq or 1) == 1:
            await tx.meetings.cancel_series(meeting.series_id, now)
    services.delivery.wake()
    log.info("event=meeting_cancelled meeting=%s scope=%s count=%d by=%s", meeting.id, scope, len(targets), user_id)
    return len(targets)


# -- host rotation: swaps ------------------------------------------------------------------------------
async def host_of(services: Services, meeting_id: int, user_id: int) -> tuple[Meeting, Forum, MemberInForum]:
    """The meeting, if the user is the kades of its host village (else NotPermitted)."""
    meeting, forum = await meeting_for(services, meeting_id, user_id, Action.RSVP)
    members = await services.members.in_forum(meeting.forum_id)
    entry = next((m for m in members if m.member.user_id == user_id), None)
    if entry is None or entry.member.village_code != meeting.host_village_code:
        raise NotPermitted("meet.host.not_host")
    return meeting, forum, entry


async def swap_candidates(services: Services, meeting_id: int, user_id: int) -> tuple[Meeting, dict[str, str]]:
    """The villages the host may ask to swap with (code -> name), in member order."""
    meeting, _, _ = await host_of(services, meeting_id, user_id)
    if meeting.starts_at <= services.clock.now() or meeting.cancelled:
        raise InvalidInput("meet.edit.too_late")
    villages: dict[str, str] = {}
    for entry in await services.members.in_forum(meeting.forum_id):
        if entry.village is not None and entry.village.code != meeting.host_village_code:
            villages.setdefault(entry.village.code, entry.village.name)
    if not villages:
        raise InvalidInput("meet.bad.no_villages")
    return meeting, villages


async def request_swap(services: Services, meeting_id: int, user_id: int, other_village: str) -> str:
    """Ask the kades of `other_village` to host instead (trading turns when the series has one).

    Returns the other village's label.
    """
    meeting, forum, _ = await host_of(services, meeting_id, user_id)
    now = services.clock.now()
    members = await services.members.in_forum(forum.id)
    counterparts = [m for m in members if m.member.village_code == other_village and m.member.erased_at is None]
    if not counterparts or meeting.host_village_code is None:
        raise StaleAction()
    partner = None
    if meeting.series_id is not None:
        turns = [Turn(m.id, m.starts_at, m.host_village_code)
                 for m in await repo(services).series_meetings(meeting.series_id) if m.status == "scheduled"]
        partner = swap_partner(turns, meeting.id, other_village, now)
    mine = await village_label(services, meeting.host_village_code)
    async with services.write() as tx:
        swap_id = await tx.meetings.create_swap(meeting_id=meeting.id,
                                                other_meeting_id=partner.meeting_id if partner else None,
                                                from_village=meeting.host_village_code, to_village=other_village,
                                                requested_by=user_id, now=now)
        other_meeting = await tx.meetings.get(partner.meeting_id) if partner is not None else None
        await swap_requests(tx, swap_id, meeting, other_meeting, mine, [c.member for c in counterparts], now)
    services.delivery.wake()
    return await village_label(services, other_village)


async def answer_swap(services: Services, swap_id: int, user_id: int, accept: bool) -> Meeting:
    """The other village agrees (hosts swap; everyone is told) or declines (the asker is told)."""
    swap: HostSwap | None = await repo(services).swap(swap_id)
    if swap is None:
        raise StaleAction()
    if swap.status != "pending":
        raise Conflict("meet.host.already")
    meeting, forum = await meeting_for(services, swap.meeting_id, user_id, Action.RSVP)
    if await services.access.village_of(meeting.forum_id, user_id) != swap.to_village:
        raise NotPermitted("meet.host.not_host")
    now = services.clock.now()
    if accept and (meeting.starts_at <= now or meeting.cancelled or meeting.host_village_code != swap.from_village):
        raise InvalidInput("meet.edit.too_late")
    ctx = await push_context(services, forum.id)
    async with services.write() as tx:
        if not await tx.meetings.decide_swap(swap.id, accept, user_id, now):
            raise Conflict("meet.host.already")
        if accept:
            await _move_host(tx, ctx, swap.meeting_id, swap.to_village)
            if swap.other_meeting_id is not None:
                await _move_host(tx, ctx, swap.other_meeting_id, swap.from_village)
        requester = await services.members.get(swap.requested_by)
        if requester is not None:
            await swap_result(tx, swap, meeting, requester, await village_label(services, swap.to_village),
                              accept, now)
    services.delivery.wake()
    log.info("event=host_swap swap=%s accept=%s by=%s", swap.id, accept, user_id)
    return meeting


async def _move_host(tx: Unit, ctx: Context, meeting_id: int, village: str) -> None:
    meeting = await tx.meetings.get(meeting_id)
    if meeting is None or meeting.cancelled:
        return
    await tx.meetings.update(meeting_id, ctx.now, place_kind="village", host_village_code=village,
                             host_notified_at=ctx.now)
    fresh = await tx.meetings.get(meeting_id)
    assert fresh is not None
    if fresh.announced_at is not None:
        await notify_change(tx, ctx, fresh, ["host"])
        await tx.meetings.bump_tally(meeting_id)
        await queue_tally(tx, ctx.services, meeting_id, ctx.members, ctx.now)


# -- after the meeting: daftar hadir, notulen, action items ------------------------------------------------
@dataclass(frozen=True)
class AttendanceSheet:
    """Who is listed on the daftar hadir ([user_id, "Name (Village)"]) and who is ticked present."""

    meeting: Meeting
    people: list[list[int | str]]
    present: list[int]


async def attendance_sheet(services: Services, meeting_id: int, user_id: int) -> AttendanceSheet:
    """Every member, ticked if recorded present (or, the first time, if they said Hadir)."""
    meeting, forum = await meeting_for(services, meeting_id, user_id, Action.MANAGE_MEETING)
    if meeting.starts_at > services.clock.now():
        raise InvalidInput("meet.att.not_yet")
    if meeting.cancelled:
        raise InvalidInput("meet.rsvp.cancelled")
    members = await services.members.in_forum(forum.id)
    recorded = await repo(services).attendance(meeting.id)
    if recorded:
        present = [a.user_id for a in recorded if a.present]
        listed = {a.user_id for a in recorded}
    else:
        present = [r.user_id for r in await repo(services).rsvps(meeting.id) if r.answer == "yes"]
        listed = set()
    people: list[list[int | str]] = [
        [m.member.user_id, f"{m.member.full_name} ({m.village.name if m.village else '-'})"] for m in members
        if m.member.erased_at is None or m.member.user_id in listed]
    ids = {p[0] for p in people}
    return AttendanceSheet(meeting, people, [u for u in present if u in ids])


async def record_attendance(services: Services, meeting_id: int, user_id: int, listed: Sequence[int],
                            present: set[int]) -> tuple[Meeting, int]:
    """Save the daftar hadir (everyone listed, present or not); the koordinators' prompts go.

    Returns the meeting and how many were listed.
    """
    meeting, forum = await meeting_for(services, meeting_id, user_id, Action.MANAGE_MEETING)
    now = services.clock.now()
    members = {m.member.user_id: m for m in await services.members.in_forum(forum.id)}
    rows = []
    for uid in listed:
        entry = members.get(uid)
        rows.append((uid, entry.member.village_code if entry else None, uid in present))
    async with services.write() as tx:
        await tx.meetings.record_attendance(meeting.id, rows, user_id, now)
        await outbox.cancel_prefix(tx.conn, attendance_prefix(meeting.id))
        await services.drafts.delete(tx.conn, user_id)  # its small form ends in the same commit
    log.info("event=attendance meeting=%s present=%d of=%d by=%s", meeting.id, len(present), len(rows), user_id)
    return meeting, len(rows)


async def minutes_for(services: Services, meeting_id: int, user_id: int) -> Meeting:
    """The meeting whose notulen the user may write (a koordinator, once it has started)."""
    meeting, _ = await meeting_for(services, meeting_id, user_id, Action.MANAGE_MEETING)
    if meeting.starts_at > services.clock.now():
        raise InvalidInput("meet.att.not_yet")
    return meeting


@dataclass(frozen=True)
class PlannedAction:
    """An action item agreed in the meeting: what, who, by when."""

    text: str
    owner: int
    due: date


async def save_minutes(services: Services, meeting_id: int, user_id: int, decisions: Sequence[str],
                       actions: Sequence[PlannedAction]) -> Meeting:
    """Save the notulen, post them to the group and members, assign action items with reminders."""
    meeting, forum = await meeting_for(services, meeting_id, user_id, Action.MANAGE_MEETING)
    now = services.clock.now()
    members = await services.members.in_forum(forum.id)
    async with services.write() as tx:
        await tx.meetings.save_minutes(meeting.id, decisions, None, user_id, now)
        for action in actions:
            aid = await tx.meetings.add_action(meeting_id=meeting.id, forum_id=forum.id, text=action.text,
                                               owner_user_id=action.owner, due_date=action.due, now=now)
            owner = await services.members.get(action.owner)
            if owner is not None:
                await plan_action(tx, aid, action.text, owner, action.due, meeting, now)
        await post_minutes(tx, services, meeting, forum, members, list(decisions),
                           [(a.text, a.owner, a.due) for a in actions], now)
        await services.drafts.delete(tx.conn, user_id)  # its small form ends in the same commit
    services.delivery.wake()
    log.info("event=minutes meeting=%s decisions=%d actions=%d by=%s", meeting.id, len(decisions), len(actions),
             user_id)
    return meeting


async def mark_action_done(services: Services, action_id: int, user_id: int) -> ActionItem:
    """The owner (or a koordinator) marks an action item done; its reminders are cancelled."""
    item = await repo(services).action(action_id)
    if item is None:
        raise StaleAction()
    membership = await services.members.membership(item.forum_id, user_id)
    if membership is None or membership.status != "active":
        raise NotAMember()
    if item.owner_user_id != user_id and membership.role != "koordinator":
        raise NotPermitted("meet.actions.not_owner")
    async with services.write() as tx:
        done = await tx.meetings.mark_action_done(item.id, user_id, services.clock.now())
        await outbox.cancel_prefix(tx.conn, action_done_prefix(item.id))
    if not done:
        raise Conflict("meet.actions.already")
    log.info("event=action_done action=%s by=%s", item.id, user_id)
    return item
