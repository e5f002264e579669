"""Loaders: fetch what the meeting views need (host village label, series) before rendering.

They read through any repository handle: `services` for the last commit, or a unit of work's
`tx.meetings` to see the transaction's own writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.errors import NotAMember
from bot.meetings.rules import DEFAULT_REMINDERS, Tally, by_series, clean_codes, tally
from bot.meetings.views import AgendaEntry, MeetingInfo, region_label
from bot.meetings.views import card as card_view
from bot.meetings.views import place_text as place_view
from bot.permissions import Action, refusal
from bot.services import Services
from bot.texts import Html
from storage.meetings import ActionItem, Attendance, Meeting, MeetingAttendance, MeetingRepo, Minutes, Rsvp
from storage.models import Forum, MemberInForum


def repo(services: Services) -> MeetingRepo:
    """The meetings repository reading the last commit (writes go through `services.write()`)."""
    return MeetingRepo(services.db)


async def village_label(services: Services, code: str | None) -> str:
    """'Desa Sidasari, Kec. Cipari' (plain text) for a village code."""
    if not code:
        return ""
    region = await services.regions.get(code)
    if region is None:
        return code
    return region_label(region)


async def meeting_info(services: Services, meeting: Meeting, meetings: MeetingRepo | None = None) -> MeetingInfo:
    """What the card of `meeting` needs; `meetings` may be a unit's repository (its own writes)."""
    series = None
    if meeting.series_id is not None:
        series = await (meetings or repo(services)).series(meeting.series_id)
    return MeetingInfo(meeting, await village_label(services, meeting.host_village_code), series)


async def card(services: Services, meeting: Meeting, lang: str, *, forum: Forum | None = None,
               with_agenda: bool = True) -> Html:
    """Load and render the meeting card in one call."""
    info = await meeting_info(services, meeting)
    return card_view(info, lang, forum_name=forum.name if forum is not None else None, with_agenda=with_agenda)


async def place_text(services: Services, meeting: Meeting, lang: str) -> Html:
    """Load and render where the meeting is."""
    return place_view(meeting, await village_label(services, meeting.host_village_code), lang)


async def reminder_codes(meetings: MeetingRepo, meeting: Meeting) -> list[str]:
    """The meeting's own reminder plan, else its forum's, else the built-in one."""
    if meeting.reminders is not None:
        return clean_codes(meeting.reminders)
    forum_codes = await meetings.forum_reminders(meeting.forum_id)
    return clean_codes(forum_codes if forum_codes is not None else DEFAULT_REMINDERS)


# -- what the screens show -----------------------------------------------------------------------------
# A series shows as one line in the agenda; this many of its dates are listed under "Lihat semua tanggal".
AGENDA_FETCH = 60
SERIES_DATES = 12


async def host_name(services: Services, meeting: Meeting) -> str | None:
    """The host village's short name (for buttons), if any."""
    if meeting.host_village_code is None:
        return None
    region = await services.regions.get(meeting.host_village_code)
    return region.name if region else None


async def agenda(services: Services, user_id: int) -> tuple[list[AgendaEntry], list[ActionItem]]:
    """Upcoming meetings of the user's forums (one entry per series) and their open action items."""
    forums = await services.access.forums_for(user_id, Action.RSVP)
    if not forums:
        if await services.members.memberships_of(user_id):
            raise refusal(Action.RSVP)
        raise NotAMember("err.not_member_any")
    names = {f.id: f.name for f in forums}
    meetings = await repo(services).upcoming(names, services.clock.now(), limit=AGENDA_FETCH)
    groups = by_series(meetings)[:10]
    answers = await repo(services).answers_of(user_id, [group[0].id for group in groups])
    entries = [AgendaEntry(g[0], len(g) - 1, answers.get(g[0].id), await host_name(services, g[0]),
                           names.get(g[0].forum_id, "")) for g in groups]
    return entries, await repo(services).actions_of(user_id)


async def series_dates(services: Services, user_id: int, series_id: int) -> list[AgendaEntry]:
    """Every coming date of one series the user may see, each with its host and the user's answer."""
    forums = await services.access.forums_for(user_id, Action.RSVP)
    meetings = [m for m in await repo(services).upcoming([f.id for f in forums], services.clock.now(),
                                                         limit=AGENDA_FETCH)
                if m.series_id == series_id][:SERIES_DATES]
    answers = await repo(services).answers_of(user_id, [m.id for m in meetings])
    return [AgendaEntry(m, 0, answers.get(m.id), await host_name(services, m), "") for m in meetings]


