"""The engine's loop on a real clock: start-up catch-up, APScheduler wake-ups, planners, recovery."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

from telegram import Bot

from bot.clock import SystemClock
from bot.config import DeliverySettings
from scheduler.engine import DeliveryEngine
from storage.database import Database
from storage.outbox import OutboxRepo, enqueue
from tests.double import TelegramDouble


async def eventually(predicate: object, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


async def test_reminder_due_while_down_is_sent_on_start(double: TelegramDouble, db: Database, bot: Bot) -> None:
    clock = SystemClock()
    double.user(11, "Budi")
    async with db.transaction() as conn:  # written before the "crash", due an hour ago
        await enqueue(conn, key="meeting:1:h-1:user:11", chat_id=11, text="Rapat besok",
                      due_at=clock.now() - timedelta(hours=1), now=clock.now() - timedelta(days=1))
    engine = DeliveryEngine(bot=bot, db=db, clock=clock, settings=DeliverySettings())
    await engine.start()
    try:
        await eventually(lambda: len(double.sent(11)) == 1)
    finally:
        await engine.stop()
    assert (await OutboxRepo(db).by_key("meeting:1:h-1:user:11") or {})["status"] == "sent"


async def test_apscheduler_wakes_the_dispatcher_at_the_due_time(double: TelegramDouble, db: Database,
                                                                bot: Bot) -> None:
    clock = SystemClock()
    double.user(11, "Budi")
    engine = DeliveryEngine(bot=bot, db=db, clock=clock, settings=DeliverySettings())
    await engine.start()
    try:
        due = clock.now().replace(microsecond=0) + timedelta(seconds=2)
        async with db.transaction() as conn:
            await enqueue(conn, key="later", chat_id=11, text="Nanti", due_at=due, now=clock.now())
        engine.wake()  # what features do after the commit; nothing is due yet
        await asyncio.sleep(0.3)
        assert double.sent(11) == []
        await eventually(lambda: len(double.sent(11)) == 1, within=5)
        assert datetime.fromtimestamp(double.sent(11)[0].date).astimezone(due.tzinfo) >= due - timedelta(seconds=1)
        assert engine.scheduler.get_job("delivery-wake") is None or engine.scheduler.get_job("delivery-wake").misfire_grace_time is None  # type: ignore[union-attr]
    finally:
        await engine.stop()


async def test_rows_in_flight_at_a_kill_are_sent_again_on_start(double: TelegramDouble, db: Database,
                                                                bot: Bot) -> None:
    clock = SystemClock()
    repo = OutboxRepo(db)
    for uid in (11, 12):
        double.user(uid, "U")
        async with db.transaction() as conn:
            await enqueue(conn, key=f"k{uid}", chat_id=uid, text="Halo", due_at=clock.now(), now=clock.now())
    # A previous process claimed both and died before Telegram answered.
    rows = await repo.ready(clock.now(), limit=10)
    assert await repo.claim([r.id for r in rows]) == {r.id for r in rows}
    engine = DeliveryEngine(bot=bot, db=db, clock=clock, settings=DeliverySettings())
    await engine.start()
    try:
        await eventually(lambda: len(double.sent()) == 2)
    finally:
        await engine.stop()
    assert await repo.counts() == {"sent": 2}


async def test_planners_run_at_start_and_periodically(double: TelegramDouble, db: Database, bot: Bot) -> None:
    clock = SystemClock()
    double.user(11, "Budi")
    runs: list[datetime] = []

    async def weekly_digest(now: datetime) -> None:
        runs.append(now)
        async with db.transaction() as conn:  # the same key every run: only the first one queues
            await enqueue(conn, key="digest:2026-w50:user:11", chat_id=11, text="Ringkasan", due_at=now, now=now)

    engine = DeliveryEngine(bot=bot, db=db, clock=clock, settings=DeliverySettings())
    engine.add_planner(weekly_digest, every=0.2)
    await engine.start()
    try:
        await eventually(lambda: len(runs) >= 3, within=5)
        await eventually(lambda: len(double.sent(11)) == 1)
        await asyncio.sleep(0.3)
    finally:
        await engine.stop()
    assert len(double.sent(11)) == 1


async def test_a_failing_planner_does_not_stop_delivery(double: TelegramDouble, db: Database, bot: Bot) -> None:
    clock = SystemClock()
    double.user(11, "Budi")

    async def broken(now: datetime) -> None:
        raise RuntimeError("bug in a feature")

    engine = DeliveryEngine(bot=bot, db=db, clock=clock, settings=DeliverySettings())
    engine.add_planner(broken)
    await engine.start()
    try:
        async with db.transaction() as conn:
            await enqueue(conn, key="k", chat_id=11, text="Halo", due_at=clock.now(), now=clock.now())
        engine.wake()
        await eventually(lambda: len(double.sent(11)) == 1)
    finally:
        await engine.stop()
