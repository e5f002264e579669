"""Use cases about a person's standing in forums: approved village changes, leaving, erasing data.

Handlers call these with plain values; each opens one write transaction and writes the pushes the
change causes in it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.callbacks import encode
from bot.errors import KadesError, NotFound, StaleAction
from bot.members import governance, rules
from bot.permissions import Action
from bot.render import village_line
from bot.services import Services
from bot.texts import t
from bot.timefmt import zone_for_region
from bot.visits import service as visit_service
from storage import outbox
from storage.models import Forum, RosterEntry, VillageChange

log = logging.getLogger(__name__)

FEATURE = "p"  # the profile feature's buttons (handlers.members)


@dataclass(frozen=True)
class VillageRequest:
    """What asking for a new village did: forums where it now waits for a koordinator."""

    village_name: str
    pending_in: list[Forum]


async def request_village_change(services: Services, user_id: int, new_code: str) -> VillageRequest:
    """Ask the koordinator(s) of every forum of the person to approve a new village.

    Until one approves, the old village counts in that forum. With no active forum (a join still
    pending) there is nobody to ask yet: the profile changes and the join's koordinator decides it.
    """
    member = await services.members.get(user_id)
    region = await services.regions.get(new_code)
    if member is None or member.erased_at is not None or region is None or region.level != 4:
        raise StaleAction()
    now = services.clock.now()
    memberships = await services.members.memberships_of(user_id)
    waiting: list[Forum] = []
    async with services.write() as tx:
        conn = tx.conn
        if not memberships:
            await services.members.set_profile_village(conn, user_id, new_code, now)
        for membership in memberships:
            if membership.village_code == new_code:
                continue
            forum = await services.forums.get(membership.forum_id)
            if forum is None:
                continue
            change_id = await services.members.add_village_change(
                conn, forum_id=forum.id, user_id=user_id, old_code=membership.village_code, new_code=new_code,
                now=now)
            old_region = await services.regions.get(membership.village_code) if membership.village_code else None
            for koordinator in await services.members.coordinators(forum.id):
                klang = koordinator.language
                await outbox.enqueue(
                    conn, key=f"vc:{change_id}:to:{koordinator.user_id}", chat_id=koordinator.user_id,
                    member_user_id=koordinator.user_id, forum_id=forum.id,
                    text=t("vc.to_koordinator", klang, forum=forum.name, name=member.full_name,
                           old=village_line(old_region, klang), new=village_line(region, klang)),
                    reply_markup=outbox.inline_keyboard([[
                        (t("vc.approve", klang), encode(FEATURE, "vc", change_id, "y")),
                        (t("vc.reject", klang), encode(FEATURE, "vc", change_id, "n")),
                    ]]),
                    due_at=now, now=now,
                )
            waiting.append(forum)
    if waiting:
        services.delivery.wake()
    log.info("event=village_change_requested user=%s forums=%d", user_id, len(waiting))
    return VillageRequest(region.name, waiting)


@dataclass(frozen=True)
class VillageDecision:
    change: VillageChange
    forum: Forum


async def decide_village_change(services: Services, change_id: int, by: int, approve: bool) -> VillageDecision:
    """A koordinator of the change's forum approves or rejects it (once; a second press is stale).

    Approval makes the new village count in that forum and is a verification when the decider is
    someone else; the profile field follows the latest approved village.
    """
    change = await services.members.village_change(change_id)
    if change is None:
        raise NotFound()
    forum, _ = await services.access.require(change.forum_id, by, Action.DECIDE_JOIN)
    member = await services.members.get(change.user_id)
    now = services.clock.now()
    region = await services.regions.get(change.new_code)
    async with services.write() as tx:
        conn = tx.conn
        decided = await services.members.decide_village_change(conn, change_id, approve=approve, by=by, now=now)
        if not decided:
            raise StaleAction("vc.already_decided")
        if approve:
            await services.members.set_village(conn, forum_id=forum.id, user_id=change.user_id,
                                               code=change.new_code, verified=by != change.user_id)
            await services.members.set_profile_village(conn, change.user_id, change.new_code, now)
        if member is not None and member.erased_at is None:
            await outbox.enqueue(
                conn, key=f"vc:{change_id}:outcome", chat_id=member.user_id, member_user_id=member.user_id,
                forum_id=forum.id,
                text=t("vc.approved" if approve else "vc.rejected", member.language, forum=forum.name,
                       village=region.name if region else change.new_code),
                due_at=now, now=now,
            )
    services.delivery.wake()
    log.info("event=village_change_decided change=%s forum=%s approve=%s by=%s", change_id, forum.id, approve, by)
    return VillageDecision(change, forum)


@dataclass(frozen=True)
class MemberList:
    """What /anggota shows one viewer: the roster, and the koordinator's extras."""

    forum_id: int
    roster: list[RosterEntry]
    is_koordinator: bool
    pending: int  # waiting join requests (counted for koordinators only)
    unconfirmed_creator: RosterEntry | None  # a creator whose village this pendamping may confirm


