"""Start-up does not wait for the planners: they run in the background."""

from __future__ import annotations

import asyncio
from datetime import datetime

from telegram import Bot

from bot.clock import SystemClock
from bot.config import DeliverySettings
from scheduler.engine import DeliveryEngine
from storage.database import Database


async def test_start_does_not_wait_for_a_slow_planner(db: Database, bot: Bot) -> None:
    release = asyncio.Event()
    finished: list[datetime] = []

    async def slow(now: datetime) -> None:
        await release.wait()
        finished.append(now)

    engine = DeliveryEngine(bot=bot, db=db, clock=SystemClock(), settings=DeliverySettings())
    engine.add_planner(slow, name="slow")
    await asyncio.wait_for(engine.start(), 5)  # returns while the planner is still running
    try:
        assert not finished
        release.set()
        await asyncio.wait_for(engine.started(), 5)
        assert len(finished) == 1
    finally:
        await engine.stop()
