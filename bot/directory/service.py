"""Use cases of the shared village profile (/profil_desa): who may change it, proposals, history, revert.

Profiles are shared by every forum, and anyone can create a forum and approve himself, so only a
*verified* claim (a village someone else approved: a koordinator deciding a join or a village change)
edits directly. An unverified claimant's edit is a proposal for the village's verified members; when
the village has none yet it applies, marked "belum terverifikasi", until the first one reviews it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot import bidang
from bot.callbacks import encode
from bot.errors import NotFound, NotPermitted, StaleAction
from bot.services import Services
from bot.texts import t
from storage import outbox
from storage.directory import DirectoryRepo, ProfileChange, VillageProfile

log = logging.getLogger(__name__)

FEATURE = "d"  # the directory feature's buttons (handlers.directory)


def repo(services: Services) -> DirectoryRepo:
    return DirectoryRepo(services.db)


async def is_verified(services: Services, user_id: int, village_code: str) -> bool:
    return village_code in await services.access.verified_villages(user_id)


async def may_see_history(services: Services, user_id: int, village_code: str) -> bool:
    """A verified member of the village, or a koordinator of a forum the village belongs to."""
    if await is_verified(services, user_id, village_code):
        return True
    for forum_id in await services.members.forums_with_village(village_code):
        membership = await services.members.membership(forum_id, user_id)
        if membership is not None and membership.status == "active" and membership.role == "koordinator":
            return True
    return False


@dataclass(frozen=True)
class Edit:
    outcome: Literal["saved", "unverified", "proposed"]
    profile: VillageProfile  # as it stands now (unchanged when only proposed)


async def edit_profile(services: Services, user_id: int, village_code: str, *,
                       potensi: Sequence[str] | None = None, kebutuhan: Sequence[str] | None = None,
                       detail: str | None = None, programs: str | None = None) -> Edit:
    """Change parts of the profile of the user's own (approved) village, as their claim allows."""
    if village_code != await services.access.own_village(user_id):
        raise NotPermitted("err.not_your_village")
    now = services.clock.now()
    verified = await is_verified(services, user_id, village_code)
    reviewers = [] if verified else [u for u in await services.members.verified_in(village_code) if u != user_id]
    async with services.write() as tx:
        conn, directory = tx.conn, tx.directory
        old = await directory.profile_or_blank(village_code)
        new = directory.merged(old, by=user_id, now=now, potensi=potensi, kebutuhan=kebutuhan, detail=detail,
                               programs=programs, verified=verified)
        if reviewers:  # an unverified claimant while verified members exist: they decide
            change_id = await directory.add_change(conn, new, status="proposed", verified=False, by=user_id, now=now)
            proposer = await services.members.get(user_id)
            region = await services.regions.get(village_code)
            for reviewer_id in reviewers:
                reviewer = await services.members.get(reviewer_id)
                if reviewer is None or reviewer.erased_at is not None:
                    continue
                rlang = reviewer.language
                await outbox.enqueue(
                    conn, key=f"dprop:{change_id}:to:{reviewer_id}", chat_id=reviewer_id, member_user_id=reviewer_id,
                    due_at=now, now=now,
                    text=t("vp.proposal", rlang, name=proposer.full_name if proposer else "-",
                           village=region.name if region else village_code, summary=summary(new, rlang)),
                    reply_markup=outbox.inline_keyboard([[
                        (t("vp.accept", rlang), encode(FEATURE, "pa", change_id, "y")),
                        (t("vp.reject", rlang), encode(FEATURE, "pa", change_id, "n")),
                    ]]),
                )
            log.info("event=village_profile_proposed village=%s change=%s by=%s", village_code, change_id, user_id)
            services.delivery.wake()
            return Edit("proposed", old)
        saved = await directory.save_profile(village_code, by=user_id, now=now, potensi=new.potensi,
                                             kebutuhan=new.kebutuhan, detail=new.detail, programs=new.programs,
                                             verified=verified)
        await directory.add_change(conn, saved, status="applied", verified=verified, by=user_id, now=now)
    log.info("event=village_profile_saved village=%s by=%s verified=%s", village_code, user_id, verified)
    return Edit("saved" if verified else "unverified", saved)


def summary(profile: VillageProfile, lang: str) -> str:
    none = str(t("dir.none", lang))
    return str(t("dir.profile_body", lang, potensi=bidang.labels(profile.potensi, lang) or none,
                 kebutuhan=bidang.labels(profile.kebutuhan, lang) or none, detail=profile.detail or none,
                 programs=profile.programs or none))


async def decide_proposal(services: Services, change_id: int, by: int, accept: bool) -> ProfileChange:
    """A verified member of the village accepts (applies) or rejects a proposal; the proposer is told."""
    directory = repo(services)
    change = await directory.change(change_id)
    if change is None:
        raise NotFound()
    if not await is_verified(services, by, change.village_code):
        raise NotPermitted("err.not_your_village")
    now = services.clock.now()
    region = await services.regions.get(change.village_code)
    proposer = await services.members.get(change.by_user)
    async with services.write() as tx:
        conn, directory = tx.conn, tx.directory
        if not await directory.decide_change(conn, change_id, accept=accept, by=by, now=now):
            raise StaleAction("vc.already_decided")
        if accept:
            p = change.profile
            await directory.save_profile(change.village_code, by=change.by_user, now=now, potensi=p.potensi,
                                         kebutuhan=p.kebutuhan, detail=p.detail, programs=p.programs,
                                         verified=True)
        if proposer is not None and proposer.erased_at is None:
            await outbox.enqueue(
                conn, key=f"dprop:{change_id}:outcome", chat_id=proposer.user_id, member_user_id=proposer.user_id,
                due_at=now, now=now,
                text=t("vp.accepted" if accept else "vp.rejected", proposer.language,
                       village=region.name if region else change.village_code),
            )
    services.delivery.wake()
    log.info("event=village_profile_proposal_decided change=%s accept=%s by=%s", change_id, accept, by)
    return change


async def confirm(services: Services, village_code: str, by: int) -> None:
    """A verified member reviewed an unverified profile and keeps it as it is."""
    if not await is_verified(services, by, village_code):
        raise NotPermitted("err.not_your_village")
    async with services.write() as tx:
        await tx.directory.mark_verified(tx.conn, village_code)
    log.info("event=village_profile_confirmed village=%s by=%s", village_code, by)


async def revert(services: Services, change_id: int, by: int) -> VillageProfile:
    """Bring back the profile as it was after a kept change (itself kept as a new change)."""
    directory = repo(services)
    change = await directory.change(change_id)
    if change is None or change.status != "applied":
        raise NotFound()
    if not await may_see_history(services, by, change.village_code):
        raise NotPermitted("err.not_your_village")
    verified = await is_verified(services, by, change.village_code)
    now = services.clock.now()
    p = change.profile
    async with services.write() as tx:
        conn, directory = tx.conn, tx.directory
        saved = await directory.save_profile(change.village_code, by=by, now=now, potensi=p.potensi,
                                             kebutuhan=p.kebutuhan, detail=p.detail, programs=p.programs,
                                             verified=verified)
        await directory.add_change(conn, saved, status="applied", verified=verified, by=by, now=now)
    log.info("event=village_profile_reverted village=%s to_change=%s by=%s", change.village_code, change_id, by)
    return saved
