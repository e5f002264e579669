"""Use cases of forum governance: roles, officers, handover, join requests, headless forums, votes.

Each function takes `Services` and plain values (never a Telegram object), checks permission,
runs one write transaction and writes the pushes the change causes in it. Handlers, the planner,
the operator's CLI and tests all call these.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import aiosqlite

from bot.callbacks import encode
from bot.errors import Conflict, NotAMember, NotFound, NotPermitted, StaleAction
from bot.members import rules
from bot.permissions import ROLES, Action, Role
from bot.render import profile_card, role_label
from bot.services import Services
from bot.texts import t
from bot.timefmt import format_date
from storage import outbox
from storage.governance import GovernanceRepo
from storage.models import Forum, Member, MemberInForum, Membership
from storage.outbox import Priority

log = logging.getLogger(__name__)

FEATURE = "gv"  # callback prefix of governance buttons (handlers.governance registers it)
JOIN_FEATURE = "o"  # the join decision buttons belong to onboarding ("o:dec:...")

async def role_changed(services: Services, user_id: int) -> None:
    """The one place a role change is announced to the rest of the bot (the command menu refresh)."""
    for listener in services.role_listeners:
        try:
            await listener(user_id)
        except Exception as exc:  # a menu is a nicety; the role change itself is done
            log.warning("event=role_listener_failed user=%s error=%s", user_id, type(exc).__name__)


def repo(services: Services) -> GovernanceRepo:
    return GovernanceRepo(services.db)


def _stamp(now: datetime) -> int:
    return int(now.timestamp())


async def _forum(services: Services, forum_id: int) -> Forum:
    forum = await services.forums.get(forum_id)
    if forum is None:
        raise NotFound()
    return forum


async def _name(services: Services, user_id: int | None, lang: str) -> str:
    if user_id is None:
        return str(t("gov.operator", lang))
    member = await services.members.get(user_id)
    return member.full_name if member else str(user_id)


async def _push(conn: aiosqlite.Connection, services: Services, *, key: str, to: Member, forum: Forum,
                text: str, rows: list[list[tuple[str, str]]] | None = None, now: datetime,
                priority: Priority = Priority.INTERACTIVE) -> None:
    if to.erased_at is not None:
        return
    await outbox.enqueue(conn, key=key, chat_id=to.user_id, member_user_id=to.user_id, forum_id=forum.id,
                         text=text, reply_markup=outbox.inline_keyboard(rows) if rows else None,
                         due_at=now, now=now, priority=priority)


# -- who leads -------------------------------------------------------------------------------------
async def headless_since(services: Services, forum: Forum) -> datetime | None:
    gov = repo(services)
    leaders = [rules.Leader(r.user_id, not r.unreachable, r.unreachable_at)
               for r in await gov.leaders(forum.id, "koordinator")]
    return rules.headless_since(leaders, await gov.last_koordinator_left(forum.id), forum.created_at)


async def reachable_koordinators(services: Services, forum_id: int) -> list[Member]:
    return [m for m in await services.members.coordinators(forum_id)
            if m.unreachable_reason is None and m.erased_at is None]


async def reachable_pendamping(services: Services, forum_id: int) -> list[Member]:
    return [e.member for e in await services.members.in_forum(forum_id, roles=("pendamping",))
            if e.member.unreachable_reason is None and e.member.erased_at is None]


async def is_last_koordinator(services: Services, forum_id: int, user_id: int) -> bool:
    """Shared by /keluar and /hapus_data: the user is the forum's only active koordinator."""
    return rules.is_last_koordinator(user_id, [m.user_id for m in await services.members.coordinators(forum_id)])


async def may_appoint(services: Services, forum: Forum, actor: int, now: datetime) -> bool:
    """A pendamping may appoint a koordinator only in a headless forum."""
    membership = await services.members.membership(forum.id, actor)
    if membership is None or membership.status != "active" or membership.role != "pendamping":
        return False
    return rules.is_headless(await headless_since(services, forum), now)


# -- roles -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RoleChange:
    forum: Forum
    user_id: int
    old: str
    new: str


