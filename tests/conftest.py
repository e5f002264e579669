"""Shared fixtures: real SQLite files, the Telegram test double, the real PTB application.

Loading the village registry takes about two seconds, so one template database with the
registry is built per test session and copied into each test's tmp_path. Under pytest-xdist
(`-n 2`) each worker is its own session with its own tmp_path_factory, so each builds its own.

Flow tests run without flood limits (the double's and the bot's own outbox limiter), so they
are as fast as the code; they wait on events (`wait_for`, `wait_for_answer`, the delivery
engine's `run_due`), never on sleeps.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_application, start_manually, stop_manually
from bot.clock import FixedClock
from bot.config import Settings, load_settings
from bot.services import Services
from bot.telegram_double import SentMessage, SimChat, SimUser, TelegramDouble
from storage.database import Database
from storage.regions import RegionRepo

# A Tuesday morning in Cilacap (WIB): 2026-11-24 10:00 WIB.
START = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
TOKEN = "123456:TEST-token"

SIDASARI_CIPARI = "33.01.18.2011"


@pytest.fixture(scope="session")
def registry_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("registry") / "template.sqlite3"

    async def build() -> None:
        db = Database(path)
        await db.open()
        await RegionRepo(db).ensure_loaded()
        await db.writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        await db.close()

    asyncio.run(build())
    return path


@pytest.fixture
def db_path(tmp_path: Path, registry_template: Path) -> Path:
    target = tmp_path / "kades.sqlite3"
    shutil.copyfile(registry_template, target)
    return target


@pytest.fixture
async def db(db_path: Path) -> AsyncIterator[Database]:
    database = Database(db_path)
    await database.open()
    yield database
    await database.close()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
async def double() -> AsyncIterator[TelegramDouble]:
    # No flood limits here: flow tests are about behaviour, and waiting out Telegram's 1 msg/s per
    # chat made the suite sit idle for minutes. Limits are tested in tests/scheduler and
    # tests/telegram_double, which have their own `double` fixtures with limits on.
    async with TelegramDouble(token=TOKEN, bot_username="kades_test_bot", enforce_limits=False) as server:
        yield server


# The bot's own outbox limiter books sends under Telegram's limits (1/s per chat, 20/min per
# group). Flow tests lift them so pushes go out at once; production defaults stay untouched, and
# a test about pacing passes its own KADES_DELIVERY__* values to settings_for.
UNLIMITED_DELIVERY = {
    "KADES_DELIVERY__GLOBAL_PER_SECOND": "100000",
    "KADES_DELIVERY__GLOBAL_BURST": "100000",
    "KADES_DELIVERY__PER_CHAT_PER_SECOND": "100000",
    "KADES_DELIVERY__PER_CHAT_BURST": "100000",
    "KADES_DELIVERY__GROUP_PER_MINUTE": "6000000",
    "KADES_DELIVERY__GROUP_BURST": "100000",
}


def settings_for(double: TelegramDouble, db_path: Path, **env: str) -> Settings:
    environ = {
        "TELEGRAM_BOT_TOKEN": double.token,
        "TELEGRAM_API_BASE_URL": double.api_base_url,
        "TELEGRAM_API_BASE_FILE_URL": double.file_base_url,
        "KADES_STORAGE__PATH": str(db_path),
        **UNLIMITED_DELIVERY,
        **env,
    }
    return load_settings(None, environ=environ)


@dataclass
class Person:
    """A simulated Telegram user talking to the bot in private chat (or a group)."""

    double: TelegramDouble
    user: SimUser
    seen: int = field(default=0)

    @property
    def id(self) -> int:
        return self.user.id

    async def say(self, text: str, *, chat: SimChat | None = None, timeout: float = 15.0) -> SentMessage:
        """Send text and return the bot's next message in that chat."""
        target = chat.id if chat else self.user.id
        await self.double.send_message(self.user, text, chat=chat)
        return await self.double.wait_for(target, timeout=timeout)

    async def send(self, text: str, *, chat: SimChat | None = None) -> None:
        await self.double.send_message(self.user, text, chat=chat)

    async def press(self, message: SentMessage, label: str, *, chat: SimChat | None = None,
                    timeout: float = 15.0) -> SentMessage:
        """Press the button whose label contains `label`; return the bot's next message or edit."""
        data = message.callback_for(label)
        assert data is not None, f"no button {label!r} in {message.button_texts()}"
        await self.double.press_button(self.user, message, data)
        return await self.double.wait_for(chat.id if chat else self.user.id, timeout=timeout)

    async def next(self, *, chat: SimChat | None = None, timeout: float = 15.0) -> SentMessage:
        return await self.double.wait_for(chat.id if chat else self.user.id, timeout=timeout)


@dataclass
class BotHarness:
    app: Any
    double: TelegramDouble
    clock: FixedClock
    settings: Settings

    @property
    def services(self) -> Services:
        services: Services = self.app.bot_data["services"]
        return services

    def person(self, user_id: int, name: str, **kwargs: Any) -> Person:
        return Person(self.double, self.double.user(user_id, name, **kwargs))


async def start_bot(double: TelegramDouble, settings: Settings, clock: FixedClock) -> Any:
    app = build_application(settings, clock=clock)
    await start_manually(app)
    return app


async def stop_bot(app: Any) -> None:
    await stop_manually(app)


@pytest.fixture
async def bot(double: TelegramDouble, db_path: Path, clock: FixedClock) -> AsyncIterator[BotHarness]:
    settings = settings_for(double, db_path)
    app = await start_bot(double, settings, clock)
    try:
        yield BotHarness(app, double, clock, settings)
    finally:
        await stop_bot(app)


async def seed_forum(services: Services, *, koordinator: int, name: str = "Forum Kades Cipari",
                     scope_code: str = "33.01.18", members: dict[int, tuple[str, str]] | None = None,
                     roles: dict[int, str] | None = None, group_chat_id: int | None = None) -> int:
    """A forum with an active koordinator and members, written through the repositories.

    `members` maps user id -> (full name, village code); the koordinator must be among them.
    Feature tests use this; the onboarding tests create forums through the bot itself.
    """
    now = services.clock.now()
    members = members or {koordinator: ("Budi Santoso", SIDASARI_CIPARI)}
    roles = roles or {}
    async with services.db.transaction() as conn:
        for user_id, (full_name, village) in members.items():
            await services.members.upsert(conn, user_id=user_id, full_name=full_name, jabatan="kades",
                                          village_code=village, language="id", now=now)
        forum_id = await services.forums.create(conn, name=name, scope_code=scope_code, timezone="Asia/Jakarta",
                                                created_by=koordinator, now=now)
        for user_id in members:
            role = "koordinator" if user_id == koordinator else roles.get(user_id, "anggota")
            await services.members.add_membership(conn, forum_id=forum_id, user_id=user_id, role=role,  # type: ignore[arg-type]
                                                  status="active", now=now, decided_by=koordinator)
    if group_chat_id is not None:
        await services.forums.link_group(forum_id, group_chat_id)
    return forum_id