async def counts_of(services: Services, meeting: Meeting, members: Sequence[MemberInForum]) -> tuple[Tally, list[Rsvp]]:
    rsvps = await repo(services).rsvps(meeting.id)
    invited = [m.member.user_id for m in members if m.member.erased_at is None]
    return tally({r.user_id: (r.answer, r.party_size) for r in rsvps}, invited), rsvps


async def forum_agenda(services: Services, forum: Forum) -> list[tuple[Meeting, Tally]]:
    """The forum's next meetings with their tallies (for /agenda in the group)."""
    meetings = await repo(services).upcoming([forum.id], services.clock.now(), limit=10)
    members = await services.members.in_forum(forum.id)
    return [(m, (await counts_of(services, m, members))[0]) for m in meetings]


@dataclass(frozen=True)
class Detail:
    """A meeting's card with the tally and the reader's own answer."""

    info: MeetingInfo
    counts: Tally
    own: Rsvp | None
    koordinator: bool
    started: bool


async def detail(services: Services, meeting: Meeting, forum: Forum, user_id: int) -> Detail:
    members = await services.members.in_forum(forum.id)
    counts, rsvps = await counts_of(services, meeting, members)
    membership = await services.members.membership(forum.id, user_id)
    koordinator = membership is not None and membership.status == "active" and membership.role == "koordinator"
    return Detail(await meeting_info(services, meeting), counts, next((r for r in rsvps if r.user_id == user_id), None),
                  koordinator, meeting.starts_at <= services.clock.now())


async def who(services: Services, meeting: Meeting, forum: Forum) -> list[tuple[MemberInForum, Rsvp | None]]:
    """Every member (not erased) with their answer, for "Siapa yang hadir"."""
    rsvps = {r.user_id: r for r in await repo(services).rsvps(meeting.id)}
    return [(entry, rsvps.get(entry.member.user_id)) for entry in await services.members.in_forum(forum.id)
            if entry.member.erased_at is None]


async def people(services: Services, forum_id: int) -> list[tuple[int, str]]:
    """The forum's members (not erased) as (user id, "Name (Village)"), e.g. to pick an action's owner."""
    return [(m.member.user_id, f"{m.member.full_name} ({m.village.name if m.village else '-'})")
            for m in await services.members.in_forum(forum_id) if m.member.erased_at is None]


async def names_of(services: Services, user_ids: Iterable[int]) -> dict[int, str]:
    """Full names of the people found (an erased or unknown id is left out)."""
    names = {}
    for uid in set(user_ids):
        member = await services.members.get(uid)
        if member is not None:
            names[uid] = member.full_name
    return names


@dataclass(frozen=True)
class Past:
    held: list[MeetingAttendance]
    with_minutes: set[int]
    open_items: list[ActionItem]
    names: dict[int, str]


async def past(services: Services, forum: Forum) -> Past:
    """The forum's last ten held meetings (attendance, notulen) and its open action items."""
    now = services.clock.now()
    held = list(reversed(await repo(services).meetings_in_period(forum.id, now - timedelta(days=3650), now)))[:10]
    with_minutes = {item.meeting.id for item in held if await repo(services).minutes(item.meeting.id) is not None}
    open_items = await repo(services).open_actions(forum.id)
    return Past(held, with_minutes, open_items, await names_of(services, [a.owner_user_id for a in open_items[:15]]))


@dataclass(frozen=True)
class PastDetail:
    info: MeetingInfo
    attendance: list[Attendance]
    minutes: Minutes | None
    actions: list[ActionItem]
    names: dict[int, str]


async def past_detail(services: Services, meeting: Meeting) -> PastDetail:
    attendance = await repo(services).attendance(meeting.id)
    minutes = await repo(services).minutes(meeting.id)
    actions = await repo(services).actions(meeting.id)
    people = [a.user_id for a in attendance if a.present] + [a.owner_user_id for a in actions]
    return PastDetail(await meeting_info(services, meeting), attendance, minutes, actions,
                      await names_of(services, people))
