"""The project's Telegram test double (bot.telegram_double), with a fallback until it lands on main."""

from __future__ import annotations

import sys

try:
    from bot.telegram_double import Fault, TelegramDouble
except ImportError:  # pragma: no cover - temporary, until the double is merged
    sys.path.insert(0, "/tmp/double_pkg")
    from telegram_double import Fault, TelegramDouble  # type: ignore[no-redef]

__all__ = ["Fault", "TelegramDouble"]
