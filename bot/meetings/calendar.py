"""The calendar file (.ics) of a meeting, or of its whole series (RRULE, EXDATE, overrides)."""

from __future__ import annotations

from html import unescape

from bot.ics import IcsEvent, meeting_ics, series_ics
from bot.meetings.loaders import repo, village_label
from bot.meetings.views import place_text, rule_of
from bot.recurrence import to_rrule
from bot.services import Services
from storage.meetings import Meeting
from storage.models import Forum


def event_of(meeting: Meeting, village: str, uid: str, lang: str) -> IcsEvent:
    """One VEVENT: the place as plain text, the agenda as the description."""
    location = None
    if meeting.place_kind in ("village", "address", "location"):
        location = unescape(str(place_text(meeting, village, lang)).replace("<b>", "").replace("</b>", ""))
    description = "\n".join(f"{i}. {item}" for i, item in enumerate(meeting.agenda, 1)) or None
    geo = (meeting.latitude, meeting.longitude) if meeting.latitude is not None and meeting.longitude is not None \
        else None
    return IcsEvent(uid=uid, title=meeting.title, start=meeting.starts_at, minutes=meeting.duration_minutes,
                    tz=meeting.zone, location=location, description=description, url=meeting.online_url, geo=geo,
                    sequence=meeting.version - 1, cancelled=meeting.cancelled)


def _differs(m: Meeting, first: Meeting, original: object) -> bool:
    return (m.starts_at != original or m.title != first.title or m.place_kind != first.place_kind
            or m.host_village_code != first.host_village_code or m.duration_minutes != first.duration_minutes
            or m.agenda != first.agenda or m.address != first.address or m.online_url != first.online_url)


async def calendar_file(services: Services, meeting: Meeting, forum: Forum, lang: str) -> tuple[bytes, str]:
    """The .ics bytes and file name for `meeting` (its series' when it has one)."""
    now = services.clock.now()

    async def event(m: Meeting, uid: str) -> IcsEvent:
        return event_of(m, await village_label(services, m.host_village_code), uid, lang)

    if meeting.series_id is None:
        return meeting_ics(await event(meeting, f"meeting-{meeting.id}"), now=now, calendar_name=forum.name), \
            f"pertemuan-{meeting.id}.ics"
    series = await repo(services).series(meeting.series_id)
    occurrences = await repo(services).series_meetings(meeting.series_id)
    assert series is not None and occurrences
    first = occurrences[0]
    master_source = first.model_copy(update={"starts_at": first.original_start_at or first.starts_at,
                                             "status": "scheduled"})
    master = await event(master_source, f"series-{series.id}")
    exdates, overrides = [], []
    for m in occurrences:
        original = m.original_start_at or m.starts_at
        if m.cancelled:
            exdates.append(original)
        elif _differs(m, first, original):
            overrides.append((original, await event(m, f"series-{series.id}")))
    rrule = to_rrule(rule_of(series.rule), tz=meeting.zone)
    return series_ics(master, rrule, now=now, exdates=exdates, overrides=overrides, calendar_name=forum.name), \
        f"pertemuan-rutin-{series.id}.ics"
