"""/bantuan, /bahasa, /batal and the reply to messages nobody expects."""

from __future__ import annotations

from typing import Any

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.callbacks import CallbackData, encode, pattern
from bot.commands import HELP_GROUPS, Where, visible_to
from bot.context import BotContext
from bot.errors import StaleAction
from bot.permissions import Role
from bot.texts import t
from handlers.common import (
    button_handler,
    command_handler,
    edit_or_reply,
    is_private,
    language,
    reply,
    user_of,
)

FEATURE = "g"


@command_handler
async def help_command(update: Update, context: BotContext) -> None:
    """List the commands this user's roles allow, here."""
    user = user_of(update)
    lang = await language(update, context)
    memberships = await context.memberships(user.id)
    roles: set[Role] = {m.role for m in memberships}
    chat: Where = "private" if is_private(update) else "group"
    lines = [str(t("core.help_title", lang))]
    commands = visible_to(roles, is_member=bool(memberships), chat=chat)
    # Short groups, in the order people use them; a group with nothing for this person is left out.
    for group in HELP_GROUPS:
        here = [c for c in commands if c.group == group]
        if here:
            lines += ["", str(t(f"help.group.{group}", lang))]
            lines += [f"/{c.name} — {t(c.text_key, lang)}" for c in here]
    if chat == "private":
        lines += ["", str(t("core.help_footer", lang))]
    await reply(update, "\n".join(lines))


@command_handler
async def cancel(update: Update, context: BotContext) -> None:
    """Drop the form in progress, if any."""
    user = user_of(update)
    lang = await language(update, context)
    had_form = await context.services.drafts.clear(user.id)
    await reply(update, t("core.cancelled" if had_form else "core.nothing_to_cancel", lang),
                markup=ReplyKeyboardRemove() if is_private(update) else None)


@command_handler
async def choose_language(update: Update, context: BotContext) -> None:
    """Offer Bahasa Indonesia or English for this user."""
    lang = await language(update, context)
    rows = [[("Bahasa Indonesia", encode(FEATURE, "lang", "id")), ("English", encode(FEATURE, "lang", "en"))]]
    await reply(update, t("core.language_pick", lang), rows)


@button_handler
async def on_language(update: Update, context: BotContext, data: CallbackData) -> None:
    choice = data.arg(0)
    if choice not in ("id", "en"):
        raise StaleAction()
    user = user_of(update)
    services = context.services
    member = (await context.reader(user)).member
    if member is None:
        # Not registered yet: remember the choice for the forms to come.
        if context.user_data is not None:
            context.user_data["language"] = choice
    else:
        await services.members.update(user.id, services.clock.now(), language=choice)
    context.forget_reader()  # the rest of this update reads the new choice
    await edit_or_reply(update, t("core.language_set", choice))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler(["bantuan", "help"], help_command))
    app.add_handler(CommandHandler("batal", cancel))
    app.add_handler(CommandHandler("bahasa", choose_language))
    app.add_handler(CallbackQueryHandler(on_language, pattern=pattern(FEATURE, "lang")))
