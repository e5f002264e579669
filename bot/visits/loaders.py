"""Loaders: fetch what the visit views need (the two sides, their villages, names) before rendering."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.services import Services
from bot.timefmt import zone_for_region
from bot.visits.views import Parties
from storage.visits import VisitRepo, VisitRow


def repo(services: Services) -> VisitRepo:
    """The visits repository reading the last commit (writes go through `services.write()` -> tx.visits)."""
    return VisitRepo(services.db)


def visit_zone(row_or_village: VisitRow | str) -> ZoneInfo:
    """The visit happens in the host village: its zone decides 'today', H-7 and H-1."""
    code = row_or_village.host_village if isinstance(row_or_village, VisitRow) else row_or_village
    return zone_for_region(code)


def today_at(services: Services, zone: ZoneInfo) -> date:
    return services.clock.now().astimezone(zone).date()


def visit_today(services: Services, row_or_village: VisitRow | str) -> date:
    return today_at(services, visit_zone(row_or_village))


def local_moment(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone)


async def lang_of(services: Services, user_id: int) -> str:
    member = await services.members.get(user_id)
    return member.language if member else "id"


async def parties(services: Services, row: VisitRow) -> Parties:
    return Parties(
        requester=await services.members.get(row.requester_user_id),
        host=await services.members.get(row.host_user_id),
        origin=await services.regions.get(row.requester_village),
        destination=await services.regions.get(row.host_village),
    )


async def names(services: Services, rows: Iterable[VisitRow]) -> dict[str, str]:
    """Village code -> bare name, for list lines."""
    out: dict[str, str] = {}
    for row in rows:
        for code in (row.requester_village, row.host_village):
            if code not in out:
                region = await services.regions.get(code)
                out[code] = region.name if region else code
    return out
