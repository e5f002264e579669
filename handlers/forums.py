"""Choosing the forum a command is about.

In a linked group the forum is the group's. In private chat, a user in one forum gets it
directly; a user in several (a pendamping often is) picks from buttons. Either way the
permission is checked again when the button is pressed.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update

from bot.callbacks import CallbackData, encode, pattern
from bot.context import BotContext
from bot.errors import NotAMember
from bot.permissions import Action, refusal
from bot.texts import t
from handlers.applicant import applicant_notice
from handlers.common import button_handler, is_private, language, reply, user_of
from storage.models import Forum

ForumAction = Callable[[Update, BotContext, Forum], Coroutine[Any, Any, None]]
_ACTIONS: dict[str, tuple[Action, ForumAction]] = {}
FEATURE = "fa"


def forum_action(name: str, action: Action) -> Callable[[ForumAction], ForumAction]:
    """Register `fn` as something done in one forum, allowed by `action`."""

    def decorate(fn: ForumAction) -> ForumAction:
        _ACTIONS[name] = (action, fn)
        return fn

    return decorate


async def run_in_forum(update: Update, context: BotContext, name: str) -> None:
    """Run forum action `name` in the forum this update is about, asking which when unclear."""
    action, fn = _ACTIONS[name]
    user = user_of(update)
    services = context.services
    if not is_private(update):
        chat = update.effective_chat
        forum = await services.forums.by_group(chat.id) if chat else None
        if forum is None:
            lang = await language(update, context)
            await reply(update, t("core.group_not_linked", lang))
            return
        await services.access.require(forum.id, user.id, action)
        await fn(update, context, forum)
        return
    forums = await services.access.forums_for(user.id, action)
    if not forums:
        if await context.memberships(user.id):
            raise refusal(action)
        if await applicant_notice(update, context):
            return  # a waiting request: its status instead of "not a member"
        raise NotAMember("err.not_member_any")
    if len(forums) == 1:
        await fn(update, context, forums[0])
        return
    lang = await language(update, context)
    rows = [[(f.name, encode(FEATURE, name, f.id))] for f in forums]
    await reply(update, t("core.pick_forum", lang), rows)


@button_handler
async def on_pick(update: Update, context: BotContext, data: CallbackData) -> None:
    """Run the chosen action in the chosen forum, after checking the permission again."""
    action, fn = _ACTIONS[data.action]
    user = user_of(update)
    forum, _ = await context.services.access.require(data.int_arg(0), user.id, action)
    await fn(update, context, forum)


PATTERN = pattern(FEATURE)
