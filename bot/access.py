"""The one place that answers "may this user do this here?" for every command and button."""

from __future__ import annotations

from bot.errors import NotAMember, NotFound
from bot.permissions import Action, allowed, refusal
from storage.forums import ForumRepo
from storage.members import MemberRepo
from storage.models import Forum, Membership


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

    async def shared_forum(self, user_a: int, user_b: int) -> bool:
        """Whether two people are active members of at least one common forum."""
        a = {m.forum_id for m in await self.members.memberships_of(user_a)}
        b = {m.forum_id for m in await self.members.memberships_of(user_b)}
        return bool(a & b)