async def change_role(services: Services, *, forum_id: int, actor: int | None, target: int, role: str,
                      how: str = "peran") -> RoleChange:
    """Give or take a role. `actor` None is the operator (CLI) or a vote.

    Refused when it would take the role from the forum's last active koordinator.
    """
    if role not in ROLES:
        raise StaleAction()
    forum = await _forum(services, forum_id)
    now = services.clock.now()
    if actor is not None:
        membership = await services.members.membership(forum_id, actor)
        if membership is None or membership.status != "active":
            raise NotAMember()
        if membership.role == "koordinator":
            pass
        elif role == "koordinator" and await may_appoint(services, forum, actor, now):
            how = "appointed"
        else:
            raise NotPermitted("gov.not_allowed_roles")
    member = await services.members.get(target)
    if member is None or member.erased_at is not None:
        raise NotFound()
    gov = repo(services)
    async with services.write() as tx:
        conn = tx.conn
        current = await gov.role_of(conn, forum_id, target)
        if current is None or current[1] != "active":
            if actor is not None:
                raise NotFound()
            # The operator may make anyone with a profile a member with a role.
            await services.members.add_membership(conn, forum_id=forum_id, user_id=target, role=role,  # type: ignore[arg-type]
                                                  status="active", now=now, decided_by=None)
            old = "-"
        else:
            old = current[0]
            if old == role:
                raise Conflict("gov.same_role")
            if old == "koordinator" and rules.is_last_koordinator(target, await gov.koordinator_ids(conn, forum_id)):
                raise NotPermitted("gov.last_koordinator")
            await gov.set_role(conn, forum_id, target, role)
            held = await services.members.membership(forum_id, target)
            if old != "anggota":
                await gov.end_period(conn, forum_id=forum_id, user_id=target, kind="role", value=old, now=now,
                                     held_since=(held.decided_at or held.requested_at) if held else now)
        if role != "anggota":
            await gov.start_period(conn, forum_id=forum_id, user_id=target, kind="role", value=role, now=now,
                                   by=actor, how=how)
        lang = member.language
        await _push(conn, services, key=f"gov:role:{forum_id}:{target}:{_stamp(now)}:{role}", to=member,
                    forum=forum, now=now,
                    text=t("gov.role_changed_you", lang, forum=forum.name, role=role_label(role, lang),
                           by=await _name(services, actor, lang)))
    services.delivery.wake()
    log.info("event=role_changed forum=%s user=%s old=%s new=%s by=%s how=%s", forum_id, target, old, role,
             actor if actor is not None else "operator", how)
    await role_changed(services, target)
    return RoleChange(forum, target, old, role)


async def set_title(services: Services, *, forum_id: int, actor: int, target: int, title: str | None) -> Forum:
    """Give an officer title (one holder per title) or clear the target's title."""
    if title is not None and title not in rules.TITLES:
        raise StaleAction()
    forum, _ = await services.access.require(forum_id, actor, Action.ASSIGN_ROLES)
    target_ms = await services.members.membership(forum_id, target)
    member = await services.members.get(target)
    if target_ms is None or target_ms.status != "active" or member is None:
        raise NotFound()
    now = services.clock.now()
    gov = repo(services)
    async with services.write() as tx:
        conn = tx.conn
        previous = [target] if target_ms.title else []
        if title is not None:
            previous += [u for u in await gov.holders_of_title(conn, forum_id, title) if u != target]
        for holder in previous:
            await gov.set_title(conn, forum_id, holder, None)
            await gov.end_period(conn, forum_id=forum_id, user_id=holder, kind="title",
                                 value=title or (target_ms.title or ""), now=now, held_since=now)
        if title is not None:
            await gov.set_title(conn, forum_id, target, title)
            await gov.start_period(conn, forum_id=forum_id, user_id=target, kind="title", value=title, now=now,
                                   by=actor, how="peran")
            lang = member.language
            await _push(conn, services, key=f"gov:title:{forum_id}:{target}:{_stamp(now)}:{title}", to=member,
                        forum=forum, now=now,
                        text=t("gov.title_given_you", lang, forum=forum.name, title=t(f"title.{title}", lang)))
    services.delivery.wake()
    log.info("event=title_set forum=%s user=%s title=%s by=%s", forum_id, target, title, actor)
    return forum


