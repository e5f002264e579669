"""Injected faults, blocking, migration and the flood-limit buckets."""

from __future__ import annotations

import asyncio
import time

import pytest
from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.telegram_double import Fault, FloodLimiter, FloodLimits, TelegramDouble

from .conftest import RawApi


@pytest.mark.parametrize(
    ("kind", "status", "description"),
    [
        ("429", 429, "Too Many Requests: retry after 3"),
        ("403_blocked", 403, "Forbidden: bot was blocked by the user"),
        ("403_deactivated", 403, "Forbidden: user is deactivated"),
        ("400_chat_not_found", 400, "Bad Request: chat not found"),
        ("500", 500, "Internal Server Error"),
        ("502", 502, "Bad Gateway"),
        ("migrate", 400, "Bad Request: group chat was upgraded to a supergroup chat"),
    ],
)
async def test_fault_kinds_fire_once_then_clear(
    double: TelegramDouble, api: RawApi, kind: str, status: int, description: str
) -> None:
    double.user(1001, "Budi")
    double.inject(Fault(method="sendMessage", chat_id=1001, error=kind, retry_after=3, migrate_to_chat_id=-100555))
    await api.ok("getMe")  # other methods are untouched
    got_status, body = await api("sendMessage", chat_id=1001, text="x")
    assert (got_status, body["description"], body["error_code"]) == (status, description, status)
    if kind == "429":
        assert body["parameters"] == {"retry_after": 3}
    if kind == "migrate":
        assert body["parameters"] == {"migrate_to_chat_id": -100555}
    await api.ok("sendMessage", chat_id=1001, text="x")  # times=1: the next call passes
    assert [r.status for r in double.request_log if r.method == "sendMessage"] == [status, 200]


async def test_slow_fault_delays_then_answers(double: TelegramDouble, api: RawApi) -> None:
    double.user(1001, "Budi")
    double.inject(Fault(method="sendMessage", error="slow", delay=0.4, times=None))
    start = time.monotonic()
    await api.ok("sendMessage", chat_id=1001, text="x")
    assert time.monotonic() - start >= 0.4


async def test_ptb_sees_the_right_exceptions(double: TelegramDouble) -> None:
    double.user(1001, "Budi")
    group = double.group(-1001, "Forum lama", chat_type="group", bot_status="member")
    bot = Bot(double.token, base_url=double.api_base_url)
    async with bot:
        double.inject(Fault(method="sendMessage", error="429", retry_after=2))
        with pytest.raises(RetryAfter, match="Retry in 2"):
            await bot.send_message(1001, "x")
        double.inject(Fault(error="502"))
        with pytest.raises(NetworkError):
            await bot.send_message(1001, "x")
        double.inject(Fault(method="sendMessage", error="slow", delay=0.5))
        with pytest.raises(TimedOut):
            await bot.send_message(1001, "x", read_timeout=0.1)

        double.block(1001)
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(1001, "x")
        await asyncio.sleep(0.5)  # let the slow call above finish server-side

        new = double.migrate_group(group.id, -1002002)
        with pytest.raises(ChatMigrated) as migrated:
            await bot.send_message(group.id, "x")
        assert migrated.value.new_chat_id == new.id == -1002002
        await bot.send_message(new.id, "x")  # the new supergroup works
        with pytest.raises(BadRequest, match=r"[Cc]hat not found"):
            await bot.send_message(777, "x")


async def test_block_is_forever_and_emits_my_chat_member(double: TelegramDouble, api: RawApi) -> None:
    double.user(1001, "Budi")
    double.block(1001)
    for _ in range(3):
        status, body = await api("sendMessage", chat_id=1001, text="x")
        assert (status, body["description"]) == (403, "Forbidden: bot was blocked by the user")
    updates = await api.ok("getUpdates")
    assert updates[-1]["my_chat_member"]["new_chat_member"]["status"] == "kicked"


async def test_migrate_group_emits_service_messages(double: TelegramDouble, api: RawApi) -> None:
    budi = double.user(1001, "Budi")
    group = double.group(-1001, "Forum", chat_type="group")
    await double.add_bot_to_group(group, by=budi)
    double.migrate_group(-1001, -1009)
    status, body = await api("sendMessage", chat_id=-1001, text="x")
    assert status == 400 and body["parameters"] == {"migrate_to_chat_id": -1009}
    messages = [u["message"] for u in await api.ok("getUpdates") if "message" in u]
    assert messages[0]["migrate_to_chat_id"] == -1009 and messages[1]["migrate_from_chat_id"] == -1001
    assert messages[1]["chat"]["type"] == "supergroup"


async def test_per_chat_bucket_gives_429_with_retry_after(double: TelegramDouble, api: RawApi) -> None:
    double.user(1001, "Budi")
    results = await asyncio.gather(*(api("sendMessage", chat_id=1001, text=f"pesan {i}") for i in range(10)))
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * 3 + [429] * 7  # burst of 3, then 1/s
    refused = [body for status, body in results if status == 429]
    assert all(b["parameters"]["retry_after"] >= 1 for b in refused)
    assert all(b["description"] == f"Too Many Requests: retry after {b['parameters']['retry_after']}" for b in refused)
    assert len(double.sent(1001)) == 3
    assert sum(1 for r in double.request_log if r.status == 429 and r.chat_id == 1001) == 7
    # Edits don't count against the chat bucket.
    await api.ok("editMessageText", chat_id=1001, message_id=double.last(1001).message_id, text="diubah")


async def test_limits_can_be_disabled(api: RawApi) -> None:
    async with TelegramDouble(enforce_limits=False) as double:
        api.double = double
        double.user(1001, "Budi")
        results = await asyncio.gather(*(api("sendMessage", chat_id=1001, text="x") for _ in range(10)))
        assert {status for status, _ in results} == {200}


def test_bucket_arithmetic() -> None:
    limiter = FloodLimiter(FloodLimits(global_per_second=30, global_burst=30, group_per_minute=20, group_burst=20))
    assert [limiter.acquire(-100, True, 0.0) for _ in range(20)] == [0] * 20
    # 20 in a rolling minute: the 21st waits until the first of them is a minute old.
    assert limiter.acquire(-100, True, 0.0) == 60
    assert limiter.acquire(-100, True, 3.0) == 57
    assert limiter.acquire(-100, True, 60.0) == 0
    # Global bucket: 30 distinct private chats in the same instant, the 31st is refused.
    assert all(limiter.acquire(i, False, 100.0) == 0 for i in range(1, 31))
    assert limiter.acquire(31, False, 100.0) == 1  # 30 already used
    assert limiter.acquire(31, False, 100.04) == 0  # 1/30 s later a token is back
