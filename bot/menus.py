"""Per-person command menus: each member sees the commands of their roles (setMyCommands, chat scope)."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot.commands import visible_to
from bot.permissions import Role
from bot.services import Services
from bot.texts import t

log = logging.getLogger(__name__)


async def refresh_menu(bot: Bot, services: Services, user_id: int) -> None:
    """Set this person's private-chat menu from their current roles (called after every role change)."""
    memberships = await services.members.memberships_of(user_id)
    member = await services.members.get(user_id)
    lang = member.language if member else services.settings.bot.default_language
    roles: set[Role] = {m.role for m in memberships}
    commands = [BotCommand(c.name, str(t(c.text_key, lang)))
                for c in visible_to(roles, is_member=bool(memberships), chat="private") if c.in_menu]
    try:
        await bot.set_my_commands(commands, scope=BotCommandScopeChat(user_id))
    except TelegramError as exc:  # a menu is a nicety; never fail the role change on it
        log.info("event=menu_refresh_failed user=%s error=%s", user_id, type(exc).__name__)