# -- handover --------------------------------------------------------------------------------------
async def offer_handover(services: Services, *, forum_id: int, actor: int, successor: int) -> Forum:
    """The koordinator names a successor, who must accept before anything changes."""
    forum, _ = await services.access.require(forum_id, actor, Action.ASSIGN_ROLES)
    target_ms = await services.members.membership(forum_id, successor)
    member = await services.members.get(successor)
    if (target_ms is None or target_ms.status != "active" or member is None or member.erased_at is not None
            or successor == actor):
        raise NotFound()
    if target_ms.role == "koordinator":
        raise Conflict("gov.already_koordinator")
    now = services.clock.now()
    gov = repo(services)
    outgoing = await _name(services, actor, member.language)
    async with services.write() as tx:
        conn = tx.conn
        handover_id = await gov.offer_handover(conn, forum_id, actor, successor, now)
        lang = member.language
        await _push(conn, services, key=f"gov:ho:{handover_id}:offer", to=member, forum=forum, now=now,
                    text=t("gov.handover_offer", lang, forum=forum.name, by=outgoing),
                    rows=[[(t("gov.accept", lang), encode(FEATURE, "ho", handover_id, "y")),
                           (t("gov.refuse", lang), encode(FEATURE, "ho", handover_id, "n"))]])
    services.delivery.wake()
    log.info("event=handover_offered forum=%s from=%s to=%s", forum_id, actor, successor)
    return forum


async def answer_handover(services: Services, *, handover_id: int, actor: int, accept: bool) -> Forum:
    """The successor accepts (becomes koordinator) or refuses; the outgoing koordinator is told."""
    gov = repo(services)
    handover = await gov.handover(handover_id)
    if handover is None or handover.to_user != actor:
        raise StaleAction()
    forum = await _forum(services, handover.forum_id)
    outgoing = await services.members.get(handover.from_user)
    now = services.clock.now()
    async with services.write() as tx:
        conn = tx.conn
        if not await gov.decide_handover(conn, handover_id, "accepted" if accept else "refused", now):
            raise Conflict("gov.handover_done")
        outgoing_role = await gov.role_of(conn, forum.id, handover.from_user)
        if accept and outgoing_role != ("koordinator", "active"):
            raise Conflict("gov.handover_done")  # the offer is void: its maker is no longer koordinator
        successor_role = await gov.role_of(conn, forum.id, actor)
        if successor_role is None or successor_role[1] != "active":
            raise NotAMember()
        if accept:
            await gov.set_role(conn, forum.id, actor, "koordinator")
            if successor_role[0] != "anggota":
                await gov.end_period(conn, forum_id=forum.id, user_id=actor, kind="role", value=successor_role[0],
                                     now=now, held_since=now)
            await gov.start_period(conn, forum_id=forum.id, user_id=actor, kind="role", value="koordinator",
                                   now=now, by=handover.from_user, how="handover")
        if outgoing is not None:
            lang = outgoing.language
            name = await _name(services, actor, lang)
            rows: list[list[tuple[str, str]]] | None = None
            if accept:
                rows = [[(t("gov.stay_anggota", lang), encode(FEATURE, "hs", handover_id, "stay")),
                         (t("gov.leave_forum", lang), encode(FEATURE, "hs", handover_id, "leave"))]]
            await _push(conn, services, key=f"gov:ho:{handover_id}:answer", to=outgoing, forum=forum, now=now,
                        text=t("gov.handover_accepted" if accept else "gov.handover_refused", lang,
                               forum=forum.name, name=name), rows=rows)
    services.delivery.wake()
    log.info("event=handover_answered id=%s accept=%s", handover_id, accept)
    if accept:
        await role_changed(services, actor)
    return forum


async def finish_handover(services: Services, *, handover_id: int, actor: int, stay: bool) -> Forum:
    """The outgoing koordinator stays as anggota or leaves the forum."""
    gov = repo(services)
    handover = await gov.handover(handover_id)
    if handover is None or handover.from_user != actor or handover.status != "accepted":
        raise StaleAction()
    forum = await _forum(services, handover.forum_id)
    now = services.clock.now()
    held = await services.members.membership(forum.id, actor)
    async with services.write() as tx:
        conn = tx.conn
        if await gov.role_of(conn, forum.id, actor) != ("koordinator", "active"):
            raise Conflict("gov.handover_done")
        if rules.is_last_koordinator(actor, await gov.koordinator_ids(conn, forum.id)):
            raise NotPermitted("gov.last_koordinator")
        await gov.end_period(conn, forum_id=forum.id, user_id=actor, kind="role", value="koordinator", now=now,
                             held_since=(held.decided_at or held.requested_at) if held else now)
        if stay:
            await gov.set_role(conn, forum.id, actor, "anggota")
        else:
            await gov.leave(conn, forum.id, actor, now)
            await outbox.cancel_to_member(conn, actor, forum_id=forum.id)  # as /keluar does
    log.info("event=handover_finished id=%s stay=%s", handover_id, stay)
    await role_changed(services, actor)
    return forum


