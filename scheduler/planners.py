"""The planner registry: every recurring planner, by name and interval, in one table.

A planner is `async fn(services, now)`. It looks at what is due (storage.planning) and writes
the pushes into the outbox with idempotency keys, so running it twice is harmless. The
composition root (bot/app.py) builds the registry from `PLANNERS` and hands it to the delivery
engine at start; the engine runs each planner at start (in the background) and then every
`every` seconds, never two passes of one planner at once.

A planner that must know a setting for its interval gives `every` as a function of the
delivery settings. Names are unique: a second registration under a taken name is refused.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.agreements.musyawarah import plan_musyawarah
from bot.broadcasts.service import plan_progress
from bot.config import DeliverySettings
from bot.meetings.pushes import plan_meetings
from bot.members.governance import plan_governance
from bot.posts.pushes import plan_posts
from bot.reports.digest import plan_digest
from scheduler.agreements import plan_agreements, plan_resumes
from scheduler.intake import prune_inbox
from scheduler.maintenance import maintain

PlannerFn = Callable[[Any, datetime], Awaitable[None]]  # (Services, now)
Every = float | Callable[[DeliverySettings], float] | None


class PlannerCollision(ValueError):
    """A second planner under a name that is taken."""


@dataclass(frozen=True)
class PlannerSpec:
    name: str
    run: PlannerFn
    every: Every = None  # seconds; None: settings.delivery.planner_every_seconds

    def interval(self, settings: DeliverySettings) -> float:
        if self.every is None:
            return settings.planner_every_seconds
        if callable(self.every):
            return float(self.every(settings))
        return float(self.every)


class PlannerRegistry:
    def __init__(self, specs: Iterable[PlannerSpec] = ()) -> None:
        self._specs: dict[str, PlannerSpec] = {}
        for spec in specs:
            self.add(spec)

    def add(self, spec: PlannerSpec) -> None:
        taken = self._specs.get(spec.name)
        if taken is not None:
            raise PlannerCollision(f"planner name {spec.name!r} is taken by {taken.run!r}")
        self._specs[spec.name] = spec

    def holds(self, run: PlannerFn) -> bool:
        """Whether this function is registered already (under any name)."""
        return any(spec.run == run for spec in self._specs.values())

    def names(self) -> list[str]:
        return list(self._specs)

    def __iter__(self) -> Iterator[PlannerSpec]:
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)


# The one table. Order = the order of the first pass at start.
PLANNERS: tuple[PlannerSpec, ...] = (
    PlannerSpec("meetings", plan_meetings),  # reminders H-1/H-3, attendance prompts, minutes nudges
    PlannerSpec("agreements", plan_agreements),  # evaluation prompts, follow-up reminders
    PlannerSpec("kerjasama_resume", plan_resumes, every=900.0),  # a suspended kerja sama resumes on its date
    PlannerSpec("reports_digest", plan_digest),  # the monthly digest to koordinators
    PlannerSpec("posts", plan_posts),  # each forum's weekly digest of stories, on its day
    PlannerSpec("governance", plan_governance),  # reminders of waiting join requests; votes in headless forums
    PlannerSpec("musyawarah", plan_musyawarah),  # H-1 reminders to a MAD/Musdes's delegates
    # One status message is edited at most every progress_every_seconds (>= 3 s).
    PlannerSpec("broadcast_progress", plan_progress, every=lambda d: d.progress_every_seconds),
    PlannerSpec("maintenance", maintain, every=600.0),  # retention of old outbox rows, PRAGMA optimize
    PlannerSpec("inbox_prune", prune_inbox, every=3600.0),  # handled updates older than inbox.keep_days
)


def planner_registry() -> PlannerRegistry:
    """A fresh registry with the table (one per Application: tests build several)."""
    return PlannerRegistry(PLANNERS)
