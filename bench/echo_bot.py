"""A bare python-telegram-bot echo bot: the framework's ceiling on the same test double."""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Echo the text back."""
    if update.effective_chat and update.effective_message:
        await update.effective_chat.send_message(update.effective_message.text or "?")


async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a button press and reply, like the bot's own buttons do."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    if update.effective_chat:
        await update.effective_chat.send_message(query.data or "?")


def main() -> None:
    app = (ApplicationBuilder().token(os.environ["TELEGRAM_BOT_TOKEN"])
           .base_url(os.environ["TELEGRAM_API_BASE_URL"]).base_file_url(os.environ["TELEGRAM_API_BASE_FILE_URL"])
           .concurrent_updates(64).build())
    app.add_handler(MessageHandler(filters.ALL, echo))
    app.add_handler(CallbackQueryHandler(press))
    app.run_polling(allowed_updates=Update.ALL_TYPES, timeout=10, poll_interval=0.0)


if __name__ == "__main__":
    main()
