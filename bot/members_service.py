"""Use cases about a person's standing in forums: approved village changes, leaving, erasing data.

Handlers call these with plain values; each opens one write transaction and writes the pushes the
change causes in it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.callbacks import encode
from bot.errors import NotFound, StaleAction
from bot.permissions import Action
from bot.render import village_line
from bot.services import Services
from bot.texts import t
from storage import outbox
from storage.models import Forum, VillageChange

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
    async with services.db.transaction() as conn:
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
    async with services.db.transaction() as conn:
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
