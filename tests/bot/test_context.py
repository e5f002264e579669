"""The per-update context reads who is asking once per update, and never carries it to the next.

Reads are counted on the real SQLite reader connection with a trace callback.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.callbacks import CallbackData, encode
from bot.context import BotContext
from handlers.common import button_handler, language, reply
from tests.conftest import SIDASARI_CIPARI, BotHarness, seed_forum

_MEMBER_READ = re.compile(r"\bFROM members WHERE user_id\b", re.IGNORECASE)
_MEMBERSHIPS_READ = re.compile(r"\bFROM memberships WHERE user_id\b", re.IGNORECASE)


class _Trace:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, sql: str) -> None:  # runs on aiosqlite's thread: append only
        self.statements.append(sql)

    def count(self, pattern: re.Pattern[str]) -> int:
        return sum(1 for s in self.statements if pattern.search(s))

    def __iter__(self) -> Iterator[str]:
        return iter(self.statements)


@asynccontextmanager
async def traced(bot: BotHarness) -> AsyncIterator[_Trace]:
    trace = _Trace()
    reader = bot.services.db.reader
    await reader.set_trace_callback(trace)
    try:
        yield trace
    finally:
        await reader.set_trace_callback(None)


async def test_one_update_reads_the_member_once_however_many_layers_ask_the_language(bot: BotHarness) -> None:
    asked: list[str] = []

    @button_handler  # asks the language once itself (for a refusal)
    async def probe(update: Update, context: BotContext, data: CallbackData) -> None:
        for _ in range(3):
            asked.append(await language(update, context))
        await reply(update, "ok")

    bot.app.add_handler(CallbackQueryHandler(probe, pattern=r"^g:probe$"), group=-1)
    await seed_forum(bot.services, koordinator=1001, members={1001: ("Budi Santoso", SIDASARI_CIPARI)})
    budi = bot.person(1001, "Budi")
    menu = await budi.say("/bahasa")
    async with traced(bot) as trace:
        cq = await bot.double.press_button(budi.user, menu, encode("g", "probe"), force=True)
        await bot.double.wait_for_answer(cq)
        await budi.next()
    assert asked == ["id", "id", "id"]
    # The catch-all for unclaimed buttons (group 0) asks again too: still the one read.
    assert trace.count(_MEMBER_READ) == 1, list(trace)


async def test_a_command_reads_member_and_memberships_once(bot: BotHarness) -> None:
    await seed_forum(bot.services, koordinator=1001, members={1001: ("Budi Santoso", SIDASARI_CIPARI)})
    budi = bot.person(1001, "Budi")
    async with traced(bot) as trace:
        await budi.say("/bantuan")
    assert trace.count(_MEMBER_READ) == 1, list(trace)
    assert trace.count(_MEMBERSHIPS_READ) == 1, list(trace)


async def test_a_role_change_between_updates_is_seen_by_the_next_update(bot: BotHarness) -> None:
    forum_id = await seed_forum(bot.services, koordinator=1001, members={
        1001: ("Budi Santoso", SIDASARI_CIPARI), 1002: ("Sri Wahyuni", SIDASARI_CIPARI)})
    sri = bot.person(1002, "Sri")
    before = await sri.say("/bantuan")
    assert "/siaran" not in before.text  # an anggota does not broadcast
    async with bot.services.db.transaction() as conn:
        await conn.execute("UPDATE memberships SET role = 'koordinator' WHERE forum_id = ? AND user_id = ?",
                           (forum_id, 1002))
    after = await sri.say("/bantuan")
    assert "/siaran" in after.text
