from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from telegram import Bot

from bot.clock import FixedClock
from bot.config import DeliverySettings
from scheduler.engine import DeliveryEngine
from storage.database import Database
from tests.double import TelegramDouble

# 10:00 WIB on a Monday: outside quiet hours in every Indonesian zone.
START = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "kades.sqlite3")
    await database.open()
    yield database
    await database.close()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
async def double() -> AsyncIterator[TelegramDouble]:
    async with TelegramDouble() as server:
        yield server


@pytest.fixture
async def bot(double: TelegramDouble) -> AsyncIterator[Bot]:
    async with Bot(double.token, base_url=double.api_base_url) as client:
        yield client


@pytest.fixture
def settings() -> DeliverySettings:
    # Short backoff so retry tests advance the FixedClock by seconds, not minutes.
    return DeliverySettings(backoff_base_seconds=1.0, backoff_max_seconds=10.0, retry_max_age_seconds=30.0)


@pytest.fixture
async def engine(bot: Bot, db: Database, clock: FixedClock,
                 settings: DeliverySettings) -> AsyncIterator[DeliveryEngine]:
    async with DeliveryEngine(bot=bot, db=db, clock=clock, settings=settings) as delivery:
        yield delivery
