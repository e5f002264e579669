"""The one place that answers "may this user do this here?" for every command and button."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.errors import NotAMember, NotFound
from bot.permissions import STAFF, Action, Role, allowed, refusal
from storage.forums import ForumRepo
from storage.members import MemberRepo
from storage.models import Forum, Member, Membership

KADES_JABATAN = ("kades", "pj_kades")


@dataclass(frozen=True)
class PartyStanding:
    """Who the asker is to one kerja sama: their role in its forum and the party whose (approved)
    village they belong to, if any."""

    role: Role
    position: int | None
    kades: bool = False  # the asker is a kepala desa (or Pj)

    @property
    def staff(self) -> bool:
        return self.role in STAFF

    @property
    def may_view(self) -> bool:
        return self.staff or self.position is not None

    @property
    def may_edit(self) -> bool:
        """Issue #17: the koordinator, the pendamping or a kades of a party village edits a stage."""
        return self.staff or (self.position is not None and self.kades)


class Access:
    def __init__(self, forums: ForumRepo, members: MemberRepo) -> None:
        self.forums = forums
        self.members = members

    async def require(self, forum_id: int, user_id: int, action: Action) -> tuple[Forum, Membership]:
        """The forum and the asker's active membership, or NotAMember / NotPermitted."""
        forum = await self.forums.get(forum_id)
        if forum is None:
            raise NotFound()
        membership = await self.members.membership(forum_id, user_id)
        if membership is None or membership.status != "active":
            raise NotAMember()
        if not allowed(membership.role, action):
            raise refusal(action)
        return forum, membership

    async def forums_for(self, user_id: int, action: Action) -> list[Forum]:
        """The user's forums in which they may do `action`."""
        out = []
        for membership in await self.members.memberships_of(user_id):
            if allowed(membership.role, action):
                forum = await self.forums.get(membership.forum_id)
                if forum is not None:
                    out.append(forum)
        return out

    async def member_in(self, forum_id: int, user_id: int) -> tuple[Membership, Member]:
        """The active membership and the person as seen in this forum, or NotAMember.

        The returned member's `village_code` is the village approved in this forum, so rights checked
        against it follow what the koordinator approved, never what the person typed in /profil.
        """
        membership = await self.members.membership(forum_id, user_id)
        member = await self.members.get(user_id)
        if membership is None or membership.status != "active" or member is None:
            raise NotAMember()
        return membership, member.model_copy(update={"village_code": membership.village_code})

    async def party_standing(self, forum_id: int, user_id: int,
                             village_parties: Mapping[int, str | None]) -> PartyStanding:
        """The asker's standing towards an agreement whose village parties are {position: kode wilayah},
        judged by the village approved in the agreement's forum (NotAMember when not an active member)."""
        membership = await self.members.membership(forum_id, user_id)
        if membership is None or membership.status != "active":
            raise NotAMember()
        code = membership.village_code
        position = next((p for p, c in sorted(village_parties.items()) if code and c == code), None)
        member = await self.members.get(user_id)
        kades = member is not None and member.jabatan in KADES_JABATAN
        return PartyStanding(membership.role, position, kades)

    async def village_of(self, forum_id: int, user_id: int) -> str | None:
        """The village a koordinator approved for the user in this forum (None when not an active member).

        Every right that depends on a village asks this, never the profile field, which a person can
        change on their own.
        """
        membership = await self.members.membership(forum_id, user_id)
        if membership is None or membership.status != "active":
            return None
        return membership.village_code

    async def verified_villages(self, user_id: int) -> set[str]:
        """Villages whose claim by this user someone else approved, in a forum where they are active."""
        return {m.village_code for m in await self.members.memberships_of(user_id)
                if m.village_verified and m.village_code}

    async def own_village(self, user_id: int) -> str | None:
        """The user's village as approved in one of their forums (the profile's when it is approved)."""
        member = await self.members.get(user_id)
        approved = [m.village_code for m in await self.members.memberships_of(user_id) if m.village_code]
        if not approved:
            return None
        return member.village_code if member is not None and member.village_code in approved else approved[0]
