"""Glue for driving a python-telegram-bot Application against the double."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram.ext import Application, ApplicationBuilder

from .server import TelegramDouble

__all__ = ["builder_for", "polling"]


def builder_for(double: TelegramDouble) -> ApplicationBuilder:  # type: ignore[type-arg]
    """An ApplicationBuilder already pointed at the double (add handlers/context types, then build)."""
    return ApplicationBuilder().token(double.token).base_url(double.api_base_url).base_file_url(double.file_base_url)


@asynccontextmanager
async def polling(app: Application[Any, Any, Any, Any, Any, Any], *, poll_timeout: int = 1) -> AsyncIterator[None]:
    """Run the application with long polling for the duration of the block, then stop it cleanly."""
    await app.initialize()
    await app.start()
    assert app.updater is not None, "build the Application with an Updater"
    await app.updater.start_polling(poll_interval=0, timeout=poll_timeout)
    try:
        yield
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
