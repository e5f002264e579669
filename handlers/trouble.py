"""Storage trouble while handling an update: the user hears a polite sentence, the log one line a minute.

Kept apart from handlers.common's error handler (which treats everything else as a bug with an
error id): a locked or full database is not a bug, and it passes by itself.
"""

from __future__ import annotations

import contextlib

from telegram import Update
from telegram.error import TelegramError

from bot.context import BotContext
from bot.texts import t
from storage.trouble import ALARM, is_storage_trouble


async def on_storage_trouble(update: object, context: BotContext) -> None:
    """Say "Maaf, sedang ada gangguan penyimpanan..." to the user whose write failed."""
    if not is_storage_trouble(context.error):
        return
    assert context.error is not None
    ALARM.failed("handler", context.error)
    if not isinstance(update, Update):
        return
    user = update.effective_user
    lang = "en" if user is not None and (user.language_code or "").startswith("en") else "id"
    text = t("rel.storage_trouble", lang)
    with contextlib.suppress(TelegramError):
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        elif update.effective_chat is not None:
            await update.effective_chat.send_message(text)
