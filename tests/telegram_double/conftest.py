"""Fixtures: a started double and a raw HTTP helper speaking the Bot API to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.telegram_double import TelegramDouble


class RawApi:
    """Bot API calls over plain httpx, to see status codes and bodies exactly."""

    def __init__(self, double: TelegramDouble, client: httpx.AsyncClient) -> None:
        self.double = double
        self.client = client

    async def __call__(self, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
        response = await self.client.post(f"{self.double.api_base_url}{self.double.token}/{method}", json=params)
        return response.status_code, response.json()

    async def ok(self, method: str, **params: Any) -> Any:
        status, body = await self(method, **params)
        assert status == 200 and body["ok"], body
        return body["result"]


@pytest.fixture
async def double() -> AsyncIterator[TelegramDouble]:
    async with TelegramDouble(token="123456:TEST", bot_username="kades_test_bot") as d:
        yield d


@pytest.fixture
async def api(double: TelegramDouble) -> AsyncIterator[RawApi]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield RawApi(double, client)