# -- join requests ---------------------------------------------------------------------------------
async def deciders(services: Services, forum_id: int) -> list[Member]:
    """Who decides join requests: reachable koordinators, else the pendamping."""
    return await reachable_koordinators(services, forum_id) or await reachable_pendamping(services, forum_id)


def decision_buttons(forum_id: int, applicant: int, lang: str) -> list[list[tuple[str, str]]]:
    return [[(t("join.approve", lang), encode(JOIN_FEATURE, "dec", forum_id, applicant, "y")),
             (t("join.reject", lang), encode(JOIN_FEATURE, "dec", forum_id, applicant, "n"))]]


async def request_join(services: Services, *, forum: Forum, user_id: int, name: str, jabatan: str,
                       village_code: str, role: Role, language: str) -> None:
    """Save the profile, make the membership pending and ask the koordinators (or pendamping) to decide."""
    now = services.clock.now()
    to = await deciders(services, forum.id)
    village = await services.regions.get(village_code)
    gov = repo(services)
    async with services.write() as tx:
        conn = tx.conn
        await services.members.upsert(conn, user_id=user_id, full_name=name, jabatan=jabatan,
                                      village_code=village_code, language=language, now=now)
        await services.members.add_membership(conn, forum_id=forum.id, user_id=user_id, role=role,
                                              status="pending", now=now)
        await gov.schedule_reminder(conn, forum.id, [user_id], rules.first_reminder_at(now))
        for decider in to:
            klang = decider.language
            card = profile_card(None, village, klang, name=name, jabatan=jabatan)
            await _push(conn, services, key=f"join:{forum.id}:{user_id}:{_stamp(now)}:to:{decider.user_id}",
                        to=decider, forum=forum, now=now,
                        text=t("join.request_to_koordinator", klang, forum=forum.name, profile=card)
                        + f"\n{role_label(role, klang)}",
                        rows=decision_buttons(forum.id, user_id, klang))
        await services.drafts.delete(conn, user_id)
    services.delivery.wake()
    log.info("event=join_requested forum=%s user=%s deciders=%d", forum.id, user_id, len(to))


async def may_decide_join(services: Services, forum_id: int, actor: int) -> Forum:
    """Koordinators decide; the pendamping does when no koordinator is reachable."""
    forum = await _forum(services, forum_id)
    membership = await services.members.membership(forum_id, actor)
    if membership is None or membership.status != "active":
        raise NotAMember()
    if membership.role == "koordinator":
        return forum
    if membership.role == "pendamping" and not await reachable_koordinators(services, forum_id):
        return forum
    raise NotPermitted()


async def decide_join(services: Services, *, forum_id: int, actor: int, applicant_id: int, approve: bool) -> Forum:
    """Approve or reject once; a second decision (by anyone) raises Conflict."""
    forum = await may_decide_join(services, forum_id, actor)
    applicant = await services.members.get(applicant_id)
    now = services.clock.now()
    async with services.write() as tx:
        conn = tx.conn
        decided = await services.members.decide(conn, forum_id=forum.id, user_id=applicant_id, approve=approve,
                                                by=actor, now=now)
        if not decided:
            raise Conflict("join.already_decided")
        if applicant is not None:
            alang = applicant.language
            await _push(conn, services, key=f"join:{forum.id}:{applicant_id}:{_stamp(now)}:outcome", to=applicant,
                        forum=forum, now=now,
                        text=t("join.approved" if approve else "join.rejected", alang, forum=forum.name))
    services.delivery.wake()
    log.info("event=join_decided forum=%s user=%s approve=%s by=%s", forum.id, applicant_id, approve, actor)
    if approve:
        await role_changed(services, applicant_id)
    return forum


async def give_reason(services: Services, *, forum_id: int, actor: int, applicant_id: int, reason: str) -> Forum:
    """Tell a refused applicant why (stored, and shown on their /start)."""
    forum = await may_decide_join(services, forum_id, actor)
    applicant = await services.members.get(applicant_id)
    now = services.clock.now()
    async with services.write() as tx:
        conn = tx.conn
        if not await repo(services).set_reject_reason(conn, forum_id, applicant_id, reason):
            raise StaleAction()
        if applicant is not None:
            await _push(conn, services, key=f"join:{forum.id}:{applicant_id}:{_stamp(now)}:reason", to=applicant,
                        forum=forum, now=now,
                        text=t("join.rejected_reason", applicant.language, forum=forum.name, reason=reason))
    services.delivery.wake()
    return forum


