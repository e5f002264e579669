"""What the repositories return: small pydantic models, never raw rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

Role = Literal["koordinator", "anggota", "pendamping"]
MembershipStatus = Literal["pending", "active", "rejected", "removed"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Region(_Model):
    code: str
    level: int
    name: str
    parent: str | None = None
    # Filled for villages/kecamatan: the names above it, for "Sidasari — Kec. Cipari, Kab. Cilacap".
    kecamatan: str | None = None
    kabupaten: str | None = None
    provinsi: str | None = None


class Forum(_Model):
    id: int
    name: str
    scope_code: str
    timezone: str
    group_chat_id: int | None
    language: str
    created_by: int
    created_at: datetime


class Member(_Model):
    user_id: int
    full_name: str
    jabatan: str
    village_code: str | None
    phone: str | None
    language: str
    timezone: str | None
    unreachable_reason: str | None = None
    unreachable_at: datetime | None = None
    erased_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class Membership(_Model):
    forum_id: int
    user_id: int
    role: Role
    status: MembershipStatus
    requested_at: datetime
    decided_at: datetime | None = None
    decided_by: int | None = None
    title: str | None = None  # officer title (ketua, sekretaris...): a label, not a permission
    # The village a koordinator approved for this person in this forum; rights follow it.
    village_code: str | None = None
    village_verified: bool = False  # approved by someone other than the person


class VillageChange(_Model):
    """A change of village asked for in /profil, decided per forum by its koordinator."""

    id: int
    forum_id: int
    user_id: int
    old_code: str | None
    new_code: str
    status: Literal["pending", "approved", "rejected", "cancelled"]
    requested_at: datetime
    decided_by: int | None = None
    decided_at: datetime | None = None


class MemberInForum(_Model):
    """A member as listed in one forum: profile, village names and role.

    `member.village_code` here is the village approved in this forum (the membership's), not the
    profile field: everything that lists people of a village in a forum goes by what was approved.
    """

    member: Member
    membership: Membership
    village: Region | None


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """One line of a forum's member list (/anggota): plain values, no validation per row.

    A national forum lists 3,000 members; three pydantic models per row cost ~100 ms there.
    `village_code` is the one approved in this forum, as in MemberInForum.
    """

    user_id: int
    full_name: str
    jabatan: str
    role: str
    title: str | None
    village_code: str | None
    village: str | None
    kecamatan: str | None
    kabupaten: str | None
    unreachable_reason: str | None


class Invite(_Model):
    code: str
    forum_id: int
    role: Role
    created_by: int
    created_at: datetime
    revoked_at: datetime | None = None


class Draft(BaseModel):
    """A conversation in progress: which form, which step, what was typed so far."""

    user_id: int
    flow: str
    step: str
    data: dict[str, Any]
    updated_at: datetime
