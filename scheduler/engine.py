"""The delivery engine: the dispatcher loop, its APScheduler wake-ups, and the planners.

Why APScheduler's AsyncIOScheduler and not PTB's JobQueue: the engine must also run without
an `Application` (benchmarks, the crash test, storage tools), and it needs per-job control of
`misfire_grace_time=None` / `coalesce=True`. The scheduler holds no state that matters: the
one date job ("wake") is re-armed from the outbox's earliest `next_try_at` whenever the loop
goes idle, and planners are interval jobs re-added at every start. A stalled loop or a
downtime only makes a job late, never lost, and the database says what is due.

Features use three things:
- after committing `storage.outbox.enqueue(...)`: `services.delivery.wake()`;
- planners, listed in scheduler/planners.py and added here by the composition root
  (`engine.add_planner(fn, every=..., name=...)`): `async fn(now)` is run at start and every
  `every` seconds; it writes recurring pushes (digests, prompts) into the outbox with
  idempotency keys, so running it twice is harmless;
- `services.delivery.lane(name)`: a named ephemeral lane (scheduler/lanes.py) for sends that
  are worthless after a moment (a progress bar), under the same limits as the outbox.

Start-up never waits for the planners: on a national database a first pass may take seconds,
and the bot must poll Telegram at once. They run one after another in a background task; a
planner still running (at start or from a slow pass) is skipped, never run twice at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from telegram import Bot

from bot.clock import Clock
from bot.config import DeliverySettings
from scheduler.dispatcher import Dispatcher
from scheduler.lanes import EphemeralLane
from scheduler.transport import AiohttpRequest
from storage.database import Database

log = logging.getLogger(__name__)

Planner = Callable[[datetime], Awaitable[None]]

_WAKE_JOB = "delivery-wake"


class DeliveryEngine:
    def __init__(
        self,
        *,
        bot: Bot,
        db: Database,
        clock: Clock,
        settings: DeliverySettings,
        scheduler: AsyncIOScheduler | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self._own_bot = sending_bot(bot, settings)
        self.dispatcher = Dispatcher(bot=self._own_bot, db=db, clock=clock, settings=settings)
        self.scheduler = scheduler or AsyncIOScheduler(
            timezone=UTC, job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1}
        )
        self._planners: list[tuple[str, Planner, float]] = []
        self._locks: dict[str, asyncio.Lock] = {}
        self._startup: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._stopping = False
        self._armed_for: datetime | None = None
        self._lanes: dict[str, EphemeralLane] = {}

    # -- public API ------------------------------------------------------------------------
    def wake(self) -> None:
        """Something may be due now (called after a feature committed an enqueue)."""
        self._wake.set()

    def lane(self, name: str) -> EphemeralLane:
        """The named ephemeral lane: the engine's own Bot, booked in the dispatcher's limiter."""
        lane = self._lanes.get(name)
        if lane is None:
            lane = EphemeralLane(name, bot=self._own_bot, limiter=self.dispatcher.limiter,
                                 monotonic=self.dispatcher.monotonic)
            self._lanes[name] = lane
        return lane

    def add_planner(self, fn: Planner, *, every: float | None = None, name: str | None = None) -> None:
        """Run `await fn(now)` at start and then every `every` seconds (default: the setting)."""
        interval = every if every is not None else self.settings.planner_every_seconds
        label: str = name or str(getattr(fn, "__qualname__", None) or repr(fn))
        entry = (label, fn, interval)
        self._planners.append(entry)
        if self.scheduler.running:
            self._add_planner_job(*entry)

    async def start(self) -> None:
        """Resend what was in flight at a crash, start the loop, run the planners in the background."""
        await self.start_client()
        await self.dispatcher.recover()
        self.scheduler.start()
        for entry in self._planners:
            self._add_planner_job(*entry)
        self._stopping = False
        self._loop_task = asyncio.create_task(self._run(), name="delivery-loop")
        self._startup = asyncio.create_task(self._run_all(wait=False), name="planners-at-start")
        log.info("event=delivery_started planners=%d in_flight=%d", len(self._planners),
                 self.settings.in_flight)

    async def stop(self, *, drain_seconds: float = 5.0) -> None:
        """Stop claiming; give sends in flight a moment to be answered, then abandon the rest
        (they stay 'sending' and are resent at the next start)."""
        self._stopping = True
        self._wake.set()
        for task in (self._startup,):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._startup = None
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
            self._loop_task = None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.dispatcher.wait_idle(), drain_seconds)
        await self.dispatcher.cancel_in_flight()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await self.stop_client()
        log.info("event=delivery_stopped sent=%d failed=%d", self.dispatcher.stats.sent,
                 self.dispatcher.stats.failed)

    async def start_client(self) -> None:
        """Open the dispatcher's HTTP client (start() does it; tools calling run_due() may too)."""
        await self._own_bot.initialize()

    async def stop_client(self) -> None:
        await self._own_bot.shutdown()

    async def __aenter__(self) -> DeliveryEngine:
        await self.start_client()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.dispatcher.wait_idle()
        await self.stop_client()

    async def run_due(self, *, limit_seconds: float = 60.0) -> None:
        """Send everything due at `clock.now()` and wait until each send is answered.

        For tests and tools: drive time with a FixedClock, then call this instead of sleeping.
        Rows waiting for a later time (retries, quiet hours) are left for a later call.
        """
        await self.start_client()
        async with asyncio.timeout(limit_seconds):
            while True:
                self.dispatcher.changed.clear()
                hint = await self.dispatcher.step()
                if hint is None and self.dispatcher.in_flight == 0:
                    return
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.dispatcher.changed.wait(), hint)

    async def run_planners(self) -> None:
        """Run every planner once now (after the start-up run, if one is under way)."""
        await self.started()
        await self._run_all(wait=True)

    async def started(self) -> None:
        """Wait until the planners' first run after start() is over (tests, tools)."""
        if self._startup is not None:
            await asyncio.shield(self._startup)

    # -- internals -------------------------------------------------------------------------
    def _fire_wake(self) -> None:
        self._armed_for = None  # the job is used up; the next idle pass may arm it again
        self.wake()

    def _add_planner_job(self, name: str, fn: Planner, every: float) -> None:
        self.scheduler.add_job(self._run_planner, "interval", seconds=every, args=(name, fn),
                               id=f"planner-{name}", replace_existing=True)

    async def _run_all(self, *, wait: bool) -> None:
        for name, fn, _ in self._planners:
            await self._run_planner(name, fn, wait=wait)

    async def _run_planner(self, name: str, fn: Planner, *, wait: bool = False) -> None:
        lock = self._locks.setdefault(name, asyncio.Lock())
        if lock.locked() and not wait:  # the previous pass is still at work: skip, never overlap
            return
        started = time.perf_counter()
        async with lock:
            try:
                await fn(self.clock.now())
            except Exception:
                log.exception("event=planner_failed planner=%s", name)
                return
        elapsed = time.perf_counter() - started
        if elapsed > 1.0:
            log.warning("event=planner_slow planner=%s seconds=%.1f", name, elapsed)
        self.wake()

    async def _run(self) -> None:
        dispatcher = self.dispatcher
        while not self._stopping:
            self._wake.clear()
            dispatcher.changed.clear()
            try:
                hint = await dispatcher.step()
            except Exception:
                log.exception("event=dispatch_step_failed")
                hint = 1.0
            if hint is None and dispatcher.in_flight == 0:
                await self._arm_wake()
            waits = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(dispatcher.changed.wait())]
            try:
                await asyncio.wait(waits, timeout=hint, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for w in waits:
                    w.cancel()

    async def _arm_wake(self) -> None:
        """Idle: ask APScheduler to wake us when the earliest pending row falls due."""
        due = await dispatcher_next_due(self.dispatcher)
        if due is None or due == self._armed_for:
            return
        now = self.clock.now()
        run_at = max(due, now) + timedelta(milliseconds=5)
        # The FixedClock of tests may differ from the wall clock; schedule relative to it.
        wall = datetime.now(UTC) + (run_at - now)
        self.scheduler.add_job(self._fire_wake, "date", run_date=wall, id=_WAKE_JOB, replace_existing=True)
        self._armed_for = due


def sending_bot(bot: Bot, settings: DeliverySettings) -> Bot:
    """The dispatcher's own Bot on the same server, over the lean aiohttp transport.

    Not the application's bot: that one carries PTB's AIORateLimiter, which retries 429s
    inside the call (sleeping while holding a send slot) and throttles on its own, while the
    dispatcher must see every 429 and does its own limiting. Its own connection pool also
    keeps pushes from queueing behind replies to users.
    """
    token = bot.token
    return Bot(
        token,
        base_url=bot.base_url.removesuffix(token),
        base_file_url=bot.base_file_url.removesuffix(token),
        request=AiohttpRequest(pool_size=settings.in_flight + 4, read_timeout=settings.send_timeout_seconds),
        local_mode=bot.local_mode,
    )


async def dispatcher_next_due(dispatcher: Dispatcher) -> datetime | None:
    return await dispatcher.repo.next_due()
