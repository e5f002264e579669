"""Who may do what in a forum. Pure rules: a role (or none) and an action in, yes or no out.

Every command and button press is checked on the server through `bot.access.Access`,
which looks up the asker's membership and applies these rules; hiding a button is not a check.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from bot.errors import NotPermitted

Role = Literal["koordinator", "anggota", "pendamping"]
ROLES: tuple[Role, ...] = ("koordinator", "anggota", "pendamping")

KOORDINATOR: frozenset[Role] = frozenset({"koordinator"})
STAFF: frozenset[Role] = frozenset({"koordinator", "pendamping"})
EVERYONE: frozenset[Role] = frozenset(ROLES)


class Action(StrEnum):
    # foundation
    VIEW_MEMBERS = "view_members"
    INVITE = "invite"
    DECIDE_JOIN = "decide_join"
    LINK_GROUP = "link_group"
    MANAGE_FORUM = "manage_forum"
    # features register their actions below
    BROADCAST = "broadcast"
    CREATE_MEETING = "create_meeting"
    MANAGE_MEETING = "manage_meeting"
    RSVP = "rsvp"
    REQUEST_VISIT = "request_visit"
    VIEW_ALL_VISITS = "view_all_visits"
    POST = "post"
    MODERATE_POSTS = "moderate_posts"
    CREATE_AGREEMENT = "create_agreement"
    VIEW_ALL_AGREEMENTS = "view_all_agreements"
    EXPORT = "export"
    # governance
    ASSIGN_ROLES = "assign_roles"
    VIEW_FORUM = "view_forum"


RULES: dict[Action, frozenset[Role]] = {
    Action.VIEW_MEMBERS: EVERYONE,
    Action.INVITE: KOORDINATOR,
    Action.DECIDE_JOIN: KOORDINATOR,
    Action.LINK_GROUP: KOORDINATOR,
    Action.MANAGE_FORUM: KOORDINATOR,
    Action.BROADCAST: KOORDINATOR,
    Action.CREATE_MEETING: KOORDINATOR,
    Action.MANAGE_MEETING: KOORDINATOR,
    Action.RSVP: EVERYONE,
    Action.REQUEST_VISIT: EVERYONE,
    Action.VIEW_ALL_VISITS: STAFF,
    Action.POST: EVERYONE,
    Action.MODERATE_POSTS: KOORDINATOR,
    # A kades who is a party may also register; that check needs the parties (see agreements).
    Action.CREATE_AGREEMENT: STAFF,
    Action.VIEW_ALL_AGREEMENTS: STAFF,
    Action.EXPORT: STAFF,
    # A pendamping may also appoint a koordinator in a headless forum (bot.governance.may_appoint).
    Action.ASSIGN_ROLES: KOORDINATOR,
    Action.VIEW_FORUM: EVERYONE,
}


def allowed(role: Role | None, action: Action) -> bool:
    """Whether an active member with `role` may do `action`; non-members (None) may do nothing."""
    return role is not None and role in RULES[action]


def roles_for(action: Action) -> frozenset[Role]:
    return RULES[action]


def refusal(action: Action) -> NotPermitted:
    """The refusal for `action`, naming who may do it ("hanya untuk koordinator atau pendamping")."""
    roles = RULES[action]
    if roles == KOORDINATOR:
        return NotPermitted("err.only_koordinator")
    if roles == STAFF:
        return NotPermitted("err.only_staff")
    return NotPermitted()
