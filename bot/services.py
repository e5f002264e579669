"""The long-lived services, built once and reached by handlers through `context.services`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.access import Access
from bot.clock import Clock
from bot.config import Settings
from scheduler.lanes import MessageLane
from storage.database import Database
from storage.drafts import DraftRepo
from storage.forums import ForumRepo
from storage.members import MemberRepo
from storage.regions import RegionRepo
from storage.unit import Unit


class Waker(Protocol):
    def wake(self) -> None:
        """Tell the delivery engine that something may be due now."""

    def lane(self, name: str) -> MessageLane:
        """A named ephemeral lane for sends not worth the outbox (scheduler/lanes.py)."""


class _NoDelivery:
    """Until the delivery engine starts (and in storage-only tools), waking is a no-op."""

    def wake(self) -> None:
        return None

    def lane(self, name: str) -> MessageLane:
        raise RuntimeError(f"lane {name!r}: the delivery engine is not started")


class PostPublisher(Protocol):
    """Publish an experience post (the posts feature's use case; wired by the composition root so
    other features, e.g. a visit report, reach it without importing the posts feature)."""

    async def __call__(self, services: Services, *, forum_id: int, author_user_id: int, title: str, bidang: str,
                       kind: str, story: str, credited_village_codes: Sequence[str] = (),
                       link_type: str | None = None, link_id: int | None = None, publish: bool = True) -> int: ...


# Recurring pushes computed from domain data (digests, evaluation prompts), listed with their
# intervals in scheduler/planners.py. Each writes outbox rows with idempotency keys.
Planner = Callable[["Services", datetime], Awaitable[None]]


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    regions: RegionRepo
    forums: ForumRepo
    members: MemberRepo
    drafts: DraftRepo
    access: Access
    delivery: Waker = field(default_factory=_NoDelivery)
    bot_username: str = ""
    # Called with a user id after their role in a forum changed (e.g. to refresh their command menu).
    role_listeners: list[Callable[[int], Awaitable[None]]] = field(default_factory=list)
    publish_post: PostPublisher | None = None

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Unit]:
        """The unit of work every use case writes through (see storage/unit.py)."""
        async with self.db.write() as tx:
            yield Unit(tx)

    @classmethod
    def build(cls, settings: Settings, db: Database, clock: Clock) -> Services:
        forums = ForumRepo(db)
        members = MemberRepo(db)
        return cls(
            settings=settings, db=db, clock=clock, regions=RegionRepo(db), forums=forums, members=members,
            drafts=DraftRepo(db), access=Access(forums, members),
        )