async def member_list(services: Services, forum_id: int, viewer_id: int) -> MemberList:
    """Load /anggota for a viewer already allowed Action.VIEW_MEMBERS (light rows: 3,000 members)."""
    membership = await services.members.membership(forum_id, viewer_id)
    is_koordinator = membership is not None and membership.role == "koordinator"
    roster = await services.members.roster(forum_id)
    pending = await services.members.count_in_forum(forum_id, "pending") if is_koordinator else 0
    creator_id = await creator_awaiting_confirmation(services, forum_id, viewer_id)
    creator = next((e for e in roster if e.user_id == creator_id), None) if creator_id is not None else None
    return MemberList(forum_id, roster, is_koordinator, pending, creator)


async def creator_awaiting_confirmation(services: Services, forum_id: int, viewer_id: int) -> int | None:
    """The forum creator whose village a pendamping (the viewer) could confirm, if any."""
    viewer = await services.members.membership(forum_id, viewer_id)
    forum = await services.forums.get(forum_id)
    if viewer is None or viewer.status != "active" or viewer.role != "pendamping" or forum is None:
        return None
    creator = await services.members.membership(forum_id, forum.created_by)
    if creator is None or creator.status != "active" or creator.village_verified or not creator.village_code:
        return None
    return forum.created_by


async def confirm_creator_village(services: Services, forum_id: int, by: int) -> Forum:
    """A pendamping of the forum confirms its creator's village: the creator approved himself, so
    until someone else confirms it his claim does not count as verified (village profiles)."""
    creator_id = await creator_awaiting_confirmation(services, forum_id, by)
    forum = await services.forums.get(forum_id)
    if creator_id is None or forum is None:
        raise StaleAction()
    creator = await services.members.membership(forum_id, creator_id)
    assert creator is not None and creator.village_code is not None
    async with services.write() as tx:
        conn = tx.conn
        await services.members.set_village(conn, forum_id=forum_id, user_id=creator_id, code=creator.village_code,
                                           verified=True)
    log.info("event=creator_village_confirmed forum=%s creator=%s by=%s", forum_id, creator_id, by)
    return forum


# -- the profile ------------------------------------------------------------------------------------
async def change_profile(services: Services, user_id: int, *, name: str, jabatan: str) -> None:
    """Name and jabatan change at once (the village is a request: `request_village_change`)."""
    member = await services.members.get(user_id)
    if member is None or member.erased_at is not None:
        raise StaleAction()
    await services.members.update(user_id, services.clock.now(), full_name=name, jabatan=jabatan)


# -- joining a forum ------------------------------------------------------------------------------
async def send_join_request(services: Services, *, user_id: int, forum_id: int, invited_role: str | None,
                            name: str, jabatan: str, village_code: str, language: str) -> Forum:
    """The join form's answers become a pending membership the forum's deciders are asked about."""
    forum = await services.forums.get(forum_id)
    village = await services.regions.get(village_code)
    if forum is None or village is None or village.level != 4:
        raise StaleAction()
    await governance.request_join(services, forum=forum, user_id=user_id, name=name, jabatan=jabatan,
                                  village_code=village_code, role=rules.join_role(jabatan, invited_role),
                                  language=language)
    return forum