async def cancel_request(services: Services, *, forum_id: int, user_id: int) -> Forum:
    forum = await _forum(services, forum_id)
    async with services.write() as tx:
        conn = tx.conn
        if not await repo(services).cancel_request(conn, forum_id, user_id, services.clock.now()):
            raise Conflict("join.already_decided")
    log.info("event=join_cancelled forum=%s user=%s", forum_id, user_id)
    return forum


async def pending_requests(services: Services, forum_id: int) -> list[MemberInForum]:
    found = await services.members.in_forum(forum_id, statuses=("pending",))
    return sorted(found, key=lambda e: e.membership.requested_at)


@dataclass(frozen=True)
class ApplicantStatus:
    forum: Forum
    membership: Membership
    reason: str | None = None


async def applicant_status(services: Services, user_id: int) -> list[ApplicantStatus]:
    """Requests still waiting, for people who are not active members anywhere."""
    out = []
    for membership in await services.members.memberships_of(user_id, ("pending",)):
        forum = await services.forums.get(membership.forum_id)
        if forum is not None:
            out.append(ApplicantStatus(forum, membership))
    return out


async def last_refusal(services: Services, user_id: int) -> ApplicantStatus | None:
    """The most recent refused request, with its reason if one was given."""
    refused = await services.members.memberships_of(user_id, ("rejected",))
    if not refused:
        return None
    latest = max(refused, key=lambda m: m.decided_at or m.requested_at)
    forum = await services.forums.get(latest.forum_id)
    if forum is None:
        return None
    return ApplicantStatus(forum, latest, await repo(services).reject_reason(forum.id, user_id))


# -- operator --------------------------------------------------------------------------------------
async def operator_set_role(services: Services, *, forum_id: int, user_id: int, role: str) -> RoleChange:
    """`kades-bot admin set-role`: the operator's repair for a stuck forum (always logged)."""
    change = await change_role(services, forum_id=forum_id, actor=None, target=user_id, role=role, how="operator")
    log.warning("event=operator_set_role forum=%s user=%s old=%s new=%s", forum_id, user_id, change.old, role)
    return change


# -- headless forums and votes ---------------------------------------------------------------------
async def plan_votes(services: Services, now: datetime) -> None:
    """Open a vote in headless forums without a pendamping; close the votes that are due."""
    gov = repo(services)
    for forum_id in await gov.forums_without_reachable_koordinator():
        forum = await services.forums.get(forum_id)
        if forum is None:
            continue
        since = await headless_since(services, forum)
        last = await gov.last_vote(forum_id)
        if last is not None and last.closed_at is None:
            continue
        pendamping = await reachable_pendamping(services, forum_id)
        if rules.vote_needed(since, now, bool(pendamping), last.opened_at if last else None):
            await open_vote(services, forum, now)
    for vote in await gov.votes_to_close(now):
        await close_vote(services, vote.id, now)


async def open_vote(services: Services, forum: Forum, now: datetime) -> int:
    members = [e.member for e in await services.members.in_forum(forum.id)
               if e.member.erased_at is None and e.member.unreachable_reason is None]
    gov = repo(services)
    zone = ZoneInfo(forum.timezone)
    async with services.write() as tx:
        conn = tx.conn
        vote_id = await gov.open_vote(conn, forum.id, now, now + rules.VOTE_DAYS)
        for member in members:
            lang = member.language
            await _push(conn, services, key=f"gov:vote:{vote_id}:card:{member.user_id}", to=member, forum=forum,
                        now=now, priority=Priority.REMINDER,
                        text=t("gov.vote_card", lang, forum=forum.name,
                               until=format_date((now + rules.VOTE_DAYS).astimezone(zone).date(), lang)),
                        rows=[[(t("gov.vote_button", lang), encode(FEATURE, "vt", vote_id))]])
    services.delivery.wake()
    log.info("event=vote_opened forum=%s vote=%s members=%d", forum.id, vote_id, len(members))
    return vote_id


async def vote_candidates(services: Services, vote_id: int, voter: int) -> tuple[Forum, list[MemberInForum]]:
    vote = await repo(services).vote(vote_id)
    if vote is None or vote.closed_at is not None:
        raise StaleAction("gov.vote_closed")
    forum, _ = await services.access.require(vote.forum_id, voter, Action.VIEW_MEMBERS)
    members = [e for e in await services.members.in_forum(forum.id)
               if e.member.erased_at is None and e.member.unreachable_reason is None]
    return forum, members


