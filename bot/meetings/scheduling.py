"""Use cases: schedule a meeting (or a series) and change a scheduled one.

They take Services and plain values, check permission through the access layer, write in one
unit of work together with the pushes the change causes, and drop the form that asked for it
in the same transaction (so a second "Simpan" finds nothing to save).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.errors import InvalidInput, NotFound
from bot.meetings.loaders import repo
from bot.meetings.pushes import announce, notify_change, push_context, queue_tally, replan_all
from bot.meetings.rules import host_for
from bot.permissions import Action
from bot.services import Services
from storage.meetings import Meeting

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Place:
    """Where a meeting is: a host village, an address or pin, an online link, or not yet known."""

    kind: str = "none"  # village | address | location | online | none
    village: str | None = None
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    url: str | None = None

    def fields(self) -> dict[str, Any]:
        return {"place_kind": self.kind, "host_village_code": self.village if self.kind == "village" else None,
                "address": self.address if self.kind in ("address", "location", "village") else None,
                "latitude": self.lat, "longitude": self.lon, "online_url": self.url}


@dataclass(frozen=True)
class Plan:
    """A meeting or series to schedule; `starts` are every occurrence (one for a single meeting)."""

    forum_id: int
    title: str
    starts: list[datetime]
    timezone: str
    duration_minutes: int
    place: Place
    agenda: list[str] = field(default_factory=list)
    documents: list[dict[str, str]] = field(default_factory=list)
    rule: dict[str, Any] | None = None  # the series' recurrence (JSON), None for one meeting
    rotation: list[str] = field(default_factory=list)  # host villages in turn order


@dataclass(frozen=True)
class Scheduled:
    meeting_ids: list[int]
    series_id: int | None


async def schedule(services: Services, user_id: int, plan: Plan, *, finishing_form: bool = False) -> Scheduled:
    """Save the meeting(s) and announce the first; the koordinator's form ends in the same commit."""
    forum, _ = await services.access.require(plan.forum_id, user_id, Action.CREATE_MEETING)
    now = services.clock.now()
    if not plan.starts or plan.starts[0] <= now:
        raise InvalidInput("meet.bad.date.in_past")
    ctx = await push_context(services, forum.id)
    async with services.write() as tx:
        series_id = None
        if plan.rule is not None:
            series_id = await tx.meetings.create_series(
                forum_id=forum.id, rule=plan.rule, first_start_at=plan.starts[0], timezone=plan.timezone,
                host_rotation=plan.rotation, created_by=user_id, now=now)
        ids = []
        for seq, start in enumerate(plan.starts, 1):
            host = host_for(plan.rotation, seq)
            place = Place(kind="village", village=host) if host else plan.place
            ids.append(await tx.meetings.create(
                forum_id=forum.id, series_id=series_id, seq=seq if series_id else None, title=plan.title,
                starts_at=start, duration_minutes=plan.duration_minutes, timezone=plan.timezone,
                agenda=plan.agenda, documents=plan.documents, created_by=user_id, now=now, **place.fields()))
        first = await tx.meetings.get(ids[0])
        assert first is not None
        await announce(tx, ctx, first)
        if finishing_form:
            await tx.drafts.clear(user_id)
    services.delivery.wake()
    log.info("event=meeting_created forum=%s meeting=%s series=%s occurrences=%d by=%s", forum.id, ids[0],
             series_id, len(ids), user_id)
    return Scheduled(ids, series_id)


@dataclass(frozen=True)
class Change:
    """One field of a meeting changed: `what` is when | title | place | agenda | limits | deadline."""

    what: str
    starts_at: datetime | None = None  # when: the new start (its zone is the new zone)
    title: str = ""
    place: Place | None = None
    agenda: list[str] = field(default_factory=list)
    max_attendees: int | None = None
    deadline: datetime | None = None


def _fields_for(change: Change, meeting: Meeting, *, whole_series: bool) -> tuple[dict[str, Any], list[str], bool]:
    """The columns to write on `meeting`, the change names to announce, and whether it moved."""
    if change.what == "when":
        assert change.starts_at is not None
        new = change.starts_at
        zone = new.tzinfo
        if whole_series:  # the series keeps its dates; only the clock time moves
            local = meeting.starts_at.astimezone(zone)
            new = new.replace(year=local.year, month=local.month, day=local.day)
        key = getattr(zone, "key", meeting.timezone)
        if new == meeting.starts_at and key == meeting.timezone:
            return {}, [], False
        return {"starts_at": new, "timezone": key}, ["when"], True
    if change.what == "title":
        return {"title": change.title}, ["title"], False
    if change.what == "place":
        return (change.place or Place()).fields(), ["place"], False
    if change.what == "agenda":
        return {"agenda": change.agenda}, ["agenda"], False
    if change.what == "limits":
        return {"max_attendees": change.max_attendees}, ["max"], False
    if change.what == "deadline":
        return {"rsvp_deadline": change.deadline}, ["deadline"], False
    return {}, [], False


async def change_meeting(services: Services, user_id: int, meeting_id: int, change: Change, *,
                         whole_series: bool = False, finishing_form: bool = False) -> int:
    """Apply a change to one meeting or the rest of its series; tell everyone what changed.

    Returns how many meetings changed.
    """
    meeting = await repo(services).get(meeting_id)
    if meeting is None:
        raise NotFound()
    await services.access.require(meeting.forum_id, user_id, Action.MANAGE_MEETING)
    now = services.clock.now()
    if meeting.cancelled or meeting.starts_at <= now:
        raise InvalidInput("meet.edit.too_late")
    ctx = await push_context(services, meeting.forum_id)
    changed = 0
    async with services.write() as tx:
        targets = [meeting]
        if whole_series and meeting.series_id is not None:
            targets = [m for m in await tx.meetings.series_meetings(meeting.series_id)
                       if m.seq is not None and meeting.seq is not None and m.seq >= meeting.seq
                       and m.status == "scheduled" and m.starts_at > now]
        for target in targets:
            fields, changes, reschedule = _fields_for(change, target, whole_series=whole_series)
            if not fields or (reschedule and fields["starts_at"] <= now):
                continue
            await tx.meetings.update(target.id, now, bump_version=reschedule, **fields)
            fresh = await tx.meetings.get(target.id)
            assert fresh is not None
            if reschedule or change.what in ("limits", "deadline"):
                await replan_all(tx, ctx, fresh)
            await tx.meetings.bump_tally(fresh.id)
            if fresh.announced_at is not None and changes:
                await notify_change(tx, ctx, fresh, changes)
            changed += 1
        if finishing_form:
            await tx.drafts.clear(user_id)
    async with services.write() as tx:
        for target in targets:
            await queue_tally(tx, services, target.id, ctx.members, now)
    services.delivery.wake()
    log.info("event=meeting_edited meeting=%s field=%s count=%d by=%s", meeting.id, change.what, changed, user_id)
    return changed