# -- a new forum ----------------------------------------------------------------------------------
async def create_forum(services: Services, *, user_id: int, name: str, jabatan: str, village_code: str,
                       forum_name: str, scope_code: str, language: str) -> int:
    """The creator's profile, the forum (in the scope's zone) and their koordinator membership, and
    the form's draft gone, in one unit. The creator's village waits for a pendamping to confirm it."""
    scope = await services.regions.get(scope_code)
    village = await services.regions.get(village_code)
    if scope is None or scope.level > 3 or village is None or village.level != 4:
        raise StaleAction()
    now = services.clock.now()
    async with services.write() as tx:
        await tx.members.upsert(tx.conn, user_id=user_id, full_name=name, jabatan=jabatan,
                                village_code=village_code, language=language, now=now)
        forum_id = await services.forums.create(tx.conn, name=forum_name, scope_code=scope_code,
                                                timezone=zone_for_region(scope_code).key, created_by=user_id,
                                                now=now, language=language)
        await tx.members.add_membership(tx.conn, forum_id=forum_id, user_id=user_id, role="koordinator",
                                        status="active", now=now, decided_by=user_id)
        await services.drafts.delete(tx.conn, user_id)
    log.info("event=forum_created forum=%s by=%s", forum_id, user_id)
    return forum_id


# -- leaving and erasing ---------------------------------------------------------------------------
class LastKoordinator(KadesError):
    """The person is the only koordinator of a forum that still has other members."""

    message_key = "leave.last_koordinator"


async def sole_koordinator_of(services: Services, user_id: int) -> Forum | None:
    """A forum where this person is the only koordinator and others are still members, if any."""
    for membership in await services.members.memberships_of(user_id):
        if membership.role != "koordinator":
            continue
        coordinators = [m.user_id for m in await services.members.coordinators(membership.forum_id)]
        others = await services.members.count_in_forum(membership.forum_id) > 1  # they are active there
        if others and rules.is_last_koordinator(user_id, coordinators):
            return await services.forums.get(membership.forum_id)
    return None


async def leave_forum(services: Services, forum_id: int, user_id: int) -> Forum:
    """Leave one forum: refused for its only koordinator while others remain; its pending pushes
    to the person are cancelled (a reminder of a forum one left is noise, and a leak)."""
    forum, membership = await services.access.require(forum_id, user_id, Action.VIEW_MEMBERS)
    if membership.role == "koordinator":
        coordinators = [m.user_id for m in await services.members.coordinators(forum.id)]
        others = await services.members.count_in_forum(forum.id) > 1  # they are active there
        if others and rules.is_last_koordinator(user_id, coordinators):
            raise LastKoordinator(forum=forum.name)
    now = services.clock.now()
    async with services.write() as tx:
        await tx.members.set_status(forum.id, user_id, "removed", now, by=user_id)
        cancelled = await outbox.cancel_to_member(tx.conn, user_id, forum_id=forum.id)
    log.info("event=member_left forum=%s user=%s cancelled_pushes=%d", forum.id, user_id, cancelled)
    return forum


async def erase_member(services: Services, user_id: int, erased_name: str) -> None:
    """Erase a person's data (UU 27/2022 PDP) and everything that would still carry it.

    Refused (LastKoordinator, with the way out) while they are the only koordinator of a forum with
    other members. Otherwise, in one transaction: their open visits end and the other side is told;
    every pending push to them is cancelled; every stored push carrying their name loses it (pending
    ones are cancelled); the profile is blanked and memberships end. Their posts stay, without the name.
    """
    forum = await sole_koordinator_of(services, user_id)
    if forum is not None:
        raise LastKoordinator("erase.last_koordinator", forum=forum.name)
    member = await services.members.get(user_id)
    if member is None or member.erased_at is not None:
        raise StaleAction()
    now = services.clock.now()
    async with services.write() as tx:
        conn = tx.conn
        visits_ended = await visit_service.end_for_erasure(tx, services, user_id)
        to_them = await outbox.cancel_to_member(conn, user_id)
        with_name, scrubbed = await outbox.scrub_name(conn, member.full_name, erased_name)
        await tx.members.erase(user_id, now, erased_name)
    services.delivery.wake()
    log.info("event=member_erased user=%s visits_ended=%d pushes_cancelled=%d payloads_scrubbed=%d",
             user_id, visits_ended, to_them + with_name, scrubbed)