async def cast_ballot(services: Services, *, vote_id: int, voter: int, candidate: int) -> str:
    """Name a candidate (a later ballot replaces the earlier one); returns the candidate's name."""
    forum, members = await vote_candidates(services, vote_id, voter)
    chosen = next((e.member for e in members if e.member.user_id == candidate), None)
    if chosen is None:
        raise StaleAction()
    async with services.write() as tx:
        conn = tx.conn
        if not await repo(services).cast(conn, vote_id, voter, candidate, services.clock.now()):
            raise StaleAction("gov.vote_closed")
    log.info("event=ballot_cast vote=%s forum=%s", vote_id, forum.id)
    return chosen.full_name


async def close_vote(services: Services, vote_id: int, now: datetime) -> int | None:
    gov = repo(services)
    vote = await gov.vote(vote_id)
    if vote is None or vote.closed_at is not None:
        return None
    forum = await _forum(services, vote.forum_id)
    members = [e.member for e in await services.members.in_forum(forum.id) if e.member.erased_at is None]
    eligible = {m.user_id for m in members}
    ballots = [rules.Ballot(b.voter, b.candidate, b.cast_at) for b in await gov.ballots(vote_id)]
    winner = rules.vote_winner(ballots, eligible)
    async with services.write() as tx:
        conn = tx.conn
        if not await gov.close_vote(conn, vote_id, winner, now):
            return None
    log.info("event=vote_closed forum=%s vote=%s winner=%s ballots=%d", forum.id, vote_id, winner, len(ballots))
    if winner is not None:
        change = await change_role(services, forum_id=forum.id, actor=None, target=winner, role="koordinator",
                                   how="vote")
        name = await _name(services, winner, forum.language)
        async with services.write() as tx:
            conn = tx.conn
            for member in members:
                if member.user_id != winner and member.unreachable_reason is None:
                    await _push(conn, services, key=f"gov:vote:{vote_id}:result:{member.user_id}", to=member,
                                forum=forum, now=now, priority=Priority.REMINDER,
                                text=t("gov.vote_result", member.language, forum=forum.name, name=name))
        services.delivery.wake()
        assert change.new == "koordinator"
    return winner


# -- reminders of waiting requests -----------------------------------------------------------------
async def plan_governance(services: Services, now: datetime) -> None:
    """Planner: reminders of waiting join requests; votes in headless forums."""
    await plan_request_reminders(services, now)
    await plan_votes(services, now)


async def plan_request_reminders(services: Services, now: datetime) -> None:
    """One reminder per forum about requests waiting > 2 days, then weekly (quiet hours: the dispatcher).

    Selects only the requests due, by the indexed `remind_at`; all reminders go in one transaction.
    """
    gov = repo(services)
    due = await gov.due_reminders(now)
    if not due:
        return
    plans = []
    for forum_id, applicants in due.items():
        forum = await services.forums.get(forum_id)
        if forum is not None:
            plans.append((forum, applicants, await deciders(services, forum_id), await gov.pending_count(forum_id)))
    async with services.write() as tx:
        conn = tx.conn
        for forum, applicants, to, count in plans:
            for decider in to:
                lang = decider.language
                await _push(conn, services, key=f"gov:jrem:{forum.id}:{decider.user_id}:{now.date().isoformat()}",
                            to=decider, forum=forum, now=now, priority=Priority.REMINDER,
                            text=t("gov.requests_reminder", lang, forum=forum.name, count=count))
            await gov.schedule_reminder(conn, forum.id, applicants, rules.next_reminder_at(now))
    services.delivery.wake()


def title_label(title: str | None, lang: str) -> str:
    return str(t(f"title.{title}", lang)) if title in rules.TITLES else ""


def officers_first(entries: list[MemberInForum]) -> list[MemberInForum]:
    """Officers (ketua first), then koordinators, then everyone else, keeping the given order."""
    order = {title: i for i, title in enumerate(rules.TITLES)}

    def rank(e: MemberInForum) -> tuple[int, int]:
        if e.membership.title in order:
            return (0, order[e.membership.title])
        return (1 if e.membership.role == "koordinator" else 2, 0)

    return sorted(entries, key=rank)

