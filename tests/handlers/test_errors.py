"""Errors told plainly: a bug is not a stale button; it is logged with an id the user is given."""

from __future__ import annotations

import asyncio
import logging
import re

import pytest
from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.callbacks import CallbackData, encode
from bot.context import BotContext
from handlers.common import button_handler
from tests.conftest import BotHarness, seed_forum


async def _answer(bot: BotHarness, cq: str) -> str:
    for _ in range(1000):
        if cq in bot.double.answered_callbacks:
            return str(bot.double.answered_callbacks[cq].get("text") or "")
        await asyncio.sleep(0.01)
    raise AssertionError("the press was never answered")


@pytest.mark.parametrize("error", [KeyError, IndexError, ValueError])
async def test_a_bug_in_a_button_is_logged_with_an_id_the_user_sees(bot: BotHarness, caplog: pytest.LogCaptureFixture,
                                                                  error: type[Exception]) -> None:
    @button_handler
    async def buggy(update: Update, context: BotContext, data: CallbackData) -> None:
        raise error("programming error")

    bot.app.add_handler(CallbackQueryHandler(buggy, pattern=r"^p:zzbug$"), group=-1)
    await seed_forum(bot.services, koordinator=1001)
    budi = bot.person(1001, "Budi")
    profile = await budi.say("/profil")
    with caplog.at_level(logging.ERROR):
        text = await _answer(bot, await bot.double.press_button(budi.user, profile, encode("p", "zzbug"), force=True))
        await bot.double.wait_idle()
    match = re.fullmatch(r"Maaf, terjadi kesalahan \(kode ([A-Z0-9]{6})\)\. Coba lagi atau hubungi koordinator\.", text)
    assert match, text
    logged = [r for r in caplog.records if match.group(1) in r.getMessage()]
    assert len(logged) == 1 and logged[0].exc_info is not None and logged[0].exc_info[0] is error


async def test_forged_arguments_still_mean_a_stale_button(bot: BotHarness) -> None:
    await seed_forum(bot.services, koordinator=1001)
    budi = bot.person(1001, "Budi")
    profile = await budi.say("/profil")
    # ... and so does a button written by an older version of the prefix (bot/callbacks.py).
    for data in ("p:leave:notanumber", "p:leave", "p:ed", "p.2:ed", "p.0:ed"):
        text = await _answer(bot, await bot.double.press_button(budi.user, profile, data, force=True))
        assert "tidak berlaku" in text, data
