"""The double counts groups as Telegram does: at most 20 messages in any rolling minute, edits included."""

from __future__ import annotations

import pytest
from telegram import Bot
from telegram.error import RetryAfter

from bot.telegram_double import TelegramDouble


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_group_gets_20_per_rolling_minute_and_edits_count() -> None:
    clock = Clock()
    async with TelegramDouble(clock=clock) as double:
        double.group(-700, "Forum Kades", bot_status="member")
        async with Bot(double.token, base_url=double.api_base_url) as bot:
            first = await bot.send_message(-700, "pesan 0")
            for i in range(1, 19):
                clock.now += 0.1  # well under the global 30/s
                await bot.send_message(-700, f"pesan {i}")
            clock.now += 0.1
            await bot.edit_message_text("pesan 0 (diubah)", chat_id=-700, message_id=first.message_id)
            clock.now += 0.1
            with pytest.raises(RetryAfter) as refused:  # the 21st in the window
                await bot.send_message(-700, "pesan 19")
            assert 55 <= refused.value.retry_after <= 60  # type: ignore[operator]
            clock.now = 1000.0 + 59.9
            with pytest.raises(RetryAfter):  # a rolling window: no refill before a minute passed
                await bot.send_message(-700, "pesan 19")
            clock.now = 1000.0 + 60.05
            await bot.send_message(-700, "pesan 19")  # the first one is a minute old
