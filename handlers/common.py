"""What every handler shares: who is asking, their language, replies, buttons and errors."""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
    User,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, NetworkError

from bot.callbacks import CallbackData, decode
from bot.context import BotContext
from bot.errors import KadesError, StaleAction
from bot.texts import Html, normalise_language, t
from bot.textsplit import MAX_TEXT, split_text
from storage.trouble import is_storage_trouble

log = logging.getLogger(__name__)

Button = tuple[str, str]  # (label, callback_data); a label starting with "url:" is not used
Keyboard = Sequence[Sequence[Button]]
Handler = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


def keyboard(rows: Keyboard) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows if row]
    )


def button_rows(buttons: Sequence[Button], per_row: int = 1) -> list[list[Button]]:
    return [list(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


async def language(update: Update, context: BotContext) -> str:
    """The reader's language: their saved choice, else Telegram's app language, else Indonesian.

    Read once per update (bot/context.py), however many helpers ask.
    """
    user = update.effective_user
    if user is None:
        return context.services.settings.bot.default_language
    return (await context.reader(user)).language


def is_private(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE


def user_of(update: Update) -> User:
    user = update.effective_user
    if user is None:  # channel posts and the like are filtered out before handlers run
        raise StaleAction()
    return user


async def reply(update: Update, text: str, rows: Keyboard | None = None, *,
                markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None = None,
                thread_aware: bool = True) -> Message | None:
    """Answer in the chat the update came from (the same topic in forum groups)."""
    chat = update.effective_chat
    if chat is None:
        return None
    thread_id = None
    if thread_aware and update.effective_message is not None and update.effective_message.is_topic_message:
        thread_id = update.effective_message.message_thread_id
    reply_markup = keyboard(rows) if rows else markup
    parts = split_text(text)
    sent = None
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        # parse_mode=HTML and link previews off come from the Application's Defaults (bot/app.py).
        sent = await chat.send_message(part, reply_markup=reply_markup if last else None,
                                       message_thread_id=thread_id)
    return sent


async def edit_or_reply(update: Update, text: str, rows: Keyboard | None = None) -> None:
    """After a button press: replace the pressed message; otherwise send a new one."""
    query = update.callback_query
    if query is not None and query.message is not None and len(text) <= MAX_TEXT:
        try:
            await query.edit_message_text(text, reply_markup=keyboard(rows) if rows else None)
            return
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return
            log.info("event=edit_failed reason=%s", exc)
    await reply(update, text, rows)


async def remove_buttons(query: CallbackQuery) -> None:
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except BadRequest:
        pass  # already without buttons, or too old to edit


async def answer(query: CallbackQuery, text: str | None = None, *, alert: bool = False) -> None:
    """Answer a button press once; a second answer or an expired query is harmless."""
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest:
        pass


def callback_data(update: Update) -> CallbackData:
    """The parsed data of the pressed button, or StaleAction when it is not ours or malformed."""
    query = update.callback_query
    parsed = decode(query.data if query else None)
    if parsed is None:
        raise StaleAction()
    return parsed


def button_handler(fn: Callable[[Update, BotContext, CallbackData], Coroutine[Any, Any, None]]) -> Handler:
    """Wrap a button callback: parse its data, always answer the press, turn domain errors into a notice.

    Only the codec's decoding errors and StaleAction (both KadesError) mean "stale button"; any other
    exception is a bug and goes on to on_error, which logs it with an error id the user is given.
    """

    @functools.wraps(fn)
    async def wrapper(update: Update, context: BotContext) -> None:
        query = update.callback_query
        assert query is not None
        lang = await language(update, context)
        try:
            data = callback_data(update)
            await fn(update, context, data)
        except KadesError as exc:
            await answer(query, t(exc.message_key, lang, **exc.params), alert=True)
            return
        await answer(query)

    return wrapper


def command_handler(fn: Handler) -> Handler:
    """Wrap a command or message callback: domain errors become a polite message."""

    @functools.wraps(fn)
    async def wrapper(update: Update, context: BotContext) -> None:
        try:
            await fn(update, context)
        except KadesError as exc:
            lang = await language(update, context)
            await reply(update, t(exc.message_key, lang, **exc.params))

    return wrapper


async def private_only(update: Update, context: BotContext, command: str) -> bool:
    """True in private chat; elsewhere tell the user to send /command to the bot privately."""
    if is_private(update):
        return True
    lang = await language(update, context)
    await reply(update, t("err.private_only", lang, bot=context.services.bot_username, command=command))
    return False


async def on_unknown_button(update: Update, context: BotContext) -> None:
    """A button no handler claims: tell the user it is no longer valid."""
    if update.callback_query is not None:
        await answer(update.callback_query, t("err.stale_button", await language(update, context)), alert=True)


def command_args(context: BotContext) -> str:
    return " ".join(context.args or []).strip()


# Unambiguous upper-case letters and digits, so an error id is easy to read out over the phone.
_ERROR_ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_error_id() -> str:
    return "".join(secrets.choice(_ERROR_ID_ALPHABET) for _ in range(6))


async def on_error(update: object, context: BotContext) -> None:
    """Log a failure once with an error id and tell the user that id, never a traceback.

    A network error while polling (update is None) is transient: PTB retries with backoff, so it is
    one WARNING line without a traceback.
    """
    err = context.error
    if is_storage_trouble(err):
        return  # handlers.trouble answers it: not a bug
    if update is None and isinstance(err, NetworkError):
        log.warning("event=polling_error error=%s detail=%s", type(err).__name__, str(err)[:120])
        return
    error_id = new_error_id()
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("event=handler_error error_id=%s update_id=%s error=%s", error_id, update_id,
              type(err).__name__, exc_info=err)
    if not isinstance(update, Update):
        return
    lang = "id"
    try:
        lang = await language(update, context)
    except Exception:  # the database may be what failed
        pass
    try:
        if update.callback_query is not None:
            await answer(update.callback_query, t("err.bug", lang, code=error_id), alert=True)
        elif update.effective_chat is not None:
            await reply(update, t("err.bug", lang, code=error_id))
    except Exception as exc:  # the network may be what failed
        log.warning("event=error_reply_failed error_id=%s error=%s", error_id, type(exc).__name__)


def plain(value: Any) -> Html:
    """Mark catalog output passed as a placeholder into another text (already escaped)."""
    return Html(str(value))


def lang_or_default(lang: str | None) -> str:
    return normalise_language(lang)
