"""The project's Telegram test double, re-exported for the delivery tests."""

from __future__ import annotations

from bot.telegram_double import Fault, FloodLimits, TelegramDouble

__all__ = ["Fault", "FloodLimits", "TelegramDouble"]
