"""Loaders: fetch what the meeting views need (host village label, series) before rendering.

They read through any repository handle: `services` for the last commit, or a unit of work's
`tx.meetings` to see the transaction's own writes.
"""

from __future__ import annotations

from bot.meetings.rules import DEFAULT_REMINDERS, clean_codes
from bot.meetings.views import MeetingInfo, region_label
from bot.meetings.views import card as card_view
from bot.meetings.views import place_text as place_view
from bot.services import Services
from bot.texts import Html
from storage.meetings import Meeting, MeetingRepo
from storage.models import Forum


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
